/** Shared helpers of the integration tests: addresses, unique names, waiting. */
import { randomUUID } from 'node:crypto';
import {
  createClickHouse,
  migrate,
  type ClickHouseClient,
} from '../../services/common/clickhouse.js';
import { type CommonConfig, loadCommonConfig } from '../../services/common/config.js';
import { createKafka } from '../../services/common/kafka.js';
import { createLogger } from '../../services/common/log.js';

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
