/**
 * The metrics service and the sink as real processes against the real stack:
 * - ground truth: window rows in ClickHouse match counts exactly and latency quantiles within the
 *   sketch's stated relative error of the exact (lower) order statistics computed offline;
 * - crash: both services are SIGKILLed 3 times each at random moments; the final rows and the
 *   output topic equal a run without crashes, exactly;
 * - scale-out: 1 partition / 1 instance and 6 partitions / 3 instances give identical windows;
 * - ClickHouse stopped for 30 s mid-run: no rows lost.
 * The expected windows come from the same pure core run offline over the same events.
 */
import { execFileSync } from 'node:child_process';
import { Partitioners } from 'kafkajs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { InferenceEvent } from '../../services/common/event.js';
import { AvroCodec } from '../../services/common/registry.js';
import { createMetricsAggregator, finalizeWindow } from '../../services/metrics/metrics-windows.js';
import { lowerRank } from '../../services/metrics/quantile-sketch.js';
import type { WindowMetrics } from '../../services/metrics/window-metrics.js';
import { tumbling } from '../../services/stream/window-spec.js';
import { mulberry32 } from '../../services/common/prng.js';
import {
  cfg,
  freshDatabase,
  isolatedTopicsEnv,
  kafka,
  publishEvents,
  queryRows,
  uniq,
  waitFor,
} from './harness.js';
import { ServiceProcess } from './services.js';

const WINDOW_MS = 10_000;
const GRACE_MS = 2_000;
const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);
const MODELS = ['fraud', 'churn', 'ranker', 'vision'];

function makeEvents(
  n: number,
  seed: number,
  eventsPerSecond = 1000,
  models: readonly string[] = MODELS,
): InferenceEvent[] {
  const rand = mulberry32(seed);
  const out: InferenceEvent[] = [];
  for (let i = 0; i < n; i++) {
    const model = models[i % models.length]!;
    // Out of order by up to ±400 ms (well inside the 2 s grace): nothing is late.
    const jitter = Math.floor((rand() - 0.5) * 800);
    const conf = rand();
    const error = rand() < 0.03;
    out.push({
      eventId: `e-${seed}-${i}`,
      timestamp: T0 + Math.floor((i * 1000) / eventsPerSecond) + jitter,
      modelId: model,
      modelVersion: i % 7 === 0 ? 'v2' : 'v1',
      clientId: `c${Math.floor(rand() * 50)}`,
      features: { x: rand() },
      categorical: {},
      embedding: null,
      prediction: {
        label: conf > 0.5 ? 'yes' : rand() < 0.5 ? 'no' : 'maybe',
        confidence: conf,
        probabilities: {},
        score: null,
      },
      latencyMs: Math.exp(
        1 +
          1.2 * Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand()),
      ),
      status: error ? 'ERROR' : 'OK',
      errorCode: error ? 'E' : null,
      metadata: {},
    });
  }
  return out;
}

/** The windows a crash-free run must produce: the pure core over all events, flushed at the end. */
function expectedWindows(events: InferenceEvent[]): WindowMetrics[] {
  const agg = createMetricsAggregator({ spec: tumbling(WINDOW_MS), graceMs: GRACE_MS });
  for (const e of events) expect(agg.add(e).kind).toBe('accepted');
  return agg.flush().map((r) => finalizeWindow(r));
}

type Row = Record<string, unknown>;

function rowKey(modelId: string, version: string, start: number): string {
  return `${modelId}/${version}/${start}`;
}

/**
 * ClickHouse 18.16 parses/prints Float64 text not always correctly rounded (seen: 1 ulp off), so
 * float columns read back from it are compared to 2 ulps; integers and arrays exactly. The crash
 * test also compares the output topic's Avro doubles bit for bit.
 */
function ulpClose(a: unknown, b: unknown): boolean {
  if (typeof a !== 'number' || typeof b !== 'number') return a === b;
  return a === b || Math.abs(a - b) <= 2 * Number.EPSILON * Math.max(Math.abs(a), Math.abs(b));
}

