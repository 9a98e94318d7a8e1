import { describe, expect, it } from 'vitest';
import { QueryHistory, selectSmallest } from '../../../services/guard/query-history.js';
import { mulberry32 } from '../../../services/guard/prng.js';

describe('query history (bounded ring buffer)', () => {
  it('keeps only the last `cap` queries and computes k-NN means like brute force', () => {
    const rand = mulberry32(5);
    const h = new QueryHistory(3, 40);
    const all: Float32Array[] = [];
    for (let i = 0; i < 100; i++) {
      const v = Float32Array.from([rand(), rand(), rand()]);
      h.push(v);
      all.push(v);
    }
    expect(h.size).toBe(40);
    expect(h.bytes).toBe(40 * 3 * 4);
    const q = Float32Array.from([0.5, 0.5, 0.5]);
    const nb = h.neighbours(q, 5, new Float64Array(40))!;
    const d = all
      .slice(-40)
      .map((v) => Math.hypot(v[0]! - 0.5, v[1]! - 0.5, v[2]! - 0.5))
      .sort((a, b) => a - b);
    expect(nb.meanKnn).toBeCloseTo((d[0]! + d[1]! + d[2]! + d[3]! + d[4]!) / 5, 6);
    expect(nb.nearest).toBeCloseTo(d[0]!, 6);
    const last = all.at(-1)!;
    expect(nb.previous).toBeCloseTo(Math.hypot(last[0]! - 0.5, last[1]! - 0.5, last[2]! - 0.5), 6);
    expect(nb.count).toBe(40);
  });

  it('nearest(): the distance to the closest kept query, as neighbours() finds it', () => {
    const rand = mulberry32(6);
    const h = new QueryHistory(4, 30);
    expect(h.nearest(Float32Array.of(0, 0, 0, 0))).toBeNull();
    const scratch = new Float64Array(30);
    for (let i = 0; i < 200; i++) {
      const v = Float32Array.from([rand(), rand(), rand(), rand()]);
      if (h.size > 0) expect(h.nearest(v)).toBe(h.neighbours(v, 3, scratch)!.nearest);
      h.push(v);
    }
    const row = h.row(7).slice();
    expect(h.nearest(row)).toBe(0);
  });

  it('empty history has no neighbours; fewer than k uses all', () => {
    const h = new QueryHistory(2, 10);
    expect(h.neighbours(Float32Array.from([0, 0]), 5, new Float64Array(10))).toBeNull();
    h.push(Float32Array.from([3, 4]));
    expect(h.neighbours(Float32Array.from([0, 0]), 5, new Float64Array(10))!.meanKnn).toBeCloseTo(
      5,
      6,
    );
  });

  it('round-trips through JSON exactly', () => {
    const h = new QueryHistory(2, 4);
    for (let i = 0; i < 7; i++) h.push(Float32Array.from([i / 3, -i / 7]));
    const back = QueryHistory.fromJSON(2, 4, JSON.parse(JSON.stringify(h.toJSON())));
    expect(back.toJSON()).toEqual(h.toJSON());
  });

  it('selectSmallest puts the k smallest first', () => {
    const rand = mulberry32(9);
    for (let trial = 0; trial < 50; trial++) {
      const a = Float64Array.from({ length: 1 + Math.floor(rand() * 60) }, () =>
        Math.floor(rand() * 10),
      );
      const k = 1 + Math.floor(rand() * a.length);
      const sorted = [...a].sort((x, y) => x - y);
      selectSmallest(a, a.length, k);
      expect([...a.subarray(0, k)].sort((x, y) => x - y)).toEqual(sorted.slice(0, k));
    }
  });
});
