/**
 * Deterministic, seeded reservoir sampling (Vitter's Algorithm R) and the small PRNG behind it.
 *
 * Algorithm R keeps the first k values, then replaces slot j = ⌊u·(i+1)⌋ with the i-th value
 * (0-based) when j < k, u uniform in [0, 1): every value seen has the same chance k/n of being in
 * the sample. With a fixed seed and the same value sequence the sample is identical, which is what
 * makes profiles reproducible and a service's window results the same after a replay.
 *
 * The generator is mulberry32 (32-bit state) with two draws per uniform, so u has 53 random bits
 * and the slot choice stays unbiased for streams far beyond 2³² values.
 */

/** FNV-1a 32-bit hash of a string (UTF-16 code units), used to derive per-stream seeds. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A seed for one named stream under a base seed (e.g. one feature of a profile). */
export function deriveSeed(seed: number, ...names: Array<string | number>): number {
  let h = fnv1a(String(seed >>> 0));
  for (const n of names) h = fnv1a(`\u0000${String(n)}`, h);
  return h >>> 0;
}

/** mulberry32 with an inspectable state. */
export class SeededRandom {
  constructor(private state: number) {
    this.state = state >>> 0;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  get seedState(): number {
    return this.state;
  }
}

/** JSON form of a {@link Reservoir}. */
export interface ReservoirState<T> {
  capacity: number;
  seen: number;
  rng: number;
  items: T[];
}

/** A bounded uniform sample of a stream (Algorithm R). */
export class Reservoir<T> {
  private readonly rng: SeededRandom;
  private readonly buf: T[] = [];
  private n = 0;

  constructor(
    readonly capacity: number,
    seed: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`reservoir capacity must be a positive integer, got ${capacity}`);
    }
    this.rng = new SeededRandom(seed);
  }

  add(value: T): void {
    const i = this.n++;
    if (i < this.capacity) {
      this.buf.push(value);
      return;
    }
    const j = Math.floor(this.rng.next() * (i + 1));
    if (j < this.capacity) this.buf[j] = value;
  }

  /** Values offered so far. */
  get seen(): number {
    return this.n;
  }

  /** The sample (the live buffer: do not mutate). */
  get items(): readonly T[] {
    return this.buf;
  }

  get size(): number {
    return this.buf.length;
  }

  toJSON(): ReservoirState<T> {
    return { capacity: this.capacity, seen: this.n, rng: this.rng.seedState, items: [...this.buf] };
  }

  static fromJSON<T>(s: ReservoirState<T>): Reservoir<T> {
    const r = new Reservoir<T>(s.capacity, s.rng);
    r.buf.push(...s.items);
    r.n = s.seen;
    return r;
  }
}
