/**
 * Event-time watermark over the partitions an operator reads.
 *
 * Rule (the choice, and why):
 * - Each partition tracks the highest event time it has delivered (`maxTs`) and, when a clock is
 *   injected, the clock reading at its last record (`lastArrivalMs`).
 * - The operator's event-time estimate is the MIN of `maxTs` over assigned partitions that have
 *   delivered data and are not idle. Min, because a window may only close once every live input has
 *   moved past it; otherwise a slower partition's on-time records would all turn up late.
 *   Partitions that have never delivered anything are left out: an empty partition (common — a
 *   topic usually has more partitions than models) would otherwise hold every window open forever.
 *   The price is that such a partition's first records may be late; they are reported, not lost.
 * - Watermark = estimate − `maxOutOfOrdernessMs` (default 0: the window grace, default 10 s, is
 *   where out-of-order slack normally lives; this extra knob delays the watermark itself, which
 *   holds back every window rather than only accepting stragglers into open ones).
 * - The watermark never goes back, whatever the estimate does (e.g. after a revoke).
 *
 * Idle rule (only with an injected clock and `idleTimeoutMs`): a partition with no record for
 * `idleTimeoutMs` of clock time is idle and leaves the min, so one quiet partition cannot stall
 * the others. When every partition is idle there is no event time left to read, so time is taken
 * from the clock: the watermark advances to `now − idleTimeoutMs`, measured on the stream's own
 * event-time axis, i.e. `maxTs + (now − lastArrivalMs) − idleTimeoutMs` for the partition that
 * gives the highest value. Anchoring on the last record's arrival (rather than using `now` raw)
 * keeps the rule correct when event time is far from the wall clock (replays, skewed producers):
 * event time is then assumed to keep flowing at clock speed once the stream falls quiet.
 */

/** Options of {@link WatermarkTracker}. */
export interface WatermarkOptions {
  /** Subtracted from the observed event time before it becomes the watermark. Default 0. */
  maxOutOfOrdernessMs?: number;
  /**
   * Clock time (ms) after which a partition without records counts as idle. Default: undefined,
   * idle handling off (offline replays flush explicitly at the end instead). Requires `clock`.
   */
  idleTimeoutMs?: number;
  /** Injected clock in epoch ms; the only source of processing time. Required for idle handling. */
  clock?: () => number;
}

/** Serializable state of one partition. */
export interface PartitionSnapshot {
  partition: number;
  /** Highest event time delivered, or null if none yet. */
  maxTs: number | null;
  /** Clock reading at the partition's last record, or null if unknown. */
  lastArrivalMs: number | null;
}

export interface WatermarkSnapshot {
  /** Null while no watermark exists yet (−∞). */
  watermark: number | null;
  partitions: PartitionSnapshot[];
}

interface PartitionState {
  maxTs: number | null;
  lastArrivalMs: number | null;
}

function requireNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
  }
}

export class WatermarkTracker {
  readonly maxOutOfOrdernessMs: number;
  readonly idleTimeoutMs: number | undefined;
  private readonly clock: (() => number) | undefined;
  private readonly partitions = new Map<number, PartitionState>();
  private mark = -Infinity;

  constructor(options: WatermarkOptions = {}) {
    this.maxOutOfOrdernessMs = options.maxOutOfOrdernessMs ?? 0;
    requireNonNegative('maxOutOfOrdernessMs', this.maxOutOfOrdernessMs);
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.clock = options.clock;
    if (this.idleTimeoutMs !== undefined) {
      requireNonNegative('idleTimeoutMs', this.idleTimeoutMs);
      if (this.clock === undefined) throw new RangeError('idleTimeoutMs needs an injected clock');
    }
  }

  /** Current watermark; −∞ until some partition has delivered a record. */
  get watermark(): number {
    return this.mark;
  }

  /** Starts tracking partitions (e.g. on a consumer-group assignment). Idempotent. */
  assign(partitions: Iterable<number>): void {
    for (const p of partitions) {
      if (!this.partitions.has(p)) this.partitions.set(p, { maxTs: null, lastArrivalMs: null });
    }
  }

