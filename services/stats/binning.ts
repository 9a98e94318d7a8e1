/**
 * Binnings behind PSI and Jensen–Shannon:
 *
 * - `referenceDeciles`: 9 cut points at the reference's deciles (NumPy's default linear
 *   interpolation), 10 bins with open outer ends. Edges depend on the reference only, so current
 *   data can be counted in a stream ({@link PsiAccumulator}) and partial counts merged.
 * - `evidently`: what Evidently's `get_binned_data` does — Sturges equal-width edges over reference
 *   and current together when the column is numeric with more than 20 distinct reference values,
 *   otherwise one "bin" per distinct value seen in either sample.
 */
import {
  linspace,
  quantileLinearSorted,
  searchSortedLeft,
  searchSortedRight,
  sortedCopy,
} from './numeric.js';

/** A category value; `null`, `undefined` and `NaN` mean "missing" and are ignored. */
export type Category = string | number | boolean;

/** Share used for an empty `referenceDeciles` bin, so that ln(ref/cur) stays finite. */
export const DECILE_EMPTY_SHARE = 0.0001;

/** Decile probabilities written as literals, as `np.quantile(ref, [0.1, …, 0.9])` receives them. */
const DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;

/**
 * The 9 inner edges of the `referenceDeciles` binning: `np.quantile(reference, [0.1..0.9])`.
 * Non-finite values are ignored. Throws on an empty reference.
 */
export function referenceDecileEdges(reference: ArrayLike<number>): number[] {
  const sorted = sortedCopy(finiteOnly(reference));
  if (sorted.length === 0)
    throw new RangeError('referenceDecileEdges: reference has no finite values');
  return DECILES.map((q) => quantileLinearSorted(sorted, q));
}

/**
 * Bin index of `x` among `edges.length + 1` bins: bin i holds edges[i−1] ≤ x < edges[i]
 * (`np.searchsorted(edges, x, side='right')`); the first and last bins are open-ended.
 */
export function decileBinIndex(edges: ArrayLike<number>, x: number): number {
  return searchSortedRight(edges, x);
}

/** Serializable state of a {@link PsiAccumulator}. */
export interface PsiAccumulatorState {
  edges: number[];
  counts: number[];
  /** Values that were not finite numbers (not counted in any bin). */
  missing: number;
}

/**
 * Mergeable counter of values into fixed bins (the `referenceDeciles` edges). Counting is
 * order-independent, so counts built on several partitions and merged equal a single pass.
 */
export class PsiAccumulator {
  readonly edges: readonly number[];
  private readonly binCounts: number[];
  private missingCount = 0;

  /** @param edges ascending inner edges, typically {@link referenceDecileEdges}(reference). */
  constructor(edges: readonly number[]) {
    for (let i = 1; i < edges.length; i++) {
      if (!((edges[i] as number) >= (edges[i - 1] as number))) {
        throw new RangeError('PsiAccumulator: edges must be finite and ascending');
      }
    }
    this.edges = [...edges];
    this.binCounts = new Array<number>(edges.length + 1).fill(0);
  }

  /** Counts one value; non-finite values are tallied as missing. */
  add(x: number): this {
    if (!Number.isFinite(x)) {
      this.missingCount += 1;
      return this;
    }
    const i = decileBinIndex(this.edges, x);
    this.binCounts[i] = (this.binCounts[i] as number) + 1;
    return this;
  }

  /** Counts every value of `xs`. */
  addAll(xs: Iterable<number>): this {
    for (const x of xs) this.add(x);
    return this;
  }

  /** Adds another accumulator's counts into this one; the edges must be identical. */
  merge(other: PsiAccumulator): this {
    if (
      other.edges.length !== this.edges.length ||
      other.edges.some((e, i) => !Object.is(e, this.edges[i]))
    ) {
      throw new RangeError('PsiAccumulator.merge: edges differ');
    }
    other.binCounts.forEach((c, i) => {
      this.binCounts[i] = (this.binCounts[i] as number) + c;
    });
    this.missingCount += other.missingCount;
    return this;
  }

  /** Per-bin counts (a copy). */
  get counts(): number[] {
    return [...this.binCounts];
  }

  /** Number of values counted into bins. */
  get total(): number {
    return this.binCounts.reduce((a, b) => a + b, 0);
  }

  /** Number of non-finite values seen. */
  get missing(): number {
    return this.missingCount;
  }

  /** Bin shares with empty bins replaced by {@link DECILE_EMPTY_SHARE}; throws when empty. */
  shares(): number[] {
    const total = this.total;
    if (total === 0) throw new RangeError('PsiAccumulator.shares: no values counted');
    return this.binCounts.map((c) => (c === 0 ? DECILE_EMPTY_SHARE : c / total));
  }

  toJSON(): PsiAccumulatorState {
    return { edges: [...this.edges], counts: [...this.binCounts], missing: this.missingCount };
  }

  static fromJSON(state: PsiAccumulatorState): PsiAccumulator {
    const acc = new PsiAccumulator(state.edges);
    if (state.counts.length !== state.edges.length + 1) {
      throw new RangeError('PsiAccumulator.fromJSON: counts length must be edges length + 1');
    }
    state.counts.forEach((c, i) => {
      acc.binCounts[i] = c;
    });
    acc.missingCount = state.missing;
    return acc;
  }
}

