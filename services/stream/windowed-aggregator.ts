/**
 * Keyed event-time window store: folds events into per-(key, window) states with a user-supplied
 * {@link Aggregate}, and emits each state once, when its window is final.
 *
 * Lateness: a window `[start, end)` is final (closed) once `watermark ≥ end + graceMs`. A record
 * is judged against the watermark as it stood before the record arrived:
 * - if at least one of its windows is still open it is accepted into the open ones (with hopping
 *   windows, assignments to already-closed windows are counted in `lateWindowAssignments`);
 * - if all its windows are closed it is returned as `late` for the caller to count and dead-letter
 *   (reason `late`): nothing is dropped silently.
 * Because lateness depends only on the watermark, not on when `advance()` happens to run, the same
 * record sequence gives the same results however often the caller polls.
 *
 * Bounded state: at most `maxOpenWindows` (key, window) pairs are open. A record that would need a
 * new pair beyond the cap is refused whole (`overflow`, counted) rather than partially applied,
 * so that every record is either fully in the results or fully in the dead-letter queue.
 */
import type { Aggregate, StateCodec } from './aggregate.js';
import { WatermarkTracker, type WatermarkSnapshot } from './watermark.js';
import {
  assignWindows,
  sameWindowSpec,
  tumbling,
  windowSpecFrom,
  type WindowKind,
  type WindowSpec,
} from './window-spec.js';

/** Default grace after a window's end before it closes (issue: 10 s). */
export const DEFAULT_GRACE_MS = 10_000;
/** Default cap on open (key, window) pairs. */
export const DEFAULT_MAX_OPEN_WINDOWS = 10_000;

/** Options of {@link WindowedAggregator}. */
export interface WindowedAggregatorOptions<K, S, E> {
  /** Window shape. Default: tumbling 60 s. */
  spec?: WindowSpec;
  aggregate: Aggregate<S, E>;
  /** Grouping key of an event, e.g. (modelId, modelVersion). */
  keyOf: (event: E) => K;
  /**
   * Stable, unambiguous string for a key: identifies the key in the store, and orders results
   * (by UTF-16 code units, so the order is the same on every machine and locale).
   */
  keyId: (key: K) => string;
  /** Event time of an event, integer epoch ms. */
  timestampOf: (event: E) => number;
  /** How long after a window's end it stays open for stragglers. Default 10 000 ms. */
  graceMs?: number;
  /** Watermark lag behind the observed event time; see watermark.ts. Default 0. */
  maxOutOfOrdernessMs?: number;
  /**
   * Clock time without records after which a partition is idle; see watermark.ts. Default:
   * undefined (off). Requires `clock`.
   */
  idleTimeoutMs?: number;
  /** Injected clock, epoch ms. The aggregator never reads time any other way. */
  clock?: () => number;
  /**
   * Refuse (as `invalid`, reason `future`) records stamped more than this far ahead of the clock,
   * so one bogus far-future timestamp cannot drag the watermark ahead and make all later traffic
   * late. Default: undefined (off). Requires `clock`.
   */
  maxFutureMs?: number;
  /** Cap on open (key, window) pairs; beyond it records needing a new pair are refused. Default 10 000. */
  maxOpenWindows?: number;
  /** Needed only for {@link WindowedAggregator.toJSON} / {@link WindowedAggregator.fromJSON}. */
  stateCodec?: StateCodec<S>;
  /** Key (de)serialization for snapshots. Default: identity (the key must be JSON-safe). */
  keyCodec?: StateCodec<K>;
}

/** What happened to one record. `late`, `overflow` and `invalid` go to the DLQ with that reason. */
export type AddOutcome =
  | {
      kind: 'accepted';
      /** Number of windows it was folded into. */
      windows: number;
      /** Number of its windows that were already closed (hopping windows only). */
      lateWindows: number;
    }
  | { kind: 'late'; watermark: number; windowStarts: number[]; detail: string }
  | { kind: 'overflow'; openWindows: number; maxOpenWindows: number; detail: string }
  | { kind: 'invalid'; reason: 'timestamp' | 'future'; detail: string };