  /**
   * Stops tracking partitions (revocation). The watermark keeps its value: it never goes back,
   * and the remaining partitions can only move it forward.
   */
  revoke(partitions: Iterable<number>): void {
    for (const p of partitions) this.partitions.delete(p);
    this.recompute(false, this.clock?.() ?? null);
  }

  /** Partitions currently tracked, ascending. */
  assigned(): number[] {
    return [...this.partitions.keys()].sort((a, b) => a - b);
  }

  /**
   * Records that `partition` delivered an event with time `ts`, and moves the watermark.
   * An unknown partition is assigned on the fly, so single-stream callers need not assign.
   */
  observe(partition: number, ts: number): void {
    let state = this.partitions.get(partition);
    if (state === undefined) {
      state = { maxTs: null, lastArrivalMs: null };
      this.partitions.set(partition, state);
    }
    if (state.maxTs === null || ts > state.maxTs) state.maxTs = ts;
    // One clock reading per call, so a test clock that moves on every read stays predictable.
    const now = this.clock?.() ?? null;
    if (now !== null) state.lastArrivalMs = now;
    this.recompute(false, now);
  }

  /**
   * Re-evaluates the watermark against the clock: leaves idle partitions out of the min and, when
   * all are idle, lets the watermark follow the clock (see the module comment). Returns it.
   */
  advance(): number {
    this.recompute(true, this.clock?.() ?? null);
    return this.mark;
  }

  private recompute(allowClockAdvance: boolean, now: number | null): void {
    let activeMin = Infinity;
    let idleBest = -Infinity;
    for (const state of this.partitions.values()) {
      if (state.maxTs === null) continue;
      const idle =
        now !== null &&
        this.idleTimeoutMs !== undefined &&
        state.lastArrivalMs !== null &&
        now - state.lastArrivalMs >= this.idleTimeoutMs;
      if (!idle) {
        activeMin = Math.min(activeMin, state.maxTs);
      } else if (now !== null && state.lastArrivalMs !== null && this.idleTimeoutMs !== undefined) {
        idleBest = Math.max(
          idleBest,
          state.maxTs + (now - state.lastArrivalMs) - this.idleTimeoutMs,
        );
      }
    }
    let estimate: number;
    if (activeMin !== Infinity) estimate = activeMin;
    else if (allowClockAdvance && idleBest !== -Infinity) estimate = idleBest;
    else return;
    const candidate = estimate - this.maxOutOfOrdernessMs;
    if (candidate > this.mark) this.mark = candidate;
  }

  /**
   * Forces the watermark forward to at least `value` (used by an end-of-input flush).
   * Never moves it back.
   */
  raiseTo(value: number): void {
    if (value > this.mark) this.mark = value;
  }

  toJSON(): WatermarkSnapshot {
    return {
      watermark: Number.isFinite(this.mark) ? this.mark : null,
      partitions: this.assigned().map((partition) => {
        const s = this.partitions.get(partition);
        return { partition, maxTs: s?.maxTs ?? null, lastArrivalMs: s?.lastArrivalMs ?? null };
      }),
    };
  }

  /** Restores partitions and watermark from {@link toJSON} output; options are not part of it. */
  static fromJSON(snapshot: WatermarkSnapshot, options: WatermarkOptions = {}): WatermarkTracker {
    const tracker = new WatermarkTracker(options);
    if (snapshot.watermark !== null) {
      if (typeof snapshot.watermark !== 'number' || !Number.isFinite(snapshot.watermark)) {
        throw new TypeError('watermark snapshot: watermark must be a finite number or null');
      }
      tracker.mark = snapshot.watermark;
    }
    if (!Array.isArray(snapshot.partitions)) {
      throw new TypeError('watermark snapshot: partitions must be an array');
    }
    for (const p of snapshot.partitions) {
      if (!Number.isSafeInteger(p.partition)) {
        throw new TypeError('watermark snapshot: partition must be an integer');
      }
      tracker.partitions.set(p.partition, {
        maxTs: nullableNumber(p.maxTs, 'maxTs'),
        lastArrivalMs: nullableNumber(p.lastArrivalMs, 'lastArrivalMs'),
      });
    }
    return tracker;
  }
}

function nullableNumber(value: unknown, name: string): number | null {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new TypeError(`watermark snapshot: ${name} must be a finite number or null`);
}