function approx(o: Record<string, unknown>, ref: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  for (const k of Object.keys(ref)) if (ulpClose(o[k], ref[k])) out[k] = ref[k];
  return out;
}

/** Compares ClickHouse rows with expected windows field by field. */
function expectRowsEqual(rows: Row[], expected: WindowMetrics[]): void {
  expect(rows.length).toBe(expected.length);
  const byKey = new Map(
    rows.map((r) => [
      rowKey(r.model_id as string, r.model_version as string, Number(r.window_start_ms)),
      r,
    ]),
  );
  for (const w of expected) {
    const r = byKey.get(rowKey(w.modelId, w.modelVersion, w.windowStart));
    expect(r, rowKey(w.modelId, w.modelVersion, w.windowStart)).toBeDefined();
    const got = {
      count: Number(r!.count),
      errorCount: Number(r!.error_count),
      qps: r!.qps,
      errorRate: r!.error_rate,
      latencyMean: r!.latency_mean,
      latencyP50: r!.latency_p50,
      latencyP95: r!.latency_p95,
      latencyP99: r!.latency_p99,
      latencyMin: r!.latency_min,
      latencyMax: r!.latency_max,
      confidenceMean: r!.confidence_mean,
      confidenceHistogram: (r!.confidence_histogram as string[]).map(Number),
      lowConfidenceCount: Number(r!.low_confidence_count),
      labels: (r!.label_names as string[]).map((l, i) => [
        l,
        Number((r!.label_counts as string[])[i]),
      ]),
      windowEnd: Number(r!.window_end_ms),
    };
    const want = {
      count: w.count,
      errorCount: w.errorCount,
      qps: w.qps,
      errorRate: w.errorRate,
      latencyMean: w.latencyMean,
      latencyP50: w.latencyP50,
      latencyP95: w.latencyP95,
      latencyP99: w.latencyP99,
      latencyMin: w.latencyMin,
      latencyMax: w.latencyMax,
      confidenceMean: w.confidenceMean,
      confidenceHistogram: w.confidenceHistogram,
      lowConfidenceCount: w.lowConfidenceCount,
      labels: w.labelCounts.map((l) => [l.label, l.count]),
      windowEnd: w.windowEnd,
    };
    expect(approx(got, want)).toEqual(want);
  }
}

interface Run {
  db: string;
  ch: Awaited<ReturnType<typeof freshDatabase>>['ch'];
  topics: { inference: string; windowMetrics: string; dlq: string };
  env: Record<string, string>;
  procs: ServiceProcess[];
}

const runs: Run[] = [];

async function setUpRun(name: string, partitions: number): Promise<Run> {
  const { db, ch } = await freshDatabase(`it_${name}`);
  const topics = {
    inference: uniq(`${name}-in`),
    windowMetrics: uniq(`${name}-wm`),
    dlq: uniq(`${name}-dlq`),
  };
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: topics.inference, numPartitions: partitions },
      { topic: topics.windowMetrics, numPartitions: 3 },
      { topic: topics.dlq },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const env = {
    ...isolatedTopicsEnv(name),
    VIGIL_TOPIC_INFERENCE: topics.inference,
    VIGIL_TOPIC_WINDOW_METRICS: topics.windowMetrics,
    VIGIL_TOPIC_DLQ: topics.dlq,
    VIGIL_CLICKHOUSE_DATABASE: db,
    VIGIL_METRICS_GROUP: uniq(`${name}-metrics`),
    VIGIL_SINK_GROUP: uniq(`${name}-sink`),
    VIGIL_METRICS_WINDOW_MS: String(WINDOW_MS),
    VIGIL_METRICS_GRACE_MS: String(GRACE_MS),
    VIGIL_METRICS_IDLE_TIMEOUT_MS: '3000',
    VIGIL_METRICS_PORT: '0',
    VIGIL_SINK_PORT: '0',
    VIGIL_SINK_RAW_SAMPLE_RATE: '0',
    // A killed instance's partitions move after the session timeout: keep it at the broker's minimum.
    VIGIL_METRICS_SESSION_TIMEOUT_MS: '6000',
    VIGIL_SINK_SESSION_TIMEOUT_MS: '6000',
  };
  const run: Run = { db, ch, topics, env, procs: [] };
  runs.push(run);
  return run;
}

