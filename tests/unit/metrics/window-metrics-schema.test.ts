import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { MetricsAggregate } from '../../../services/metrics/metrics-aggregate.js';
import { finalizeMetrics } from '../../../services/metrics/window-metrics.js';
import {
  WINDOW_METRICS_SCHEMA,
  WINDOW_METRICS_SCHEMA_JSON,
} from '../../../services/metrics/window-metrics-schema.js';
import type { InferenceEvent } from '../../../services/common/event.js';

function ev(
  latencyMs: number,
  label: string,
  confidence: number,
  status: 'OK' | 'ERROR' = 'OK',
): InferenceEvent {
  return {
    eventId: 'x',
    timestamp: 0,
    modelId: 'm',
    modelVersion: 'v',
    clientId: 'c',
    features: {},
    categorical: {},
    embedding: null,
    prediction: { label, confidence, probabilities: {}, score: null },
    latencyMs,
    status,
    errorCode: null,
    metadata: {},
  };
}

describe('WindowMetrics Avro schema', () => {
  const type = avro.Type.forSchema(JSON.parse(WINDOW_METRICS_SCHEMA_JSON));

  it('is vigil.v1.WindowMetrics with the fields of the TypeScript type, in order', () => {
    expect(WINDOW_METRICS_SCHEMA.namespace).toBe('vigil.v1');
    expect(type.name).toBe('vigil.v1.WindowMetrics');
    const agg = new MetricsAggregate();
    const m = finalizeMetrics(
      { modelId: 'm', modelVersion: 'v' },
      { windowStart: 0, windowEnd: 60_000 },
      agg.create(),
    );
    expect(WINDOW_METRICS_SCHEMA.fields.map((f) => f.name)).toEqual(Object.keys(m));
  });

  it('round-trips finalized metrics, full and empty', () => {
    const agg = new MetricsAggregate();
    const s = agg.create();
    [
      ev(12.5, 'cat', 0.97),
      ev(0, 'dog', 0.2),
      ev(3000, '', 0, 'ERROR'),
      ev(7.25, 'cat', 1),
    ].forEach((e) => agg.add(s, e));
    const full = finalizeMetrics(
      { modelId: 'm', modelVersion: 'v' },
      { windowStart: 1_700_000_040_000, windowEnd: 1_700_000_100_000 },
      s,
    );
    const empty = finalizeMetrics(
      { modelId: 'm', modelVersion: 'v' },
      { windowStart: 0, windowEnd: 60_000 },
      agg.create(),
    );
    for (const m of [full, empty]) {
      expect(type.isValid(m)).toBe(true);
      expect(type.fromBuffer(type.toBuffer(m))).toEqual(m);
    }
    expect(full.latencyMin).toBe(0);
    expect(full.sketch.zeroCount).toBe(1);
  });
});
