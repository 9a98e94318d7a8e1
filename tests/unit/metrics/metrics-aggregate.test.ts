import { describe, expect, it } from 'vitest';
import type { InferenceEvent } from '../../../services/common/event.js';
import {
  MetricsAggregate,
  metricsStateCodec,
  type MetricsState,
} from '../../../services/metrics/metrics-aggregate.js';
import { metricsKeyId, metricsKeyOf } from '../../../services/metrics/metrics-key.js';
import {
  createMetricsAggregator,
  finalizeWindow,
  restoreMetricsAggregator,
} from '../../../services/metrics/metrics-windows.js';
import { lowerRank } from '../../../services/metrics/quantile-sketch.js';
import { finalizeMetrics, type WindowMetrics } from '../../../services/metrics/window-metrics.js';
import { lognormal, rng, shuffle } from './random.js';

const KEY = { modelId: 'fraud', modelVersion: '3' };
const WINDOW = { windowStart: 1_700_000_040_000, windowEnd: 1_700_000_100_000 };

function event(
  overrides: Partial<InferenceEvent> & { label?: string; confidence?: number } = {},
): InferenceEvent {
  const { label = 'cat', confidence = 0.9, ...rest } = overrides;
  return {
    eventId: 'e',
    timestamp: WINDOW.windowStart,
    modelId: KEY.modelId,
    modelVersion: KEY.modelVersion,
    clientId: 'c',
    features: {},
    categorical: {},
    embedding: null,
    prediction: { label, confidence, probabilities: {}, score: null },
    latencyMs: 10,
    status: 'OK',
    errorCode: null,
    metadata: {},
    ...rest,
  };
}

/** Realistic traffic: lognormal latency, skewed labels, ~5 % errors, spread over two models. */
function traffic(
  n: number,
  seed: number,
  start = WINDOW.windowStart,
  spanMs = 60_000,
): InferenceEvent[] {
  const random = rng(seed);
  const labels = [
    'cat',
    'dog',
    'eel',
    'fox',
    'gnu',
    'hen',
    'ibis',
    'jay',
    'kea',
    'lynx',
    'mole',
    'newt',
  ];
  return Array.from({ length: n }, (_, i) => {
    const error = random() < 0.05;
    const li = Math.min(labels.length - 1, Math.floor(-Math.log(1 - random()) * 3));
    return event({
      eventId: `e${i}`,
      timestamp: start + Math.floor(random() * spanMs),
      modelVersion: random() < 0.7 ? '3' : '4',
      latencyMs: lognormal(random, 3, 0.8),
      status: error ? 'ERROR' : 'OK',
      errorCode: error ? 'E_TIMEOUT' : null,
      label: error ? '' : (labels[li] as string),
      confidence: Math.round(random() * 1000) / 1000,
    });
  });
}

function stateOf(events: InferenceEvent[], agg = new MetricsAggregate()): MetricsState {
  const s = agg.create();
  for (const e of events) agg.add(s, e);
  return s;
}

describe('MetricsAggregate: merging', () => {
  it('1 partition vs 6 random partitions give identical finalized results', () => {
    const agg = new MetricsAggregate();
    const random = rng(21);
    const events = traffic(20_000, 5).map((e) => ({ ...e, modelVersion: '3' }));
    const one = finalizeMetrics(KEY, WINDOW, stateOf(events, agg));
    for (let trial = 0; trial < 4; trial++) {
      const parts = Array.from({ length: 6 }, () => agg.create());
      for (const e of shuffle(events, random))
        agg.add(parts[Math.floor(random() * 6)] as MetricsState, e);
      const merged = shuffle(parts, random).reduce((a, b) => agg.merge(a, b), agg.create());
      const six = finalizeMetrics(KEY, WINDOW, merged);
      expect({ ...six, sketch: { ...six.sketch, sumPartials: [] } }).toEqual({
        ...one,
        sketch: { ...one.sketch, sumPartials: [] },
      });
      // The partials may be laid out differently but always add up to the same sum.
      expect(merged.latency.sum).toBe(stateOf(events, agg).latency.sum);
    }
  });

  it('merge is associative and commutative', () => {
    const agg = new MetricsAggregate();
    const [a, b, c] = [traffic(500, 1), traffic(700, 2), traffic(300, 3)].map((es) =>
      es.map((e) => ({ ...e, modelVersion: '3' })),
    ) as [InferenceEvent[], InferenceEvent[], InferenceEvent[]];
    const fin = (s: MetricsState) => {
      const m = finalizeMetrics(KEY, WINDOW, s);
      return { ...m, sketch: { ...m.sketch, sumPartials: [] } };
    };
    const left = agg.merge(agg.merge(stateOf(a), stateOf(b)), stateOf(c)); // (a·b)·c
    const right = agg.merge(stateOf(a), agg.merge(stateOf(b), stateOf(c))); // a·(b·c)
    const swapped = agg.merge(agg.merge(stateOf(c), stateOf(a)), stateOf(b)); // (c·a)·b
    expect(fin(right)).toEqual(fin(left));
    expect(fin(swapped)).toEqual(fin(left));
    expect(fin(left)).toEqual(fin(stateOf([...a, ...b, ...c])));
  });

  it('merge does not change its second argument', () => {
    const agg = new MetricsAggregate();
    const b = stateOf(traffic(100, 8));
    const before = JSON.stringify(metricsStateCodec.encode(b));
    agg.merge(stateOf(traffic(100, 9)), b);
    expect(JSON.stringify(metricsStateCodec.encode(b))).toBe(before);
  });

  it('refuses to mix low-confidence thresholds', () => {
    const a = new MetricsAggregate({ lowConfidenceThreshold: 0.5 });
    const b = new MetricsAggregate({ lowConfidenceThreshold: 0.6 });
    expect(() => a.merge(a.create(), b.create())).toThrow(/threshold/);
  });
});

