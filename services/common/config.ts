import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

/**
 * Configuration shared by every Vigil process. Each field is read from an environment variable
 * (named in its doc) or, failing that, from the optional JSON file named by `VIGIL_CONFIG_FILE`
 * (same keys as the fields below), or takes its default. It is validated once, at start, into a
 * frozen object; a bad value stops the process with a message naming the key.
 */
export interface CommonConfig {
  /** `VIGIL_KAFKA_BROKERS`: comma-separated host:port list. Default `127.0.0.1:9092` (or the
   * native stack's `VIGIL_KAFKA_PORT`; likewise the registry and ClickHouse defaults follow
   * `VIGIL_REGISTRY_PORT` and `VIGIL_CLICKHOUSE_PORT`). */
  kafkaBrokers: readonly string[];
  /** `VIGIL_KAFKA_CLIENT_ID`: client id prefix. Default `vigil`. */
  kafkaClientId: string;
  /** `VIGIL_REGISTRY_URL`: Confluent-compatible schema registry API root.
   * Default `http://127.0.0.1:8081/apis/ccompat/v7` (Apicurio's Confluent API). */
  registryUrl: string;
  /** `VIGIL_CLICKHOUSE_URL`: ClickHouse HTTP interface. Default `http://127.0.0.1:8123`. */
  clickhouseUrl: string;
  /** `VIGIL_CLICKHOUSE_DATABASE`. Default `vigil`. */
  clickhouseDatabase: string;
  /** `VIGIL_CLICKHOUSE_USER`. Default `default`. */
  clickhouseUser: string;
  /** `VIGIL_CLICKHOUSE_PASSWORD`. Default empty. */
  clickhousePassword: string;
  /** Topic names, `VIGIL_TOPIC_<NAME>`; defaults `vigil.<name>.v1`. */
  topics: Readonly<Topics>;
  /** `VIGIL_TOPIC_PARTITIONS`: partitions of topics that Vigil creates. Default 3. */
  topicPartitions: number;
  /** `VIGIL_LOG_LEVEL`: error | warn | info | debug. Default `info`. */
  logLevel: 'error' | 'warn' | 'info' | 'debug';
}

export interface Topics {
  inference: string;
  windowMetrics: string;
  drift: string;
  scores: string;
  quarantine: string;
  alerts: string;
  rollback: string;
  dlq: string;
}

const TOPIC_DEFAULTS: Topics = {
  inference: 'vigil.inference.v1',
  windowMetrics: 'vigil.window-metrics.v1',
  drift: 'vigil.drift.v1',
  scores: 'vigil.scores.v1',
  quarantine: 'vigil.quarantine.v1',
  alerts: 'vigil.alerts.v1',
  rollback: 'vigil.rollback.v1',
  dlq: 'vigil.dlq.v1',
};

type Source = Record<string, string | undefined>;

/** Reads one setting: environment first, then the config file, then the default. */
export class ConfigReader {
  private readonly file: Record<string, unknown>;

  constructor(private readonly env: Source = process.env) {
    const path = env.VIGIL_CONFIG_FILE;
    this.file = {};
    if (path) {
      try {
        this.file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        throw new ConfigError(
          'VIGIL_CONFIG_FILE',
          `cannot read ${path}: ${(err as Error).message}`,
        );
      }
    }
  }

  raw(envKey: string, fileKey: string): string | undefined {
    const v = this.env[envKey];
    if (v !== undefined && v !== '') return v;
    const f = this.file[fileKey];
    if (f === undefined || f === null) return undefined;
    return Array.isArray(f) ? f.join(',') : String(f);
  }

  string(envKey: string, fileKey: string, dflt: string): string {
    return this.raw(envKey, fileKey) ?? dflt;
  }

  int(envKey: string, fileKey: string, dflt: number, min = -Infinity, max = Infinity): number {
    const r = this.raw(envKey, fileKey);
    if (r === undefined) return dflt;
    const n = Number(r);
    if (!Number.isInteger(n))
      throw new ConfigError(envKey, `must be an integer, got ${JSON.stringify(r)}`);
    if (n < min || n > max) throw new ConfigError(envKey, `must be in [${min}, ${max}], got ${n}`);
    return n;
  }

