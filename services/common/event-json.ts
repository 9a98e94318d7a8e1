import type { InferenceEvent } from './event.js';
import { ValidationError, errorMessage } from './errors.js';
import { DEFAULT_LIMITS, type EventLimits, validateEvent } from './validate.js';

/**
 * The JSON form of an event (files, replay, CLI): one object per line, Avro field names,
 * timestamp as epoch ms or ISO-8601, optional fields may be absent.
 */
export type LineResult =
  | { ok: true; line: number; event: InferenceEvent }
  | { ok: false; line: number; error: string; field?: string };

/** Parses one JSONL line; never throws. Blank lines return null. */
export function parseEventLine(
  text: string,
  line: number,
  limits: EventLimits = DEFAULT_LIMITS,
): LineResult | null {
  if (text.trim() === '') return null;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    return { ok: false, line, error: `line ${line}: invalid JSON: ${errorMessage(err)}` };
  }
  try {
    return { ok: true, line, event: validateEvent(obj, limits) };
  } catch (err) {
    if (err instanceof ValidationError)
      return { ok: false, line, field: err.field, error: `line ${line}: ${err.message}` };
    return { ok: false, line, error: `line ${line}: ${errorMessage(err)}` };
  }
}

/** The JSON form of an event, as `vigil tail` prints it (null optionals omitted). */
export function eventToJson(e: InferenceEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { ...e, prediction: { ...e.prediction } };
  if (e.embedding === null) delete out.embedding;
  if (e.errorCode === null) delete out.errorCode;
  if (e.prediction.score === null) delete (out.prediction as Record<string, unknown>).score;
  return out;
}
