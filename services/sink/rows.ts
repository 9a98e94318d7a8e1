/**
 * Pure mapping from decoded records to ClickHouse rows (JSONEachRow objects). Every column is
 * given explicitly: ClickHouse 18.16 does not apply DEFAULT expressions to fields omitted from
 * JSONEachRow input.
 */
import type { InferenceEvent } from '../common/event.js';
import type { QuarantineRecord, ScoreRecord } from '../guard/records.js';
import type { WindowMetrics } from '../metrics/window-metrics.js';

export interface SourcePosition {
  partition: number;
  offset: number;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function eventToRow(
  e: InferenceEvent,
  pos: SourcePosition,
  insertedAtMs: number,
): Record<string, unknown> {
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

/** A decoded `vigil.v1.WindowMetrics`: the metrics service's own type (the Avro schema mirrors it). */
export type WindowMetricsRecord = WindowMetrics;

export function windowMetricsToRow(
  m: WindowMetricsRecord,
  insertedAtMs: number,
): Record<string, unknown> {
  return {
    model_id: m.modelId,
    model_version: m.modelVersion,
    window_start_ms: m.windowStart,
    window_end_ms: m.windowEnd,
    window_start: Math.floor(m.windowStart / 1000),
    window_end: Math.floor(m.windowEnd / 1000),
    window_date: isoDate(m.windowStart),
    count: m.count,
    qps: m.qps,
    error_count: m.errorCount,
    error_rate: m.errorRate,
    latency_mean: m.latencyMean,
    latency_p50: m.latencyP50,
    latency_p95: m.latencyP95,
    latency_p99: m.latencyP99,
    latency_min: m.latencyMin,
    latency_max: m.latencyMax,
    confidence_mean: m.confidenceMean,
    confidence_histogram: m.confidenceHistogram,
    low_confidence_count: m.lowConfidenceCount,
    low_confidence_threshold: m.lowConfidenceThreshold,
    label_names: m.labelCounts.map((l) => l.label),
    label_counts: m.labelCounts.map((l) => l.count),
    sketch_relative_accuracy: m.sketch.relativeAccuracy,
    sketch_indexes: m.sketch.indexes,
    sketch_counts: m.sketch.counts,
    sketch_zero_count: m.sketch.zeroCount,
    inserted_at: Math.floor(insertedAtMs / 1000),
  };
}

/** The fields of a decoded `vigil.v1.DriftReport` the sink stores (see services/drift/report.ts). */
export interface DriftReportRecord {
  modelId: string;
  modelVersion: string;
  windowStart: number;
  windowEnd: number;
  windowKind: string;
  count: number;
  profileId: string;
  features: Array<{
    feature: string;
    kind: string;
    method: string;
    score: number;
    threshold: number;
    drifted: boolean;
    ksPValue: number | null;
    psi: number | null;
    wasserstein: number | null;
    jensenShannon: number | null;
    referenceSize: number;
    currentSize: number;
  }>;
  missingFeatures: string[];
  driftedCount: number;
  driftedShare: number;
  driftShareThreshold: number;
  datasetDrifted: boolean;
  topDrifted: Array<{ feature: string; score: number }>;
}

/** One `drift_reports` row per report; per-feature figures as parallel arrays (NULL where n/a). */
export function driftReportToRow(
  r: DriftReportRecord,
  insertedAtMs: number,
): Record<string, unknown> {
  const f = r.features;
  return {
    model_id: r.modelId,
    model_version: r.modelVersion,
    window_start_ms: r.windowStart,
    window_end_ms: r.windowEnd,
    window_start: Math.floor(r.windowStart / 1000),
    window_end: Math.floor(r.windowEnd / 1000),
    window_date: isoDate(r.windowStart),
    window_kind: r.windowKind,
    count: r.count,
    profile_id: r.profileId,
    feature_names: f.map((x) => x.feature),
    feature_kinds: f.map((x) => x.kind),
    methods: f.map((x) => x.method),
    scores: f.map((x) => x.score),
    thresholds: f.map((x) => x.threshold),
    drifted: f.map((x) => (x.drifted ? 1 : 0)),
    ks_p_values: f.map((x) => x.ksPValue),
    psi: f.map((x) => x.psi),
    wasserstein: f.map((x) => x.wasserstein),
    jensen_shannon: f.map((x) => x.jensenShannon),
    reference_sizes: f.map((x) => x.referenceSize),
    current_sizes: f.map((x) => x.currentSize),
    missing_features: r.missingFeatures,
    drifted_count: r.driftedCount,
    drifted_share: r.driftedShare,
    drift_share_threshold: r.driftShareThreshold,
    dataset_drifted: r.datasetDrifted ? 1 : 0,
    top_features: r.topDrifted.map((x) => x.feature),
    top_scores: r.topDrifted.map((x) => x.score),
    inserted_at: Math.floor(insertedAtMs / 1000),
  };
}

/** A decoded `vigil.v1.Score`: the guard's own record type. */
export type GuardScoreRecord = ScoreRecord;

/** One `guard_scores` row per Score record (EVENT, CLIENT_WINDOW or MODEL_WINDOW). */
export function guardScoreToRow(
  r: GuardScoreRecord,
  insertedAtMs: number,
): Record<string, unknown> {
  const s = r.scores;
  const w = r.window;
  return {
    kind: r.kind,
    event_id: r.eventId,
    client_id: r.clientId,
    model_id: r.modelId,
    model_version: r.modelVersion,
    timestamp_ms: r.timestamp,
    event_time: Math.floor(r.timestamp / 1000),
    event_date: isoDate(r.timestamp),
    score: r.score,
    flagged: r.flagged ? 1 : 0,
    client_flagged: r.clientFlagged ? 1 : 0,
    reasons: r.reasons,
    rules: r.rules,
    score_confidence: s?.confidence ?? null,
    score_margin: s?.margin ?? null,
    score_ood: s?.ood ?? null,
    score_stateful: s?.stateful ?? null,
    score_extraction: s?.extraction ?? null,
    window_start_ms: w?.windowStart ?? null,
    window_end_ms: w?.windowEnd ?? null,
    events: w?.events ?? null,
    flagged_events: w?.flaggedEvents ?? null,
    flag_rate: w?.flagRate ?? null,
    flagged_clients: w?.flaggedClients ?? null,
    suspicious_clients: w?.suspiciousClients ?? null,
    untracked_events: w?.untrackedEvents ?? null,
    inserted_at: Math.floor(insertedAtMs / 1000),
  };
}

/** A decoded `vigil.v1.QuarantineRecord`: the guard's own record type. */
export type QuarantineRecordRow = QuarantineRecord;

/** One `quarantine` row per quarantined event: the event's columns as in `inference_events`, plus the verdict. */
export function quarantineToRow(
  q: QuarantineRecordRow,
  insertedAtMs: number,
): Record<string, unknown> {
  const features = Object.entries(q.features);
  const categorical = Object.entries(q.categorical);
  const probs = Object.entries(q.prediction.probabilities);
  const meta = Object.entries(q.metadata);
  return {
    event_id: q.eventId,
    timestamp_ms: q.timestamp,
    event_time: Math.floor(q.timestamp / 1000),
    event_date: isoDate(q.timestamp),
    model_id: q.modelId,
    model_version: q.modelVersion,
    client_id: q.clientId,
    feature_names: features.map(([k]) => k),
    feature_values: features.map(([, v]) => v),
    categorical_names: categorical.map(([k]) => k),
    categorical_values: categorical.map(([, v]) => v),
    embedding: q.embedding ?? [],
    prediction_label: q.prediction.label,
    confidence: q.prediction.confidence,
    probability_labels: probs.map(([k]) => k),
    probability_values: probs.map(([, v]) => v),
    prediction_score: q.prediction.score,
    latency_ms: q.latencyMs,
    status: q.status,
    error_code: q.errorCode,
    metadata_keys: meta.map(([k]) => k),
    metadata_values: meta.map(([, v]) => v),
    score: q.score,
    flagged: q.flagged ? 1 : 0,
    client_flagged: q.clientFlagged ? 1 : 0,
    reasons: q.reasons,
    rules: q.rules,
    score_confidence: q.scores.confidence,
    score_margin: q.scores.margin,
    score_ood: q.scores.ood,
    score_stateful: q.scores.stateful,
    score_extraction: q.scores.extraction,
    mean_knn: q.meanKnn,
    client_queries: q.clientQueries,
    suspicious_since_ms: q.suspiciousSince,
    suspicious_since_event_id: q.suspiciousSinceEventId,
    source_partition: q.sourcePartition,
    source_offset: q.sourceOffset,
    detected_at_ms: q.detectedAt,
    detected_at: Math.floor(q.detectedAt / 1000),
    inserted_at: Math.floor(insertedAtMs / 1000),
  };
}