function produce(run: Run, events: InferenceEvent[], perSecond = Infinity): Promise<void> {
  return publishEvents(run.topics.inference, events, perSecond);
}

function service(run: Run, name: 'metrics' | 'sink', label: string): ServiceProcess {
  const s = new ServiceProcess(name, run.env, `${run.db}-${label}`);
  run.procs.push(s);
  return s;
}

async function windowRows(run: Run): Promise<Row[]> {
  return queryRows<Row>(
    run.ch,
    `SELECT * FROM ${run.db}.window_metrics_final ORDER BY model_id, model_version, window_start_ms`,
  );
}

async function waitForWindows(
  run: Run,
  expected: WindowMetrics[],
  timeoutMs = 120_000,
): Promise<Row[]> {
  try {
    await waitFor(
      `${expected.length} window rows`,
      async () => {
        const [r] = await queryRows<{ c: string }>(
          run.ch,
          `SELECT count() AS c FROM ${run.db}.window_metrics_final`,
        );
        return Number(r!.c) >= expected.length;
      },
      timeoutMs,
      500,
    );
  } catch (err) {
    throw new Error(`${String(err)}\n${await diagnose(run, expected)}`, { cause: err });
  }
  return windowRows(run);
}

/** What is missing and what the services said, for a run that did not finish in time. */
async function diagnose(run: Run, expected: WindowMetrics[]): Promise<string> {
  const rows = await windowRows(run).catch(() => [] as Row[]);
  const have = new Set(
    rows.map((r) =>
      rowKey(r.model_id as string, r.model_version as string, Number(r.window_start_ms)),
    ),
  );
  const missing = expected
    .filter((w) => !have.has(rowKey(w.modelId, w.modelVersion, w.windowStart)))
    .map((w) => rowKey(w.modelId, w.modelVersion, w.windowStart));
  const lines = [
    `rows ${rows.length} of ${expected.length}; missing (first 20): ${missing.slice(0, 20).join(' ')}`,
  ];
  for (const p of run.procs) {
    const notable = p.log
      .split('\n')
      .filter((l) => /"level":"(warn|error)"|task (opened|closed)/.test(l))
      .slice(-25);
    lines.push(`--- ${p.label} (starts ${p.starts}, running ${p.running})`, ...notable);
  }
  return lines.join('\n');
}

/** Stops a finished test's services so that they do not load the machine for the next test. */
async function stopRun(run: Run): Promise<void> {
  for (const p of run.procs) await p.stop();
}

/**
 * `n` model ids such that the SDK's key partitioner (kafkajs's default, Java-compatible murmur2)
 * puts `n / partitions` of them in each of `partitions` partitions: every partition carries traffic.
 */
function modelsCovering(partitions: number, perPartition: number): string[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  const taken = new Map<number, number>();
  const out: string[] = [];
  for (let i = 0; out.length < partitions * perPartition; i++) {
    const id = `model-${i}`;
    const p = partitioner({ topic: 't', partitionMetadata, message: { key: id, value: null } });
    if ((taken.get(p) ?? 0) >= perPartition) continue;
    taken.set(p, (taken.get(p) ?? 0) + 1);
    out.push(id);
  }
  return out;
}

// A finished test's services must not load the (2-core) machine during the next test.
afterEach(async () => {
  for (const r of runs) await stopRun(r);
});

