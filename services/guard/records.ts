/**
 * The guard service's output records (schemas/Score.avsc and schemas/QuarantineRecord.avsc) and the
 * pure functions that build them from a scored event.
 *
 * `vigil.scores.v1` carries ONE record type, `vigil.v1.Score`, with a `kind` discriminator:
 * - EVENT: one event that was flagged or whose client is suspicious (its score, reasons, scorers);
 * - CLIENT_WINDOW: one (model, version, client)'s flag rate over a tumbling event-time window,
 *   for clients with a flagged event or a suspicious state in it;
 * - MODEL_WINDOW: one model version's flag rate over the window.
 * One type keeps the topic on one registry subject (TopicNameStrategy) and the records flat, with
 * no top-level union that every consumer would have to unwrap; consumers filter on `kind`.
 */
import type { InferenceEvent } from '../common/event.js';
import type { GuardScoreDetail } from './engine.js';

export type ScoreKind = 'EVENT' | 'CLIENT_WINDOW' | 'MODEL_WINDOW';

export interface ScorerScores {
  confidence: number;
  margin: number;
  ood: number;
  stateful: number;
  extraction: number;
}

export interface ScoreWindow {
  windowStart: number;
  windowEnd: number;
  events: number;
  flaggedEvents: number;
  flagRate: number;
  flaggedClients: number;
  suspiciousClients: number;
  untrackedEvents: number;
}

/** A decoded `vigil.v1.Score`. */
export interface ScoreRecord {
  kind: ScoreKind;
  eventId: string;
  clientId: string;
  modelId: string;
  modelVersion: string;
  timestamp: number;
  score: number;
  flagged: boolean;
  clientFlagged: boolean;
  reasons: string[];
  rules: string[];
  scores: ScorerScores | null;
  window: ScoreWindow | null;
}

/** A decoded `vigil.v1.QuarantineRecord`. */
export interface QuarantineRecord extends InferenceEvent {
  score: number;
  flagged: boolean;
  clientFlagged: boolean;
  reasons: string[];
  rules: string[];
  scores: ScorerScores;
  meanKnn: number | null;
  clientQueries: number;
  suspiciousSince: number | null;
  suspiciousSinceEventId: string | null;
  sourcePartition: number;
  sourceOffset: number;
  detectedAt: number;
}

/** Whether a scored event is published (Score EVENT + QuarantineRecord). */
export function isPublished(d: Pick<GuardScoreDetail, 'flagged' | 'clientFlagged'>): boolean {
  return d.flagged || d.clientFlagged;
}

export function eventScoreRecord(d: GuardScoreDetail, timestamp: number): ScoreRecord {
  return {
    kind: 'EVENT',
    eventId: d.eventId,
    clientId: d.clientId,
    modelId: d.modelId,
    modelVersion: d.modelVersion,
    timestamp,
    score: d.score,
    flagged: d.flagged,
    clientFlagged: d.clientFlagged,
    reasons: [...d.reasons],
    rules: [...d.clientState.rules],
    scores: { ...d.scores },
    window: null,
  };
}

export function quarantineRecord(
  e: InferenceEvent,
  d: GuardScoreDetail,
  source: { partition: number; offset: number },
  detectedAt: number,
): QuarantineRecord {
  const since = d.clientState.since;
  return {
    eventId: e.eventId,
    timestamp: e.timestamp,
    modelId: e.modelId,
    modelVersion: e.modelVersion,
    clientId: e.clientId,
    features: e.features,
    categorical: e.categorical,
    embedding: e.embedding,
    prediction: e.prediction,
    latencyMs: e.latencyMs,
    status: e.status,
    errorCode: e.errorCode,
    metadata: e.metadata,
    score: d.score,
    flagged: d.flagged,
    clientFlagged: d.clientFlagged,
    reasons: [...d.reasons],
    rules: [...d.clientState.rules],
    scores: { ...d.scores },
    meanKnn: d.meanKnn,
    clientQueries: d.clientState.queries,
    suspiciousSince: since?.timestamp ?? null,
    suspiciousSinceEventId: since?.eventId ?? null,
    sourcePartition: source.partition,
    sourceOffset: source.offset,
    detectedAt,
  };
}

/** Deterministic id of a window summary (its `eventId`), the sink's dedup key. */
export function summaryId(
  kind: Exclude<ScoreKind, 'EVENT'>,
  windowStart: number,
  modelId: string,
  modelVersion: string,
  clientId = '',
): string {
  return `${kind}:${windowStart}:${JSON.stringify([modelId, modelVersion, clientId])}`;
}
