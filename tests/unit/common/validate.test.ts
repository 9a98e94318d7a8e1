import { describe, expect, it } from 'vitest';
import { parseEventLine } from '../../../services/common/event-json.js';
import { ValidationError } from '../../../services/common/errors.js';
import { validateEvent } from '../../../services/common/validate.js';

const ok = {
  eventId: 'e1',
  timestamp: 1764150000000,
  modelId: 'fraud',
  modelVersion: 'v3',
  clientId: 'c-17',
  features: { amount: 12.5 },
  categorical: { country: 'DE' },
  prediction: { label: 'fraud', confidence: 0.91, probabilities: { fraud: 0.91, ok: 0.09 } },
  latencyMs: 12.3,
  status: 'OK',
};

function fieldOf(input: unknown): string {
  try {
    validateEvent(input);
  } catch (err) {
    if (err instanceof ValidationError) return err.field;
    throw err;
  }
  return '(valid)';
}

describe('validateEvent', () => {
  it('accepts the README example and fills absent optional fields', () => {
    const e = validateEvent(ok);
    expect(e.embedding).toBeNull();
    expect(e.errorCode).toBeNull();
    expect(e.metadata).toEqual({});
    expect(e.prediction.score).toBeNull();
    expect(e.timestamp).toBe(1764150000000);
  });

  it('parses ISO-8601 timestamps to epoch milliseconds', () => {
    expect(validateEvent({ ...ok, timestamp: '2025-11-26T09:40:00.123Z' }).timestamp).toBe(
      1764150000123,
    );
  });

  it.each([
    ['missing eventId', { ...ok, eventId: undefined }, 'eventId'],
    ['empty modelId', { ...ok, modelId: '' }, 'modelId'],
    ['NaN feature', { ...ok, features: { a: Number.NaN } }, 'features.a'],
    ['Infinity latency', { ...ok, latencyMs: Infinity }, 'latencyMs'],
    ['negative latency', { ...ok, latencyMs: -1 }, 'latencyMs'],
    ['string feature', { ...ok, features: { a: '1' } }, 'features.a'],
    [
      'confidence > 1',
      { ...ok, prediction: { ...ok.prediction, confidence: 1.2 } },
      'prediction.confidence',
    ],
    [
      'probability < 0',
      { ...ok, prediction: { ...ok.prediction, probabilities: { a: -0.1 } } },
      'prediction.probabilities.a',
    ],
    ['bad status', { ...ok, status: 'FAIL' }, 'status'],
    ['seconds instead of ms', { ...ok, timestamp: 1764150000 }, 'timestamp'],
    ['fractional ms', { ...ok, timestamp: 1764150000000.5 }, 'timestamp'],
    ['bad ISO date', { ...ok, timestamp: 'yesterday' }, 'timestamp'],
    ['embedding too long', { ...ok, embedding: new Array(4097).fill(0) }, 'embedding'],
    ['NaN in embedding', { ...ok, embedding: [0, Number.NaN] }, 'embedding[1]'],
    [
      '1001 features',
      { ...ok, features: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`f${i}`, 1])) },
      'features',
    ],
    ['string over 1 KiB', { ...ok, clientId: 'x'.repeat(1025) }, 'clientId'],
    ['multi-byte string over 1 KiB', { ...ok, clientId: 'é'.repeat(513) }, 'clientId'],
    ['no prediction', { ...ok, prediction: undefined }, 'prediction'],
    ['array as event', [], 'event'],
  ])('rejects %s, naming the field', (_name, input, field) => {
    expect(fieldOf(input)).toBe(field);
  });

  it('accepts exactly the limits', () => {
    expect(
      fieldOf({ ...ok, embedding: new Array(4096).fill(0.5), clientId: 'x'.repeat(1024) }),
    ).toBe('(valid)');
    expect(
      fieldOf({
        ...ok,
        features: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, i])),
      }),
    ).toBe('(valid)');
  });
});

describe('parseEventLine', () => {
  it('returns null for blank lines and names line and field on errors', () => {
    expect(parseEventLine('   ', 3)).toBeNull();
    const bad = parseEventLine(JSON.stringify({ ...ok, latencyMs: 'fast' }), 7);
    expect(bad).toMatchObject({ ok: false, line: 7, field: 'latencyMs' });
    expect(bad && !bad.ok && bad.error).toBe('line 7: latencyMs: must be a number, got string');
    const broken = parseEventLine('{"eventId":', 9);
    expect(broken && !broken.ok && broken.error).toMatch(/^line 9: invalid JSON/);
  });
});
