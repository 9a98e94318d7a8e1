import { describe, expect, it } from 'vitest';
import { exactSumAdd, exactSumMerge, exactSumValue } from '../../../services/metrics/exact-sum.js';
import { lognormal, rng, shuffle } from './random.js';

function sumOf(values: number[]): number {
  const p: number[] = [];
  for (const v of values) exactSumAdd(p, v);
  return exactSumValue(p);
}

describe('exact sum', () => {
  it.each([
    { name: 'empty', values: [], sum: 0 },
    { name: 'ten times 0.1', values: Array<number>(10).fill(0.1), sum: 1 },
    { name: 'cancellation', values: [1e100, 1, -1e100], sum: 1 },
    { name: 'tiny beside huge', values: [2 ** 53, 1, 1], sum: 2 ** 53 + 2 },
    { name: 'half-even correction', values: [1, 2 ** -53, 2 ** -100], sum: 1 + 2 ** -52 },
  ])('$name', ({ values, sum }) => {
    expect(sumOf(values)).toBe(sum);
  });

  it('gives the same double for any order and grouping', () => {
    const random = rng(7);
    const values = Array.from(
      { length: 5000 },
      () => lognormal(random, 3, 2) * (random() < 0.1 ? -1 : 1),
    );
    const reference = sumOf(values);
    for (let trial = 0; trial < 5; trial++) {
      const shuffled = shuffle(values, random);
      // Split into chunks, sum each, merge in a random order.
      const parts: number[][] = [[], [], [], [], [], []];
      shuffled.forEach((v) => exactSumAdd(parts[Math.floor(random() * 6)] as number[], v));
      const merged = shuffle(parts, random).reduce((a, b) => exactSumMerge(a, b), []);
      expect(exactSumValue(merged)).toBe(reference);
    }
    // A naive running sum is generally not order-independent, which is the point of all this.
    expect(Math.abs(values.reduce((a, b) => a + b, 0) - reference)).toBeLessThan(
      1e-6 * Math.abs(reference) + 1e-6,
    );
  });
});
