/**
 * A mergeable quantile sketch with logarithmic buckets (the DDSketch scheme), written here rather
 * than taken from `@datadog/sketches-js` because its only serialization is protobuf bytes that drop
 * min/max, and its dense stores keep internal offsets; Vigil needs a plain, order-independent state
 * that fits an Avro record (`indexes`/`counts` arrays).
 *
 * Guarantee: with relative accuracy α, γ = (1 + α) / (1 − α), a positive value v lands in bin
 * i = ⌈log_γ v⌉, covering (γ^(i−1), γ^i], whose representative 2γ^i / (γ + 1) is within α·v of v.
 * The quantile q is defined as the LOWER order statistic x₍r₎ with r = ⌊q·(n − 1)⌋ (0-based, sorted
 * ascending; see {@link lowerRank}); the sketch returns a value within α·x₍r₎ of it, clamped to the
 * exact [min, max] (and q = 0 / q = 1 give the exact min / max). Zeros are counted exactly. Negative and non-finite values are refused.
 *
 * Bounded: at most `maxBins` bins. Beyond that the lowest bins are folded into the lowest kept bin,
 * keeping the range [maxIndex − maxBins + 1, maxIndex] — a function of the data alone, so
 * folding stays order-independent; only quantiles in the folded low tail lose the guarantee. With
 * α = 0.01 and 2048 bins the kept range spans about 17 orders of magnitude.
 */
import { exactSumAdd, exactSumMerge, exactSumValue } from './exact-sum.js';

/** Default relative accuracy α: 1 %. */
export const DEFAULT_RELATIVE_ACCURACY = 0.01;
/** Default bin cap. */
export const DEFAULT_MAX_BINS = 2048;

/** Plain form of a sketch, for Avro records, checkpoints and downstream merging. */
export interface SerializedSketch {
  relativeAccuracy: number;
  maxBins: number;
  /** Bin indexes, strictly ascending; bin i covers (γ^(i−1), γ^i]. */
  indexes: number[];
  /** Count per bin, parallel to `indexes`. */
  counts: number[];
  /** Values equal to 0. */
  zeroCount: number;
  /** Total values: zeroCount + Σ counts. */
  count: number;
  /** Exact minimum and maximum, null when empty. */
  min: number | null;
  max: number | null;
  /** Exact sum as non-overlapping partials (see exact-sum.ts); Σ partials = sum. */
  sumPartials: number[];
}

/**
 * 0-based rank of the q-quantile among n sorted values: ⌊q·(n − 1)⌋, the "lower" definition
 * (numpy `method='lower'`). Both the sketch and exact references use this one function.
 */
export function lowerRank(q: number, n: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  return Math.floor(q * (n - 1));
}

export interface SketchOptions {
  /** Relative accuracy α in (0, 1). Default 0.01. */
  relativeAccuracy?: number;
  /** Maximum number of bins before the lowest are folded. Default 2048. */
  maxBins?: number;
}

export class LogBucketSketch {
  readonly relativeAccuracy: number;
  readonly maxBins: number;
  private readonly logGamma: number;
  private readonly multiplier: number;
  private readonly bins = new Map<number, number>();
  /** Highest and lowest bin index in use (±∞ when no bins), kept so adds stay O(1). */
  private maxIndex = -Infinity;
  private minIndex = Infinity;
  private zeros = 0;
  private total = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private readonly sumPartials: number[] = [];

  constructor(options: SketchOptions = {}) {
    this.relativeAccuracy = options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY;
    this.maxBins = options.maxBins ?? DEFAULT_MAX_BINS;
    if (!(this.relativeAccuracy > 0 && this.relativeAccuracy < 1)) {
      throw new RangeError(`relativeAccuracy must be in (0, 1), got ${this.relativeAccuracy}`);
    }
    if (!Number.isSafeInteger(this.maxBins) || this.maxBins < 1) {
      throw new RangeError(`maxBins must be a positive integer, got ${this.maxBins}`);
    }
    const gamma = (1 + this.relativeAccuracy) / (1 - this.relativeAccuracy);
    this.logGamma = Math.log(gamma);
    this.multiplier = 1 / this.logGamma;
  }

  get count(): number {
    return this.total;
  }
  get zeroCount(): number {
    return this.zeros;
  }
  /** Exact minimum, null when empty. */
  get min(): number | null {
    return this.total > 0 ? this.lo : null;
  }
  /** Exact maximum, null when empty. */
  get max(): number | null {
    return this.total > 0 ? this.hi : null;
  }
  /** Exact sum, rounded once. */
  get sum(): number {
    return exactSumValue(this.sumPartials);
  }
  /** Exact mean (rounded once), null when empty. */
  mean(): number | null {
    return this.total > 0 ? this.sum / this.total : null;
  }
  /** Number of non-zero bins in use. */
  get binCount(): number {
    return this.bins.size;
  }

  /** Bin index of a positive value. */
  indexOf(value: number): number {
    return Math.ceil(Math.log(value) * this.multiplier);
  }

  /** Representative value of bin `index`: within α of every value in the bin. */
  valueOf(index: number): number {
    return (2 * Math.exp(index * this.logGamma)) / (1 + Math.exp(this.logGamma));
  }

  /** Adds a value ≥ 0; returns false (and changes nothing) for negative or non-finite values. */
  add(value: number): boolean {
    if (!Number.isFinite(value) || value < 0) return false;
    this.total++;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
    exactSumAdd(this.sumPartials, value);
    if (value === 0) {
      this.zeros++;
    } else {
      this.addToBin(this.indexOf(value), 1);
      this.fold();
    }
    return true;
  }

