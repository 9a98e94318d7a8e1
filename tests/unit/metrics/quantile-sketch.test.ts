import { describe, expect, it } from 'vitest';
import { LogBucketSketch, lowerRank } from '../../../services/metrics/quantile-sketch.js';
import { lognormal, rng, shuffle } from './random.js';

const QUANTILES = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

/** The exact quantile as the sketch defines it: the lower order statistic x₍⌊q(n−1)⌋₎. */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[lowerRank(q, sorted.length)] as number;
}

function sketchOf(values: number[], alpha = 0.01, maxBins?: number): LogBucketSketch {
  const s = new LogBucketSketch({ relativeAccuracy: alpha, maxBins });
  for (const v of values) s.add(v);
  return s;
}

describe('lowerRank', () => {
  it.each([
    [0, 10, 0],
    [0.5, 10, 4],
    [0.5, 11, 5],
    [0.99, 100, 98],
    [1, 10, 9],
    [0.95, 1, 0],
  ])('q=%s n=%s → %s', (q, n, r) => {
    expect(lowerRank(q, n)).toBe(r);
  });
  it('refuses q outside [0, 1]', () => {
    expect(() => lowerRank(1.01, 5)).toThrow(RangeError);
    expect(() => lowerRank(Number.NaN, 5)).toThrow(RangeError);
  });
});

