import { describe, expect, it } from 'vitest';
import {
  alnorm,
  COEFFICIENT_CACHE_MAX_N,
  ppnd,
  shapiroWilk,
  shapiroWilkCoefficients,
  shapiroWilkSorted,
} from '../../../services/stats/shapiro-wilk.js';
import { expectClose, loadFixture, normals, relErr, rng } from './golden.js';

interface ShapiroCase {
  name: string;
  x: number[];
  w: number;
  p: number;
}

const fixture = loadFixture<ShapiroCase>('shapiro.json');

/** The brief's tolerance: W and p to 1e-6 relative (they agree far closer; see the max below). */
const REL = 1e-6;

describe('shapiroWilk vs scipy.stats.shapiro (AS R94)', () => {
  it('covers every branch of the algorithm and a wide range of p-values', () => {
    const ns = new Set(fixture.cases.map((c) => c.x.length));
    for (const n of [3, 4, 5, 6, 11, 12, 200, 5000]) expect(ns.has(n), `n=${n}`).toBe(true);
    const ps = fixture.cases.map((c) => c.p);
    expect(Math.min(...ps)).toBeLessThan(1e-50);
    expect(Math.max(...ps)).toBeGreaterThan(0.9);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const r = shapiroWilk(c.x);
    expectClose(r.w, c.w, REL, 0, `${name} W`);
    expectClose(r.p, c.p, REL, 0, `${name} p`);
  });

  it('agrees to ~1e-12 relative in practice (largest errors over the fixture)', () => {
    let maxW = 0;
    let maxP = 0;
    for (const c of fixture.cases) {
      const r = shapiroWilk(c.x);
      maxW = Math.max(maxW, relErr(r.w, c.w, 0));
      maxP = Math.max(maxP, relErr(r.p, c.p, 0));
    }
    expect(maxW).toBeLessThan(1e-12);
    expect(maxP).toBeLessThan(1e-9);
  });

  it('does not depend on the order of its input beyond the shift (and does not modify it)', () => {
    const next = rng(7);
    const x = normals(next, 300, 5, 2);
    const copy = [...x];
    const a = shapiroWilk(x);
    expect(x).toEqual(copy);
    const b = shapiroWilk(Float64Array.from(x).reverse());
    expect(b.w).toBeCloseTo(a.w, 12);
    expect(b.p).toBeCloseTo(a.p, 10);
  });

  it('rejects normality for a few discrete values, accepts a normal sample', () => {
    const next = rng(11);
    const normal = shapiroWilk(normals(next, 200));
    expect(normal.p).toBeGreaterThan(0.01);
    const steps = Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 0 : 1.73));
    const r = shapiroWilk(steps);
    expect(r.w).toBeLessThan(0.6);
    expect(r.p).toBeLessThan(1e-15);
  });

  it('edge cases: zero range, n < 3, non-finite values', () => {
    expect(shapiroWilk([1, 1, 1, 1])).toEqual({ w: 1, p: 1 });
    expect(() => shapiroWilk([1, 2])).toThrow(RangeError);
    expect(() => shapiroWilk([1, 2, NaN])).toThrow(/NaN/);
    expect(() => shapiroWilk([1, 2, Infinity])).toThrow(/Infinity/);
  });

  it('coefficients are antisymmetric weights of unit norm, cached per n', () => {
    for (const n of [4, 5, 6, 20, 101, 500]) {
      const a = shapiroWilkCoefficients(n);
      expect(a.length).toBe(n >> 1);
      let ss = 0;
      for (const v of a) ss += 2 * v * v;
      expect(ss).toBeCloseTo(1, 10);
      expect(a[0]).toBeGreaterThan(0);
      for (let i = 1; i < a.length; i++) expect(a[i]).toBeLessThan(a[i - 1]!);
      expect(shapiroWilkCoefficients(n)).toBe(a);
    }
  });

  it('the sorted form rejects non-finite values and shifts too (a NaN W would read as "normal")', () => {
    expect(() => shapiroWilkSorted([1, 2, Infinity])).toThrow(/value 2 is Infinity/);
    expect(() => shapiroWilkSorted([NaN, 1, 2, 3])).toThrow(/value 0 is NaN/);
    expect(() => shapiroWilkSorted([1, 2, 3, 4], 4, NaN)).toThrow(/shift is NaN/);
    // Only the first n values are read.
    expect(shapiroWilkSorted([1, 2, 4, 7, Infinity], 4, 4)).toEqual(shapiroWilk([1, 2, 4, 7]));
  });

  it('keeps the coefficients of the last n above the cache bound', () => {
    const n = COEFFICIENT_CACHE_MAX_N + 200;
    const a = shapiroWilkCoefficients(n);
    expect(shapiroWilkCoefficients(n)).toBe(a);
    const b = shapiroWilkCoefficients(n + 1);
    expect(b).not.toBe(a);
    expect(shapiroWilkCoefficients(n + 1)).toBe(b);
    expect(shapiroWilkCoefficients(n)).toEqual(a);
  });

  it('auxiliary AS 111 / AS 66 routines: normal quantile and tail', () => {
    expect(ppnd(0.5)).toBe(0);
    expect(ppnd(0.975)).toBeCloseTo(1.959964, 5);
    expect(ppnd(0.001)).toBeCloseTo(-3.090232, 5);
    expect(alnorm(1.959964, true)).toBeCloseTo(0.025, 7);
    expect(alnorm(-1.959964, true)).toBeCloseTo(0.975, 7);
    expect(alnorm(1.959964, false)).toBeCloseTo(0.975, 7);
    expect(alnorm(10, true)).toBeCloseTo(7.619853e-24 * 1, 30);
    expect(alnorm(40, true)).toBe(0);
  });
});
