/**
 * Shapiro–Wilk W test of normality, as `scipy.stats.shapiro`: Royston's algorithm (P. Royston,
 * "Remark AS R94: A Remark on Algorithm AS 181: The W-test for Normality", Applied Statistics 44,
 * 1995), uncensored, with the same auxiliary routines scipy's `swilk` uses — AS 111 `ppnd` for the
 * normal quantiles behind the coefficients and AS 66 `alnorm` for the tail area — so W and p agree
 * with scipy to rounding, not merely to the accuracy of the approximations.
 *
 * Valid for 3 ≤ n ≤ 5000 (p-values beyond 5000 are Royston's extrapolation; scipy warns there).
 * The coefficients depend on n only and are cached for n ≤ {@link COEFFICIENT_CACHE_MAX_N}; for
 * a larger n, the last such vector is kept (a ring of fixed size tests the same n every time).
 */

export interface ShapiroWilkResult {
  /** The W statistic, in (0, 1] (up to rounding: 1 + ε is possible, as in scipy). */
  w: number;
  /** P(W ≤ w) under normality (Royston's approximation; exact for n = 3). */
  p: number;
}

/** Coefficient vectors for sample sizes up to this are kept (≤ ~2 MB for every n up to it). */
export const COEFFICIENT_CACHE_MAX_N = 1000;

const SMALL = 1e-19;

// Polynomial coefficients, ascending powers (AS R94; scipy's `_poly` evaluates them so).
const C1 = [0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
const C2 = [0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];
const C3 = [0.544, -0.39978, 0.025054, -6.714e-4];
const C4 = [1.3822, -0.77857, 0.062767, -0.0020322];
const C5 = [-1.5861, -0.31082, -0.083751, 0.0038915];
const C6 = [-0.4803, -0.082676, 0.0030302];
const G = [-2.273, 0.459];

function poly(c: readonly number[], x: number): number {
  // Same evaluation order as AS R94's POLY (and scipy's `_poly`), for identical rounding.
  const nord = c.length;
  let res = c[0]!;
  if (nord === 1) return res;
  let p = x * c[nord - 1]!;
  if (nord === 2) return res + p;
  for (let i = nord - 2; i > 0; i--) p = (p + c[i]!) * x;
  res += p;
  return res;
}

/** AS 111 (Beasley & Springer 1977): the normal quantile, ~7 digits, as scipy's `_ppnd`. */
export function ppnd(p: number): number {
  const q = p - 0.5;
  if (Math.abs(q) <= 0.42) {
    const r = q * q;
    const num =
      q * (((-25.44106049637 * r + 41.39119773534) * r + -18.61500062529) * r + 2.50662823884);
    return (
      num /
      ((((3.13082909833 * r + -21.06224101826) * r + 23.08336743743) * r + -8.4735109309) * r + 1)
    );
  }
  let r = q > 0 ? 1 - p : p;
  if (!(r > 0)) return 0;
  r = Math.sqrt(-Math.log(r));
  const t =
    (((2.32121276858 * r + 4.85014127135) * r + -2.29796479134) * r + -2.78718931138) /
    ((1.63706781897 * r + 3.54388924762) * r + 1);
  return q < 0 ? -t : t;
}

/** AS 66 (Hill 1973, with the 2001 extended upper range): normal tail area, as scipy's `_alnorm`. */
export function alnorm(x: number, upper: boolean): number {
  let z = x;
  let up = upper;
  if (!(z > 0)) {
    up = !up;
    z = -z;
  }
  if (!(z <= 7 || (up && z <= 38))) return up ? 0 : 1;
  const y = 0.5 * z * z;
  let temp: number;
  if (z <= 1.28)
    temp =
      0.5 -
      z *
        (0.398942280444 -
          (0.399903438504 * y) /
            (y +
              5.75885480458 -
              29.8213557808 / (y + 2.62433121679 + 48.6959930692 / (y + 5.92885724438))));
  else
    temp =
      (0.398942280385 * Math.exp(-y)) /
      (z -
        3.8052e-8 +
        1.00000615302 /
          (z +
            3.98064794e-4 +
            1.98615381364 /
              (z -
                0.151679116635 +
                5.29330324926 /
                  (z +
                    4.8385912808 -
                    15.1508972451 / (z + 0.742380924027 + 30.789933034 / (z + 3.99019417011))))));
  return up ? temp : 1 - temp;
}

const cache = new Map<number, Float64Array>();
/** The coefficients of the last n above the cache bound (one vector: memory stays bounded). */
let large: Float64Array | null = null;
let largeN = 0;

/** The n/2 antisymmetric coefficients a_1..a_{n/2} (a_1 for the extremes), AS R94. */
export function shapiroWilkCoefficients(n: number): Float64Array {
  const hit = n > COEFFICIENT_CACHE_MAX_N ? (largeN === n ? large : null) : cache.get(n);
  if (hit) return hit;
  const nn2 = n >> 1;
  const a = new Float64Array(nn2);
  if (n === 3) a[0] = Math.SQRT1_2;
  else {
    const an25 = n + 0.25;
    let summ2 = 0;
    for (let i = 0; i < nn2; i++) {
      const m = ppnd((i + 1 - 0.375) / an25);
      a[i] = m;
      summ2 += m * m;
    }
    summ2 *= 2;
    const ssumm2 = Math.sqrt(summ2);
    const rsn = 1 / Math.sqrt(n);
    const a1 = poly(C1, rsn) - a[0]! / ssumm2;
    let i1: number;
    let fac: number;
    if (n > 5) {
      i1 = 2;
      const a2 = -a[1]! / ssumm2 + poly(C2, rsn);
      fac = Math.sqrt((summ2 - 2 * a[0]! ** 2 - 2 * a[1]! ** 2) / (1 - 2 * a1 ** 2 - 2 * a2 ** 2));
      a[1] = a2;
    } else {
      i1 = 1;
      fac = Math.sqrt((summ2 - 2 * a[0]! ** 2) / (1 - 2 * a1 ** 2));
    }
    a[0] = a1;
    for (let i = i1; i < nn2; i++) a[i] = a[i]! * (-1 / fac);
  }
  if (n <= COEFFICIENT_CACHE_MAX_N) cache.set(n, a);
  else [large, largeN] = [a, n];
  return a;
}

/**
 * W and p of a sample (any order; not modified), as `scipy.stats.shapiro(x)`. Like scipy, the
 * sample is shifted by its element at index ⌊n/2⌋ (original order) before the sums, and a sample
 * of zero range gives W = 1, p = 1. Throws for n < 3 or a non-finite value.
 */
export function shapiroWilk(x: ArrayLike<number>): ShapiroWilkResult {
  const n = x.length;
  if (n < 3) throw new RangeError(`shapiroWilk: needs at least 3 values, got ${n}`);
  const shift = x[n >> 1]!;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`shapiroWilk: value ${i} is ${v}`);
    y[i] = v;
  }
  y.sort();
  for (let i = 0; i < n; i++) y[i] = y[i]! - shift;
  return shapiroWilkSorted(y);
}

