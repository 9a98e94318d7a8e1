/** Shared helpers of the integration tests: addresses, unique names, waiting. */
import { randomUUID } from 'node:crypto';
import {
  createClickHouse,
  migrate,
  type ClickHouseClient,
} from '../../services/common/clickhouse.js';
import { type CommonConfig, loadCommonConfig } from '../../services/common/config.js';
import { createKafka } from '../../services/common/kafka.js';
import type { InferenceEvent } from '../../services/common/event.js';
import { createLogger } from '../../services/common/log.js';
import { createMonitor } from '../../services/sdk/monitor.js';

export const cfg: CommonConfig = loadCommonConfig();
export const log = createLogger(
  'it',
  (process.env.VIGIL_TEST_LOG as 'debug' | undefined) ?? 'error',
);

export function uniq(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

export function kafka(clientId = 'vigil-it') {
  return createKafka({ brokers: cfg.kafkaBrokers, clientId, logger: log });
}

export function clickhouse(database?: string): ClickHouseClient {
  return createClickHouse({
    url: cfg.clickhouseUrl,
    username: cfg.clickhouseUser,
    password: cfg.clickhousePassword,
    ...(database ? { database } : {}),
  });
}

/** A fresh, migrated database for one test file. */
export async function freshDatabase(prefix: string): Promise<{ db: string; ch: ClickHouseClient }> {
  const db = `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const ch = clickhouse();
  await migrate(ch, { database: db });
  return { db, ch };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function queryRows<T>(ch: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await ch.query({ query, format: 'JSONEachRow' });
  return (await rs.json()) as T[];
}

/** Publishes events through the SDK; with `perSecond`, paced so that crashes land mid-stream. */
export async function publishEvents(
  topic: string,
  events: readonly InferenceEvent[],
  perSecond = Infinity,
): Promise<void> {
  const monitor = await createMonitor({
    brokers: cfg.kafkaBrokers,
    registryUrl: cfg.registryUrl,
    topic,
    logger: log,
  });
  const start = Date.now();
  for (let i = 0; i < events.length; i++) {
    await monitor.record(events[i]!);
    if (perSecond !== Infinity && i % 100 === 0) {
      const ahead = start + (i / perSecond) * 1000 - Date.now();
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    }
  }
  await monitor.close();
}

/**
 * Unique names for every Vigil topic, as VIGIL_TOPIC_* variables: a test's services then read and
 * write only their own topics, never a running demo's (spread first, then set the ones a test uses).
 */
export function isolatedTopicsEnv(prefix: string): Record<string, string> {
  const names = [
    'INFERENCE',
    'WINDOW_METRICS',
    'DRIFT',
    'SCORES',
    'QUARANTINE',
    'ALERTS',
    'ROLLBACK',
    'DLQ',
  ];
  return Object.fromEntries(
    names.map((n) => [`VIGIL_TOPIC_${n}`, uniq(`${prefix}-${n.toLowerCase()}`)]),
  );
}