/** A final window result. */
export interface WindowResult<K, S> {
  key: K;
  windowStart: number;
  windowEnd: number;
  state: S;
}

/** Running counters, for the caller's metrics. */
export interface AggregatorStats {
  accepted: number;
  late: number;
  overflow: number;
  invalid: number;
  /** Window assignments skipped because that window was closed, for records otherwise accepted. */
  lateWindowAssignments: number;
  emitted: number;
}

/** JSON-safe checkpoint of an aggregator: open windows, watermark and counters. */
export interface AggregatorSnapshot {
  version: 1;
  spec: { kind: WindowKind; sizeMs: number; advanceMs: number };
  watermark: WatermarkSnapshot;
  /** Sorted by (windowStart, keyId). */
  windows: { key: unknown; windowStart: number; state: unknown }[];
  stats: AggregatorStats;
}

interface Entry<K, S> {
  key: K;
  keyId: string;
  windowStart: number;
  state: S;
}

const identityCodec = {
  encode: (v: unknown): unknown => v,
  decode: (v: unknown): unknown => v,
};

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class WindowedAggregator<K, S, E = unknown> {
  readonly spec: WindowSpec;
  readonly graceMs: number;
  readonly maxOpenWindows: number;
  private readonly options: WindowedAggregatorOptions<K, S, E>;
  private tracker: WatermarkTracker;
  /** windowStart → keyId → entry. Few distinct starts are open at once, so scans stay cheap. */
  private readonly store = new Map<number, Map<string, Entry<K, S>>>();
  private open = 0;
  private readonly counters: AggregatorStats = {
    accepted: 0,
    late: 0,
    overflow: 0,
    invalid: 0,
    lateWindowAssignments: 0,
    emitted: 0,
  };

  constructor(options: WindowedAggregatorOptions<K, S, E>) {
    this.options = options;
    this.spec = options.spec ?? tumbling();
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    if (!Number.isSafeInteger(this.graceMs) || this.graceMs < 0) {
      throw new RangeError(`graceMs must be an integer ≥ 0, got ${this.graceMs}`);
    }
    this.maxOpenWindows = options.maxOpenWindows ?? DEFAULT_MAX_OPEN_WINDOWS;
    if (!Number.isSafeInteger(this.maxOpenWindows) || this.maxOpenWindows < 1) {
      throw new RangeError(`maxOpenWindows must be a positive integer, got ${this.maxOpenWindows}`);
    }
    if (options.maxFutureMs !== undefined) {
      if (!(options.maxFutureMs >= 0)) throw new RangeError('maxFutureMs must be ≥ 0');
      if (options.clock === undefined) throw new RangeError('maxFutureMs needs an injected clock');
    }
    this.tracker = new WatermarkTracker(this.trackerOptions());
  }

  private trackerOptions() {
    return {
      maxOutOfOrdernessMs: this.options.maxOutOfOrdernessMs,
      idleTimeoutMs: this.options.idleTimeoutMs,
      clock: this.options.clock,
    };
  }

  /** Current watermark (−∞ before any record). */
  get watermark(): number {
    return this.tracker.watermark;
  }

  /** Number of open (key, window) pairs. */
  get openWindows(): number {
    return this.open;
  }

  /** A copy of the running counters. */
  stats(): AggregatorStats {
    return { ...this.counters };
  }

  /** Whether the window starting at `windowStart` is final under the current watermark. */
  isClosed(windowStart: number): boolean {
    return this.tracker.watermark >= windowStart + this.spec.sizeMs + this.graceMs;
  }

  /** Declares the partitions this operator reads (see watermark.ts for why it matters). */
  assignPartitions(partitions: Iterable<number>): void {
    this.tracker.assign(partitions);
  }

  /** Forgets revoked partitions. Their open windows stay (state is keyed by key, not partition). */
  revokePartitions(partitions: Iterable<number>): void {
    this.tracker.revoke(partitions);
  }

  /**
   * Folds one record in. Never emits: call {@link advance} (after a batch, and on a timer when idle
   * handling is on) to collect final windows.
   */
  add(event: E, partition = 0): AddOutcome {
    const ts = this.options.timestampOf(event);
    if (!Number.isSafeInteger(ts)) {
      this.counters.invalid++;
      return {
        kind: 'invalid',
        reason: 'timestamp',
        detail: `timestamp ${String(ts)} is not an integer number of epoch milliseconds`,
      };
    }
    if (this.options.maxFutureMs !== undefined && this.options.clock !== undefined) {
      const now = this.options.clock();
      if (ts - now > this.options.maxFutureMs) {
        this.counters.invalid++;
        return {
          kind: 'invalid',
          reason: 'future',
          detail: `timestamp ${ts} is ${ts - now} ms ahead of the clock (limit ${this.options.maxFutureMs} ms)`,
        };
      }
    }

    const watermark = this.tracker.watermark;
    const starts = assignWindows(this.spec, ts);
    const openStarts = starts.filter((s) => !this.isClosed(s));
    // The record is evidence of event-time progress whatever happens to it next.
    this.tracker.observe(partition, ts);

    if (openStarts.length === 0) {
      this.counters.late++;
      return {
        kind: 'late',
        watermark,
        windowStarts: starts,
        detail: `event time ${ts} is behind watermark ${watermark} by more than the ${this.graceMs} ms grace of its window(s)`,
      };
    }

    const key = this.options.keyOf(event);
    const keyId = this.options.keyId(key);
    let needed = 0;
    for (const s of openStarts) if (!this.store.get(s)?.has(keyId)) needed++;
    if (this.open + needed > this.maxOpenWindows) {
      this.counters.overflow++;
      return {
        kind: 'overflow',
        openWindows: this.open,
        maxOpenWindows: this.maxOpenWindows,
        detail: `open window limit ${this.maxOpenWindows} reached (${this.open} open, ${needed} more needed)`,
      };
    }

    for (const s of openStarts) {
      const entry = this.entryFor(s, key, keyId);
      this.options.aggregate.add(entry.state, event);
    }
    this.counters.accepted++;
    const lateWindows = starts.length - openStarts.length;
    this.counters.lateWindowAssignments += lateWindows;
    return { kind: 'accepted', windows: openStarts.length, lateWindows };
  }

  private entryFor(windowStart: number, key: K, keyId: string): Entry<K, S> {
    let byKey = this.store.get(windowStart);
    if (byKey === undefined) {
      byKey = new Map();
      this.store.set(windowStart, byKey);
    }
    let entry = byKey.get(keyId);
    if (entry === undefined) {
      entry = { key, keyId, windowStart, state: this.options.aggregate.create() };
      byKey.set(keyId, entry);
      this.open++;
    }
    return entry;
  }

  /**
   * Moves the watermark (applying the idle rule when a clock is injected) and returns the windows
   * that became final, ordered by (windowStart, keyId). Successive calls return successive slices
   * of one global order, so the concatenated output does not depend on how often this runs.
   */
  advance(): WindowResult<K, S>[] {
    this.tracker.advance();
    return this.emitWhere((start) => this.isClosed(start));
  }

  /**
   * Emits every open window (end of input, e.g. an offline replay) and raises the watermark so
   * that they count as closed: records for them that arrive afterwards are reported late.
   */
  flush(): WindowResult<K, S>[] {
    let lastStart = -Infinity;
    for (const s of this.store.keys()) lastStart = Math.max(lastStart, s);
    if (lastStart !== -Infinity) this.tracker.raiseTo(lastStart + this.spec.sizeMs + this.graceMs);
    return this.emitWhere(() => true);
  }

  private emitWhere(ready: (windowStart: number) => boolean): WindowResult<K, S>[] {
    const starts = [...this.store.keys()].filter(ready).sort((a, b) => a - b);
    const results: WindowResult<K, S>[] = [];
    for (const start of starts) {
      const byKey = this.store.get(start);
      if (byKey === undefined) continue;
      const entries = [...byKey.values()].sort((a, b) => compareStrings(a.keyId, b.keyId));
      for (const e of entries) {
        results.push({
          key: e.key,
          windowStart: start,
          windowEnd: start + this.spec.sizeMs,
          state: e.state,
        });
      }
      this.open -= byKey.size;
      this.store.delete(start);
    }
    this.counters.emitted += results.length;
    return results;
  }

  /** Open windows, watermark and counters as a JSON-safe value. Requires `stateCodec`. */
  toJSON(): AggregatorSnapshot {
    const codec = this.requireStateCodec();
    const keyCodec = this.options.keyCodec ?? identityCodec;
    const windows: AggregatorSnapshot['windows'] = [];
    for (const start of [...this.store.keys()].sort((a, b) => a - b)) {
      const byKey = this.store.get(start);
      if (byKey === undefined) continue;
      for (const e of [...byKey.values()].sort((a, b) => compareStrings(a.keyId, b.keyId))) {
        windows.push({
          key: keyCodec.encode(e.key),
          windowStart: start,
          state: codec.encode(e.state),
        });
      }
    }
    return {
      version: 1,
      spec: { kind: this.spec.kind, sizeMs: this.spec.sizeMs, advanceMs: this.spec.advanceMs },
      watermark: this.tracker.toJSON(),
      windows,
      stats: this.stats(),
    };
  }

  /**
   * Rebuilds an aggregator from {@link toJSON} output. The snapshot's window shape must equal the
   * options' (a checkpoint cut into other windows cannot be resumed); grace, caps and clock come
   * from the options. Windows are restored even beyond `maxOpenWindows` (their data must not be
   * lost); new pairs are then refused until enough close.
   */
  static fromJSON<K, S, E>(
    snapshot: AggregatorSnapshot,
    options: WindowedAggregatorOptions<K, S, E>,
  ): WindowedAggregator<K, S, E> {
    if (snapshot === null || typeof snapshot !== 'object' || snapshot.version !== 1) {
      throw new TypeError('aggregator snapshot: unsupported or missing version (expected 1)');
    }
    const agg = new WindowedAggregator(options);
    const spec = windowSpecFrom(snapshot.spec);
    if (!sameWindowSpec(spec, agg.spec)) {
      throw new RangeError(
        `aggregator snapshot: window spec ${JSON.stringify(snapshot.spec)} differs from the configured ${JSON.stringify(agg.spec)}`,
      );
    }
    const codec = agg.requireStateCodec();
    const keyCodec = (options.keyCodec ?? identityCodec) as StateCodec<K>;
    agg.tracker = WatermarkTracker.fromJSON(snapshot.watermark, agg.trackerOptions());
    if (!Array.isArray(snapshot.windows)) {
      throw new TypeError('aggregator snapshot: windows must be an array');
    }
    for (const w of snapshot.windows) {
      if (!Number.isSafeInteger(w.windowStart)) {
        throw new TypeError('aggregator snapshot: windowStart must be an integer');
      }
      const key = keyCodec.decode(w.key);
      const keyId = options.keyId(key);
      const state = codec.decode(w.state);
      const existing = agg.store.get(w.windowStart)?.get(keyId);
      if (existing !== undefined) {
        existing.state = options.aggregate.merge(existing.state, state);
      } else {
        agg.entryFor(w.windowStart, key, keyId).state = state;
      }
    }
    if (snapshot.stats !== undefined && snapshot.stats !== null) {
      for (const name of Object.keys(agg.counters) as (keyof AggregatorStats)[]) {
        const value = snapshot.stats[name];
        if (Number.isSafeInteger(value) && value >= 0) agg.counters[name] = value;
      }
    }
    return agg;
  }

  private requireStateCodec(): StateCodec<S> {
    if (this.options.stateCodec === undefined) {
      throw new Error('WindowedAggregator snapshots need the stateCodec option');
    }
    return this.options.stateCodec;
  }
}