afterAll(async () => {
  for (const r of runs) {
    for (const p of r.procs) await p.stop();
    await r.ch.command({ query: `DROP DATABASE IF EXISTS ${r.db}` }).catch(() => {});
    await r.ch.close();
  }
});

describe('metrics service + sink against the real stack', () => {
  it('100,000 events: window rows match the ground truth (counts exact, quantiles within 1 %)', async () => {
    const run = await setUpRun('truth', 3);
    const events = makeEvents(100_000, 11);
    const expected = expectedWindows(events);
    await produce(run, events);
    service(run, 'metrics', 'metrics').start();
    service(run, 'sink', 'sink').start();
    const rows = await waitForWindows(run, expected);
    expectRowsEqual(rows, expected);
    // Independent ground truth: exact counts and exact lower order statistics by sorting.
    const groups = new Map<string, InferenceEvent[]>();
    for (const e of events) {
      const k = rowKey(e.modelId, e.modelVersion, Math.floor(e.timestamp / WINDOW_MS) * WINDOW_MS);
      groups.set(k, [...(groups.get(k) ?? []), e]);
    }
    expect(rows.length).toBe(groups.size);
    expect(rows.reduce((s, r) => s + Number(r.count), 0)).toBe(100_000);
    for (const r of rows) {
      const evs = groups.get(
        rowKey(r.model_id as string, r.model_version as string, Number(r.window_start_ms)),
      )!;
      expect(Number(r.count)).toBe(evs.length);
      expect(Number(r.error_count)).toBe(evs.filter((e) => e.status === 'ERROR').length);
      const lat = evs.map((e) => e.latencyMs).sort((a, b) => a - b);
      for (const [q, col] of [
        [0.5, 'latency_p50'],
        [0.95, 'latency_p95'],
        [0.99, 'latency_p99'],
      ] as const) {
        const exact = lat[lowerRank(q, lat.length)]!;
        expect(Math.abs((r[col] as number) - exact) / exact).toBeLessThanOrEqual(0.01);
      }
      expect(r.latency_min).toBe(lat[0]);
      expect(r.latency_max).toBe(lat[lat.length - 1]);
    }
  });

  it('crash: metrics and sink each SIGKILLed 3 times at random moments; rows and topic are exactly the crash-free result', async () => {
    const run = await setUpRun('crash', 3);
    const events = makeEvents(150_000, 23);
    const expected = expectedWindows(events);
    const metrics = service(run, 'metrics', 'metrics');
    const sink = service(run, 'sink', 'sink');
    metrics.start();
    sink.start();
    // Produce while the services run (paced over ~50 s), and crash each of them 3 times once it
    // is processing: at a random moment 0.2–2 s after it took its partitions.
    const producing = produce(run, events, 3000);
    const rand = mulberry32(99);
    const ready = { metrics: /partition task opened/, sink: /sink running/ };
    const replays: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const s of [metrics, sink]) {
        await s.waitForLog(s === metrics ? ready.metrics : ready.sink);
        await new Promise((r) => setTimeout(r, 200 + rand() * 1800));
        await s.crash();
        s.start();
      }
      await metrics.waitForLog(ready.metrics);
      replays.push(metrics.log);
    }
    await producing;
    expect(metrics.starts).toBe(4);
    expect(sink.starts).toBe(4);
    // The restarts really rebuilt state: some partition resumed below records it had processed.
    const opened = replays
      .join('\n')
      .split('\n')
      .filter((l) => l.includes('partition task opened'))
      .map((l) => JSON.parse(l) as { committed: number; replayBelow: number });
    expect(opened.some((o) => o.committed >= 0 && o.replayBelow > o.committed)).toBe(true);
    const rows = await waitForWindows(run, expected);
    expectRowsEqual(rows, expected);
    // Raw table (not FINAL) may hold duplicates from redelivered sink batches; they must collapse.
    // The output topic itself holds each window exactly once (read committed).
    const codec = new AvroCodec(cfg.registryUrl);
    const seen = new Map<string, number>();
    const fromTopic = new Map<string, WindowMetrics>();
    const c = kafka().consumer({ groupId: uniq('crash-reader') });
    await c.connect();
    await c.subscribe({ topic: run.topics.windowMetrics, fromBeginning: true });
    let total = 0;
    await c.run({
      eachMessage: async ({ message }) => {
        const w = await codec.decode<WindowMetrics>(message.value);
        const k = rowKey(w.modelId, w.modelVersion, w.windowStart);
        seen.set(k, (seen.get(k) ?? 0) + 1);
        fromTopic.set(k, w);
        total++;
      },
    });
    await waitFor('all windows on the topic', async () => total >= expected.length, 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    await c.disconnect();
    expect(total).toBe(expected.length);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    for (const w of expected) {
      const got = fromTopic.get(rowKey(w.modelId, w.modelVersion, w.windowStart));
      const { sketch: gotSketch, ...gotRest } = got!;
      const { sketch: wantSketch, ...wantRest } = w;
      expect(gotRest).toEqual(wantRest);
      expect(gotSketch.counts).toEqual(wantSketch.counts);
      expect(gotSketch.indexes).toEqual(wantSketch.indexes);
    }
  });

  it('scale-out: 1 partition / 1 instance and 6 partitions / 3 instances give identical windows', async () => {
    // Twelve models, so that every one of the six partitions carries traffic.
    const events = makeEvents(60_000, 37, 1000, modelsCovering(6, 2));
    const expected = expectedWindows(events);
    const one = await setUpRun('one', 1);
    const six = await setUpRun('six', 6);
    await produce(one, events);
    service(one, 'metrics', 'metrics').start();
    service(one, 'sink', 'sink').start();
    // Six partitions: the first instance takes them all and processes traffic as it arrives
    // (paced over ~20 s); the other two join while windows are open, so rebalances move some
    // partitions away mid-run and leave others in place (kafkajs then resumes a kept partition
    // from its committed safe offset, below what its task already counted: nothing may count twice).
    const first = service(six, 'metrics', 'metrics-0');
    first.start();
    service(six, 'sink', 'sink').start();
    await first.waitForLog(/metrics running/);
    const producing = produce(six, events, 3000);
    await first.waitForLog(/partition task opened/);
    await new Promise((r) => setTimeout(r, 3000));
    for (let i = 1; i < 3; i++) service(six, 'metrics', `metrics-${i}`).start();
    await producing;
    const [a, b] = await Promise.all([
      waitForWindows(one, expected),
      waitForWindows(six, expected),
    ]);
    expectRowsEqual(a, expected);
    expectRowsEqual(b, expected);
  });

  it('ClickHouse stopped for 30 s mid-run: no rows lost', async () => {
    const run = await setUpRun('chdown', 3);
    const events = makeEvents(60_000, 41);
    const expected = expectedWindows(events);
    service(run, 'metrics', 'metrics').start();
    const sink = service(run, 'sink', 'sink');
    sink.start();
    const half = events.length / 2;
    await produce(run, events.slice(0, half));
    const stack = join(import.meta.dirname, '..', '..', 'infra', 'native', 'stack.sh');
    const only = { ...process.env, VIGIL_STACK_COMPONENTS: 'clickhouse' };
    execFileSync('bash', [stack, 'down'], { env: only, stdio: 'inherit' });
    const downAt = Date.now();
    try {
      await produce(run, events.slice(half));
      await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - downAt))));
    } finally {
      execFileSync('bash', [stack, 'up'], { env: only, stdio: 'inherit' });
    }
    const rows = await waitForWindows(run, expected);
    expectRowsEqual(rows, expected);
    // The sink did meet the outage: it retried inserts instead of dropping or crashing.
    expect(sink.log).toMatch(/window_metrics failed; retrying/);
    expect(sink.starts).toBe(1);
    expect(sink.running).toBe(true);
  });
});
