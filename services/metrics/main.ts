/**
 * `vigil-metrics`: windowed model-health metrics. Consumes the inference topic and publishes one
 * final `WindowMetrics` per (model, version, event-time window), effectively once (see
 * services/common/transactional-runner.ts and README "How delivery works").
 *
 * Configuration: the common VIGIL_* variables plus
 *   VIGIL_METRICS_WINDOW_MS            window size (default 60000)
 *   VIGIL_METRICS_HOP_MS               hop for hopping windows (default: = window, tumbling)
 *   VIGIL_METRICS_GRACE_MS             allowed lateness after a window's end (default 10000)
 *   VIGIL_METRICS_OUT_OF_ORDERNESS_MS  watermark lag behind the highest event time (default 0)
 *   VIGIL_METRICS_IDLE_TIMEOUT_MS      close a quiet partition's windows after this much wall time (default 30000)
 *   VIGIL_METRICS_MAX_OPEN_WINDOWS     cap on open (model, version, window) states per partition (default 10000)
 *   VIGIL_METRICS_LOW_CONFIDENCE       low-confidence threshold (default 0.6)
 *   VIGIL_METRICS_TOP_LABELS           labels reported per window before "__other__" (default 10)
 *   VIGIL_METRICS_GAUGE_SERIES         cap on model versions exported as gauges (default 500)
 *   VIGIL_METRICS_GROUP                consumer group (default vigil-metrics)
 *   VIGIL_METRICS_PORT                 /metrics and /healthz port (default 9464)
 *   VIGIL_METRICS_CONCURRENCY          partitions processed at once (default 3)
 *   VIGIL_METRICS_SESSION_TIMEOUT_MS   consumer session timeout: how soon a dead instance's partitions move (default 30000)
 */
import { ConfigReader, loadCommonConfig } from '../common/config.js';
import { DeadLetterPublisher } from '../common/dlq.js';
import { ConfigError } from '../common/errors.js';
import { createKafka, ensureTopics } from '../common/kafka.js';
import { createLogger } from '../common/log.js';
import { AvroCodec, readSchema } from '../common/registry.js';
import { runIfEntryPoint, stopOnSignals } from '../common/service.js';
import { createTelemetry } from '../common/telemetry.js';
import { TransactionalRunner } from '../common/transactional-runner.js';
import { hopping, tumbling } from '../stream/window-spec.js';
import { WindowGauges } from './gauges.js';
import { metricsTaskFactory } from './task.js';

export function loadMetricsConfig(env: Record<string, string | undefined> = process.env) {
  const r = new ConfigReader(env);
  const windowMs = r.int('VIGIL_METRICS_WINDOW_MS', 'metrics.windowMs', 60_000, 1000);
  const hopMs = r.int('VIGIL_METRICS_HOP_MS', 'metrics.hopMs', windowMs, 1000);
  if (hopMs > windowMs)
    throw new ConfigError('VIGIL_METRICS_HOP_MS', `must be <= the window (${windowMs} ms)`);
  return Object.freeze({
    spec: hopMs === windowMs ? tumbling(windowMs) : hopping(windowMs, hopMs),
    graceMs: r.int('VIGIL_METRICS_GRACE_MS', 'metrics.graceMs', 10_000, 0),
    maxOutOfOrdernessMs: r.int(
      'VIGIL_METRICS_OUT_OF_ORDERNESS_MS',
      'metrics.maxOutOfOrdernessMs',
      0,
      0,
    ),
    idleTimeoutMs: r.int('VIGIL_METRICS_IDLE_TIMEOUT_MS', 'metrics.idleTimeoutMs', 30_000, 100),
    maxOpenWindows: r.int('VIGIL_METRICS_MAX_OPEN_WINDOWS', 'metrics.maxOpenWindows', 10_000, 1),
    lowConfidenceThreshold: r.number(
      'VIGIL_METRICS_LOW_CONFIDENCE',
      'metrics.lowConfidenceThreshold',
      0.6,
      0,
      1,
    ),
    topLabels: r.int('VIGIL_METRICS_TOP_LABELS', 'metrics.topLabels', 10, 1, 1000),
    gaugeSeries: r.int('VIGIL_METRICS_GAUGE_SERIES', 'metrics.gaugeSeries', 500, 0),
    group: r.string('VIGIL_METRICS_GROUP', 'metrics.group', 'vigil-metrics'),
    port: r.int('VIGIL_METRICS_PORT', 'metrics.port', 9464, 0, 65535),
    concurrency: r.int('VIGIL_METRICS_CONCURRENCY', 'metrics.concurrency', 3, 1, 64),
    sessionTimeoutMs: r.int(
      'VIGIL_METRICS_SESSION_TIMEOUT_MS',
      'metrics.sessionTimeoutMs',
      30_000,
      6_000,
      300_000,
    ),
  });
}

export async function main(): Promise<void> {
  const cfg = loadCommonConfig();
  const mc = loadMetricsConfig();
  const log = createLogger('vigil-metrics', cfg.logLevel);
  const telemetry = createTelemetry('metrics');
  await telemetry.listen(mc.port);
  const kafka = createKafka({
    brokers: cfg.kafkaBrokers,
    clientId: `${cfg.kafkaClientId}-metrics`,
    logger: log,
  });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    [cfg.topics.inference, cfg.topics.windowMetrics, cfg.topics.dlq].map((topic) => ({
      topic,
      numPartitions: cfg.topicPartitions,
    })),
  );
  await admin.disconnect();
  const codec = new AvroCodec(cfg.registryUrl);
  const encodeMetrics = await codec.encoderFor(
    await codec.register(cfg.topics.windowMetrics, readSchema('WindowMetrics')),
  );
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const dlq = new DeadLetterPublisher(producer, codec, cfg.topics.dlq, 'metrics');
  await dlq.init();
  const gauges = new WindowGauges(telemetry.registry, mc.gaugeSeries);
  const consumer = kafka.consumer({
    groupId: mc.group,
    sessionTimeout: mc.sessionTimeoutMs,
    heartbeatInterval: Math.floor(mc.sessionTimeoutMs / 10),
    readUncommitted: false,
  });
  await consumer.connect();
  const runner = new TransactionalRunner({
    service: 'metrics',
    kafka,
    consumer,
    groupId: mc.group,
    topic: cfg.topics.inference,
    codec,
    dlq,
    logger: log,
    metrics: telemetry.registry,
    concurrency: mc.concurrency,
    factory: metricsTaskFactory({
      spec: mc.spec,
      graceMs: mc.graceMs,
      maxOutOfOrdernessMs: mc.maxOutOfOrdernessMs,
      idleTimeoutMs: mc.idleTimeoutMs,
      maxOpenWindows: mc.maxOpenWindows,
      lowConfidenceThreshold: mc.lowConfidenceThreshold,
      topLabels: mc.topLabels,
      outputTopic: cfg.topics.windowMetrics,
      encode: encodeMetrics,
      clock: Date.now,
      onEmit: (m) => gauges.observe(m),
    }),
  });
  await runner.start();
  telemetry.setHealthy(true);
  log.info('metrics running', {
    group: mc.group,
    port: mc.port,
    windowMs: mc.spec.sizeMs,
    graceMs: mc.graceMs,
  });
  stopOnSignals('metrics', log, [
    () => runner.stop(),
    () => producer.disconnect(),
    () => telemetry.close(),
  ]);
}

runIfEntryPoint(import.meta.url, 'metrics', main);
