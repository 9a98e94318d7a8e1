/**
 * Wiring of the metrics aggregate into the event-time window engine, shared by the metrics
 * service and the offline CLI so both cut and compute windows identically.
 */
import type { InferenceEvent } from '../common/event.js';
import {
  WindowedAggregator,
  type WindowedAggregatorOptions,
  type WindowResult,
} from '../stream/windowed-aggregator.js';
import {
  MetricsAggregate,
  metricsStateCodec,
  type MetricsOptions,
  type MetricsState,
} from './metrics-aggregate.js';
import { metricsKeyId, metricsKeyOf, type MetricsKey } from './metrics-key.js';
import { finalizeMetrics, type FinalizeOptions, type WindowMetrics } from './window-metrics.js';

export type MetricsWindowOptions = MetricsOptions &
  Omit<
    WindowedAggregatorOptions<MetricsKey, MetricsState, InferenceEvent>,
    'aggregate' | 'keyOf' | 'keyId' | 'timestampOf' | 'stateCodec' | 'keyCodec'
  >;

export type MetricsWindowAggregator = WindowedAggregator<MetricsKey, MetricsState, InferenceEvent>;

function aggregatorOptions(
  options: MetricsWindowOptions,
): WindowedAggregatorOptions<MetricsKey, MetricsState, InferenceEvent> {
  return {
    ...options,
    aggregate: new MetricsAggregate(options),
    keyOf: metricsKeyOf,
    keyId: metricsKeyId,
    timestampOf: (e) => e.timestamp,
    stateCodec: metricsStateCodec,
    keyCodec: { encode: (k) => ({ ...k }), decode: decodeMetricsKey },
  };
}

function decodeMetricsKey(json: unknown): MetricsKey {
  const k = json as Partial<MetricsKey> | null;
  if (k === null || typeof k.modelId !== 'string' || typeof k.modelVersion !== 'string') {
    throw new TypeError('invalid metrics key in snapshot: needs string modelId and modelVersion');
  }
  return { modelId: k.modelId, modelVersion: k.modelVersion };
}

/** A window engine keyed by (modelId, modelVersion) folding {@link MetricsAggregate} states. */
export function createMetricsAggregator(
  options: MetricsWindowOptions = {},
): MetricsWindowAggregator {
  return new WindowedAggregator(aggregatorOptions(options));
}

/** Restores {@link createMetricsAggregator} state from its `toJSON()` snapshot. */
export function restoreMetricsAggregator(
  snapshot: ReturnType<MetricsWindowAggregator['toJSON']>,
  options: MetricsWindowOptions = {},
): MetricsWindowAggregator {
  return WindowedAggregator.fromJSON(snapshot, aggregatorOptions(options));
}

/** Finalizes a closed window from the engine. */
export function finalizeWindow(
  result: WindowResult<MetricsKey, MetricsState>,
  options: FinalizeOptions = {},
): WindowMetrics {
  return finalizeMetrics(result.key, result, result.state, options);
}
