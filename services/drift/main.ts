/**
 * `vigil-drift`: drift of each model version's inputs, predicted labels and confidence against its
 * active reference profile. Consumes the inference topic and publishes one final `DriftReport` per
 * (model, version, window) to the drift topic, effectively once (see
 * services/common/transactional-runner.ts and services/drift/task.ts).
 *
 * Profiles come from ClickHouse (`reference_profiles`, written by `vigil baseline build|activate`):
 * loaded at start and polled every VIGIL_DRIFT_PROFILE_POLL_MS; a newly activated profile applies
 * from the next window on, without a restart. Events of a model version without an active profile
 * are counted (vigil_drift_events_skipped_total{reason="no-profile"}) and skipped, not dead-lettered.
 *
 * Configuration: the common VIGIL_* variables plus
 *   VIGIL_DRIFT_WINDOW_MS            tumbling event-time window size (default 300000 = 5 min)
 *   VIGIL_DRIFT_COUNT_WINDOW         0 = time windows (default); N > 0 = a window per model version every N events
 *   VIGIL_DRIFT_GRACE_MS             allowed lateness after a time window's end (default 10000)
 *   VIGIL_DRIFT_IDLE_TIMEOUT_MS      close a quiet partition's time windows after this much wall time (default 30000)
 *   VIGIL_DRIFT_RESERVOIR            values sampled per numeric feature per window (default 2000)
 *   VIGIL_DRIFT_MAX_FEATURES         input features tested per model version (default 200; the rest are not tested)
 *   VIGIL_DRIFT_MAX_MODELS           model versions with a loaded profile, and with open windows per partition (default 100)
 *   VIGIL_DRIFT_MAX_OPEN_WINDOWS     cap on open (model, version, window) states per partition (default 1000)
 *   VIGIL_DRIFT_SHARE                share of drifted input features that flags dataset drift (default 0.5)
 *   VIGIL_DRIFT_PROFILE_POLL_MS      how often ClickHouse is polled for newly activated profiles (default 30000)
 *   VIGIL_DRIFT_GAUGE_SERIES         cap on model versions exported as gauges (default 500)
 *   VIGIL_DRIFT_GROUP                consumer group (default vigil-drift)
 *   VIGIL_DRIFT_PORT                 /metrics and /healthz port (default 9465)
 *   VIGIL_DRIFT_CONCURRENCY          partitions processed at once (default 3)
 *   VIGIL_DRIFT_SESSION_TIMEOUT_MS   consumer session timeout: how soon a dead instance's partitions move (default 30000)
 * Memory bound per partition ≈ open windows × tested columns × VIGIL_DRIFT_RESERVOIR × 8 bytes
 * (plus the profiles: models × features × 5,000 × 8 bytes).
 */
import { createClickHouse } from '../common/clickhouse.js';
import { ConfigReader, loadCommonConfig } from '../common/config.js';
import { DeadLetterPublisher } from '../common/dlq.js';
import { errorMessage } from '../common/errors.js';
import { createKafka, ensureTopics } from '../common/kafka.js';
import { createLogger } from '../common/log.js';
import { AvroCodec, readSchema } from '../common/registry.js';
import { runIfEntryPoint, stopOnSignals } from '../common/service.js';
import { createTelemetry } from '../common/telemetry.js';
import { TransactionalRunner } from '../common/transactional-runner.js';
import { tumbling } from '../stream/window-spec.js';
import { DriftGauges } from './gauges.js';
import { ProfileCache } from './profile-cache.js';
import { loadActiveProfiles } from './profile-store.js';
import { driftTaskFactory, type DriftWindowMode } from './task.js';

export function loadDriftConfig(env: Record<string, string | undefined> = process.env) {
  const r = new ConfigReader(env);
  const windowMs = r.int('VIGIL_DRIFT_WINDOW_MS', 'drift.windowMs', 300_000, 1000);
  const countWindow = r.int('VIGIL_DRIFT_COUNT_WINDOW', 'drift.countWindow', 0, 0, 10_000_000);
  const graceMs = r.int('VIGIL_DRIFT_GRACE_MS', 'drift.graceMs', 10_000, 0);
  const idleTimeoutMs = r.int('VIGIL_DRIFT_IDLE_TIMEOUT_MS', 'drift.idleTimeoutMs', 30_000, 100);
  const maxOpenWindows = r.int('VIGIL_DRIFT_MAX_OPEN_WINDOWS', 'drift.maxOpenWindows', 1000, 1);
  const mode: DriftWindowMode =
    countWindow > 0
      ? { kind: 'count', size: countWindow }
      : { kind: 'time', spec: tumbling(windowMs), graceMs, idleTimeoutMs, maxOpenWindows };
  return Object.freeze({
    mode,
    reservoirSize: r.int('VIGIL_DRIFT_RESERVOIR', 'drift.reservoir', 2000, 10, 1_000_000),
    maxFeatures: r.int('VIGIL_DRIFT_MAX_FEATURES', 'drift.maxFeatures', 200, 1, 2000),
    maxModels: r.int('VIGIL_DRIFT_MAX_MODELS', 'drift.maxModels', 100, 1, 100_000),
    driftShare: r.number('VIGIL_DRIFT_SHARE', 'drift.driftShare', 0.5, 0, 1),
    profilePollMs: r.int('VIGIL_DRIFT_PROFILE_POLL_MS', 'drift.profilePollMs', 30_000, 100),
    gaugeSeries: r.int('VIGIL_DRIFT_GAUGE_SERIES', 'drift.gaugeSeries', 500, 0),
    group: r.string('VIGIL_DRIFT_GROUP', 'drift.group', 'vigil-drift'),
    port: r.int('VIGIL_DRIFT_PORT', 'drift.port', 9465, 0, 65535),
    concurrency: r.int('VIGIL_DRIFT_CONCURRENCY', 'drift.concurrency', 3, 1, 64),
    sessionTimeoutMs: r.int(
      'VIGIL_DRIFT_SESSION_TIMEOUT_MS',
      'drift.sessionTimeoutMs',
      30_000,
      6_000,
      300_000,
    ),
  });
}

