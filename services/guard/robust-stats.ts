/** Small order statistics used to build reference profiles (pure, no I/O). */

/** Linear-interpolated quantile (type 7, as numpy's default) of an ascending array. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export function median(values: ArrayLike<number>): number {
  return quantileSorted(sortedCopy(values), 0.5);
}

/** Mean and (population) standard deviation, with Welford's update for stability. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    const d = x - mean;
    mean += d / (i + 1);
    m2 += d * (x - mean);
  }
  return { mean, std: values.length > 0 ? Math.sqrt(m2 / values.length) : 0 };
}

/** 1.4826 · MAD estimates σ for normal data (Rousseeuw & Croux 1993). */
export const MAD_TO_SIGMA = 1.4826;

/**
 * Robust location and scale: median and 1.4826·MAD; when the MAD is 0 (more than half the values
 * equal) the standard deviation; when that is 0 too (a constant feature) 1, so a deviation from
 * the constant is measured in the feature's own units rather than blowing up to infinity.
 */
export function robustCenterScale(values: ArrayLike<number>): { center: number; scale: number } {
  if (values.length === 0) return { center: 0, scale: 1 };
  const sorted = sortedCopy(values);
  const center = quantileSorted(sorted, 0.5);
  const dev = sortedCopy(Array.from(sorted, (x) => Math.abs(x - center)));
  let scale = MAD_TO_SIGMA * quantileSorted(dev, 0.5);
  if (!(scale > 0)) scale = meanStd(sorted).std;
  if (!(scale > 0)) scale = 1;
  return { center, scale };
}
