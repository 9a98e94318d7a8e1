/**
 * Bounded counts of predicted labels: a Misra–Gries summary with `capacity` counters plus an
 * `other` bucket holding every unit that is not in a counter, so tracked + other = total always.
 *
 * - While a window sees at most `capacity` distinct labels (the normal case for a classifier) the
 *   counts are exact, and merging is exact and order-independent.
 * - Beyond that (many-class models, or a flood of junk labels) memory stays at `capacity` counters;
 *   every tracked count is an underestimate by at most total / (capacity + 1), and any label with
 *   more than that share is guaranteed to be kept — so real heavy labels survive a cardinality
 *   flood. In this regime exact figures may depend on how traffic was split (the price of bounded
 *   memory for heavy hitters).
 * Merging follows Agarwal et al., "Mergeable summaries" (2012): add counters, then subtract the
 * (capacity + 1)-th largest count from all and drop the non-positive ones.
 *
 * A model label literally equal to {@link OTHER_LABEL} is counted in `other`.
 */

/** The bucket name used for everything outside the reported labels. */
export const OTHER_LABEL = '__other__';
/** Default number of label counters per (model, version, window). */
export const DEFAULT_MAX_TRACKED_LABELS = 256;

export interface LabelCount {
  label: string;
  count: number;
}

/** Plain form: labels sorted ascending (code units), counts parallel. */
export interface SerializedLabelCounts {
  capacity: number;
  labels: string[];
  counts: number[];
  other: number;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class LabelCounter {
  readonly capacity: number;
  private readonly counts = new Map<string, number>();
  private otherCount = 0;

  constructor(capacity: number = DEFAULT_MAX_TRACKED_LABELS) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`label capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Units not attributed to a tracked label. */
  get other(): number {
    return this.otherCount;
  }

  /** Tracked + other. */
  get total(): number {
    let t = this.otherCount;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  get tracked(): number {
    return this.counts.size;
  }

  add(label: string): void {
    if (label === OTHER_LABEL) {
      this.otherCount++;
      return;
    }
    const n = this.counts.get(label);
    if (n !== undefined) {
      this.counts.set(label, n + 1);
    } else if (this.counts.size < this.capacity) {
      this.counts.set(label, 1);
    } else {
      // Misra–Gries decrement: the new unit and one unit of every counter move to `other`.
      this.otherCount += 1 + this.counts.size;
      for (const [l, c] of this.counts) {
        if (c <= 1) this.counts.delete(l);
        else this.counts.set(l, c - 1);
      }
    }
  }

  /** Adds `b` into this counter (in place) and returns this; `b` is unchanged. */
  merge(b: LabelCounter): this {
    if (b.capacity !== this.capacity) {
      throw new RangeError(
        `cannot merge label counters of capacity ${this.capacity} and ${b.capacity}`,
      );
    }
    this.otherCount += b.otherCount;
    for (const [l, c] of b.counts) this.counts.set(l, (this.counts.get(l) ?? 0) + c);
    if (this.counts.size > this.capacity) {
      const sorted = [...this.counts.values()].sort((x, y) => y - x);
      const cut = sorted[this.capacity] as number;
      for (const [l, c] of this.counts) {
        if (c <= cut) {
          this.counts.delete(l);
          this.otherCount += c;
        } else {
          this.counts.set(l, c - cut);
          this.otherCount += cut;
        }
      }
    }
    return this;
  }

  /** Tracked labels and counts, by count descending then label ascending. */
  entries(): LabelCount[] {
    return [...this.counts]
      .map(([label, count]) => ({ label, count }))
      .sort((a, b) => b.count - a.count || compareStrings(a.label, b.label));
  }

  /**
   * The `k` largest labels (count desc, label asc), then {@link OTHER_LABEL} with everything
   * else, if non-zero. The counts add up to {@link total}.
   */
  top(k: number): LabelCount[] {
    const all = this.entries();
    const head = all.slice(0, Math.max(0, k));
    let rest = this.otherCount;
    for (const e of all.slice(head.length)) rest += e.count;
    if (rest > 0) head.push({ label: OTHER_LABEL, count: rest });
    return head;
  }

  toJSON(): SerializedLabelCounts {
    const labels = [...this.counts.keys()].sort(compareStrings);
    return {
      capacity: this.capacity,
      labels,
      counts: labels.map((l) => this.counts.get(l) ?? 0),
      other: this.otherCount,
    };
  }

  static fromJSON(json: SerializedLabelCounts): LabelCounter {
    const bad = (why: string): never => {
      throw new TypeError(`invalid serialized label counts: ${why}`);
    };
    if (json === null || typeof json !== 'object') bad('not an object');
    const counter = new LabelCounter(json.capacity);
    if (!Array.isArray(json.labels) || !Array.isArray(json.counts)) bad('labels/counts missing');
    if (json.labels.length !== json.counts.length) bad('labels and counts differ in length');
    if (json.labels.length > json.capacity) bad('more labels than capacity');
    if (!Number.isSafeInteger(json.other) || json.other < 0) bad('other must be an integer ≥ 0');
    json.labels.forEach((label, i) => {
      const n = json.counts[i];
      if (typeof label !== 'string' || label === OTHER_LABEL || counter.counts.has(label)) {
        bad(`bad or duplicate label ${JSON.stringify(label)}`);
      }
      if (!Number.isSafeInteger(n) || (n as number) <= 0) bad('counts must be positive integers');
      counter.counts.set(label, n as number);
    });
    counter.otherCount = json.other;
    return counter;
  }
}
