/**
 * `vigil-guard`: adversarial and abuse detection in-stream. Consumes the inference topic, scores
 * every event with the GuardEngine (one per input partition; see services/guard/task.ts) and
 * publishes, effectively once (services/common/transactional-runner.ts):
 * - to the scores topic (`vigil.v1.Score`): one record of kind EVENT per event that is flagged or
 *   whose client is suspicious, and per tumbling event-time window one MODEL_WINDOW record per
 *   model version (its flag rate) and one CLIENT_WINDOW record per client with a flagged event or
 *   a suspicious state (its flag rate) — see services/guard/records.ts;
 * - to the quarantine topic (`vigil.v1.QuarantineRecord`): the same events in full (features,
 *   prediction, client, scores, reasons), for human review.
 * Events of models without a profile in the calibration are counted
 * (vigil_guard_events_unscored_total) and skipped; invalid events go to the DLQ.
 *
 * Crash safety is a bounded replay: after a restart each partition re-scores its last
 * VIGIL_GUARD_REPLAY_RECORDS records (plus the open summary window) to rebuild client state,
 * publishing nothing for them. Outputs are never duplicated or lost; client state older than the
 * replay is forgotten (task.ts says exactly what is guaranteed).
 *
 * Configuration: the common VIGIL_* variables plus
 *   VIGIL_GUARD_CALIBRATION          required: the calibration file ({profile, thresholds}) written by `vigil guard calibrate --out`
 *   VIGIL_GUARD_MAX_CLIENTS          client states kept per input partition, LRU beyond (default 10000)
 *   VIGIL_GUARD_IDLE_TIMEOUT_MS      a client state idle this long in event time is dropped (default 3600000)
 *   VIGIL_GUARD_REPLAY_RECORDS       records per partition re-scored after a restart to rebuild client state (default 20000)
 *   VIGIL_GUARD_SUMMARY_WINDOW_MS    tumbling event-time window of the flag-rate summaries (default 60000)
 *   VIGIL_GUARD_SUMMARY_GRACE_MS     a summary window closes when event time passes its end by this much (default 10000)
 *   VIGIL_GUARD_SUMMARY_IDLE_MS      close a quiet partition's summary windows after this much wall time (default 30000)
 *   VIGIL_GUARD_SUMMARY_CLIENTS      clients tracked per summary window and partition, in each of two tables (default 10000)
 *   VIGIL_GUARD_SUMMARY_MODELS       model versions per summary window and partition, the rest as "__other__" (default 100)
 *   VIGIL_GUARD_GROUP                consumer group (default vigil-guard)
 *   VIGIL_GUARD_PORT                 /metrics and /healthz port (default 9466)
 *   VIGIL_GUARD_CONCURRENCY          partitions processed at once (default 3)
 *   VIGIL_GUARD_SESSION_TIMEOUT_MS   consumer session timeout: how soon a dead instance's partitions move (default 30000)
 * Memory bound per owned partition ≈ VIGIL_GUARD_MAX_CLIENTS × ((historySize + pradaHistory) ×
 * similarityDims × 4 bytes + ~11 KiB) in the worst case (every client at a full query-similarity
 * and PRADA history; 255 MiB at 1,000 clients and the default 1,000-query histories × 32 dims),
 * ~2–5 KiB per client that sent a handful of queries; plus
 * 2 × VIGIL_GUARD_SUMMARY_CLIENTS × ~200 bytes per open summary window.
 *
 * Telemetry (/metrics): vigil_guard_events_scored_total, _flagged_total, _published_total,
 * _unscored_total, _replayed_total, vigil_guard_clients_flagged_total, vigil_guard_client_rules_total{rule},
 * vigil_guard_tracked_clients, vigil_guard_client_evictions_total{reason=lru|idle},
 * vigil_guard_events_per_second, vigil_guard_summary_late_events_total,
 * vigil_guard_window_summaries_total, vigil_guard_open_summary_windows, and the runner's
 * vigil_records_in_total, vigil_output_records_total{topic}, vigil_consumer_lag, ….
 */
import { readFileSync } from 'node:fs';
import { ConfigReader, loadCommonConfig } from '../common/config.js';
import { DeadLetterPublisher } from '../common/dlq.js';
import { ConfigError, errorMessage } from '../common/errors.js';
import { createKafka, ensureTopics } from '../common/kafka.js';
import { createLogger } from '../common/log.js';
import { AvroCodec, readSchema } from '../common/registry.js';
import { runIfEntryPoint, stopOnSignals } from '../common/service.js';
import { createTelemetry } from '../common/telemetry.js';
import { TransactionalRunner } from '../common/transactional-runner.js';
import type { GuardCalibration } from './calibrate.js';
import { parseGuardCalibration } from './calibration-json.js';
import { GuardGauges } from './gauges.js';
import { GuardTaskFactory, type GuardTask } from './task.js';

