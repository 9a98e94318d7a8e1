/**
 * Event-time window shapes. Windows are epoch-aligned half-open intervals `[start, start + size)`
 * whose starts are the multiples of `advanceMs` (so every instance of Vigil, online or offline,
 * cuts time at the same instants and their results can be compared and merged).
 */

export type WindowKind = 'tumbling' | 'hopping';

/** An immutable window shape. Build it with {@link tumbling} or {@link hopping}. */
export interface WindowSpec {
  readonly kind: WindowKind;
  /** Length of each window in milliseconds. */
  readonly sizeMs: number;
  /** Distance between consecutive window starts; equals `sizeMs` for tumbling windows. */
  readonly advanceMs: number;
}

/** One window: `[start, end)`, epoch milliseconds. */
export interface WindowBounds {
  readonly start: number;
  readonly end: number;
}

/** The default window length: one minute. */
export const DEFAULT_WINDOW_MS = 60_000;

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer number of milliseconds, got ${value}`);
  }
}

/** Non-overlapping windows of `sizeMs` (default 60 s): every timestamp falls in exactly one. */
export function tumbling(sizeMs: number = DEFAULT_WINDOW_MS): WindowSpec {
  requirePositiveInteger('sizeMs', sizeMs);
  return Object.freeze({ kind: 'tumbling', sizeMs, advanceMs: sizeMs });
}

/**
 * Overlapping windows of `sizeMs` starting every `advanceMs`: every timestamp falls in
 * `ceil(size / advance)` or `floor(size / advance)` windows. `advanceMs > sizeMs` is refused, because
 * it would leave gaps in which records belong to no window and would be lost without a trace.
 */
export function hopping(sizeMs: number, advanceMs: number): WindowSpec {
  requirePositiveInteger('sizeMs', sizeMs);
  requirePositiveInteger('advanceMs', advanceMs);
  if (advanceMs > sizeMs) {
    throw new RangeError(
      `advanceMs (${advanceMs}) must not exceed sizeMs (${sizeMs}): records in the gaps would belong to no window`,
    );
  }
  return Object.freeze({ kind: 'hopping', sizeMs, advanceMs });
}

/** Checks that an arbitrary (e.g. deserialized) value is a valid spec and returns a frozen copy. */
export function windowSpecFrom(value: {
  kind: string;
  sizeMs: number;
  advanceMs: number;
}): WindowSpec {
  if (value.kind === 'tumbling') {
    if (value.advanceMs !== value.sizeMs) {
      throw new RangeError('a tumbling window spec must have advanceMs equal to sizeMs');
    }
    return tumbling(value.sizeMs);
  }
  if (value.kind === 'hopping') return hopping(value.sizeMs, value.advanceMs);
  throw new RangeError(`unknown window kind ${JSON.stringify(value.kind)}`);
}

export function sameWindowSpec(a: WindowSpec, b: WindowSpec): boolean {
  return a.kind === b.kind && a.sizeMs === b.sizeMs && a.advanceMs === b.advanceMs;
}

/** Largest multiple of `step` that is ≤ `ts`, correct for negative timestamps too. */
export function alignDown(ts: number, step: number): number {
  // `+ 0` turns -0 (from ts = -0) into 0 so that starts compare and serialize cleanly.
  return Math.floor(ts / step) * step + 0;
}

/**
 * Starts of the windows that contain `ts`, in ascending order. `ts` must be a safe integer
 * (epoch milliseconds); pre-1970 (negative) timestamps are aligned the same way as later ones.
 */
export function assignWindows(spec: WindowSpec, ts: number): number[] {
  if (!Number.isSafeInteger(ts)) {
    throw new RangeError(`timestamp must be an integer number of epoch milliseconds, got ${ts}`);
  }
  const last = alignDown(ts, spec.advanceMs);
  const starts: number[] = [];
  // Window [s, s + size) contains ts iff ts - size < s <= ts; walk back from the latest start.
  for (let s = last; s > ts - spec.sizeMs; s -= spec.advanceMs) starts.push(s);
  return starts.reverse();
}

export function windowEnd(spec: WindowSpec, start: number): number {
  return start + spec.sizeMs;
}
