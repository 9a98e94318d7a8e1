/**
 * A bounded ring of numbers that starts small and doubles up to its cap (cheap for idle clients),
 * with a running sum (exact for the 0/1 flags and counts it mostly holds).
 */
export class ScalarRing {
  private data: Float64Array;
  private start = 0;
  private count = 0;
  private total = 0;

  constructor(readonly cap: number) {
    this.data = new Float64Array(Math.min(cap, 8));
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.data.byteLength;
  }

  /** Appends x; returns the value that fell out of the window, if any. */
  push(x: number): number | undefined {
    if (this.count === this.data.length && this.data.length < this.cap) {
      const next = new Float64Array(Math.min(this.cap, this.data.length * 2));
      for (let i = 0; i < this.count; i++) next[i] = this.at(i);
      this.data = next;
      this.start = 0;
    }
    const slot = (this.start + this.count) % this.data.length;
    let evicted: number | undefined;
    if (this.count < this.data.length) this.count++;
    else {
      evicted = this.data[slot]!;
      this.total -= evicted;
      this.start = (this.start + 1) % this.data.length;
    }
    this.data[slot] = x;
    this.total += x;
    return evicted;
  }

  /** i-th value, oldest first. */
  at(i: number): number {
    return this.data[(this.start + i) % this.data.length]!;
  }

  sum(): number {
    return this.total;
  }

  /** Copies the values (oldest first) into out; returns the filled part. */
  copyTo(out: Float64Array): Float64Array {
    for (let i = 0; i < this.count; i++) out[i] = this.at(i);
    return out.subarray(0, this.count);
  }

  toArray(): number[] {
    return Array.from({ length: this.count }, (_, i) => this.at(i));
  }
}
