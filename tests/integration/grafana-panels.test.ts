/**
 * Every ClickHouse query of every Grafana dashboard in infra/grafana/dashboards runs on the real
 * ClickHouse (18.16 here) against window metrics in a fresh, migrated database: template variables
 * and the grafana-clickhouse-datasource macros are substituted the way Grafana and the plugin do
 * (tests/integration/grafana/dashboard-sql.ts), `vigil.` is pointed at the test database, and each
 * result is checked for rows, column names and, for the model-health panels, the figures
 * recomputed here from the inserted windows.
 *
 * The rows come from a short real run (`produceWindowMetrics`): simulated events through the SDK,
 * the metrics service and the sink as processes, into the fresh database. The checks recompute
 * the expected figures from the same windows computed by the metrics core offline (which the
 * metrics pipeline test proves identical to what the service emits).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '../../services/common/clickhouse.js';
import type { WindowMetricsRecord } from '../../services/sink/rows.js';
import {
  loadDashboards,
  panelQueries,
  renderSql,
  retargetDatabase,
  type Dashboard,
  type RenderContext,
} from './grafana/dashboard-sql.js';
import type { InferenceEvent } from '../../services/common/event.js';
import { createMetricsAggregator, finalizeWindow } from '../../services/metrics/metrics-windows.js';
import { createMonitor } from '../../services/sdk/monitor.js';
import { tumbling } from '../../services/stream/window-spec.js';
import { mulberry32 } from '../../services/common/prng.js';
import {
  cfg,
  freshDatabase,
  isolatedTopicsEnv,
  kafka,
  log,
  queryRows,
  uniq,
  waitFor,
} from './harness.js';
import { ServiceProcess } from './services.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DASHBOARDS_DIR = join(ROOT, 'infra', 'grafana', 'dashboards');

const MODELS = ['churn', 'fraud'];
const VERSIONS = ['v1', 'v2'];
const WINDOWS = 30;
const START_MS = Date.UTC(2026, 0, 15, 10, 0, 0);
/** The metrics service's window for this run: one minute. */
const WINDOW_MS = 60_000;
const END_MS = START_MS + WINDOWS * WINDOW_MS;
/** Grafana's $__interval for the panels: two windows per point. */
const INTERVAL_MS = 2 * WINDOW_MS;
/** A version seen only a day before the dashboard's range: the version variable must not list it. */
const OLD_VERSION = 'v0';

const GRACE_MS = 10_000;
const services: ServiceProcess[] = [];

