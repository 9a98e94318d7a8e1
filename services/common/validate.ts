import type { InferenceEvent } from './event.js';
import { ValidationError } from './errors.js';

/** Limits applied to every inference event before it is sent (SDK) or processed (services). */
export interface EventLimits {
  /** Most numeric features per event. Default 1,000. */
  maxFeatures: number;
  /** Most categorical features per event. Default 1,000. */
  maxCategorical: number;
  /** Most metadata entries per event. Default 100. */
  maxMetadata: number;
  /** Longest string (ids, labels, keys and values), in UTF-8 bytes. Default 1,024. */
  maxStringBytes: number;
  /** Longest embedding. Default 4,096. */
  maxEmbedding: number;
  /** Most class probabilities. Default 1,000. */
  maxProbabilities: number;
}

export const DEFAULT_LIMITS: Readonly<EventLimits> = Object.freeze({
  maxFeatures: 1000,
  maxCategorical: 1000,
  maxMetadata: 100,
  maxStringBytes: 1024,
  maxEmbedding: 4096,
  maxProbabilities: 1000,
});

// Timestamps outside [2000-01-01, 2200-01-01) are almost surely seconds, microseconds or garbage.
const MIN_TS = 946_684_800_000;
const MAX_TS = 7_258_118_400_000;

function str(field: string, v: unknown, limits: EventLimits, allowEmpty = false): string {
  if (typeof v !== 'string')
    throw new ValidationError(field, `must be a string, got ${typeName(v)}`);
  if (!allowEmpty && v.length === 0) throw new ValidationError(field, 'must not be empty');
  if (Buffer.byteLength(v, 'utf8') > limits.maxStringBytes)
    throw new ValidationError(field, `longer than ${limits.maxStringBytes} bytes`);
  return v;
}

function num(field: string, v: unknown): number {
  if (typeof v !== 'number')
    throw new ValidationError(field, `must be a number, got ${typeName(v)}`);
  if (!Number.isFinite(v)) throw new ValidationError(field, `must be a finite number, got ${v}`);
  return v;
}

function unit(field: string, v: unknown): number {
  const x = num(field, v);
  if (x < 0 || x > 1) throw new ValidationError(field, `must be in [0, 1], got ${x}`);
  return x;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function record(field: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ValidationError(field, `must be an object, got ${typeName(v)}`);
  return v as Record<string, unknown>;
}

function map<T>(
  field: string,
  v: unknown,
  max: number,
  limits: EventLimits,
  value: (f: string, x: unknown) => T,
): Record<string, T> {
  if (v === undefined || v === null) return {};
  const obj = record(field, v);
  const keys = Object.keys(obj);
  if (keys.length > max)
    throw new ValidationError(field, `has ${keys.length} entries, at most ${max} allowed`);
  const out: Record<string, T> = {};
  for (const k of keys) {
    str(`${field}.${k}`, k, limits);
    out[k] = value(`${field}.${k}`, obj[k]);
  }
  return out;
}

/** Parses an event timestamp: epoch milliseconds (number) or an ISO-8601 string. */
export function parseTimestamp(field: string, v: unknown): number {
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isInteger(v))
      throw new ValidationError(field, `must be integer epoch milliseconds, got ${v}`);
    ms = v;
  } else if (typeof v === 'string') {
    ms = Date.parse(v);
    if (Number.isNaN(ms))
      throw new ValidationError(field, `is not an ISO-8601 date: ${JSON.stringify(v)}`);
  } else {
    throw new ValidationError(
      field,
      `must be epoch milliseconds or an ISO-8601 string, got ${typeName(v)}`,
    );
  }
  if (ms < MIN_TS || ms >= MAX_TS)
    throw new ValidationError(
      field,
      `${ms} is outside 2000-01-01..2200-01-01 (epoch milliseconds expected)`,
    );
  return ms;
}

/**
 * Checks an event-shaped value and returns a normalised {@link InferenceEvent} (absent optional
 * fields filled with their defaults). Throws a {@link ValidationError} naming the first bad field.
 * The same function serves the SDK, the JSON form (files, replay) and the services.
 */
export function validateEvent(
  input: unknown,
  limits: EventLimits = DEFAULT_LIMITS,
): InferenceEvent {
  const e = record('event', input);
  const p = record('prediction', e.prediction);
  const status = e.status ?? 'OK';
  if (status !== 'OK' && status !== 'ERROR')
    throw new ValidationError('status', `must be "OK" or "ERROR", got ${JSON.stringify(status)}`);
  const latencyMs = num('latencyMs', e.latencyMs);
  if (latencyMs < 0) throw new ValidationError('latencyMs', `must be >= 0, got ${latencyMs}`);
  let embedding: number[] | null = null;
  if (e.embedding !== undefined && e.embedding !== null) {
    if (!Array.isArray(e.embedding))
      throw new ValidationError('embedding', `must be an array, got ${typeName(e.embedding)}`);
    if (e.embedding.length > limits.maxEmbedding)
      throw new ValidationError(
        'embedding',
        `has ${e.embedding.length} values, at most ${limits.maxEmbedding} allowed`,
      );
    embedding = e.embedding.map((x, i) => num(`embedding[${i}]`, x));
  }
  const score = p.score === undefined || p.score === null ? null : num('prediction.score', p.score);
  const errorCode =
    e.errorCode === undefined || e.errorCode === null
      ? null
      : str('errorCode', e.errorCode, limits);
  return {
    eventId: str('eventId', e.eventId, limits),
    timestamp: parseTimestamp('timestamp', e.timestamp),
    modelId: str('modelId', e.modelId, limits),
    modelVersion: str('modelVersion', e.modelVersion, limits),
    clientId: str('clientId', e.clientId, limits),
    features: map('features', e.features, limits.maxFeatures, limits, num),
    categorical: map('categorical', e.categorical, limits.maxCategorical, limits, (f, x) =>
      str(f, x, limits, true),
    ),
    embedding,
    prediction: {
      label: str('prediction.label', p.label, limits, true),
      confidence: unit('prediction.confidence', p.confidence),
      probabilities: map(
        'prediction.probabilities',
        p.probabilities,
        limits.maxProbabilities,
        limits,
        unit,
      ),
      score,
    },
    latencyMs,
    status,
    errorCode,
    metadata: map('metadata', e.metadata, limits.maxMetadata, limits, (f, x) =>
      str(f, x, limits, true),
    ),
  };
}
