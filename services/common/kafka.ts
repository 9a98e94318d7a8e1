/**
 * The one module that touches kafkajs directly (kafkajs is unmaintained since 2.2.4; keeping it
 * behind this seam lets us swap the client). Creates clients with our logger and retry settings,
 * and makes sure topics exist.
 */
import {
  Kafka,
  logLevel as KafkaLogLevel,
  type Admin,
  type ITopicConfig,
  type KafkaConfig,
  type LogEntry,
} from 'kafkajs';
import type { Logger } from './log.js';
import { retry } from './retry.js';

export type {
  Admin,
  Consumer,
  Producer,
  EachBatchPayload,
  KafkaMessage,
  Transaction,
} from 'kafkajs';
export { CompressionTypes } from 'kafkajs';

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /** Connection timeout, ms. Default 5,000. */
  connectionTimeout?: number;
  /** Request timeout, ms. Default 30,000. */
  requestTimeout?: number;
}

const NOISE =
  /^Response \w+\(key|switched default partitioner|Limiting retries for the idempotent producer/;

function toKafkaLog(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...rest } = log;
      const ctx = { ...rest, kafkaLevel: level } as Record<string, unknown>;
      delete ctx.timestamp;
      // kafkajs logs protocol errors it is about to retry ("Response Metadata(...)") and two
      // start-up notices at ERROR/WARN; they are noise unless debugging.
      if (NOISE.test(message)) logger.debug(message, ctx);
      else if (level <= KafkaLogLevel.ERROR) logger.error(message, ctx);
      else if (level === KafkaLogLevel.WARN) logger.warn(message, ctx);
      else logger.debug(message, ctx);
    };
}

export function createKafka(opts: KafkaClientOptions): Kafka {
  const cfg: KafkaConfig = {
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    connectionTimeout: opts.connectionTimeout ?? 5_000,
    requestTimeout: opts.requestTimeout ?? 30_000,
    logLevel: KafkaLogLevel.WARN,
    logCreator: toKafkaLog(opts.logger),
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 10_000 },
  };
  return new Kafka(cfg);
}

/** Creates the topics that do not exist yet (existing ones are left as they are). */
export async function ensureTopics(
  admin: Admin,
  topics: readonly ITopicConfig[],
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0)
    await admin.createTopics({
      topics: missing.map((t) => ({ numPartitions: 1, replicationFactor: 1, ...t })),
      // Not kafkajs's own wait: it retries only LEADER_NOT_AVAILABLE, and the broker may answer
      // a just-created topic's metadata with UNKNOWN_TOPIC_OR_PARTITION first — the sink died
      // of it in CI ("This server does not host this topic-partition"), started beside a
      // metrics instance creating the same topics. The wait below retries any error.
      waitForLeaders: false,
    });
  // A topic another process has just created is listed before its partitions have leaders; a
  // service that subscribes then died with "This server does not host this topic-partition"
  // (seen once in CI: the sink, started beside three metrics instances creating the same
  // topics). Wait until every partition of every topic has a leader.
  const names = topics.map((t) => t.topic);
  if (names.length > 0)
    await retry(
      async () => {
        const md = await admin.fetchTopicMetadata({ topics: names });
        const leaderless = md.topics.flatMap((t) =>
          t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`),
        );
        if (leaderless.length > 0) throw new Error(`no leader yet: ${leaderless.join(', ')}`);
      },
      { retries: 12, initialDelayMs: 100, maxDelayMs: 2_000 },
    );
  return missing.map((t) => t.topic);
}
