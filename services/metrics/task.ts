/**
 * The metrics service's per-partition task: folds events into event-time windows, emits one
 * final WindowMetrics record per (model, version, window), and tells the runner which offsets are
 * still needed. Pure apart from the injected encoder and clock.
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
import {
  createMetricsAggregator,
  finalizeWindow,
  type MetricsWindowAggregator,
} from './metrics-windows.js';
import type { WindowMetrics } from './window-metrics.js';

export interface MetricsTaskOptions {
  spec: WindowSpec;
  graceMs: number;
  maxOutOfOrdernessMs: number;
  /** Clock time without records after which a partition's windows are closed. */
  idleTimeoutMs: number;
  maxOpenWindows: number;
  lowConfidenceThreshold: number;
  topLabels: number;
  outputTopic: string;
  encode: (m: WindowMetrics) => Buffer;
  clock: () => number;
  /** Called for every emitted window (gauges). */
  onEmit?: (m: WindowMetrics) => void;
}

interface Checkpoint {
  /** Watermark at the last commit: windows with end + grace ≤ it were already emitted. */
  wm: number | null;
}

export class MetricsTask implements PartitionTask {
  private readonly agg: MetricsWindowAggregator;
  private readonly offsets = new SafeOffsetTracker();
  private readonly emittedThrough: number;

  constructor(
    private readonly o: MetricsTaskOptions,
    restored: unknown,
  ) {
    this.agg = createMetricsAggregator({
      spec: o.spec,
      graceMs: o.graceMs,
      maxOutOfOrdernessMs: o.maxOutOfOrdernessMs,
      idleTimeoutMs: o.idleTimeoutMs,
      clock: o.clock,
      maxOpenWindows: o.maxOpenWindows,
      lowConfidenceThreshold: o.lowConfidenceThreshold,
    });
    const wm = (restored as Checkpoint | null)?.wm;
    this.emittedThrough = typeof wm === 'number' ? wm : -Infinity;
  }

  onRecord(value: unknown, offset: number): RecordVerdict {
    let e: InferenceEvent;
    try {
      e = validateEvent(value);
    } catch (err) {
      if (err instanceof ValidationError)
        return { dead: { reason: 'invalid', detail: err.message } };
      throw err;
    }
    const open = assignWindows(this.o.spec, e.timestamp).filter((s) => !this.agg.isClosed(s));
    const r = this.agg.add(e);
    switch (r.kind) {
      case 'accepted':
        this.offsets.note(open, offset);
        return {};
      case 'late':
        return { dead: { reason: 'late', detail: r.detail } };
      case 'overflow':
        return { dead: { reason: 'overflow', detail: r.detail } };
      case 'invalid':
        return { dead: { reason: 'invalid', detail: r.detail } };
    }
  }

  advance(): OutputRecord[] {
    const out: OutputRecord[] = [];
    for (const r of this.agg.advance()) {
      this.offsets.closed(r.windowStart);
      // Emitted before the last restart (its records were replayed only to rebuild later windows).
      if (r.windowEnd + this.o.graceMs <= this.emittedThrough) continue;
      const m = finalizeWindow(r, { topLabels: this.o.topLabels });
      this.o.onEmit?.(m);
      out.push({ topic: this.o.outputTopic, key: m.modelId, value: this.o.encode(m) });
    }
    return out;
  }

  safeOffset(next: number): number {
    return this.offsets.safe(next);
  }

  checkpoint(): Checkpoint {
    const wm = Math.max(this.agg.watermark, this.emittedThrough);
    return { wm: Number.isFinite(wm) ? wm : null };
  }
}

export function metricsTaskFactory(o: MetricsTaskOptions): TaskFactory {
  return { create: (_topic, _partition, restored) => new MetricsTask(o, restored) };
}
