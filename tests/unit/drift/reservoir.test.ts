import { describe, expect, it } from 'vitest';
import { deriveSeed, Reservoir, SeededRandom } from '../../../services/drift/reservoir.js';

describe('seeded reservoir (Algorithm R)', () => {
  it('keeps everything up to its capacity, in order', () => {
    const r = new Reservoir<number>(10, 1);
    for (let i = 0; i < 7; i++) r.add(i);
    expect(r.items).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(r.seen).toBe(7);
  });

  it('is deterministic for a seed, different across seeds, and bounded', () => {
    const run = (seed: number) => {
      const r = new Reservoir<number>(100, seed);
      for (let i = 0; i < 100_000; i++) r.add(i);
      return r;
    };
    expect(run(7).items).toEqual(run(7).items);
    expect(run(7).items).not.toEqual(run(8).items);
    expect(run(7).size).toBe(100);
    expect(run(7).seen).toBe(100_000);
  });

  it('samples uniformly: every position is kept with probability k/n (chi-square over 10 blocks)', () => {
    const n = 1000;
    const k = 50;
    const blocks = new Array<number>(10).fill(0);
    for (let t = 0; t < 400; t++) {
      const r = new Reservoir<number>(k, deriveSeed(42, t));
      for (let i = 0; i < n; i++) r.add(i);
      for (const v of r.items) blocks[Math.floor(v / 100)]! += 1;
    }
    const expected = (400 * k) / 10;
    const chi2 = blocks.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.88); // chi2(9) at p = 0.001
  });

  it('round-trips through JSON and continues identically', () => {
    const a = new Reservoir<number>(20, 3);
    for (let i = 0; i < 500; i++) a.add(i);
    const b = Reservoir.fromJSON<number>(JSON.parse(JSON.stringify(a.toJSON())));
    for (let i = 500; i < 2000; i++) {
      a.add(i);
      b.add(i);
    }
    expect(b.items).toEqual(a.items);
  });

  it('the generator yields 53-bit uniforms in [0, 1)', () => {
    const g = new SeededRandom(1);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 10_000; i++) {
      const u = g.next();
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(deriveSeed(1, 'a')).not.toBe(deriveSeed(1, 'b'));
  });
});
