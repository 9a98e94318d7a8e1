/**
 * Exact floating-point summation (Shewchuk's non-overlapping partials, as in Python's
 * `math.fsum`). A plain running `+=` gives sums that depend on the order of the terms, so a mean
 * built from six partitions would differ in the last bits from the same mean built from one. The
 * partials represent the sum exactly, merging adds them exactly, and {@link exactSumValue} rounds
 * once at the end — so the result is identical for any order or grouping of the same terms.
 *
 * The state is a plain `number[]` (a handful of doubles in practice; at most ~40 for finite
 * doubles), serializable as an Avro `array<double>`.
 */

export type ExactSum = number[];

/** Adds a finite `x` into `partials` in place. Non-finite values must be filtered by the caller. */
export function exactSumAdd(partials: ExactSum, x: number): void {
  let i = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j] as number;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  partials.length = i;
  partials.push(x);
}

/** Adds all of `b` into `a` (in place, exactly) and returns `a`. */
export function exactSumMerge(a: ExactSum, b: readonly number[]): ExactSum {
  for (const x of b) exactSumAdd(a, x);
  return a;
}

/** The exact sum rounded once to the nearest double (ties to even). */
export function exactSumValue(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  n--;
  let hi = partials[n] as number;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    n--;
    const y = partials[n] as number;
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  // Correct a round-half-even that went the wrong way because lower partials tip the balance.
  if (n > 0) {
    const next = partials[n - 1] as number;
    if ((lo < 0 && next < 0) || (lo > 0 && next > 0)) {
      const y = lo * 2;
      const x = hi + y;
      const yr = x - hi;
      if (y === yr) hi = x;
    }
  }
  return hi;
}
