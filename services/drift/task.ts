/**
 * The drift service's per-partition task for the generic effectively-once runner
 * (services/common/transactional-runner.ts): folds events into windows per model version, tests
 * each closed window against the version's active profile and emits one DriftReport per window.
 * Pure apart from the injected encoder, clock and profile lookup.
 *
 * Two window modes:
 * - time (default): tumbling event-time windows from the window engine, with grace and the idle
 *   rule; the checkpoint holds the watermark, and after a restart windows that end (plus grace)
 *   at or before it are rebuilt but not emitted again — exactly the metrics task's scheme;
 * - count: a window per model version closes after N events (in partition order). The checkpoint
 *   holds, per model version with an open window, the offset of that window's first event; after
 *   a restart, replayed events of a version below that offset (or of a version without an open
 *   window) belonged to windows already emitted and are skipped, so windows re-form with the same
 *   boundaries. The checkpoint grows ~25 bytes per open model version; keep VIGIL_DRIFT_MAX_MODELS
 *   ≤ 100 in count mode (commit metadata must stay < 3 KiB).
 *
 * Events of a model version without an active profile are counted (`onSkip('no-profile')`) and
 * skipped, not dead-lettered; so are events of a version beyond the `maxModels` cap on versions
 * with open windows (`onSkip('model-cap')`). Invalid, late and overflowing events go to the DLQ as
 * in the metrics service.
 */
import type { InferenceEvent } from '../common/event.js';
import { ValidationError } from '../common/errors.js';
import type {
  OutputRecord,
  PartitionTask,
  RecordVerdict,
  TaskFactory,
} from '../common/transactional-runner.js';
import { validateEvent } from '../common/validate.js';
import { SafeOffsetTracker } from '../stream/safe-offsets.js';
import { assignWindows, type WindowSpec } from '../stream/window-spec.js';
import { WindowedAggregator } from '../stream/windowed-aggregator.js';
import type { VerdictOptions } from './compare.js';
import { modelKeyId, type ProfileLookup } from './profile-cache.js';
import type { DriftReport } from './report.js';
import { fnv1a } from './reservoir.js';
import { DriftAggregate, evaluateWindow, type DriftWindowState } from './window-state.js';

export type SkipReason = 'no-profile' | 'model-cap';

export type DriftWindowMode =
  | {
      kind: 'time';
      spec: WindowSpec;
      graceMs: number;
      idleTimeoutMs: number;
      maxOpenWindows: number;
    }
  | { kind: 'count'; size: number };

export interface DriftTaskOptions {
  mode: DriftWindowMode;
  /** Values kept per numeric column per window. */
  reservoirSize: number;
  /** Most model versions with open windows per partition. */
  maxModels: number;
  profiles: ProfileLookup;
  verdict?: VerdictOptions;
  outputTopic: string;
  encode: (r: DriftReport) => Buffer;
  clock: () => number;
  seed?: number;
  onEmit?: (r: DriftReport) => void;
  onSkip?: (reason: SkipReason, e: InferenceEvent) => void;
}

interface ModelKey {
  modelId: string;
  modelVersion: string;
}

interface Checkpoint {
  /** Time mode: watermark at the last commit. */
  wm?: number | null;
  /** Count mode: hash of the model key → offset of its open window's first event. */
  cw?: Record<string, number>;
}

/** Short, stable id of a model key for the count-mode checkpoint. */
export function keyHash(keyId: string): string {
  return fnv1a(keyId).toString(36) + fnv1a(keyId, 0x9747b28c).toString(36).slice(0, 3);
}

export class DriftTask implements PartitionTask {
  private readonly aggregate: DriftAggregate;
  private readonly windows: WindowedAggregator<ModelKey, DriftWindowState, InferenceEvent> | null =
    null;
  private readonly offsets = new SafeOffsetTracker();
  private readonly emittedThrough: number;
  /** Time mode: open windows per model key (for the model cap). */
  private readonly openPerKey = new Map<string, number>();
  /** Count mode: the open window of each model key. */
  private readonly countOpen = new Map<
    string,
    { key: ModelKey; state: DriftWindowState; startOffset: number }
  >();
  private readonly restoredStarts: ReadonlyMap<string, number>;
  private pending: OutputRecord[] = [];

  constructor(
    private readonly o: DriftTaskOptions,
    restored: unknown,
  ) {
    this.aggregate = new DriftAggregate({
      reservoirSize: o.reservoirSize,
      seed: o.seed,
      profileFor: (e) => o.profiles.active(e.modelId, e.modelVersion),
    });
    if (o.mode.kind === 'time') {
      if (o.mode.spec.kind !== 'tumbling') throw new RangeError('drift windows must be tumbling');
      this.windows = new WindowedAggregator({
        spec: o.mode.spec,
        aggregate: this.aggregate,
        keyOf: (e) => ({ modelId: e.modelId, modelVersion: e.modelVersion }),
        keyId: (k) => modelKeyId(k.modelId, k.modelVersion),
        timestampOf: (e) => e.timestamp,
        graceMs: o.mode.graceMs,
        idleTimeoutMs: o.mode.idleTimeoutMs,
        clock: o.clock,
        maxOpenWindows: o.mode.maxOpenWindows,
      });
    }
    const cp = (restored ?? {}) as Checkpoint;
    this.emittedThrough = typeof cp.wm === 'number' ? cp.wm : -Infinity;
    this.restoredStarts = new Map(
      Object.entries(cp.cw ?? {}).filter(([, v]) => Number.isSafeInteger(v)),
    );
  }

