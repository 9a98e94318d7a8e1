/**
 * Pure mapping from decoded records to ClickHouse rows (JSONEachRow objects). Every column is
 * given explicitly: ClickHouse 18.16 does not apply DEFAULT expressions to fields omitted from
 * JSONEachRow input.
 */
import type { InferenceEvent } from '../common/event.js';

export interface SourcePosition {
  partition: number;
  offset: number;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function eventToRow(e: InferenceEvent, pos: SourcePosition, insertedAtMs: number): Record<string, unknown> {
  const features = Object.entries(e.features);
  const categorical = Object.entries(e.categorical);
  const probs = Object.entries(e.prediction.probabilities);
  const meta = Object.entries(e.metadata);
  return {
    event_id: e.eventId,
    timestamp_ms: e.timestamp,
    event_time: Math.floor(e.timestamp / 1000),
    event_date: isoDate(e.timestamp),
    model_id: e.modelId,
    model_version: e.modelVersion,
    client_id: e.clientId,
    feature_names: features.map(([k]) => k),
    feature_values: features.map(([, v]) => v),
    categorical_names: categorical.map(([k]) => k),
    categorical_values: categorical.map(([, v]) => v),
    embedding: e.embedding ?? [],
    prediction_label: e.prediction.label,
    confidence: e.prediction.confidence,
    probability_labels: probs.map(([k]) => k),
    probability_values: probs.map(([, v]) => v),
    prediction_score: e.prediction.score,
    latency_ms: e.latencyMs,
    status: e.status,
    error_code: e.errorCode,
    metadata_keys: meta.map(([k]) => k),
    metadata_values: meta.map(([, v]) => v),
    kafka_partition: pos.partition,
    kafka_offset: pos.offset,
    inserted_at: Math.floor(insertedAtMs / 1000),
  };
}

/**
 * Deterministic sampling by event id (FNV-1a): a redelivered event is sampled the same way as the
 * first time, so sampling never breaks the sink's idempotence.
 */
export function sampled(eventId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  let h = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    h ^= eventId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x1_0000_0000 < rate;
}
