/**
 * Small numerical helpers that reproduce NumPy's exact floating-point behaviour where it matters
 * for agreeing with scipy/Evidently to the last few bits: reduction order of `np.sum`, the
 * `side` semantics of `searchsorted`, `np.quantile(..., method='linear')`, `np.linspace` and
 * half-to-even rounding. Nothing here allocates more than the input size.
 */

/** Index of the first element of sorted `a` that is > `v` (numpy `searchsorted(side='right')`). */
export function searchSortedRight(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of sorted `a` that is >= `v` (numpy `searchsorted(side='left')`). */
export function searchSortedLeft(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// NumPy's pairwise summation (loops_utils.h): blocks of up to 128 summed with 8 accumulators,
// larger ranges split in halves rounded down to a multiple of 8.
function pairwise(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i] as number;
    return res;
  }
  if (n <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = a[start + j] as number;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = (r[j] as number) + (a[start + i + j] as number);
    }
    const r0 = r[0] as number,
      r1 = r[1] as number,
      r2 = r[2] as number,
      r3 = r[3] as number;
    const r4 = r[4] as number,
      r5 = r[5] as number,
      r6 = r[6] as number,
      r7 = r[7] as number;
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i] as number;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
}

/**
 * `np.sum` of a 1-D float64 array: the reduction seeds the accumulator with the first element and
 * adds the pairwise sum of the rest, so reproducing that order keeps cancellation-prone sums (KL
 * terms, PSI terms) bit-compatible with NumPy.
 */
export function npSum(a: ArrayLike<number>): number {
  if (a.length === 0) return 0;
  return (a[0] as number) + pairwise(a, 1, a.length - 1);
}

/** Round half to even, as `np.round` / Python `round` on floats. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * `np.quantile(sorted, q)` with the default 'linear' method on already-sorted finite data:
 * virtual index (n-1)q, and NumPy's `_lerp`, which interpolates from the upper neighbour when the
 * weight is ≥ 0.5 (that choice changes the last bit, so it is kept).
 */
export function quantileLinearSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const virtual = (n - 1) * q;
  let prev = Math.floor(virtual);
  let next = prev + 1;
  if (prev < 0) prev = 0;
  if (prev > n - 1) prev = n - 1;
  if (next > n - 1) next = n - 1;
  if (next < 0) next = 0;
  const gamma = virtual - Math.floor(virtual);
  const a = sorted[prev] as number;
  const b = sorted[next] as number;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** `np.linspace(start, stop, num, endpoint=True)` for float64. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  const out: number[] = new Array<number>(num);
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  out[num - 1] = stop;
  return out;
}

/** Ascending numeric sort into a new Float64Array (the input is never mutated). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  out.sort();
  return out;
}

/** Greatest common divisor of two non-negative integers. */
export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// Scratch views for reading a double's bits (frexp) without Math.log2.
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word is [1]
// 2^e for every normal exponent e in [-1022, 1023], indexed by e + 1022.
const POW2 = new Float64Array(2046);
for (let e = -1022; e <= 1023; e++) POW2[e + 1022] = 2 ** e;

/**
 * `ldexp(x, exp)` = x·2^exp. One multiplication by an exact power of two (correctly rounded, like
 * C's ldexp) whenever 2^exp is a normal double; otherwise applied in steps.
 */
export function ldexp(x: number, exp: number): number {
  if (exp >= -1022 && exp <= 1023) return x * (POW2[exp + 1022] as number);
  let e = exp;
  let r = x;
  while (e > 1023) {
    r *= 2 ** 1023;
    e -= 1023;
  }
  while (e < -1022) {
    r *= 2 ** -1022;
    e += 1022;
  }
  return r * (POW2[e + 1022] as number);
}

/** Decompose x into m·2^e with 0.5 ≤ |m| < 1 (C `frexp`); frexp(0) = [0, 0]. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  F64[0] = x;
  const hi = U32[HI] as number;
  const biased = (hi >>> 20) & 0x7ff;
  if (biased === 0) {
    // Subnormal: scale into the normal range first.
    const [m, e] = frexp(x * 2 ** 64);
    return [m, e - 64];
  }
  // Replace the exponent field with that of 0.5 (biased 1022), keeping sign and mantissa.
  U32[HI] = (hi & 0x800fffff) | (1022 << 20);
  return [F64[0] as number, biased - 1022];
}