  private addToBin(index: number, n: number): void {
    const floor = this.maxIndex - this.maxBins + 1;
    const target = index < floor ? floor : index;
    this.bins.set(target, (this.bins.get(target) ?? 0) + n);
    if (target > this.maxIndex) this.maxIndex = target;
    if (target < this.minIndex) this.minIndex = target;
  }

  /** Folds bins below the kept range into its lowest bin (see the module comment). */
  private fold(): void {
    if (this.minIndex >= this.maxIndex - this.maxBins + 1) return;
    const floor = this.maxIndex - this.maxBins + 1;
    let folded = 0;
    for (const [index, n] of this.bins) {
      if (index < floor) {
        folded += n;
        this.bins.delete(index);
      }
    }
    this.bins.set(floor, (this.bins.get(floor) ?? 0) + folded);
    this.minIndex = floor;
  }

  /** Whether `other` has the same accuracy and bin cap, so that merging keeps the guarantee. */
  mergeable(other: LogBucketSketch): boolean {
    return this.relativeAccuracy === other.relativeAccuracy && this.maxBins === other.maxBins;
  }

  /** Adds `other` into this sketch (in place) and returns this. `other` is not changed. */
  merge(other: LogBucketSketch): this {
    if (!this.mergeable(other)) {
      throw new RangeError(
        `cannot merge sketches with relativeAccuracy/maxBins ${this.relativeAccuracy}/${this.maxBins} and ${other.relativeAccuracy}/${other.maxBins}`,
      );
    }
    if (other.total === 0) return this;
    this.total += other.total;
    this.zeros += other.zeros;
    this.lo = Math.min(this.lo, other.lo);
    this.hi = Math.max(this.hi, other.hi);
    exactSumMerge(this.sumPartials, other.sumPartials);
    // Raise maxIndex first so that both sides fold to the same floor.
    if (other.maxIndex > this.maxIndex) this.maxIndex = other.maxIndex;
    for (const [index, n] of other.bins) this.addToBin(index, n);
    this.fold();
    return this;
  }

  /**
   * The q-quantile (lower definition, see {@link lowerRank}) within relative accuracy α of the
   * exact one; null when empty.
   */
  quantile(q: number): number | null {
    const rank = lowerRank(q, Math.max(this.total, 1));
    if (this.total === 0) return null;
    // The extreme order statistics are known exactly.
    if (rank === 0) return this.lo;
    if (rank === this.total - 1) return this.hi;
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    const indexes = [...this.bins.keys()].sort((a, b) => a - b);
    let estimate = this.hi;
    for (const index of indexes) {
      seen += this.bins.get(index) ?? 0;
      if (seen > rank) {
        estimate = this.valueOf(index);
        break;
      }
    }
    // Clamping to the exact range can only bring the estimate closer to the true value.
    return Math.min(Math.max(estimate, this.lo), this.hi);
  }

  clone(): LogBucketSketch {
    return LogBucketSketch.fromJSON(this.toJSON());
  }

  toJSON(): SerializedSketch {
    const indexes = [...this.bins.keys()].sort((a, b) => a - b);
    return {
      relativeAccuracy: this.relativeAccuracy,
      maxBins: this.maxBins,
      indexes,
      counts: indexes.map((i) => this.bins.get(i) ?? 0),
      zeroCount: this.zeros,
      count: this.total,
      min: this.min,
      max: this.max,
      sumPartials: [...this.sumPartials],
    };
  }

  /** Rebuilds a sketch from {@link toJSON} output, checking its consistency. */
  static fromJSON(json: SerializedSketch): LogBucketSketch {
    const bad = (why: string): never => {
      throw new TypeError(`invalid serialized sketch: ${why}`);
    };
    if (json === null || typeof json !== 'object') bad('not an object');
    const sketch = new LogBucketSketch({
      relativeAccuracy: json.relativeAccuracy,
      maxBins: json.maxBins,
    });
    if (!Array.isArray(json.indexes) || !Array.isArray(json.counts)) bad('indexes/counts missing');
    if (json.indexes.length !== json.counts.length) bad('indexes and counts differ in length');
    if (!isCount(json.zeroCount) || !isCount(json.count))
      bad('zeroCount/count must be integers ≥ 0');
    let total = json.zeroCount;
    let previous = -Infinity;
    json.indexes.forEach((index, k) => {
      const n = json.counts[k];
      if (!Number.isSafeInteger(index) || index <= previous)
        bad('indexes must be ascending integers');
      if (!isCount(n) || n === 0) bad('bin counts must be positive integers');
      previous = index;
      total += n as number;
      sketch.bins.set(index, n as number);
      sketch.maxIndex = index;
      if (sketch.minIndex === Infinity) sketch.minIndex = index;
    });
    if (total !== json.count) bad(`count ${json.count} ≠ zeroCount + Σ counts = ${total}`);
    if (json.indexes.length > 0 && sketch.maxIndex - sketch.minIndex >= json.maxBins) {
      bad('bin indexes span more than maxBins');
    }
    if (!Array.isArray(json.sumPartials) || !json.sumPartials.every(Number.isFinite)) {
      bad('sumPartials must be finite numbers');
    }
    if (json.count > 0) {
      if (typeof json.min !== 'number' || typeof json.max !== 'number' || json.min > json.max) {
        bad('min/max must be numbers with min ≤ max');
      }
      sketch.lo = json.min as number;
      sketch.hi = json.max as number;
    }
    sketch.zeros = json.zeroCount;
    sketch.total = json.count;
    sketch.sumPartials.push(...json.sumPartials);
    return sketch;
  }
}

function isCount(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}
