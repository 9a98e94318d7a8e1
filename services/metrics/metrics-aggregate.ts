/**
 * Mergeable per-window health state of one (model, version), and the {@link Aggregate} that builds
 * it from inference events. Every part merges exactly: counts add, sums are exact (exact-sum.ts),
 * the histogram has fixed edges, latency quantiles use a log-bucket sketch, labels a mergeable
 * bounded summary. So a window's result is the same whether its traffic came through one
 * partition or many.
 *
 * What counts where:
 * - `count`, `errorCount` and latency cover every event (error latency matters: timeouts are
 *   errors). A negative or non-finite latency is left out of latency figures only.
 * - Confidence, the histogram, low-confidence and labels cover OK events only: an ERROR event has
 *   no real prediction. A non-finite confidence is left out of confidence figures (its label still
 *   counts).
 */
import type { InferenceEvent } from '../common/event.js';
import type { Aggregate, StateCodec } from '../stream/aggregate.js';
import {
  confidenceBin,
  emptyConfidenceHistogram,
  CONFIDENCE_BINS,
} from './confidence-histogram.js';
import { exactSumAdd, exactSumMerge, type ExactSum } from './exact-sum.js';
import {
  DEFAULT_MAX_TRACKED_LABELS,
  LabelCounter,
  type SerializedLabelCounts,
} from './label-counts.js';
import {
  DEFAULT_MAX_BINS,
  DEFAULT_RELATIVE_ACCURACY,
  LogBucketSketch,
  type SerializedSketch,
} from './quantile-sketch.js';

/** Default threshold below which a prediction counts as low-confidence. */
export const DEFAULT_LOW_CONFIDENCE_THRESHOLD = 0.6;

/** Options of {@link MetricsAggregate}. */
export interface MetricsOptions {
  /** Relative accuracy α of the latency sketch. Default 0.01 (1 %). */
  relativeAccuracy?: number;
  /** Bin cap of the latency sketch. Default 2048. */
  maxSketchBins?: number;
  /** Confidence strictly below this is low. Default 0.6. */
  lowConfidenceThreshold?: number;
  /** Label counters kept per window (counts exact up to this many distinct labels). Default 256. */
  maxTrackedLabels?: number;
}

export interface MetricsState {
  count: number;
  errorCount: number;
  /** Latency in ms, with exact count, sum, min and max. */
  latency: LogBucketSketch;
  /** OK events with a finite confidence. */
  confidenceCount: number;
  confidenceSum: ExactSum;
  /** 20 bins on [0, 1]; see confidence-histogram.ts. */
  confidenceHistogram: number[];
  lowConfidenceCount: number;
  /** Kept in the state so merges can refuse to mix thresholds and results can report it. */
  lowConfidenceThreshold: number;
  labels: LabelCounter;
}

/** JSON-safe form of {@link MetricsState}, for checkpoints. */
export interface SerializedMetricsState {
  count: number;
  errorCount: number;
  latency: SerializedSketch;
  confidenceCount: number;
  confidenceSum: number[];
  confidenceHistogram: number[];
  lowConfidenceCount: number;
  lowConfidenceThreshold: number;
  labels: SerializedLabelCounts;
}

export class MetricsAggregate implements Aggregate<MetricsState, InferenceEvent> {
  readonly relativeAccuracy: number;
  readonly maxSketchBins: number;
  readonly lowConfidenceThreshold: number;
  readonly maxTrackedLabels: number;

  constructor(options: MetricsOptions = {}) {
    this.relativeAccuracy = options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY;
    this.maxSketchBins = options.maxSketchBins ?? DEFAULT_MAX_BINS;
    this.lowConfidenceThreshold =
      options.lowConfidenceThreshold ?? DEFAULT_LOW_CONFIDENCE_THRESHOLD;
    this.maxTrackedLabels = options.maxTrackedLabels ?? DEFAULT_MAX_TRACKED_LABELS;
    if (!Number.isFinite(this.lowConfidenceThreshold)) {
      throw new RangeError('lowConfidenceThreshold must be a finite number');
    }
    // Build once to validate the sketch and label options early, with their own messages.
    this.create();
  }