describe('finalizeMetrics', () => {
  it('computes count, QPS, errors and latency figures', () => {
    const latencies = [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560];
    const events = latencies.map((latencyMs, i) =>
      event({ latencyMs, status: i < 3 ? 'ERROR' : 'OK', errorCode: i < 3 ? 'E' : null }),
    );
    const m = finalizeMetrics(KEY, WINDOW, stateOf(events));
    expect(m).toMatchObject({
      modelId: 'fraud',
      modelVersion: '3',
      windowStart: WINDOW.windowStart,
      windowEnd: WINDOW.windowEnd,
      count: 10,
      qps: 10 / 60,
      errorCount: 3,
      errorRate: 0.3,
      latencyMean: 511.5,
      latencyMin: 5,
      latencyMax: 2560,
    });
    const sorted = [...latencies].sort((a, b) => a - b);
    for (const [field, q] of [
      ['latencyP50', 0.5],
      ['latencyP95', 0.95],
      ['latencyP99', 0.99],
    ] as const) {
      const exact = sorted[lowerRank(q, sorted.length)] as number;
      expect(Math.abs((m[field] as number) - exact) / exact).toBeLessThanOrEqual(0.01 + 1e-12);
    }
    expect(m.sketch.count).toBe(10);
  });

  it.each([
    { name: 'no errors', errors: 0, total: 8, rate: 0 },
    { name: 'some errors', errors: 2, total: 8, rate: 0.25 },
    { name: 'all errors', errors: 5, total: 5, rate: 1 },
  ])('error rate: $name', ({ errors, total, rate }) => {
    const events = Array.from({ length: total }, (_, i) =>
      event({ status: i < errors ? 'ERROR' : 'OK' }),
    );
    const m = finalizeMetrics(KEY, WINDOW, stateOf(events));
    expect(m.errorCount).toBe(errors);
    expect(m.errorRate).toBe(rate);
    // Confidence and labels only cover OK events.
    expect(m.confidenceHistogram.reduce((a, b) => a + b, 0)).toBe(total - errors);
    expect(m.labelCounts.reduce((a, l) => a + l.count, 0)).toBe(total - errors);
    expect(m.confidenceMean).toBe(total === errors ? null : 0.9);
  });

  it('fills the confidence histogram at the edges and counts low confidence', () => {
    const confidences = [0, 0.05, 0.1, 0.55, 0.59999, 0.6, 0.95, 1, 1];
    const m = finalizeMetrics(
      KEY,
      WINDOW,
      stateOf(confidences.map((confidence) => event({ confidence }))),
    );
    const expected = Array<number>(20).fill(0);
    for (const bin of [0, 1, 2, 11, 11, 12, 19, 19, 19]) expected[bin] = (expected[bin] ?? 0) + 1;
    expect(m.confidenceHistogram).toEqual(expected);
    expect(m.lowConfidenceCount).toBe(5); // < 0.6: 0, 0.05, 0.1, 0.55, 0.59999
    expect(m.lowConfidenceThreshold).toBe(0.6);
    const custom = new MetricsAggregate({ lowConfidenceThreshold: 0.1 });
    const mc = finalizeMetrics(
      KEY,
      WINDOW,
      stateOf(
        confidences.map((confidence) => event({ confidence })),
        custom,
      ),
    );
    expect(mc.lowConfidenceCount).toBe(2);
  });

  it('caps reported labels at top-K plus __other__, and tracked labels at the configured bound', () => {
    const events = [
      ...Array.from({ length: 5 }, () => event({ label: 'a' })),
      ...Array.from({ length: 4 }, () => event({ label: 'b' })),
      ...Array.from({ length: 3 }, () => event({ label: 'c' })),
      ...Array.from({ length: 3 }, (_, i) => event({ label: `rare${i}` })),
    ];
    const m = finalizeMetrics(KEY, WINDOW, stateOf(events), { topLabels: 2 });
    expect(m.labelCounts).toEqual([
      { label: 'a', count: 5 },
      { label: 'b', count: 4 },
      { label: '__other__', count: 6 },
    ]);
    const bounded = new MetricsAggregate({ maxTrackedLabels: 4 });
    const flood = [
      ...events,
      ...Array.from({ length: 1000 }, (_, i) => event({ label: `junk${i}` })),
    ];
    const state = stateOf(flood, bounded);
    expect(state.labels.tracked).toBeLessThanOrEqual(4);
    const mb = finalizeMetrics(KEY, WINDOW, state, { topLabels: 10 });
    expect(mb.labelCounts.reduce((a, l) => a + l.count, 0)).toBe(flood.length);
    expect(mb.labelCounts.length).toBeLessThanOrEqual(5);
  });

  it('leaves latency figures null when no latency was valid', () => {
    const m = finalizeMetrics(
      KEY,
      WINDOW,
      stateOf([event({ latencyMs: Number.NaN }), event({ latencyMs: -3 })]),
    );
    expect(m.count).toBe(2);
    expect(m.latencyMean).toBeNull();
    expect(m.latencyP99).toBeNull();
    expect(m.latencyMin).toBeNull();
  });

  it('state survives a JSON checkpoint round trip', () => {
    const s = stateOf(traffic(2000, 13));
    const back = metricsStateCodec.decode(JSON.parse(JSON.stringify(metricsStateCodec.encode(s))));
    expect(finalizeMetrics(KEY, WINDOW, back)).toEqual(finalizeMetrics(KEY, WINDOW, s));
    expect(() => metricsStateCodec.decode({ ...metricsStateCodec.encode(s), count: -1 })).toThrow(
      /count/,
    );
  });
});