export async function main(): Promise<void> {
  const cfg = loadCommonConfig();
  const dc = loadDriftConfig();
  const log = createLogger('vigil-drift', cfg.logLevel);
  const telemetry = createTelemetry('drift');
  await telemetry.listen(dc.port);
  const gauges = new DriftGauges(telemetry.registry, dc.gaugeSeries);

  // Profiles first: a service that cannot read them would only skip every event.
  const clickhouse = createClickHouse({
    url: cfg.clickhouseUrl,
    username: cfg.clickhouseUser,
    password: cfg.clickhousePassword,
  });
  const profiles = new ProfileCache({ maxModels: dc.maxModels, maxFeatures: dc.maxFeatures });
  const poll = async (): Promise<void> => {
    const { changed, unchanged } = await loadActiveProfiles(
      clickhouse,
      cfg.clickhouseDatabase,
      profiles.ids(),
    );
    const c = profiles.replace(changed, unchanged);
    gauges.profiles.set(profiles.size);
    const n = c.added.length + c.changed.length + c.removed.length;
    if (n > 0) {
      gauges.reloads.inc(n);
      log.info('profiles loaded', {
        added: c.added,
        changed: c.changed,
        removed: c.removed,
        overCap: c.overCap,
        active: profiles.size,
      });
    }
  };
  await poll();
  let polling = false;
  const pollTimer = setInterval(() => {
    if (polling) return;
    polling = true;
    poll()
      .catch((err: unknown) => {
        gauges.reloadFailures.inc();
        log.warn('profile poll failed; keeping the loaded profiles', { error: errorMessage(err) });
      })
      .finally(() => (polling = false));
  }, dc.profilePollMs);

  const kafka = createKafka({
    brokers: cfg.kafkaBrokers,
    clientId: `${cfg.kafkaClientId}-drift`,
    logger: log,
  });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    [cfg.topics.inference, cfg.topics.drift, cfg.topics.dlq].map((topic) => ({
      topic,
      numPartitions: cfg.topicPartitions,
    })),
  );
  await admin.disconnect();
  const codec = new AvroCodec(cfg.registryUrl);
  const encodeReport = await codec.encoderFor(
    await codec.register(cfg.topics.drift, readSchema('DriftReport')),
  );
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const dlq = new DeadLetterPublisher(producer, codec, cfg.topics.dlq, 'drift');
  await dlq.init();
  const consumer = kafka.consumer({
    groupId: dc.group,
    sessionTimeout: dc.sessionTimeoutMs,
    heartbeatInterval: Math.floor(dc.sessionTimeoutMs / 10),
    readUncommitted: false,
  });
  await consumer.connect();
  const runner = new TransactionalRunner({
    service: 'drift',
    kafka,
    consumer,
    groupId: dc.group,
    topic: cfg.topics.inference,
    codec,
    dlq,
    logger: log,
    metrics: telemetry.registry,
    concurrency: dc.concurrency,
    factory: driftTaskFactory({
      mode: dc.mode,
      reservoirSize: dc.reservoirSize,
      maxModels: dc.maxModels,
      profiles,
      verdict: { driftShare: dc.driftShare },
      outputTopic: cfg.topics.drift,
      encode: encodeReport,
      clock: Date.now,
      onEmit: (r) => gauges.observe(r),
      onSkip: (reason) => gauges.skip(reason),
    }),
  });
  await runner.start();
  telemetry.setHealthy(true);
  log.info('drift running', {
    group: dc.group,
    port: dc.port,
    window: dc.mode.kind === 'time' ? `${dc.mode.spec.sizeMs} ms` : `${dc.mode.size} events`,
    profiles: profiles.size,
    reservoir: dc.reservoirSize,
  });
  stopOnSignals('drift', log, [
    () => clearInterval(pollTimer),
    () => runner.stop(),
    () => producer.disconnect(),
    () => clickhouse.close(),
    () => telemetry.close(),
  ]);
}

runIfEntryPoint(import.meta.url, 'drift', main);
