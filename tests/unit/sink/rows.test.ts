import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../../services/common/validate.js';
import { eventToRow, sampled } from '../../../services/sink/rows.js';

describe('eventToRow', () => {
  it('gives every column explicitly (18.16 ignores DEFAULTs in JSONEachRow)', () => {
    const e = validateEvent({
      eventId: 'e1',
      timestamp: 1764150000123,
      modelId: 'm',
      modelVersion: 'v',
      clientId: 'c',
      features: { a: 1, b: 2 },
      prediction: { label: 'x', confidence: 0.5 },
      latencyMs: 3,
      status: 'ERROR',
      errorCode: 'E',
    });
    const r = eventToRow(e, { partition: 2, offset: 99 }, 1764150001000);
    expect(r).toMatchObject({
      event_id: 'e1',
      timestamp_ms: 1764150000123,
      event_time: 1764150000,
      event_date: '2025-11-26',
      feature_names: ['a', 'b'],
      feature_values: [1, 2],
      status: 'ERROR',
      error_code: 'E',
      kafka_partition: 2,
      kafka_offset: 99,
      inserted_at: 1764150001,
      embedding: [],
      prediction_score: null,
    });
  });
});

describe('sampled', () => {
  it('is deterministic per event id and close to the rate', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `ev-${i}`);
    const a = ids.filter((id) => sampled(id, 0.25));
    expect(ids.filter((id) => sampled(id, 0.25))).toEqual(a);
    expect(a.length / ids.length).toBeGreaterThan(0.23);
    expect(a.length / ids.length).toBeLessThan(0.27);
    expect(ids.every((id) => sampled(id, 1))).toBe(true);
    expect(ids.some((id) => sampled(id, 0))).toBe(false);
  });
});
