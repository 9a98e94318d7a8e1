/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, reproducing `scipy.stats.ks_2samp(a, b)` with its
 * defaults (alternative='two-sided', method='auto'): same statistic (including ties, via
 * searchsorted side='right' on the pooled data), same exact/asymptotic switch at max(n, m) >
 * 10 000, same exact recursions (Hodges / Viehmann in float64), same fallback to the asymptotic
 * distribution when the exact computation is numerically unusable, and `kstwo.sf` at
 * round(n·m/(n+m)) for the asymptotic p-value.
 */
import { kstwoSf } from './kstwo.js';
import { gcd, roundHalfEven, searchSortedRight, sortedCopy } from './numeric.js';

/** Result of {@link ks2samp}. */
export interface KsResult {
  /** Largest absolute difference between the two empirical CDFs (scipy's `statistic`). */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  /** Which distribution produced the p-value (after any fallback). */
  method: 'exact' | 'asymptotic';
}

/** Options for {@link ks2samp}. */
export interface KsOptions {
  /**
   * `'auto'` (default, as scipy): exact when max(n, m) ≤ 10 000, else asymptotic.
   * `'exact'`: exact unless lcm(n, m) would overflow int32 (then asymptotic, as scipy warns).
   * `'asymp'`: always the asymptotic distribution.
   */
  method?: 'auto' | 'exact' | 'asymp';
}

/** scipy's 'auto' mode tries the exact distribution when both sizes are at most this. */
export const KS_MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

/**
 * Proportion of lattice paths leaving the band |x - y| < h for equal sizes n (Pr(D_{n,n} ≥ h/n)),
 * via the alternating binomial series in Horner form (scipy `_compute_prob_outside_square`).
 */
export function computeProbOutsideSquare(n: number, h: number): number {
  let P = 0.0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1.0;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1.0 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * 1 − (proportion of paths staying strictly inside |x/m − y/n| < h/lcm) by Viehmann's recursion,
 * which keeps every entry in [0, 1] (scipy `_compute_outer_prob_inside_method`, pythran).
 */
export function computeOuterProbInsideMethod(m0: number, n0: number, g: number, h: number): number {
  let m = m0;
  let n = n0;
  if (m < n) [m, n] = [n, m];
  const mg = Math.trunc(m / g);
  const ng = Math.trunc(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1.0);
  for (let j = minj; j < maxj; j++) A[j] = 0.0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1.0;
    let val = minj === 0 ? 0.0 : 1.0;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = ((A[jj + minj - lastminj] as number) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const end = Math.min(maxj - minj + (lastlen - curlen), lenA);
      for (let t = maxj - minj; t < end; t++) A[t] = 1;
    }
  }
  return A[maxj - minj - 1] as number;
}

/** Returns [success, d, prob] like scipy's `_attempt_exact_2kssamp` (two-sided only). */
function attemptExact(n1: number, n2: number, g: number, d0: number): [boolean, number, number] {
  const lcm = Math.trunc(n1 / g) * n2;
  const h = roundHalfEven(d0 * lcm);
  const d = (h * 1.0) / lcm;
  if (h === 0) return [true, d, 1.0];
  const prob =
    n1 === n2 ? computeProbOutsideSquare(n1, h) : computeOuterProbInsideMethod(n1, n2, g, h);
  // scipy traps over/invalid float errors and rejects probabilities outside [0, 1]; non-finite
  // values are the JavaScript equivalent of the trapped errors.
  if (!Number.isFinite(prob) || !(prob >= 0 && prob <= 1)) return [false, d, prob];
  return [true, d, prob];
}

/**
 * Two-sided two-sample KS test as `scipy.stats.ks_2samp(a, b)`.
 *
 * Any NaN in either sample, or an empty sample, gives `{statistic: NaN, pValue: NaN}` (scipy's
 * nan_policy='propagate' and small-sample behaviour). ±Infinity is ordered like any other value.
 */
export function ks2samp(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: KsOptions = {},
): KsResult {
  const requested = options.method ?? 'auto';
  const n1 = a.length;
  const n2 = b.length;
  const data1 = sortedCopy(a);
  const data2 = sortedCopy(b);
  if (n1 === 0 || n2 === 0 || hasNaN(data1) || hasNaN(data2)) {
    return { statistic: NaN, pValue: NaN, method: requested === 'asymp' ? 'asymptotic' : 'exact' };
  }

  // Pooled data: evaluate both ECDFs (right-continuous) at every observation, so ties count fully.
  let minDiff = Infinity;
  let maxDiff = -Infinity;
  const scan = (x: number): void => {
    const diff = searchSortedRight(data1, x) / n1 - searchSortedRight(data2, x) / n2;
    if (diff < minDiff) minDiff = diff;
    if (diff > maxDiff) maxDiff = diff;
  };
  for (let i = 0; i < n1; i++) scan(data1[i] as number);
  for (let i = 0; i < n2; i++) scan(data2[i] as number);
  const minS = Math.min(Math.max(-minDiff, 0), 1);
  const maxS = maxDiff;
  let d = minS > maxS ? minS : maxS;

  const g = gcd(n1, n2);
  const n1g = Math.trunc(n1 / g);
  const n2g = Math.trunc(n2 / g);
  let mode: 'exact' | 'asymp';
  if (requested === 'auto') mode = Math.max(n1, n2) <= KS_MAX_AUTO_N ? 'exact' : 'asymp';
  else if (requested === 'exact') mode = n1g >= INT32_MAX / n2g ? 'asymp' : 'exact';
  else mode = 'asymp';

  let prob = -Infinity;
  if (mode === 'exact') {
    const [success, dExact, p] = attemptExact(n1, n2, g, d);
    d = dExact;
    prob = p;
    if (!success) mode = 'asymp';
  }
  if (mode === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    prob = kstwoSf(d, roundHalfEven(en));
  }
  prob = Math.min(Math.max(prob, 0), 1);
  return { statistic: d, pValue: prob, method: mode === 'exact' ? 'exact' : 'asymptotic' };
}

function hasNaN(a: Float64Array): boolean {
  // Float64Array#sort puts NaN last.
  return a.length > 0 && Number.isNaN(a[a.length - 1] as number);
}