describe('metrics windows (engine + aggregate)', () => {
  it('one instance vs six partition instances: identical window metrics', () => {
    const start = 1_700_000_040_000;
    const events = traffic(30_000, 17, start, 300_000).sort((a, b) => a.timestamp - b.timestamp);
    const strip = (m: WindowMetrics) => ({ ...m, sketch: { ...m.sketch, sumPartials: [] } });

    const single = createMetricsAggregator();
    for (const e of events) expect(single.add(e).kind).toBe('accepted');
    const singleResults = single.flush().map((r) => strip(finalizeWindow(r)));

    // Six instances, each reading one partition; the window states are then merged per key.
    const random = rng(99);
    const instances = Array.from({ length: 6 }, () => createMetricsAggregator());
    for (const e of events) {
      const p = Math.floor(random() * 6);
      expect(instances[p]?.add(e, p).kind).toBe('accepted');
    }
    const agg = new MetricsAggregate();
    const byWindow = new Map<string, ReturnType<(typeof instances)[0]['flush']>[0]>();
    for (const inst of instances) {
      for (const r of inst.flush()) {
        const id = `${r.windowStart}|${metricsKeyId(r.key)}`;
        const prev = byWindow.get(id);
        if (prev === undefined) byWindow.set(id, r);
        else prev.state = agg.merge(prev.state, r.state);
      }
    }
    const mergedResults = [...byWindow.values()]
      .sort(
        (a, b) =>
          a.windowStart - b.windowStart || (metricsKeyId(a.key) < metricsKeyId(b.key) ? -1 : 1),
      )
      .map((r) => strip(finalizeWindow(r)));
    expect(mergedResults).toEqual(singleResults);
    expect(singleResults).toHaveLength(10); // 5 windows × 2 versions
    expect(singleResults.reduce((a, m) => a + m.count, 0)).toBe(events.length);
  });

  it('checkpoints and resumes', () => {
    const events = traffic(3000, 23, WINDOW.windowStart, 180_000).sort(
      (a, b) => a.timestamp - b.timestamp,
    );
    const straight = createMetricsAggregator();
    events.forEach((e) => straight.add(e));
    const expected = straight.flush().map((r) => finalizeWindow(r));
    let resumed = createMetricsAggregator();
    events.forEach((e, i) => {
      if (i === 1500) resumed = restoreMetricsAggregator(JSON.parse(JSON.stringify(resumed)));
      resumed.add(e);
    });
    expect(resumed.flush().map((r) => finalizeWindow(r))).toEqual(expected);
  });

  it('keys by (modelId, modelVersion) without ambiguity', () => {
    expect(metricsKeyId({ modelId: 'a|b', modelVersion: 'c' })).not.toBe(
      metricsKeyId({ modelId: 'a', modelVersion: 'b|c' }),
    );
    expect(metricsKeyOf(event())).toEqual(KEY);
  });
});