  create(): MetricsState {
    return {
      count: 0,
      errorCount: 0,
      latency: new LogBucketSketch({
        relativeAccuracy: this.relativeAccuracy,
        maxBins: this.maxSketchBins,
      }),
      confidenceCount: 0,
      confidenceSum: [],
      confidenceHistogram: emptyConfidenceHistogram(),
      lowConfidenceCount: 0,
      lowConfidenceThreshold: this.lowConfidenceThreshold,
      labels: new LabelCounter(this.maxTrackedLabels),
    };
  }

  add(state: MetricsState, event: InferenceEvent): void {
    state.count++;
    state.latency.add(event.latencyMs);
    if (event.status === 'ERROR') {
      state.errorCount++;
      return;
    }
    state.labels.add(event.prediction.label);
    const c = event.prediction.confidence;
    if (!Number.isFinite(c)) return;
    state.confidenceCount++;
    exactSumAdd(state.confidenceSum, c);
    const bin = confidenceBin(c);
    state.confidenceHistogram[bin] = (state.confidenceHistogram[bin] ?? 0) + 1;
    if (c < state.lowConfidenceThreshold) state.lowConfidenceCount++;
  }

  merge(a: MetricsState, b: MetricsState): MetricsState {
    if (a.lowConfidenceThreshold !== b.lowConfidenceThreshold) {
      throw new RangeError(
        `cannot merge metrics with low-confidence thresholds ${a.lowConfidenceThreshold} and ${b.lowConfidenceThreshold}`,
      );
    }
    a.count += b.count;
    a.errorCount += b.errorCount;
    a.latency.merge(b.latency);
    a.confidenceCount += b.confidenceCount;
    exactSumMerge(a.confidenceSum, b.confidenceSum);
    for (let i = 0; i < CONFIDENCE_BINS; i++) {
      a.confidenceHistogram[i] = (a.confidenceHistogram[i] ?? 0) + (b.confidenceHistogram[i] ?? 0);
    }
    a.lowConfidenceCount += b.lowConfidenceCount;
    a.labels.merge(b.labels);
    return a;
  }
}

function isCount(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

/** Checkpoint codec for {@link MetricsState}. */
export const metricsStateCodec = {
  encode(state: MetricsState): SerializedMetricsState {
    return {
      count: state.count,
      errorCount: state.errorCount,
      latency: state.latency.toJSON(),
      confidenceCount: state.confidenceCount,
      confidenceSum: [...state.confidenceSum],
      confidenceHistogram: [...state.confidenceHistogram],
      lowConfidenceCount: state.lowConfidenceCount,
      lowConfidenceThreshold: state.lowConfidenceThreshold,
      labels: state.labels.toJSON(),
    };
  },
  decode(json: unknown): MetricsState {
    const bad = (why: string): never => {
      throw new TypeError(`invalid serialized metrics state: ${why}`);
    };
    if (json === null || typeof json !== 'object') bad('not an object');
    const s = json as SerializedMetricsState;
    for (const name of ['count', 'errorCount', 'confidenceCount', 'lowConfidenceCount'] as const) {
      if (!isCount(s[name])) bad(`${name} must be an integer ≥ 0`);
    }
    if (
      !Array.isArray(s.confidenceHistogram) ||
      s.confidenceHistogram.length !== CONFIDENCE_BINS ||
      !s.confidenceHistogram.every(isCount)
    ) {
      bad(`confidenceHistogram must be ${CONFIDENCE_BINS} integers ≥ 0`);
    }
    if (!Array.isArray(s.confidenceSum) || !s.confidenceSum.every(Number.isFinite)) {
      bad('confidenceSum must be finite numbers');
    }
    if (!Number.isFinite(s.lowConfidenceThreshold)) bad('lowConfidenceThreshold must be a number');
    return {
      count: s.count,
      errorCount: s.errorCount,
      latency: LogBucketSketch.fromJSON(s.latency),
      confidenceCount: s.confidenceCount,
      confidenceSum: [...s.confidenceSum],
      confidenceHistogram: [...s.confidenceHistogram],
      lowConfidenceCount: s.lowConfidenceCount,
      lowConfidenceThreshold: s.lowConfidenceThreshold,
      labels: LabelCounter.fromJSON(s.labels),
    };
  },
} satisfies StateCodec<MetricsState>;