  onRecord(value: unknown, offset: number, replay: boolean): RecordVerdict {
    let e: InferenceEvent;
    try {
      e = validateEvent(value);
    } catch (err) {
      if (err instanceof ValidationError)
        return { dead: { reason: 'invalid', detail: err.message } };
      throw err;
    }
    const keyId = modelKeyId(e.modelId, e.modelVersion);
    if (this.o.mode.kind === 'count') return this.onCountRecord(e, keyId, offset, replay);
    if (this.o.profiles.active(e.modelId, e.modelVersion) === undefined)
      return this.skip('no-profile', e);
    const windows = this.windows!;
    if (!this.openPerKey.has(keyId) && this.openPerKey.size >= this.o.maxModels)
      return this.skip('model-cap', e);
    const open = assignWindows(this.o.mode.spec, e.timestamp).filter((s) => !windows.isClosed(s));
    const r = windows.add(e);
    switch (r.kind) {
      case 'accepted':
        this.offsets.note(open, offset);
        for (const s of open) this.noteOpen(keyId, s);
        return {};
      case 'late':
        return { dead: { reason: 'late', detail: r.detail } };
      case 'overflow':
        return { dead: { reason: 'overflow', detail: r.detail } };
      case 'invalid':
        return { dead: { reason: 'invalid', detail: r.detail } };
    }
  }

  private readonly openWindowKeys = new Set<string>();

  private noteOpen(keyId: string, windowStart: number): void {
    const id = `${windowStart}\u0000${keyId}`;
    if (this.openWindowKeys.has(id)) return;
    this.openWindowKeys.add(id);
    this.openPerKey.set(keyId, (this.openPerKey.get(keyId) ?? 0) + 1);
  }

  private noteClosed(keyId: string, windowStart: number): void {
    const id = `${windowStart}\u0000${keyId}`;
    if (!this.openWindowKeys.delete(id)) return;
    const n = (this.openPerKey.get(keyId) ?? 1) - 1;
    if (n <= 0) this.openPerKey.delete(keyId);
    else this.openPerKey.set(keyId, n);
  }

  private skip(reason: SkipReason, e: InferenceEvent): RecordVerdict {
    this.o.onSkip?.(reason, e);
    return {};
  }

  private onCountRecord(
    e: InferenceEvent,
    keyId: string,
    offset: number,
    replay: boolean,
  ): RecordVerdict {
    if (replay) {
      const start = this.restoredStarts.get(keyHash(keyId));
      // Before the open window of this version at the last commit: already emitted.
      if (start === undefined || offset < start) return {};
    }
    if (this.o.profiles.active(e.modelId, e.modelVersion) === undefined)
      return this.skip('no-profile', e);
    let w = this.countOpen.get(keyId);
    if (w === undefined) {
      if (this.countOpen.size >= this.o.maxModels) return this.skip('model-cap', e);
      w = {
        key: { modelId: e.modelId, modelVersion: e.modelVersion },
        state: this.aggregate.create(),
        startOffset: offset,
      };
      this.countOpen.set(keyId, w);
    }
    this.aggregate.add(w.state, e);
    if (this.o.mode.kind === 'count' && w.state.count >= this.o.mode.size) {
      this.countOpen.delete(keyId);
      this.emit(w.key, w.state, w.state.minTs, w.state.maxTs + 1, 'COUNT');
    }
    return {};
  }

  private emit(
    key: ModelKey,
    state: DriftWindowState,
    windowStart: number,
    windowEnd: number,
    windowKind: 'TIME' | 'COUNT',
  ): void {
    const r = evaluateWindow(
      state,
      { ...key, windowStart, windowEnd, windowKind },
      { ...this.o.verdict, reservoirSize: this.o.reservoirSize },
    );
    this.o.onEmit?.(r);
    this.pending.push({ topic: this.o.outputTopic, key: r.modelId, value: this.o.encode(r) });
  }

  advance(): OutputRecord[] {
    if (this.windows !== null && this.o.mode.kind === 'time') {
      const grace = this.o.mode.graceMs;
      for (const r of this.windows.advance()) {
        this.offsets.closed(r.windowStart);
        this.noteClosed(modelKeyId(r.key.modelId, r.key.modelVersion), r.windowStart);
        // Emitted before the last restart (its records were replayed only to rebuild later windows).
        if (r.windowEnd + grace <= this.emittedThrough) continue;
        this.emit(r.key, r.state, r.windowStart, r.windowEnd, 'TIME');
      }
    }
    const out = this.pending;
    this.pending = [];
    return out;
  }

  safeOffset(next: number): number {
    if (this.o.mode.kind === 'count') {
      let min = next;
      for (const w of this.countOpen.values()) if (w.startOffset < min) min = w.startOffset;
      return min;
    }
    return this.offsets.safe(next);
  }

  checkpoint(): Checkpoint {
    if (this.o.mode.kind === 'count') {
      const cw: Record<string, number> = {};
      for (const [k, w] of this.countOpen) cw[keyHash(k)] = w.startOffset;
      return { cw };
    }
    const wm = Math.max(this.windows!.watermark, this.emittedThrough);
    return { wm: Number.isFinite(wm) ? wm : null };
  }

  /** Open windows (time mode: (version, window) pairs; count mode: versions). */
  get openWindows(): number {
    return this.o.mode.kind === 'count' ? this.countOpen.size : this.windows!.openWindows;
  }
}

export function driftTaskFactory(o: DriftTaskOptions): TaskFactory {
  return { create: (_topic, _partition, restored) => new DriftTask(o, restored) };
}