/**
 * The same for values already sorted ascending: the first `n` of `sorted`, each taken minus
 * `shift` (the same arithmetic as shifting first, so `shapiroWilk(x)` equals
 * `shapiroWilkSorted(sort(x), n, x[n >> 1])` exactly). Allocates nothing (coefficients are cached);
 * `sorted` is not modified. Throws for n < 3 or a non-finite value (or shift), like shapiroWilk: a
 * NaN W would otherwise read as p ≈ 1, "normal".
 */
export function shapiroWilkSorted(
  sorted: ArrayLike<number>,
  n = sorted.length,
  shift = 0,
): ShapiroWilkResult {
  if (n < 3) throw new RangeError(`shapiroWilk: needs at least 3 values, got ${n}`);
  const y = sorted;
  if (!Number.isFinite(shift)) throw new RangeError(`shapiroWilk: shift is ${shift}`);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(y[i]!)) throw new RangeError(`shapiroWilk: value ${i} is ${y[i]}`);
  const a = shapiroWilkCoefficients(n);
  const range = y[n - 1]! - shift - (y[0]! - shift);
  if (range < SMALL) return { w: 1, p: 1 };
  // Mean of the signed coefficients and of the range-scaled data (AS R94's first pass).
  let sx = (y[0]! - shift) / range;
  let sa = -a[0]!;
  for (let i = 1, j = n - 2; i < n; i++, j--) {
    sx += (y[i]! - shift) / range;
    if (i !== j) sa += (i < j ? -1 : 1) * a[Math.min(i, j)]!;
  }
  sa /= n;
  sx /= n;
  let ssa = 0;
  let ssx = 0;
  let sax = 0;
  for (let i = 0, j = n - 1; i < n; i++, j--) {
    const asa = i !== j ? (i < j ? -1 : 1) * a[Math.min(i, j)]! - sa : -sa;
    const xsx = (y[i]! - shift) / range - sx;
    ssa += asa * asa;
    ssx += xsx * xsx;
    sax += asa * xsx;
  }
  // 1 − W, computed so as to keep its precision when W is near 1.
  const ssassx = Math.sqrt(ssa * ssx);
  const w1 = ((ssassx - sax) * (ssassx + sax)) / (ssa * ssx);
  const w = 1 - w1;
  if (n === 3) {
    if (w < 0.75) return { w: 0.75, p: 0 };
    return { w, p: 1 - (6 / Math.PI) * Math.acos(Math.sqrt(w)) };
  }
  let yy = Math.log(w1);
  let m: number;
  let s: number;
  if (n <= 11) {
    const gamma = poly(G, n);
    if (yy >= gamma) return { w, p: SMALL };
    yy = -Math.log(gamma - yy);
    m = poly(C3, n);
    s = Math.exp(poly(C4, n));
  } else {
    const ln = Math.log(n);
    m = poly(C5, ln);
    s = Math.exp(poly(C6, ln));
  }
  return { w, p: alnorm((yy - m) / s, true) };
}
