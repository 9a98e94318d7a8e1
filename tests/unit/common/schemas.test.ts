import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { listSchemas, readSchema } from '../../../services/common/registry.js';
import { WINDOW_METRICS_SCHEMA_JSON } from '../../../services/metrics/window-metrics-schema.js';
import { SCHEMA_TOPICS } from '../../../services/cli/schemas.js';

describe('schemas/', () => {
  it('every .avsc parses, is in namespace vigil.v1 and is mapped to a topic', () => {
    for (const name of listSchemas()) {
      const json = JSON.parse(readSchema(name)) as { name: string; namespace: string };
      expect(json.name).toBe(name);
      expect(json.namespace).toBe('vigil.v1');
      expect(() => avro.Type.forSchema(json as avro.Schema)).not.toThrow();
      expect(SCHEMA_TOPICS[name], `${name} has no topic`).toBeDefined();
    }
  });

  it('WindowMetrics.avsc is the schema the metrics core declares', () => {
    expect(JSON.parse(readSchema('WindowMetrics'))).toEqual(JSON.parse(WINDOW_METRICS_SCHEMA_JSON));
  });

  it('InferenceEvent round-trips the README example through Avro', () => {
    const t = avro.Type.forSchema(
      JSON.parse(
        readFileSync(new URL('../../../schemas/InferenceEvent.avsc', import.meta.url), 'utf8'),
      ) as avro.Schema,
    );
    const e = {
      eventId: 'e1',
      timestamp: 1764150000000,
      modelId: 'fraud',
      modelVersion: 'v3',
      clientId: 'c-17',
      features: { amount: 12.5 },
      categorical: { country: 'DE' },
      embedding: null,
      prediction: {
        label: 'fraud',
        confidence: 0.91,
        probabilities: { fraud: 0.91, ok: 0.09 },
        score: null,
      },
      latencyMs: 12.3,
      status: 'OK',
      errorCode: null,
      metadata: {},
    };
    expect(t.fromBuffer(t.toBuffer(e))).toEqual(e);
  });
});
