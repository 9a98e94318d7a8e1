/**
 * First Wasserstein distance between two 1-D samples, as `scipy.stats.wasserstein_distance(u, v)`
 * (area between the two empirical CDFs), and Evidently's normalized form.
 */
import { npSum, sortedCopy } from './numeric.js';

/** W1(u, v) = ∫|F_u − F_v|. NaN when either sample is empty or contains NaN. */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const us = sortedCopy(u);
  const vs = sortedCopy(v);
  const nu = us.length;
  const nv = vs.length;
  if (nu === 0 || nv === 0) return NaN;
  if (Number.isNaN(us[nu - 1] as number) || Number.isNaN(vs[nv - 1] as number)) return NaN;
  // Merge the sorted samples; between consecutive pooled values both ECDFs are constant, and
  // `searchsorted(side='right')` of a non-decreasing query can be tracked with two pointers.
  const all = new Float64Array(nu + nv);
  for (let i = 0, j = 0, k = 0; k < all.length; k++) {
    if (j >= nv || (i < nu && (us[i] as number) <= (vs[j] as number))) all[k] = us[i++] as number;
    else all[k] = vs[j++] as number;
  }
  const terms = new Float64Array(all.length - 1);
  let iu = 0;
  let iv = 0;
  for (let k = 0; k < all.length - 1; k++) {
    const x = all[k] as number;
    while (iu < nu && (us[iu] as number) <= x) iu++;
    while (iv < nv && (vs[iv] as number) <= x) iv++;
    terms[k] = Math.abs(iu / nu - iv / nv) * ((all[k + 1] as number) - x);
  }
  return npSum(terms);
}

/** Population standard deviation as `np.std(x)` (ddof = 0, NumPy's two-pass algorithm). */
export function populationStd(x: ArrayLike<number>): number {
  const n = x.length;
  if (n === 0) return NaN;
  const mean = npSum(x) / n;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - mean;
    sq[i] = d * d;
  }
  return Math.sqrt(npSum(sq) / n);
}

/** Floor for the normalizing standard deviation (Evidently's `max(np.std(reference), 0.001)`). */
export const WASSERSTEIN_MIN_STD = 0.001;

/** W1 and Evidently's normalized W1 / max(std(reference), 0.001). */
export function wassersteinNormalized(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): { value: number; normalized: number } {
  const value = wassersteinDistance(reference, current);
  const norm = Math.max(populationStd(reference), WASSERSTEIN_MIN_STD);
  return { value, normalized: value / norm };
}
