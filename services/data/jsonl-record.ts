/**
 * Turns one JSON Lines object into column cells. Two shapes are accepted:
 *
 * - flat: `{"amount": 12.5, "country": "DE"}` — each key is a column; numbers, strings and booleans
 *   are values, null is missing, nested objects and arrays are errors;
 * - the Vigil JSON event form (README "The event contract"), recognised by a `features`,
 *   `categorical` or `prediction` key: `features.<name>` become numeric columns `<name>`,
 *   `categorical.<name>` categorical columns `<name>`, `prediction.label` the categorical column
 *   `prediction.label` and `prediction.confidence` the numeric column `prediction.confidence`.
 *   Other event fields (ids, timestamps, latency, …) are not model inputs and are skipped.
 */
import type { ColumnKind } from '../stats/verdict.js';
import { InputError } from './input-error.js';

/** Receives one cell; `declared` is the kind the event form implies, `what` names its origin. */
export type CellHandler = (
  column: string,
  value: string | number | boolean | null,
  declared?: { kind: ColumnKind; what: string },
) => void;

const EVENT_KEYS = ['features', 'categorical', 'prediction'] as const;

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a parsed line is in the Vigil event form. */
export function isEventRecord(record: JsonObject): boolean {
  return EVENT_KEYS.some((k) => Object.hasOwn(record, k));
}

/** Emits the cells of one parsed JSON line. Throws InputError naming file:line and the column. */
export function flattenJsonRecord(
  record: unknown,
  file: string,
  line: number,
  emit: CellHandler,
): void {
  if (!isObject(record)) {
    throw new InputError({ file, line }, `expected a JSON object, got ${describe(record)}`);
  }
  if (isEventRecord(record)) flattenEvent(record, file, line, emit);
  else flattenFlat(record, file, line, emit);
}

function flattenFlat(record: JsonObject, file: string, line: number, emit: CellHandler): void {
  for (const [key, value] of Object.entries(record)) {
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      emit(key, value);
    } else {
      throw new InputError(
        { file, line, column: key },
        `${describe(value)} is not a column value (use flat objects or the Vigil event form)`,
      );
    }
  }
}

function flattenEvent(record: JsonObject, file: string, line: number, emit: CellHandler): void {
  const features = section(record, 'features', file, line);
  for (const [name, value] of Object.entries(features)) {
    if (value !== null && typeof value !== 'number') {
      throw new InputError(
        { file, line, column: name },
        `features.${name} is ${describe(value)}, expected a number`,
      );
    }
    emit(name, value, { kind: 'numeric', what: `features.${name}` });
  }
  const categorical = section(record, 'categorical', file, line);
  for (const [name, value] of Object.entries(categorical)) {
    if (
      value !== null &&
      typeof value !== 'string' &&
      typeof value !== 'number' &&
      typeof value !== 'boolean'
    ) {
      throw new InputError(
        { file, line, column: name },
        `categorical.${name} is ${describe(value)}, expected a string`,
      );
    }
    emit(name, value, { kind: 'categorical', what: `categorical.${name}` });
  }
  const prediction = section(record, 'prediction', file, line);
  if (Object.hasOwn(prediction, 'label')) {
    const label = prediction.label;
    if (
      label !== null &&
      typeof label !== 'string' &&
      typeof label !== 'number' &&
      typeof label !== 'boolean'
    ) {
      throw new InputError(
        { file, line, column: 'prediction.label' },
        `prediction.label is ${describe(label)}, expected a string`,
      );
    }
    emit('prediction.label', label, { kind: 'categorical', what: 'prediction.label' });
  }
  if (Object.hasOwn(prediction, 'confidence')) {
    const confidence = prediction.confidence;
    if (confidence !== null && typeof confidence !== 'number') {
      throw new InputError(
        { file, line, column: 'prediction.confidence' },
        `prediction.confidence is ${describe(confidence)}, expected a number`,
      );
    }
    emit('prediction.confidence', confidence, { kind: 'numeric', what: 'prediction.confidence' });
  }
}

/** An optional object-valued section of an event; absent or null reads as empty. */
function section(record: JsonObject, key: string, file: string, line: number): JsonObject {
  const v = record[key];
  if (v === undefined || v === null) return {};
  if (!isObject(v))
    throw new InputError({ file, line }, `${key} is ${describe(v)}, expected an object`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