/** Events for `windows` one-minute windows per (model, version): a few per window, time-ordered. */
function windowEvents(
  models: string[],
  versions: string[],
  windows: number,
  startMs: number,
  seed: number,
): InferenceEvent[] {
  const rand = mulberry32(seed);
  const out: InferenceEvent[] = [];
  for (let w = 0; w < windows; w++) {
    for (let k = 0; k < 6; k++) {
      for (const [mi, modelId] of models.entries()) {
        for (const [vi, modelVersion] of versions.entries()) {
          const ok = rand() > 0.02 + 0.08 * vi;
          const conf = Math.min(1, Math.max(0, 0.85 - 0.25 * vi + (rand() - 0.5) * 0.5));
          out.push({
            eventId: `g-${seed}-${w}-${k}-${mi}-${vi}`,
            timestamp: startMs + w * WINDOW_MS + k * 9_000 + Math.floor(rand() * 8_000),
            modelId,
            modelVersion,
            clientId: `c${k}`,
            features: { x: rand() },
            categorical: {},
            embedding: null,
            prediction: {
              label: conf > 0.7 ? 'ok' : 'fraud',
              confidence: conf,
              probabilities: {},
              score: null,
            },
            latencyMs: 10 + 30 * vi + rand() * 40,
            status: ok ? 'OK' : 'ERROR',
            errorCode: ok ? null : 'E',
            metadata: {},
          });
        }
      }
    }
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

/**
 * The one data-producing step, a short real run: events through the SDK, the metrics service
 * and the sink as processes, until the sink has written every window. Returns the windows as the
 * metrics core computes them offline, for the expected figures.
 */
async function produceWindowMetrics(): Promise<WindowMetricsRecord[]> {
  const events = [
    ...windowEvents([MODELS[0]!], [OLD_VERSION], 3, START_MS - 86_400_000, 2),
    ...windowEvents(MODELS, VERSIONS, WINDOWS, START_MS, 1),
  ];
  const agg = createMetricsAggregator({ spec: tumbling(WINDOW_MS), graceMs: GRACE_MS });
  for (const e of events) expect(agg.add(e).kind).toBe('accepted');
  const expected = agg.flush().map((r) => finalizeWindow(r));

  const topics = {
    inference: uniq('grafana-in'),
    windowMetrics: uniq('grafana-wm'),
    dlq: uniq('grafana-dlq'),
  };
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 2 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  const monitor = await createMonitor({
    brokers: cfg.kafkaBrokers,
    registryUrl: cfg.registryUrl,
    topic: topics.inference,
    logger: log,
  });
  for (const e of events) await monitor.record(e);
  await monitor.close();
  const env = {
    ...isolatedTopicsEnv('grafana'),
    VIGIL_TOPIC_INFERENCE: topics.inference,
    VIGIL_TOPIC_WINDOW_METRICS: topics.windowMetrics,
    VIGIL_TOPIC_DLQ: topics.dlq,
    VIGIL_CLICKHOUSE_DATABASE: db,
    VIGIL_METRICS_GROUP: uniq('grafana-metrics'),
    VIGIL_SINK_GROUP: uniq('grafana-sink'),
    VIGIL_METRICS_WINDOW_MS: String(WINDOW_MS),
    VIGIL_METRICS_GRACE_MS: String(GRACE_MS),
    VIGIL_METRICS_IDLE_TIMEOUT_MS: '2000',
    VIGIL_METRICS_PORT: '0',
    VIGIL_SINK_PORT: '0',
  };
  for (const name of ['metrics', 'sink'] as const) {
    const p = new ServiceProcess(name, env, `${db}-${name}`);
    services.push(p);
    p.start();
  }
  await waitFor(
    `${expected.length} windows in ClickHouse`,
    async () => {
      const [r] = await queryRows<{ c: string }>(
        ch,
        `SELECT count() AS c FROM ${db}.window_metrics_final`,
      );
      return Number(r!.c) === expected.length;
    },
    180_000,
    500,
  );
  return expected;
}

interface Result {
  columns: string[];
  types: string[];
  rows: Array<Record<string, unknown>>;
}

let ch: ClickHouseClient;
let db: string;
let metrics: WindowMetricsRecord[];
const dashboards: Dashboard[] = loadDashboards(DASHBOARDS_DIR);

async function run(sql: string): Promise<Result> {
  const rs = await ch.query({ query: retargetDatabase(sql, db), format: 'JSON' });
  const body = (await rs.json()) as {
    meta: Array<{ name: string; type: string }>;
    data: Array<Record<string, unknown>>;
  };
  return {
    columns: body.meta.map((m) => m.name),
    types: body.meta.map((m) => m.type),
    rows: body.data,
  };
}

function ctx(vars: RenderContext['vars']): RenderContext {
  return { fromMs: START_MS, toMs: END_MS, intervalMs: INTERVAL_MS, vars };
}

beforeAll(async () => {
  ({ db, ch } = await freshDatabase('it_grafana'));
  metrics = await produceWindowMetrics();
});

afterAll(async () => {
  for (const p of services) await p.stop();
  await ch?.command({ query: `DROP DATABASE IF EXISTS ${db}` });
  await ch?.close();
});

describe('dashboard files', () => {
  it('finds the dashboards, each with a uid and ClickHouse queries', () => {
    expect(dashboards.map((d) => d.file)).toContain('model-health.json');
    for (const d of dashboards) {
      expect(d.uid, d.file).toMatch(/^[\w-]{1,40}$/);
      expect(panelQueries(d).length, d.file).toBeGreaterThan(0);
    }
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length);
  });

  it('provisioning: the ClickHouse data source the dashboards use, and the folder docker-compose mounts', () => {
    // No YAML parser among the dependencies: the few keys are matched line by line.
    const ds = readFileSync(
      join(ROOT, 'infra/grafana/provisioning/datasources/clickhouse.yml'),
      'utf8',
    );
    expect(ds).toMatch(/^\s+uid: vigil-clickhouse\n\s+type: grafana-clickhouse-datasource$/m);
    expect(ds).toMatch(/^\s+host: 127\.0\.0\.1$/m);
    expect(ds).toMatch(/^\s+port: 8123\n\s+protocol: http$/m);
    const provider = readFileSync(
      join(ROOT, 'infra/grafana/provisioning/dashboards/vigil.yml'),
      'utf8',
    );
    const path = /^\s+path: (\S+)$/m.exec(provider)?.[1];
    expect(path).toBe('/var/lib/grafana/dashboards');
    const compose = readFileSync(join(ROOT, 'infra/docker-compose.yml'), 'utf8');
    expect(compose).toContain(`./grafana/dashboards:${path}`);
    expect(compose).toContain('./grafana/provisioning:/etc/grafana/provisioning');
  });

  it('points every SQL panel at the provisioned ClickHouse data source', () => {
    for (const d of dashboards)
      for (const p of d.panels.filter((x) => x.type !== 'row')) {
        const ds = p.datasource as { type?: string; uid?: string } | undefined;
        expect(ds, `${d.file}: ${String(p.title)}`).toEqual({
          type: 'grafana-clickhouse-datasource',
          uid: 'vigil-clickhouse',
        });
      }
  });
});

// ------------------------------------------------------------------ every query, generically
/**
 * The columns each query must return, per dashboard file and panel title (or `variable <name>`).
 * A query without an entry fails the test: a new panel must say what it returns.
 */
const EXPECTED_COLUMNS: Record<string, Record<string, string[]>> = {
  'model-health.json': {
    'variable model': ['model_id'],
    'variable version': ['model_version'],
    QPS: ['time', 'version', 'qps'],
    'Error rate': ['time', 'version', 'error_rate'],
    'Average latency': ['time', 'version', 'latency_mean_ms'],
    'p95 latency': ['time', 'version', 'latency_p95_ms'],
    'Low-confidence share': ['time', 'version', 'low_confidence_share'],
    'Last window per version': [
      'version',
      'last_window_end',
      'predictions',
      'qps',
      'error_rate',
      'latency_p95_ms',
      'confidence_mean',
    ],
    'Confidence distribution ($version)': ['confidence', 'predictions'],
    'Predicted labels': ['label', 'predictions'],
  },
};

describe('every dashboard query runs on real ClickHouse', () => {
  // drift.json reads drift reports: tests/integration/drift-service.test.ts runs its queries on
  // the rows of a real drift run. Every other dashboard must be listed in EXPECTED_COLUMNS.
  it('every dashboard is covered here or by the drift service test', () => {
    for (const d of dashboards)
      expect(d.file === 'drift.json' || d.file in EXPECTED_COLUMNS, d.file).toBe(true);
  });
  for (const d of dashboards.filter((x) => x.file !== 'drift.json')) {
    it(`${d.file}: variables resolve, and every panel query returns rows with its columns`, async () => {
      const expected = EXPECTED_COLUMNS[d.file] ?? {};
      const vars: RenderContext['vars'] = {};
      const seen: string[] = [];
      // Variables in order, as Grafana resolves them: single-value takes the first value,
      // multi-value (or "All") takes all of them.
      for (const v of d.variables) {
        expect(v.type, `${d.file}: variable ${v.name}`).toBe('query');
        const source = `variable ${v.name}`;
        const r = await run(renderSql(v.query, ctx(vars)));
        expect(r.columns, `${d.file}: ${source}`).toEqual(expected[source]);
        const values = r.rows.map((x) => String(x[r.columns[0]!]));
        expect(values.length, `${d.file}: ${source}`).toBeGreaterThan(0);
        vars[v.name] = v.multi || v.includeAll ? values : values[0]!;
        seen.push(source);
      }
      for (const q of panelQueries(d)) {
        const runs: RenderContext['vars'][] = [vars];
        // A repeated panel runs once per value of its variable, with that single value.
        if (q.repeat)
          for (const value of [vars[q.repeat]].flat()) runs.push({ ...vars, [q.repeat]: value! });
        for (const vs of runs) {
          const r = await run(renderSql(q.sql, ctx(vs)));
          expect(r.columns, `${d.file}: ${q.source}`).toEqual(expected[q.source]);
          expect(r.rows.length, `${d.file}: ${q.source}`).toBeGreaterThan(0);
        }
        seen.push(q.source);
      }
      expect(seen.sort()).toEqual(Object.keys(expected).sort());
    });
  }
});

// ----------------------------------------------------------------------------- model health
const health = dashboards.find((d) => d.uid === 'vigil-model-health');

/** The windows a panel sees: the selected model and versions, inside the time range. */
function selected(model: string, versions: string[]): WindowMetricsRecord[] {
  return metrics.filter(
    (m) =>
      m.modelId === model &&
      versions.includes(m.modelVersion) &&
      m.windowStart >= START_MS &&
      m.windowStart <= END_MS,
  );
}

function bucketOf(ms: number): string {
  const s = Math.floor(ms / 1000);
  const b = Math.floor(s / (INTERVAL_MS / 1000)) * (INTERVAL_MS / 1000);
  return new Date(b * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Expected value of each time-series panel for one (interval, version) group of windows. */
const timeSeriesPanels: Record<
  string,
  { column: string; value: (ws: WindowMetricsRecord[]) => number }
> = {
  QPS: { column: 'qps', value: (ws) => sum(ws.map((w) => w.qps)) / ws.length },
  'Error rate': {
    column: 'error_rate',
    value: (ws) => sum(ws.map((w) => w.errorCount)) / sum(ws.map((w) => w.count)),
  },
  'Average latency': {
    column: 'latency_mean_ms',
    value: (ws) =>
      sum(ws.map((w) => (w.latencyMean ?? 0) * w.count)) /
      sum(ws.filter((w) => w.latencyMean !== null).map((w) => w.count)),
  },
  'p95 latency': {
    column: 'latency_p95_ms',
    value: (ws) => Math.max(...ws.map((w) => w.latencyP95 ?? -Infinity)),
  },
  'Low-confidence share': {
    column: 'low_confidence_share',
    value: (ws) =>
      sum(ws.map((w) => w.lowConfidenceCount)) / sum(ws.map((w) => sum(w.confidenceHistogram))),
  },
};

/** The other panels, each checked by its own test below. */
const otherPanels = [
  'Last window per version',
  'Confidence distribution ($version)',
  'Predicted labels',
];
const cols = EXPECTED_COLUMNS['model-health.json']!;

describe.runIf(health)('model health dashboard on real ClickHouse', () => {
  const d = health!;
  const queries = panelQueries(d);
  const model = MODELS[1]!; // 'fraud': not the first value, so a query ignoring ${model} shows up
  let versionValues: string[] = [];

  it('has the expected panels and no panel this test does not check', () => {
    const titles = queries.map((q) => q.source).sort();
    expect(titles).toEqual([...Object.keys(timeSeriesPanels), ...otherPanels].sort());
  });

  it('template variable `model` lists every model', async () => {
    const v = d.variables.find((x) => x.name === 'model');
    expect(v?.type).toBe('query');
    const r = await run(renderSql(v!.query, ctx({})));
    expect(r.columns).toEqual(['model_id']);
    expect(r.rows.map((x) => x.model_id)).toEqual(MODELS);
  });

  it('template variable `version` lists the versions of the selected model within the time range', async () => {
    const v = d.variables.find((x) => x.name === 'version');
    expect(v).toMatchObject({ type: 'query', multi: true, includeAll: true });
    const r = await run(renderSql(v!.query, ctx({ model: MODELS[0]! })));
    expect(r.columns).toEqual(['model_version']);
    // churn also has v0, but only a day before the range.
    expect(r.rows.map((x) => x.model_version)).toEqual(VERSIONS);
    const r2 = await run(renderSql(v!.query, ctx({ model: model })));
    versionValues = r2.rows.map((x) => String(x.model_version));
    expect(versionValues).toEqual(VERSIONS);
  });

  for (const [title, spec] of Object.entries(timeSeriesPanels)) {
    it(`panel "${title}": one point per interval and version, with the figures of the windows`, async () => {
      const q = queries.find((x) => x.source === title)!;
      const r = await run(renderSql(q.sql, ctx({ model, version: VERSIONS })));
      expect(r.columns).toEqual(['time', 'version', spec.column]);
      expect(cols[title]).toEqual(r.columns);
      expect(r.types[0]).toBe('DateTime');
      expect(r.types[2]).toMatch(/Float64|UInt64|Int64/);
      const expected = groupBy(
        selected(model, VERSIONS),
        (w) => `${bucketOf(w.windowStart)}|${w.modelVersion}`,
      );
      expect(r.rows.length).toBe(expected.size);
      expect(r.rows.length).toBe((WINDOWS / (INTERVAL_MS / WINDOW_MS)) * VERSIONS.length);
      for (const row of r.rows) {
        const ws = expected.get(`${String(row.time)}|${String(row.version)}`);
        expect(ws, `unexpected point ${String(row.time)} ${String(row.version)}`).toBeDefined();
        expect(Number(row[spec.column])).toBeCloseTo(spec.value(ws!), 9);
      }
      // Ordered by time (Grafana needs ascending time).
      const times = r.rows.map((x) => String(x.time));
      expect(times).toEqual([...times].sort());
    });
  }

  it('panel "Last window per version": the latest window of each version', async () => {
    const q = queries.find((x) => x.source === 'Last window per version')!;
    const r = await run(renderSql(q.sql, ctx({ model, version: VERSIONS })));
    expect(r.columns).toEqual(cols['Last window per version']);
    expect(r.rows.map((x) => x.version)).toEqual(VERSIONS);
    for (const row of r.rows) {
      const ws = selected(model, [String(row.version)]);
      const last = ws.reduce((a, b) => (b.windowStart > a.windowStart ? b : a));
      expect(Number(row.predictions)).toBe(last.count);
      expect(Number(row.error_rate)).toBeCloseTo(last.errorRate, 12);
      expect(Number(row.latency_p95_ms)).toBeCloseTo(last.latencyP95!, 9);
      expect(Number(row.confidence_mean)).toBeCloseTo(last.confidenceMean!, 12);
      expect(String(row.last_window_end)).toBe(
        new Date(last.windowEnd).toISOString().slice(0, 19).replace('T', ' '),
      );
    }
  });

  it('panel "Confidence distribution": 20 bins summed over the range, all versions and each version (panel repeat)', async () => {
    const q = queries.find((x) => x.source === 'Confidence distribution ($version)')!;
    expect(q.repeat).toBe('version');
    for (const versions of [VERSIONS, ...VERSIONS.map((v) => [v])]) {
      const r = await run(renderSql(q.sql, ctx({ model, version: versions })));
      expect(r.columns).toEqual(cols['Confidence distribution ($version)']);
      expect(r.rows).toHaveLength(20);
      expect(r.rows[0]!.confidence).toBe('0-0.05');
      expect(r.rows[7]!.confidence).toBe('0.35-0.4');
      expect(r.rows[19]!.confidence).toBe('0.95-1');
      const ws = selected(model, versions);
      const bins = Array.from({ length: 20 }, (_, i) =>
        sum(ws.map((w) => w.confidenceHistogram[i] ?? 0)),
      );
      expect(r.rows.map((x) => Number(x.predictions))).toEqual(bins);
      expect(sum(bins)).toBeGreaterThan(0);
    }
  });

  it('panel "Predicted labels": predictions per label over the range', async () => {
    const q = queries.find((x) => x.source === 'Predicted labels')!;
    const r = await run(renderSql(q.sql, ctx({ model, version: VERSIONS })));
    expect(r.columns).toEqual(cols['Predicted labels']);
    const ws = selected(model, VERSIONS);
    const want = new Map<string, number>();
    for (const w of ws)
      for (const l of w.labelCounts) want.set(l.label, (want.get(l.label) ?? 0) + l.count);
    expect(r.rows.map((x) => [x.label, Number(x.predictions)])).toEqual(
      [...want.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    );
  });

  it('every panel returns nothing for a time range without windows (the time filter is applied)', async () => {
    for (const q of queries) {
      const r = await run(
        renderSql(q.sql, {
          fromMs: START_MS - 7 * 86_400_000,
          toMs: START_MS - 6 * 86_400_000,
          intervalMs: INTERVAL_MS,
          vars: { model, version: VERSIONS },
        }),
      );
      expect(r.rows, q.source).toHaveLength(0);
    }
  });
});
