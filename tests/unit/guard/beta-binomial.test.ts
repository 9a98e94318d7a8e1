/** The beta-binomial model behind the flagged-events threshold (services/guard/beta-binomial.ts). */
import { describe, expect, it } from 'vitest';
import { binomialSf } from '../../../services/guard/binomial.js';
import {
  betaBinomialLogLik,
  betaExpectation,
  fitDispersion,
  flaggedWindowProbability,
  PHI_RANGE,
  type FlagCount,
} from '../../../services/guard/beta-binomial.js';
import { gaussian, mulberry32 } from '../../../services/common/prng.js';

/** Beta(a, b) draws from two gamma draws (Marsaglia & Tsang 2000; boosted for shape < 1). */
function betaSampler(seed: number) {
  const rand = mulberry32(seed);
  const norm = gaussian(rand);
  const gamma = (k: number): number => {
    if (k < 1) return gamma(k + 1) * Math.pow(rand(), 1 / k);
    const d = k - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = norm();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      if (Math.log(rand()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return {
    rand,
    beta: (a: number, b: number) => {
      const x = gamma(a);
      return x / (x + gamma(b));
    },
  };
}

/** Clients with their own rate p ~ Beta(μφ, (1−μ)φ), `events` Bernoulli(p) flags each. */
function lives(n: number, events: number, mean: number, phi: number, seed: number): number[][] {
  const { rand, beta } = betaSampler(seed);
  return Array.from({ length: n }, () => {
    const p = beta(mean * phi, (1 - mean) * phi);
    return Array.from({ length: events }, () => (rand() < p ? 1 : 0));
  });
}

const toCounts = (ls: number[][]): FlagCount[] =>
  ls.map((l) => ({ flagged: l.reduce((s, x) => s + x, 0), events: l.length }));

describe('beta-binomial', () => {
  it('integrates the Beta density: E[1] ≈ 1 and E[p] = a/(a+b), also for shapes < 1', () => {
    for (const [a, b] of [
      [2, 3],
      [0.5, 0.5],
      [0.2, 9.8],
      [50, 4950],
    ] as const) {
      expect(betaExpectation(a, b, () => 1)).toBeCloseTo(1, 2);
      expect(betaExpectation(a, b, (p) => p)).toBeCloseTo(a / (a + b), 3);
    }
  });

  it('fits the dispersion: recovers φ of overdispersed counts, and a near-binomial φ otherwise', () => {
    const over = fitDispersion(toCounts(lives(3000, 50, 0.02, 20, 7)), 0.02);
    expect(over).toBeGreaterThan(14);
    expect(over).toBeLessThan(28);
    const bin = fitDispersion(toCounts(lives(3000, 50, 0.02, 1e9, 8)), 0.02);
    expect(bin).toBeGreaterThan(500);
    // The fitted φ is the likelihood's maximum.
    const counts = toCounts(lives(500, 40, 0.05, 10, 9));
    const phi = fitDispersion(counts, 0.05);
    const ll = betaBinomialLogLik(counts, 0.05, phi);
    expect(ll).toBeGreaterThanOrEqual(betaBinomialLogLik(counts, 0.05, phi * 1.5));
    expect(ll).toBeGreaterThanOrEqual(betaBinomialLogLik(counts, 0.05, phi / 1.5));
  });

  it('single-event clients, a zero mean and no counts give the binomial end of the range', () => {
    expect(fitDispersion([{ flagged: 1, events: 1 }], 0.1)).toBe(PHI_RANGE[1]);
    expect(fitDispersion([{ flagged: 0, events: 50 }], 0)).toBe(PHI_RANGE[1]);
    expect(fitDispersion([], 0.1)).toBe(PHI_RANGE[1]);
  });

  it('reduces to the binomial union bound without dispersion, and is heavier with it', () => {
    const bin = flaggedWindowProbability(8, 50, 200, 0.02, PHI_RANGE[1]);
    expect(bin).toBeCloseTo(7 * binomialSf(8, 50, 0.02), 12);
    expect(flaggedWindowProbability(8, 50, 200, 0.02, 1e6)).toBeCloseTo(bin, 6);
    expect(flaggedWindowProbability(8, 50, 200, 0.02, 20)).toBeGreaterThan(1000 * bin);
    // More life, more chances.
    expect(flaggedWindowProbability(8, 50, 1000, 0.02, 20)).toBeGreaterThan(
      flaggedWindowProbability(8, 50, 200, 0.02, 20),
    );
  });

  it('matches the simulated sliding-window maximum of an overdispersed population (±25 %)', () => {
    const W = 50;
    const ls = lives(20_000, 200, 0.02, 20, 11);
    const maxima = ls.map((l) => {
      let run = 0;
      let best = 0;
      l.forEach((x, j) => {
        run += x - (j >= W ? l[j - W]! : 0);
        best = Math.max(best, run);
      });
      return best;
    });
    for (const n of [5, 8, 10, 12, 15]) {
      const simulated = maxima.filter((m) => m >= n).length / maxima.length;
      const model = flaggedWindowProbability(n, W, 200, 0.02, 20);
      expect(model / simulated).toBeGreaterThan(0.75);
      expect(model / simulated).toBeLessThan(1.25);
      // The binomial bound the rule used before is off by orders of magnitude here.
      expect(Math.min(1, 7 * binomialSf(n, W, 0.02))).toBeLessThan(simulated / 3);
    }
  });
});
