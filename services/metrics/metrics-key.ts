import type { InferenceEvent } from '../common/event.js';

/** Window metrics are kept per model and version. */
export interface MetricsKey {
  modelId: string;
  modelVersion: string;
}

export function metricsKeyOf(event: InferenceEvent): MetricsKey {
  return { modelId: event.modelId, modelVersion: event.modelVersion };
}

/** Unambiguous string id (JSON of the pair, so no separator can collide with id contents). */
export function metricsKeyId(key: MetricsKey): string {
  return JSON.stringify([key.modelId, key.modelVersion]);
}