/**
 * Equal-width edges as `np.histogram_bin_edges(values, bins='sturges')` for float64 data:
 * width = ptp / (log2(n) + 1), ceil(range / width) bins, edges by `np.linspace`. A constant sample
 * gets the single bin [v − 0.5, v + 0.5]. (NumPy widens the width to 1 for integer dtypes; numbers
 * here are always float64, so that rule does not apply.)
 */
export function sturgesEdges(values: ArrayLike<number>): number[] {
  const n = values.length;
  if (n === 0) return [0, 1];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) throw new RangeError('sturgesEdges: values must be finite');
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (max - min) / (Math.log2(n) + 1.0);
  const nBins = width ? Math.ceil((last - first) / width) : 1;
  return linspace(first, last, nBins + 1);
}

/**
 * `np.histogram(values, edges)[0]`: bins are [e_i, e_{i+1}) except the last, which is closed;
 * values outside [e_0, e_last] are not counted. `sorted` must be ascending.
 */
export function histogramCountsSorted(
  sorted: ArrayLike<number>,
  edges: readonly number[],
): number[] {
  const cum = edges.map((e, i) =>
    i === edges.length - 1 ? searchSortedRight(sorted, e) : searchSortedLeft(sorted, e),
  );
  const counts: number[] = [];
  for (let i = 1; i < cum.length; i++) counts.push((cum[i] as number) - (cum[i - 1] as number));
  return counts;
}

/** Reference and current shares on a common binning, as Evidently's `get_binned_data`. */
export interface BinnedShares {
  /** `'sturges'` for the histogram path, `'values'` for one bin per distinct value. */
  mode: 'sturges' | 'values';
  /** Histogram edges (sturges) or the distinct values (values), in bin order. */
  bins: (number | Category)[];
  reference: number[];
  current: number[];
}

/** Evidently switches from per-value shares to a Sturges histogram above this many distinct values. */
export const EVIDENTLY_HISTOGRAM_MIN_DISTINCT = 20;

/**
 * Evidently's `get_binned_data(reference, current, feature_type, n, feel_zeroes)`.
 * Numeric columns with more than 20 distinct reference values get a Sturges histogram over both
 * samples; anything else gets shares of each distinct value seen in either sample. With
 * `fillZeroes`, every empty share becomes min(non-zero share)/10⁶ when that minimum is ≤ 0.0001,
 * else 0.0001 (computed separately for reference and current). Inputs must already be cleaned of
 * missing values (Evidently drops NaN/±Inf before any test).
 */
export function evidentlyBinnedShares(
  reference: readonly Category[],
  current: readonly Category[],
  kind: 'numeric' | 'categorical',
  fillZeroes: boolean,
): BinnedShares {
  if (reference.length === 0 || current.length === 0) {
    throw new RangeError('evidentlyBinnedShares: empty sample');
  }
  let result: BinnedShares;
  if (kind === 'numeric' && new Set(reference).size > EVIDENTLY_HISTOGRAM_MIN_DISTINCT) {
    const ref = reference as readonly number[];
    const cur = current as readonly number[];
    const edges = sturgesEdges([...ref, ...cur]);
    const refCounts = histogramCountsSorted(sortedCopy(ref), edges);
    const curCounts = histogramCountsSorted(sortedCopy(cur), edges);
    result = {
      mode: 'sturges',
      bins: edges,
      reference: refCounts.map((c) => c / ref.length),
      current: curCounts.map((c) => c / cur.length),
    };
  } else {
    const refCounts = countValues(reference);
    const curCounts = countValues(current);
    const keys = sortCategories(new Set<Category>([...refCounts.keys(), ...curCounts.keys()]));
    result = {
      mode: 'values',
      bins: keys,
      reference: keys.map((k) => (refCounts.get(k) ?? 0) / reference.length),
      current: keys.map((k) => (curCounts.get(k) ?? 0) / current.length),
    };
  }
  if (fillZeroes) {
    result.reference = fillZeroShares(result.reference);
    result.current = fillZeroShares(result.current);
  }
  return result;
}

/** Evidently's zero replacement: min(non-zero)/10⁶ if that minimum ≤ 0.0001, else 0.0001. */
export function fillZeroShares(shares: readonly number[]): number[] {
  let minNonZero = Infinity;
  for (const s of shares) if (s !== 0 && s < minNonZero) minNonZero = s;
  if (minNonZero === Infinity) return [...shares];
  const fill = minNonZero <= 0.0001 ? minNonZero / 10 ** 6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** Occurrences of each value (missing values skipped). */
export function countValues(values: Iterable<Category | null | undefined>): Map<Category, number> {
  const counts = new Map<Category, number>();
  for (const v of values) {
    if (isMissing(v)) continue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

/** True for `null`, `undefined` and `NaN`. */
export function isMissing(v: unknown): v is null | undefined {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
}

/**
 * Deterministic order for categories (numbers ascending, then booleans, then strings by code
 * unit). Evidently iterates a Python set, whose order is arbitrary; only float summation order
 * depends on it.
 */
export function sortCategories(values: Iterable<Category>): Category[] {
  const rank = (v: Category): number =>
    typeof v === 'number' ? 0 : typeof v === 'boolean' ? 1 : 2;
  return [...values].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const sa = String(a);
    const sb = String(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
}

function finiteOnly(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}