describe('LogBucketSketch accuracy', () => {
  it.each([
    { alpha: 0.01, mu: 3, sigma: 1, n: 20_000, seed: 1 },
    { alpha: 0.01, mu: 0, sigma: 2.5, n: 20_000, seed: 2 },
    { alpha: 0.02, mu: -4, sigma: 1.5, n: 5_000, seed: 3 },
    { alpha: 0.001, mu: 5, sigma: 0.3, n: 5_000, seed: 4 },
  ])(
    'lognormal(μ=$mu, σ=$sigma), n=$n: every quantile within α=$alpha of the exact one',
    ({ alpha, mu, sigma, n, seed }) => {
      const random = rng(seed);
      const values = Array.from({ length: n }, () => lognormal(random, mu, sigma));
      const sorted = [...values].sort((a, b) => a - b);
      const sketch = sketchOf(values, alpha);
      // Tiny slack for floating-point rounding at bucket edges, far below α.
      const bound = alpha * (1 + 1e-9);
      for (const q of QUANTILES) {
        const exact = exactQuantile(sorted, q);
        const estimate = sketch.quantile(q) as number;
        expect(Math.abs(estimate - exact) / exact, `q=${q}`).toBeLessThanOrEqual(bound);
      }
      expect(sketch.min).toBe(sorted[0]);
      expect(sketch.max).toBe(sorted[n - 1]);
      expect(sketch.count).toBe(n);
      expect(sketch.quantile(0)).toBe(sorted[0]); // clamped to the exact min
      expect(sketch.quantile(1)).toBe(sorted[n - 1]);
    },
  );

  it('holds the bound on every rank of a small data set', () => {
    const random = rng(9);
    const values = Array.from({ length: 301 }, () => lognormal(random, 1, 3));
    const sorted = [...values].sort((a, b) => a - b);
    const sketch = sketchOf(values);
    for (let k = 0; k <= 300; k++) {
      const q = k / 300;
      const exact = exactQuantile(sorted, q);
      expect(Math.abs((sketch.quantile(q) as number) - exact) / exact).toBeLessThanOrEqual(
        0.01 * (1 + 1e-9),
      );
    }
  });

  it('counts zeros exactly and refuses negative or non-finite values', () => {
    const s = new LogBucketSketch();
    for (const v of [0, 0, 0, 5, 10]) expect(s.add(v)).toBe(true);
    for (const v of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(s.add(v)).toBe(false);
    expect(s.count).toBe(5);
    expect(s.zeroCount).toBe(3);
    expect(s.quantile(0.5)).toBe(0);
    expect(s.quantile(0.75)).toBeCloseTo(5, 1);
    expect(s.sum).toBe(15);
    expect(s.mean()).toBe(3);
  });

  it('is empty-safe', () => {
    const s = new LogBucketSketch();
    expect(s.quantile(0.5)).toBeNull();
    expect(s.min).toBeNull();
    expect(s.max).toBeNull();
    expect(s.mean()).toBeNull();
    expect(() => s.quantile(2)).toThrow(RangeError);
  });
});

describe('LogBucketSketch merging and serialization', () => {
  it('merging any split equals the sketch of all values, exactly', () => {
    const random = rng(11);
    const values = Array.from({ length: 10_000 }, () => lognormal(random, 2, 2));
    const whole = sketchOf(values).toJSON();
    for (let trial = 0; trial < 3; trial++) {
      const parts = Array.from({ length: 6 }, () => new LogBucketSketch());
      for (const v of shuffle(values, random))
        (parts[Math.floor(random() * 6)] as LogBucketSketch).add(v);
      const merged = shuffle(parts, random).reduce((a, b) => a.merge(b), new LogBucketSketch());
      expect(merged.toJSON()).toEqual({ ...whole, sumPartials: merged.toJSON().sumPartials });
      expect(merged.sum).toBe(sketchOf(values).sum);
    }
  });

  it('keeps at most maxBins bins, folding the low tail order-independently', () => {
    const random = rng(12);
    const values = Array.from({ length: 5_000 }, () => lognormal(random, 0, 1));
    const whole = sketchOf(values, 0.01, 64);
    expect(whole.binCount).toBeLessThanOrEqual(64);
    const { indexes } = whole.toJSON();
    expect((indexes[indexes.length - 1] as number) - (indexes[0] as number)).toBe(63); // folding happened
    const parts = [new LogBucketSketch({ maxBins: 64 }), new LogBucketSketch({ maxBins: 64 })];
    values.forEach((v, i) => (parts[i % 2] as LogBucketSketch).add(v));
    const merged = (parts[1] as LogBucketSketch).merge(parts[0] as LogBucketSketch);
    expect({ ...merged.toJSON(), sumPartials: [] }).toEqual({ ...whole.toJSON(), sumPartials: [] });
    expect(merged.count).toBe(values.length);
    // Quantiles inside the kept range (the top 64 bins span a factor γ^64 ≈ 3.6) keep the
    // guarantee; only the folded low tail loses it.
    const sorted = [...values].sort((x, y) => x - y);
    const max = sorted[sorted.length - 1] as number;
    let checked = 0;
    for (const q of [...QUANTILES, 0.995, 0.998]) {
      const exact = exactQuantile(sorted, q);
      if (exact < max / 3) continue;
      checked++;
      expect(Math.abs((whole.quantile(q) as number) - exact) / exact).toBeLessThanOrEqual(
        0.01 * (1 + 1e-9),
      );
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('round-trips through plain JSON and validates its input', () => {
    const s = sketchOf([0, 1, 2, 3, 1000, 0.001]);
    const json = JSON.parse(JSON.stringify(s.toJSON()));
    const back = LogBucketSketch.fromJSON(json);
    expect(back.toJSON()).toEqual(s.toJSON());
    expect(back.quantile(0.5)).toBe(s.quantile(0.5));
    expect(() => LogBucketSketch.fromJSON({ ...json, count: 99 })).toThrow(/count/);
    expect(() =>
      LogBucketSketch.fromJSON({ ...json, indexes: [...json.indexes].reverse() }),
    ).toThrow(/ascending/);
    expect(() => LogBucketSketch.fromJSON({ ...json, counts: json.counts.slice(1) })).toThrow(
      /length/,
    );
    expect(LogBucketSketch.fromJSON(new LogBucketSketch().toJSON()).count).toBe(0);
  });

  it('refuses to merge sketches of different accuracy', () => {
    expect(() =>
      new LogBucketSketch({ relativeAccuracy: 0.01 }).merge(
        new LogBucketSketch({ relativeAccuracy: 0.02 }),
      ),
    ).toThrow(/cannot merge/);
    expect(() => new LogBucketSketch({ relativeAccuracy: 1 })).toThrow(RangeError);
  });
});
