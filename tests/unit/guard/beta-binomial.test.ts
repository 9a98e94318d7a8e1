/** The beta-binomial model behind the flagged-events threshold (services/guard/beta-binomial.ts). */
import { describe, expect, it } from 'vitest';
import { binomialSf } from '../../../services/guard/binomial.js';
import {
  betaBinomialLogLik,
  betaBinomialSf,
  betaExpectation,
  isBinomialPhi,
  fitDispersion,
  flaggedWindowProbability,
  PHI_RANGE,
  scanBound,
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

  it('adds the mass at the ends: E[1] ≈ 1 for shapes far below 1 (a = b = 0.01 was 0.50)', () => {
    for (const [a, b] of [
      [0.01, 0.01],
      [0.005, 0.005],
      [0.05, 30],
    ] as const)
      expect(betaExpectation(a, b, () => 1)).toBeCloseTo(1, 3);
    // Mass near p = 1 counts fully when g(1) = 1: E[p ≥ ½-ish indicator] ≈ ½ by symmetry.
    expect(betaExpectation(0.01, 0.01, (p) => (p > 0.5 ? 1 : 0))).toBeCloseTo(0.5, 2);
  });

  it('reduces to the binomial scan bound without dispersion, and is heavier with it', () => {
    const bin = flaggedWindowProbability(8, 50, 200, 0.02, PHI_RANGE[1]);
    expect(bin).toBeCloseTo(scanBound(8, 50, 200, 0.02), 15);
    expect(bin).toBeCloseTo(binomialSf(8, 50, 0.02) + 150 * 0.02 * binomialSf(7, 49, 0.02), 15);
    expect(flaggedWindowProbability(8, 50, 200, 0.02, 1e6)).toBeCloseTo(bin, 5);
    expect(flaggedWindowProbability(8, 50, 200, 0.02, 20)).toBeGreaterThan(100 * bin);
    // More life, more chances.
    expect(flaggedWindowProbability(8, 50, 1000, 0.02, 20)).toBeGreaterThan(
      flaggedWindowProbability(8, 50, 200, 0.02, 20),
    );
  });

  it('bounds the simulated sliding-window maximum over long lives, and not by much', () => {
    const W = 50;
    const maxima = (ls: number[][]) =>
      ls.map((l) => {
        let run = 0;
        let best = 0;
        l.forEach((x, j) => {
          run += x - (j >= W ? l[j - W]! : 0);
          best = Math.max(best, run);
        });
        return best;
      });
    // An overdispersed population over 200 events, and average clients over 1,200 (where
    // counting half-overlapping windows underestimated the scan probability by 2.5×).
    for (const [n0, life, mean, phi, ns] of [
      [20_000, 200, 0.02, 20, [5, 8, 10, 12]],
      [20_000, 1200, 0.01, 1e9, [4, 5, 6]],
    ] as const) {
      const m = maxima(lives(n0, life, mean, phi, 11));
      for (const n of ns) {
        const simulated = m.filter((x) => x >= n).length / m.length;
        const model = flaggedWindowProbability(n, W, life, mean, Math.min(phi, PHI_RANGE[1]));
        // A bound (0.9: Monte Carlo noise of ≥ 20 hits), within a factor 2.5 of the truth.
        expect(model).toBeGreaterThan(0.9 * simulated);
        expect(model).toBeLessThan(2.5 * simulated);
      }
    }
  });

  it('beta-binomial tail: the Beta mixture of binomial tails, the binomial at the top of the φ range', () => {
    // Against the quadrature (an independent route): E[P(Bin(n, p) ≥ x)] over p ~ Beta.
    for (const [x, n, mean, phi] of [
      [14, 50, 0.01, 112],
      [40, 50, 0.01, 112],
      [5, 50, 0.1, 21],
      [120, 200, 0.1, 21],
      [3, 200, 0.02, 0.5],
    ] as const) {
      const closed = betaBinomialSf(x, n, mean, phi);
      const quad = betaExpectation(mean * phi, (1 - mean) * phi, (p) => binomialSf(x, n, p));
      // The quadrature is good to ~0.5 % here (2.648e-8 against 2.636e-8 in the first case).
      expect(Math.abs(Math.log10(closed) - Math.log10(quad))).toBeLessThan(5e-3);
    }
    // Direct sums of the pmf from log-gamma functions (Python, math.lgamma), to 1e-9 relative.
    expect(betaBinomialSf(14, 50, 0.01, 112) / 2.635888784486686e-8).toBeCloseTo(1, 9);
    expect(betaBinomialSf(40, 50, 0.01, 112) / 1.4622900927218565e-28).toBeCloseTo(1, 9);
    expect(betaBinomialSf(0, 50, 0.1, 21)).toBe(1);
    expect(betaBinomialSf(51, 50, 0.1, 21)).toBe(0);
    expect(betaBinomialSf(14, 50, 0.01, PHI_RANGE[1])).toBe(binomialSf(14, 50, 0.01));
    expect(betaBinomialSf(14, 50, 0.01, 1e6) / binomialSf(14, 50, 0.01)).toBeCloseTo(1, 1);
    // Overdispersion makes a high count far less surprising (a merchant's own rate) …
    expect(betaBinomialSf(14, 50, 0.01, 112)).toBeGreaterThan(1e8 * binomialSf(14, 50, 0.01));
    // … and a count of every query still all but impossible.
    expect(betaBinomialSf(50, 50, 0.01, 112)).toBeLessThan(1e-40);
    // Far below the mean the pmf at x underflows; the tail is ≈ 1, not 0 (review).
    expect(betaBinomialSf(10, 5000, 0.3, 1e5)).toBe(1);
    expect(betaBinomialSf(100, 2000, 0.5, 1e6)).toBe(1);
    // At or below the mean, from the lower tail: direct sum (Python, math.lgamma) 0.9309913334845762.
    expect(betaBinomialSf(1, 50, 0.1, 21)).toBeCloseTo(0.9309913334845762, 12);
    // Near the top of the fit's range is the binomial; a dispersion ≤ 0 is an error, not NaN.
    expect(isBinomialPhi(0.995 * PHI_RANGE[1])).toBe(true);
    expect(isBinomialPhi(1e5)).toBe(false);
    expect(() => betaBinomialSf(3, 50, 0.1, 0)).toThrow(RangeError);
  });
});
