/**
 * The finalized, plain result for one (model, version, window): what the metrics service
 * publishes as Avro `vigil.v1.WindowMetrics` (schema in window-metrics-schema.ts).
 */
import { exactSumValue } from './exact-sum.js';
import type { LabelCount } from './label-counts.js';
import type { MetricsKey } from './metrics-key.js';
import type { MetricsState } from './metrics-aggregate.js';
import type { SerializedSketch } from './quantile-sketch.js';

/** Default number of labels reported before the rest are folded into `__other__`. */
export const DEFAULT_TOP_LABELS = 10;

export interface WindowMetrics {
  modelId: string;
  modelVersion: string;
  /** Window bounds [windowStart, windowEnd), epoch ms. */
  windowStart: number;
  windowEnd: number;
  count: number;
  /** count / window length in seconds. */
  qps: number;
  errorCount: number;
  /** errorCount / count (0 for an empty window). */
  errorRate: number;
  /** Latency figures in ms; null when no event of the window had a valid latency. */
  latencyMean: number | null;
  /** Quantiles within the sketch's relative accuracy of the lower order statistic. */
  latencyP50: number | null;
  latencyP95: number | null;
  latencyP99: number | null;
  /** Exact. */
  latencyMin: number | null;
  latencyMax: number | null;
  /** Mean confidence of OK events; null when there were none. */
  confidenceMean: number | null;
  /** 20 bins on [0, 1], last bin closed. */
  confidenceHistogram: number[];
  lowConfidenceCount: number;
  /** The threshold used for lowConfidenceCount (confidence < threshold). */
  lowConfidenceThreshold: number;
  /** Top labels by count (desc, then label), then `__other__` if non-zero; sums to OK events. */
  labelCounts: LabelCount[];
  /** The latency sketch, so downstream can merge windows or models. */
  sketch: SerializedSketch;
}

export interface FinalizeOptions {
  /** Labels reported individually. Default 10. */
  topLabels?: number;
}

export function finalizeMetrics(
  key: MetricsKey,
  window: { windowStart: number; windowEnd: number },
  state: MetricsState,
  options: FinalizeOptions = {},
): WindowMetrics {
  const seconds = (window.windowEnd - window.windowStart) / 1000;
  const latency = state.latency;
  return {
    modelId: key.modelId,
    modelVersion: key.modelVersion,
    windowStart: window.windowStart,
    windowEnd: window.windowEnd,
    count: state.count,
    qps: seconds > 0 ? state.count / seconds : 0,
    errorCount: state.errorCount,
    errorRate: state.count > 0 ? state.errorCount / state.count : 0,
    latencyMean: latency.mean(),
    latencyP50: latency.quantile(0.5),
    latencyP95: latency.quantile(0.95),
    latencyP99: latency.quantile(0.99),
    latencyMin: latency.min,
    latencyMax: latency.max,
    confidenceMean:
      state.confidenceCount > 0 ? exactSumValue(state.confidenceSum) / state.confidenceCount : null,
    confidenceHistogram: [...state.confidenceHistogram],
    lowConfidenceCount: state.lowConfidenceCount,
    lowConfidenceThreshold: state.lowConfidenceThreshold,
    labelCounts: state.labels.top(options.topLabels ?? DEFAULT_TOP_LABELS),
    sketch: latency.toJSON(),
  };
}
