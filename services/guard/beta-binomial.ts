/**
 * Beta-binomial model of per-client event flag rates, for the flagged-events client rule.
 *
 * Why: a binomial bound treats every benign client as flagging events at the pooled rate, but
 * clients differ — a merchant whose customers sit near the decision boundary has many low-margin
 * events, every one of them benign. Such clients are overdispersed relative to the binomial, and
 * a threshold set by a binomial bound (or by the worst of the reference's few hundred clients)
 * lets the heaviest of them through in production: on the red-team traffic (seed 2) 4 benign
 * merchants of 2,000 clients reached the threshold of 25 flagged events in 50. The beta-binomial
 * lets each client have its own rate p ~ Beta(μφ, (1 − μ)φ) (Skellam 1948; Williams 1975), with
 * the pooled mean μ and the dispersion φ fitted to the reference clients by maximum likelihood;
 * φ → ∞ is the binomial.
 */
import { lgamma } from '../stats/special.js';
import { binomialSf } from './binomial.js';

/** One client's life: `flagged` of `events` events were flagged. */
export interface FlagCount {
  flagged: number;
  events: number;
}

/** The dispersion search interval (φ = a + b); at the upper end the model is the binomial. */
export const PHI_RANGE: readonly [number, number] = [1e-2, 1e7];

function lnBeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** Beta-binomial log-likelihood of the counts (without the binomial coefficients: constant in φ). */
export function betaBinomialLogLik(
  counts: readonly FlagCount[],
  mean: number,
  phi: number,
): number {
  const a = mean * phi;
  const b = (1 - mean) * phi;
  const base = lnBeta(a, b);
  let ll = 0;
  for (const c of counts) ll += lnBeta(c.flagged + a, c.events - c.flagged + b) - base;
  return ll;
}

/**
 * Maximum-likelihood φ for a fixed mean, by golden-section search over ln φ in {@link PHI_RANGE}
 * (deterministic: a fixed number of steps). Clients with a single event say nothing about
 * dispersion and cost nothing. A mean of 0 or 1 has no dispersion to fit: the upper end.
 */
export function fitDispersion(counts: readonly FlagCount[], mean: number): number {
  if (!(mean > 0 && mean < 1)) return PHI_RANGE[1];
  const informative = counts.filter((c) => c.events > 1);
  if (informative.length === 0) return PHI_RANGE[1];
  const f = (t: number) => betaBinomialLogLik(informative, mean, Math.exp(t));
  const g = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(PHI_RANGE[0]);
  let hi = Math.log(PHI_RANGE[1]);
  let c = hi - g * (hi - lo);
  let d = lo + g * (hi - lo);
  let fc = f(c);
  let fd = f(d);
  for (let it = 0; it < 80; it++) {
    if (fc > fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - g * (hi - lo);
      fc = f(c);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + g * (hi - lo);
      fd = f(d);
    }
  }
  return Math.exp((lo + hi) / 2);
}

/** Logarithmically spaced quadrature nodes per half of (0, 1). */
const LOG_NODES = 600;
/** Linearly spaced nodes over the density's bulk (mean ± 12 standard deviations). */
const BULK_NODES = 400;
/** The integration reaches p = 1e−30 (and 1 − 1e−30): below it Beta mass contributes nothing here. */
const LOG_EDGE = Math.log(1e-30);

/**
 * E[g(p)] for p ~ Beta(a, b), by the trapezoid rule in t = ln p on (0, ½] and t = ln(1 − p) on
 * [½, 1): a logarithmic grid towards each end follows the density's singularities at 0 and 1 when
 * a or b < 1, and a linear grid over mean ± 12 sd resolves a narrow peak (large a + b, where the
 * logarithmic grid alone steps over it). `g` must be bounded (here: a probability).
 */
export function betaExpectation(a: number, b: number, g: (p: number) => number): number {
  const lnB = lnBeta(a, b);
  const mean = a / (a + b);
  const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
  const half = Math.log(0.5);
  const h = (half - LOG_EDGE) / LOG_NODES;
  const logGrid = Array.from({ length: LOG_NODES + 1 }, (_, i) => LOG_EDGE + i * h);
  const sides: number[][] = [[...logGrid], [...logGrid]];
  const lo = Math.max(1e-300, mean - 12 * sd);
  const hi = Math.min(1 - 1e-16, mean + 12 * sd);
  for (let i = 0; i <= BULK_NODES; i++) {
    const p = lo + ((hi - lo) * i) / BULK_NODES;
    if (p <= 0.5) sides[0]!.push(Math.log(p));
    else sides[1]!.push(Math.log1p(-p));
  }
  let sum = 0;
  sides.forEach((ts, side) => {
    const nodes = ts.filter((t) => t >= LOG_EDGE && t <= half).sort((x, y) => x - y);
    let prev: { t: number; f: number } | null = null;
    for (const t of nodes) {
      const u = Math.exp(t); // the distance to the end: p = u or p = 1 − u
      const p = side === 0 ? u : 1 - u;
      // density × dp/dt (= u), in logs: the factor toward the near end is u^a (or u^b).
      const ln =
        side === 0
          ? a * t + (b - 1) * Math.log1p(-u) - lnB
          : b * t + (a - 1) * Math.log1p(-u) - lnB;
      const f = Math.exp(ln) * g(p);
      if (prev !== null) sum += ((t - prev.t) * (f + prev.f)) / 2;
      prev = { t, f };
    }
  });
  return sum;
}

/**
 * Probability that a benign client drawn from the fitted population reaches `n` flagged events
 * in some window of `window` consecutive events over a life of `life` events:
 * E_p[min(1, m · P(Bin(window, p) ≥ n))] with p ~ Beta(μφ, (1 − μ)φ) and m = 2⌈life / window⌉ − 1,
 * the windows of a life that start at multiples of window/2 (a union bound over them). The rule
 * counts over a sliding window, whose maximum over a life (a scan statistic) is not strictly
 * bounded by these m windows: on simulated lives (200 events, window 50, μ = 0.02, φ = 20;
 * unit test) the ⌈life / window⌉ disjoint windows alone underestimated it by up to 1.6×, the m
 * half-overlapping ones came within ±25 % of it at every n from 3 to 20. The
 * min(1, ·) inside the expectation keeps a client whose rate alone reaches `n` from counting more
 * than once.
 */
export function flaggedWindowProbability(
  n: number,
  window: number,
  life: number,
  mean: number,
  phi: number,
): number {
  const windows = Math.max(1, 2 * Math.ceil(life / window) - 1);
  if (phi >= PHI_RANGE[1]) return Math.min(1, windows * binomialSf(n, window, mean));
  const v = betaExpectation(mean * phi, (1 - mean) * phi, (p) =>
    Math.min(1, windows * binomialSf(n, window, p)),
  );
  return Math.min(1, Math.max(0, v));
}
