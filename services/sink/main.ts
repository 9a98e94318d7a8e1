/**
 * `vigil-sink`: consumes the result topics and raw events and writes them to ClickHouse.
 * Configuration: the common VIGIL_* variables plus
 *   VIGIL_SINK_RAW_SAMPLE_RATE   share of raw events stored, 0..1 (default 1)
 *   VIGIL_SINK_GROUP             consumer group (default vigil-sink)
 *   VIGIL_SINK_PORT              /metrics and /healthz port (default 9467)
 *   VIGIL_SINK_CONCURRENCY       partitions processed at once (default 3)
 *   VIGIL_SINK_SESSION_TIMEOUT_MS consumer session timeout (default 30000)
 */
import { createClickHouse } from '../common/clickhouse.js';
import { ConfigReader, loadCommonConfig } from '../common/config.js';
import { DeadLetterPublisher } from '../common/dlq.js';
import { createKafka, ensureTopics } from '../common/kafka.js';
import { createLogger } from '../common/log.js';
import { AvroCodec } from '../common/registry.js';
import { runIfEntryPoint, stopOnSignals } from '../common/service.js';
import { createTelemetry } from '../common/telemetry.js';
import { Sink } from './sink.js';
import { defaultRoutes } from './tables.js';

export async function main(): Promise<void> {
  const cfg = loadCommonConfig();
  const r = new ConfigReader();
  const sc = Object.freeze({
    rawSampleRate: r.number('VIGIL_SINK_RAW_SAMPLE_RATE', 'sink.rawSampleRate', 1, 0, 1),
    group: r.string('VIGIL_SINK_GROUP', 'sink.group', 'vigil-sink'),
    port: r.int('VIGIL_SINK_PORT', 'sink.port', 9467, 0, 65535),
    concurrency: r.int('VIGIL_SINK_CONCURRENCY', 'sink.concurrency', 3, 1, 64),
    sessionTimeoutMs: r.int(
      'VIGIL_SINK_SESSION_TIMEOUT_MS',
      'sink.sessionTimeoutMs',
      30_000,
      6_000,
      300_000,
    ),
  });
  const log = createLogger('vigil-sink', cfg.logLevel);
  const telemetry = createTelemetry('sink');
  await telemetry.listen(sc.port);
  const kafka = createKafka({
    brokers: cfg.kafkaBrokers,
    clientId: `${cfg.kafkaClientId}-sink`,
    logger: log,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({
    groupId: sc.group,
    sessionTimeout: sc.sessionTimeoutMs,
    heartbeatInterval: Math.floor(sc.sessionTimeoutMs / 10),
    readUncommitted: false,
  });
  const codec = new AvroCodec(cfg.registryUrl);
  const clickhouse = createClickHouse({
    url: cfg.clickhouseUrl,
    username: cfg.clickhouseUser,
    password: cfg.clickhousePassword,
  });
  const routes = defaultRoutes(cfg.topics, { rawSampleRate: sc.rawSampleRate });
  // Subscribing to a topic that does not exist yet fails in kafkajs: create inputs and the DLQ.
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    [...routes.map((r) => r.topic), cfg.topics.dlq].map((topic) => ({
      topic,
      numPartitions: cfg.topicPartitions,
    })),
  );
  await admin.disconnect();
  await producer.connect();
  await consumer.connect();
  const dlq = new DeadLetterPublisher(producer, codec, cfg.topics.dlq, 'sink');
  await dlq.init();
  const sink = new Sink({
    consumer,
    clickhouse,
    codec,
    dlq,
    database: cfg.clickhouseDatabase,
    routes,
    logger: log,
    metrics: telemetry.registry,
    concurrency: sc.concurrency,
  });
  await sink.start();
  telemetry.setHealthy(true);
  log.info('sink running', { group: sc.group, port: sc.port });
  stopOnSignals('sink', log, [
    () => sink.stop(),
    () => producer.disconnect(),
    () => clickhouse.close(),
    () => telemetry.close(),
  ]);
}

runIfEntryPoint(import.meta.url, 'sink', main);
