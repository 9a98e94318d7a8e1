/**
 * ClickHouse access: the client factory and the migration runner. Migrations are numbered SQL
 * files in infra/clickhouse/migrations, applied in order and recorded in `<db>.schema_migrations`.
 * A file may hold several statements (each ends with `;` at the end of a line) and version-gated
 * blocks, so one file serves 18.16 and current servers:
 *
 *   -- @if server >= 20.1
 *   ...SQL for servers that have the feature...
 *   -- @else
 *   ...portable SQL...
 *   -- @endif
 *
 * `{db}` and `{rawRetentionDays}` are substituted.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { VigilError, errorMessage } from './errors.js';

export type { ClickHouseClient } from '@clickhouse/client';

export const MIGRATIONS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'infra',
  'clickhouse',
  'migrations',
);

export interface ClickHouseOptions {
  url: string;
  database?: string;
  username?: string;
  password?: string;
  /** Per-request timeout, ms. Default 30,000. */
  requestTimeout?: number;
}

export function createClickHouse(o: ClickHouseOptions): ClickHouseClient {
  return createClient({
    url: o.url,
    username: o.username ?? 'default',
    password: o.password ?? '',
    ...(o.database ? { database: o.database } : {}),
    request_timeout: o.requestTimeout ?? 30_000,
    // 18.16 knows no newer settings; send none by default.
    clickhouse_settings: {},
  });
}

export interface ServerVersion {
  major: number;
  minor: number;
  text: string;
}

export async function serverVersion(ch: ClickHouseClient): Promise<ServerVersion> {
  const rs = await ch.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
  const rows = (await rs.json()) as Array<{ v: string }>;
  const text = rows[0]?.v ?? '0.0';
  const [major = 0, minor = 0] = text.split('.').map((x) => Number.parseInt(x, 10));
  return { major, minor, text };
}

export function atLeast(v: ServerVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number.parseInt(f, 10),
      name: f.replace(/\.sql$/, ''),
      sql: readFileSync(join(dir, f), 'utf8'),
    }));
}

/** Resolves `-- @if server >= X.Y` / `-- @else` / `-- @endif` blocks for a server version. */
export function renderForVersion(sql: string, v: ServerVersion): string {
  const out: string[] = [];
  const stack: Array<{ cond: boolean; inElse: boolean }> = [];
  const active = (): boolean => stack.every((s) => (s.inElse ? !s.cond : s.cond));
  for (const line of sql.split('\n')) {
    const m = /^\s*--\s*@if\s+server\s*>=\s*(\d+)\.(\d+)\s*$/.exec(line);
    if (m) {
      stack.push({ cond: atLeast(v, Number(m[1]), Number(m[2])), inElse: false });
      continue;
    }
    if (/^\s*--\s*@else\s*$/.test(line)) {
      const top = stack[stack.length - 1];
      if (!top) throw new VigilError('migration: @else without @if');
      top.inElse = true;
      continue;
    }
    if (/^\s*--\s*@endif\s*$/.test(line)) {
      if (!stack.pop()) throw new VigilError('migration: @endif without @if');
      continue;
    }
    if (active()) out.push(line);
  }
  if (stack.length) throw new VigilError('migration: @if without @endif');
  return out.join('\n');
}

/** Splits a migration into statements: each ends with `;` at the end of a line; comments dropped. */
export function splitStatements(sql: string): string[] {
  const stmts: string[] = [];
  let cur: string[] = [];
  for (const line of sql.split('\n')) {
    if (/^\s*--/.test(line)) continue;
    cur.push(line);
    if (/;\s*$/.test(line)) {
      const s = cur.join('\n').trim().replace(/;\s*$/, '').trim();
      if (s) stmts.push(s);
      cur = [];
    }
  }
  const rest = cur.join('\n').trim();
  if (rest) stmts.push(rest);
  return stmts;
}

export interface MigrateOptions {
  database: string;
  /** Days raw events are kept, where the server supports TTL. Default 30. */
  rawRetentionDays?: number;
  dir?: string;
  log?: (msg: string) => void;
}

export interface MigrateResult {
  server: string;
  applied: string[];
  alreadyApplied: string[];
}

/** Creates the database if needed and applies every migration not yet recorded. Idempotent. */
export async function migrate(ch: ClickHouseClient, o: MigrateOptions): Promise<MigrateResult> {
  const db = o.database;
  const v = await serverVersion(ch);
  const run = async (query: string): Promise<void> => {
    try {
      await ch.command({ query });
    } catch (err) {
      throw new VigilError(
        `ClickHouse refused: ${errorMessage(err)}\n--- statement ---\n${query}`,
        { cause: err },
      );
    }
  };
  await run(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await run(
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = MergeTree() ORDER BY version`,
  );
  const rs = await ch.query({
    query: `SELECT version FROM ${db}.schema_migrations`,
    format: 'JSONEachRow',
  });
  const done = new Set(
    ((await rs.json()) as Array<{ version: number }>).map((r) => Number(r.version)),
  );
  const result: MigrateResult = { server: v.text, applied: [], alreadyApplied: [] };
  for (const m of loadMigrations(o.dir)) {
    if (done.has(m.version)) {
      result.alreadyApplied.push(m.name);
      continue;
    }
    const sql = renderForVersion(m.sql, v)
      .replaceAll('{db}', db)
      .replaceAll('{rawRetentionDays}', String(o.rawRetentionDays ?? 30));
    for (const stmt of splitStatements(sql)) await run(stmt);
    await ch.insert({
      table: `${db}.schema_migrations`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    });
    o.log?.(`applied ${m.name}`);
    result.applied.push(m.name);
  }
  return result;
}