  number(envKey: string, fileKey: string, dflt: number, min = -Infinity, max = Infinity): number {
    const r = this.raw(envKey, fileKey);
    if (r === undefined) return dflt;
    const n = Number(r);
    if (!Number.isFinite(n))
      throw new ConfigError(envKey, `must be a number, got ${JSON.stringify(r)}`);
    if (n < min || n > max) throw new ConfigError(envKey, `must be in [${min}, ${max}], got ${n}`);
    return n;
  }

  bool(envKey: string, fileKey: string, dflt: boolean): boolean {
    const r = this.raw(envKey, fileKey);
    if (r === undefined) return dflt;
    if (/^(1|true|yes|on)$/i.test(r)) return true;
    if (/^(0|false|no|off)$/i.test(r)) return false;
    throw new ConfigError(envKey, `must be true or false, got ${JSON.stringify(r)}`);
  }

  oneOf<T extends string>(envKey: string, fileKey: string, dflt: T, allowed: readonly T[]): T {
    const r = this.raw(envKey, fileKey);
    if (r === undefined) return dflt;
    if (!(allowed as readonly string[]).includes(r))
      throw new ConfigError(
        envKey,
        `must be one of ${allowed.join(', ')}, got ${JSON.stringify(r)}`,
      );
    return r as T;
  }

  url(envKey: string, fileKey: string, dflt: string): string {
    const r = this.string(envKey, fileKey, dflt);
    try {
      const u = new URL(r);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      throw new ConfigError(envKey, `must be an http(s) URL, got ${JSON.stringify(r)}`);
    }
    return r.replace(/\/+$/, '');
  }
}

export function loadCommonConfig(env: Source = process.env): CommonConfig {
  const r = new ConfigReader(env);
  // Defaults follow the native stack's ports (VIGIL_*_PORT), so one set of variables moves both.
  const port = (k: string, d: number): string => env[k] || String(d);
  const brokers = r
    .string('VIGIL_KAFKA_BROKERS', 'kafkaBrokers', `127.0.0.1:${port('VIGIL_KAFKA_PORT', 9092)}`)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (brokers.length === 0)
    throw new ConfigError('VIGIL_KAFKA_BROKERS', 'must name at least one broker');
  for (const b of brokers)
    if (!/^[^\s:]+:\d+$/.test(b))
      throw new ConfigError('VIGIL_KAFKA_BROKERS', `"${b}" is not host:port`);
  const topics = {} as Topics;
  for (const [name, dflt] of Object.entries(TOPIC_DEFAULTS) as [keyof Topics, string][]) {
    const envKey = `VIGIL_TOPIC_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    const t = r.string(envKey, `topics.${name}`, dflt);
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(t))
      throw new ConfigError(envKey, `"${t}" is not a valid topic name`);
    topics[name] = t;
  }
  const database = r.string('VIGIL_CLICKHOUSE_DATABASE', 'clickhouseDatabase', 'vigil');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
    throw new ConfigError('VIGIL_CLICKHOUSE_DATABASE', `"${database}" is not a plain identifier`);
  return Object.freeze({
    kafkaBrokers: Object.freeze(brokers),
    kafkaClientId: r.string('VIGIL_KAFKA_CLIENT_ID', 'kafkaClientId', 'vigil'),
    registryUrl: r.url(
      'VIGIL_REGISTRY_URL',
      'registryUrl',
      `http://127.0.0.1:${port('VIGIL_REGISTRY_PORT', 8081)}/apis/ccompat/v7`,
    ),
    clickhouseUrl: r.url(
      'VIGIL_CLICKHOUSE_URL',
      'clickhouseUrl',
      `http://127.0.0.1:${port('VIGIL_CLICKHOUSE_PORT', 8123)}`,
    ),
    clickhouseDatabase: database,
    clickhouseUser: r.string('VIGIL_CLICKHOUSE_USER', 'clickhouseUser', 'default'),
    clickhousePassword: r.string('VIGIL_CLICKHOUSE_PASSWORD', 'clickhousePassword', ''),
    topics: Object.freeze(topics),
    topicPartitions: r.int('VIGIL_TOPIC_PARTITIONS', 'topicPartitions', 3, 1, 1000),
    logLevel: r.oneOf('VIGIL_LOG_LEVEL', 'logLevel', 'info', [
      'error',
      'warn',
      'info',
      'debug',
    ] as const),
  });
}