export function loadGuardConfig(env: Record<string, string | undefined> = process.env) {
  const r = new ConfigReader(env);
  const calibration = r.raw('VIGIL_GUARD_CALIBRATION', 'guard.calibration');
  if (calibration === undefined)
    throw new ConfigError(
      'VIGIL_GUARD_CALIBRATION',
      'must name the calibration file written by `vigil guard calibrate --out`',
    );
  return Object.freeze({
    calibration,
    maxClients: r.int('VIGIL_GUARD_MAX_CLIENTS', 'guard.maxClients', 10_000, 1, 10_000_000),
    idleTimeoutMs: r.int('VIGIL_GUARD_IDLE_TIMEOUT_MS', 'guard.idleTimeoutMs', 3_600_000, 1),
    replayRecords: r.int('VIGIL_GUARD_REPLAY_RECORDS', 'guard.replayRecords', 20_000, 0),
    summaryWindowMs: r.int('VIGIL_GUARD_SUMMARY_WINDOW_MS', 'guard.summaryWindowMs', 60_000, 1000),
    summaryGraceMs: r.int('VIGIL_GUARD_SUMMARY_GRACE_MS', 'guard.summaryGraceMs', 10_000, 0),
    summaryIdleMs: r.int('VIGIL_GUARD_SUMMARY_IDLE_MS', 'guard.summaryIdleMs', 30_000, 100),
    summaryClients: r.int(
      'VIGIL_GUARD_SUMMARY_CLIENTS',
      'guard.summaryClients',
      10_000,
      1,
      1_000_000,
    ),
    summaryModels: r.int('VIGIL_GUARD_SUMMARY_MODELS', 'guard.summaryModels', 100, 1, 100_000),
    group: r.string('VIGIL_GUARD_GROUP', 'guard.group', 'vigil-guard'),
    port: r.int('VIGIL_GUARD_PORT', 'guard.port', 9466, 0, 65535),
    concurrency: r.int('VIGIL_GUARD_CONCURRENCY', 'guard.concurrency', 3, 1, 64),
    sessionTimeoutMs: r.int(
      'VIGIL_GUARD_SESSION_TIMEOUT_MS',
      'guard.sessionTimeoutMs',
      30_000,
      6_000,
      300_000,
    ),
  });
}

/** Reads and checks the calibration file; errors name the variable and the file. */
export function loadCalibration(file: string): GuardCalibration {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('VIGIL_GUARD_CALIBRATION', `cannot read ${file}: ${errorMessage(err)}`);
  }
  try {
    return parseGuardCalibration(JSON.parse(text));
  } catch (err) {
    throw new ConfigError(
      'VIGIL_GUARD_CALIBRATION',
      `${file} is not a guard calibration (vigil guard calibrate --out): ${errorMessage(err)}`,
    );
  }
}

export async function main(): Promise<void> {
  const cfg = loadCommonConfig();
  const gc = loadGuardConfig();
  const calibration = loadCalibration(gc.calibration);
  const log = createLogger('vigil-guard', cfg.logLevel);
  const telemetry = createTelemetry('guard');
  await telemetry.listen(gc.port);
  const kafka = createKafka({
    brokers: cfg.kafkaBrokers,
    clientId: `${cfg.kafkaClientId}-guard`,
    logger: log,
  });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    [cfg.topics.inference, cfg.topics.scores, cfg.topics.quarantine, cfg.topics.dlq].map(
      (topic) => ({
        topic,
        numPartitions: cfg.topicPartitions,
      }),
    ),
  );
  await admin.disconnect();
  const codec = new AvroCodec(cfg.registryUrl);
  const encodeScore = await codec.encoderFor(
    await codec.register(cfg.topics.scores, readSchema('Score')),
  );
  const encodeQuarantine = await codec.encoderFor(
    await codec.register(cfg.topics.quarantine, readSchema('QuarantineRecord')),
  );
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const dlq = new DeadLetterPublisher(producer, codec, cfg.topics.dlq, 'guard');
  await dlq.init();
  // The gauges read the live tasks at scrape time (the factory is created next).
  const gauges: GuardGauges = new GuardGauges(telemetry.registry, (): Iterable<GuardTask> =>
    factory.tasks.values(),
  );
  gauges.startRate();
  const factory: GuardTaskFactory = new GuardTaskFactory({
    calibration,
    engine: { maxClients: gc.maxClients, idleTimeoutMs: gc.idleTimeoutMs },
    replayRecords: gc.replayRecords,
    summary: {
      windowMs: gc.summaryWindowMs,
      graceMs: gc.summaryGraceMs,
      idleMs: gc.summaryIdleMs,
      maxClients: gc.summaryClients,
      maxModels: gc.summaryModels,
    },
    scoresTopic: cfg.topics.scores,
    quarantineTopic: cfg.topics.quarantine,
    encodeScore,
    encodeQuarantine,
    clock: Date.now,
    observer: gauges,
  });
  const consumer = kafka.consumer({
    groupId: gc.group,
    sessionTimeout: gc.sessionTimeoutMs,
    heartbeatInterval: Math.floor(gc.sessionTimeoutMs / 10),
    readUncommitted: false,
  });
  await consumer.connect();
  consumer.on(consumer.events.GROUP_JOIN, (e) =>
    factory.retain(new Set(e.payload.memberAssignment[cfg.topics.inference] ?? [])),
  );
  const runner = new TransactionalRunner({
    service: 'guard',
    kafka,
    consumer,
    groupId: gc.group,
    topic: cfg.topics.inference,
    codec,
    dlq,
    logger: log,
    metrics: telemetry.registry,
    concurrency: gc.concurrency,
    factory,
  });
  await runner.start();
  telemetry.setHealthy(true);
  log.info('guard running', {
    group: gc.group,
    port: gc.port,
    calibration: gc.calibration,
    models: Object.keys(calibration.profile.models),
    maxClients: gc.maxClients,
    replayRecords: gc.replayRecords,
    summaryWindowMs: gc.summaryWindowMs,
  });
  stopOnSignals('guard', log, [
    () => gauges.stop(),
    () => runner.stop(),
    () => producer.disconnect(),
    () => telemetry.close(),
  ]);
}

runIfEntryPoint(import.meta.url, 'guard', main);
