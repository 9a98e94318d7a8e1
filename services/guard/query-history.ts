/**
 * One client's recent queries (similarity vectors), a ring buffer with a hard cap. It starts small
 * and doubles up to the cap, so the many clients that send a handful of queries cost little and
 * none costs more than cap × dims × 4 bytes.
 */
export interface NeighbourDistances {
  /** Mean Euclidean distance to the k nearest previous queries (or all, when fewer than k). */
  meanKnn: number;
  /** Distance to the nearest previous query. */
  nearest: number;
  /** Distance to the previous query (successive distance). */
  previous: number;
  /** Previous queries compared. */
  count: number;
}

const INITIAL_CAPACITY = 16;

export class QueryHistory {
  private data: Float32Array;
  private capacity: number;
  private start = 0;
  private count = 0;

  constructor(
    readonly dims: number,
    readonly cap: number,
  ) {
    this.capacity = Math.min(cap, INITIAL_CAPACITY);
    this.data = new Float32Array(this.capacity * dims);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the buffer (for stats). */
  get bytes(): number {
    return this.data.byteLength;
  }

  push(v: Float32Array): void {
    if (this.count === this.capacity && this.capacity < this.cap) this.grow();
    const slot = (this.start + this.count) % this.capacity;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
    this.data.set(v.subarray(0, this.dims), slot * this.dims);
  }

  private grow(): void {
    const capacity = Math.min(this.cap, this.capacity * 2);
    const data = new Float32Array(capacity * this.dims);
    for (let i = 0; i < this.count; i++) data.set(this.row(i), i * this.dims);
    this.data = data;
    this.capacity = capacity;
    this.start = 0;
  }

  /** i-th query, oldest first. */
  row(i: number): Float32Array {
    const slot = (this.start + i) % this.capacity;
    return this.data.subarray(slot * this.dims, (slot + 1) * this.dims);
  }

  /**
   * Distances from v to the stored queries. `scratch` must hold at least `cap` values (reused to
   * avoid an allocation per query). Null when the history is empty.
   */
  neighbours(v: Float32Array, k: number, scratch: Float64Array): NeighbourDistances | null {
    const m = this.count;
    if (m === 0) return null;
    const d = this.dims;
    let nearest = Infinity;
    for (let i = 0; i < m; i++) {
      const slot = (this.start + i) % this.capacity;
      const base = slot * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = this.data[base + j]! - v[j]!;
        s += t * t;
      }
      const dist = Math.sqrt(s);
      scratch[i] = dist;
      if (dist < nearest) nearest = dist;
    }
    const previous = scratch[m - 1]!;
    const kk = Math.min(k, m);
    if (kk < m) selectSmallest(scratch, m, kk);
    let sum = 0;
    for (let i = 0; i < kk; i++) sum += scratch[i]!;
    return { meanKnn: sum / kk, nearest, previous, count: m };
  }

  /** Euclidean distance from v to the nearest stored query; null when the history is empty. */
  nearest(v: Float32Array): number | null {
    const m = this.count;
    if (m === 0) return null;
    const d = this.dims;
    let best = Infinity;
    for (let i = 0; i < m; i++) {
      const base = ((this.start + i) % this.capacity) * d;
      let s = 0;
      // Stop summing once this row cannot be the nearest (rows are independent).
      for (let j = 0; j < d && s < best; j++) {
        const t = this.data[base + j]! - v[j]!;
        s += t * t;
      }
      if (s < best) best = s;
    }
    return Math.sqrt(best);
  }

  /** Oldest first, as plain numbers (Float32 values survive a JSON round trip exactly). */
  toJSON(): number[][] {
    return Array.from({ length: this.count }, (_, i) => Array.from(this.row(i)));
  }

  static fromJSON(dims: number, cap: number, rows: readonly (readonly number[])[]): QueryHistory {
    const h = new QueryHistory(dims, cap);
    for (const r of rows.slice(-cap)) h.push(Float32Array.from(r));
    return h;
  }
}

/** Rearranges a[0..n) so that its k smallest values are in a[0..k) (Hoare quickselect). */
export function selectSmallest(a: Float64Array, n: number, k: number): void {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}
