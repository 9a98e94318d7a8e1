/**
 * The foundation's end-to-end proof against the real stack: 10,000 events through the SDK
 * (Confluent Avro via the registry) into Kafka, consumed and decoded by the sink, inserted into
 * ClickHouse, counted and spot-checked field by field. Also: the SDK rejects an invalid event
 * with a message naming the field; a garbage payload on the topic goes to the DLQ with its
 * original bytes; the registry refuses an incompatible schema change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '../../services/common/clickhouse.js';
import { DeadLetterPublisher } from '../../services/common/dlq.js';
import type { InferenceEvent } from '../../services/common/event.js';
import { ValidationError } from '../../services/common/errors.js';
import { AvroCodec, readSchema } from '../../services/common/registry.js';
import { createTelemetry } from '../../services/common/telemetry.js';
import { createMonitor, type Monitor } from '../../services/sdk/monitor.js';
import { Sink } from '../../services/sink/sink.js';
import { defaultRoutes } from '../../services/sink/tables.js';
import { cfg, freshDatabase, kafka, log, queryRows, uniq, waitFor } from './harness.js';

const N = 10_000;
const topic = uniq('it-inference');
const dlqTopic = uniq('it-dlq');
const k = kafka('vigil-it-roundtrip');
let ch: ClickHouseClient;
let db: string;
let monitor: Monitor;
let sink: Sink | null = null;
const producer = k.producer({ idempotent: true, maxInFlightRequests: 1 });

function makeEvent(i: number): InferenceEvent {
  const t0 = Date.UTC(2026, 10, 26, 12, 0, 0);
  return {
    eventId: `ev-${i}`,
    timestamp: t0 + i * 10,
    modelId: i % 2 ? 'fraud' : 'churn',
    modelVersion: `v${i % 3}`,
    clientId: `c-${i % 97}`,
    features: { amount: i * 1.5, age: (i % 80) + 18, score: Math.sin(i) },
    categorical: { country: ['DE', 'FR', 'US'][i % 3]! },
    embedding: i % 10 === 0 ? [0.5, -0.25, i % 7] : null,
    prediction: {
      label: i % 4 ? 'ok' : 'fraud',
      confidence: (i % 100) / 100,
      probabilities: { fraud: (i % 100) / 100, ok: 1 - (i % 100) / 100 },
      score: i % 5 === 0 ? i / 3 : null,
    },
    latencyMs: 1 + (i % 50) * 0.5,
    status: i % 20 === 0 ? 'ERROR' : 'OK',
    errorCode: i % 20 === 0 ? 'E_TIMEOUT' : null,
    metadata: i % 2 ? { region: 'eu' } : {},
  };
}

beforeAll(async () => {
  ({ db, ch } = await freshDatabase('it_roundtrip'));
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 3 }, { topic: dlqTopic }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  await producer.connect();
  monitor = await createMonitor({
    brokers: cfg.kafkaBrokers,
    registryUrl: cfg.registryUrl,
    topic,
    logger: log,
  });
});

afterAll(async () => {
  await monitor?.close();
  await sink?.stop();
  await producer.disconnect();
  await ch?.command({ query: `DROP DATABASE IF EXISTS ${db}` });
  await ch?.close();
});

describe('foundation round trip (real Kafka, registry, ClickHouse)', () => {
  it('rejects an invalid event with an error naming the field', async () => {
    const bad = {
      ...makeEvent(1),
      prediction: { ...makeEvent(1).prediction, confidence: Number.NaN },
    };
    await expect(monitor.record(bad)).rejects.toThrow(ValidationError);
    await expect(monitor.record(bad)).rejects.toThrow(
      /prediction\.confidence: must be a finite number/,
    );
    const tooMany = {
      ...makeEvent(2),
      features: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`f${i}`, i])),
    };
    await expect(monitor.record(tooMany)).rejects.toThrow(
      /features: has 1001 entries, at most 1000/,
    );
    expect(monitor.stats().rejected).toBe(3);
  });

  it('delivers 10,000 events to ClickHouse, decoded field by field, and dead-letters garbage', async () => {
    for (let i = 0; i < N; i++) await monitor.record(makeEvent(i));
    await monitor.flush();
    expect(monitor.stats().sent).toBe(N);
    // A record that is not Confluent Avro, and one with an unknown schema id, on the same topic.
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]);
    await producer.send({
      topic,
      messages: [
        { key: 'junk', value: Buffer.from('this is not avro') },
        { key: 'junk2', value: unknownId },
      ],
    });

    const telemetry = createTelemetry('sink-it');
    const consumer = k.consumer({ groupId: uniq('it-sink') });
    await consumer.connect();
    const codec = new AvroCodec(cfg.registryUrl);
    const dlq = new DeadLetterPublisher(producer, codec, dlqTopic, 'sink');
    await dlq.init();
    sink = new Sink({
      consumer,
      clickhouse: ch,
      codec,
      dlq,
      database: db,
      // Only the raw-event route: the other result topics need not exist on a fresh broker.
      routes: defaultRoutes({ ...cfg.topics, inference: topic }, { rawSampleRate: 1 }).filter(
        (r) => r.topic === topic,
      ),
      logger: log,
      metrics: telemetry.registry,
    });
    await sink.start();
    const count = await waitFor('10,000 rows', async () => {
      const [r] = await queryRows<{ c: string }>(
        ch,
        `SELECT count() AS c FROM ${db}.inference_events_final`,
      );
      return Number(r!.c) >= N ? Number(r!.c) : undefined;
    });
    expect(count).toBe(N);

    const [agg] = await queryRows<Record<string, string | number>>(
      ch,
      `SELECT uniqExact(event_id) AS ids, countIf(status = 'ERROR') AS errors, sum(length(embedding) > 0) AS withEmb,
              countIf(isNull(prediction_score)) AS noScore, min(timestamp_ms) AS tmin, max(timestamp_ms) AS tmax
       FROM ${db}.inference_events_final`,
    );
    expect(Number(agg!.ids)).toBe(N);
    expect(Number(agg!.errors)).toBe(N / 20);
    expect(Number(agg!.withEmb)).toBe(N / 10);
    expect(Number(agg!.noScore)).toBe(N - N / 5);
    expect(Number(agg!.tmin)).toBe(makeEvent(0).timestamp);
    expect(Number(agg!.tmax)).toBe(makeEvent(N - 1).timestamp);

    for (const i of [0, 1, 20, 4321, 9999]) {
      const e = makeEvent(i);
      const [row] = await queryRows<Record<string, unknown>>(
        ch,
        `SELECT * FROM ${db}.inference_events_final WHERE event_id = '${e.eventId}'`,
      );
      expect(row).toBeDefined();
      const r = row!;
      expect(Number(r.timestamp_ms)).toBe(e.timestamp);
      expect(r.event_time).toBe(
        new Date(Math.floor(e.timestamp / 1000) * 1000)
          .toISOString()
          .slice(0, 19)
          .replace('T', ' '),
      );
      expect(r.model_id).toBe(e.modelId);
      expect(r.model_version).toBe(e.modelVersion);
      expect(r.client_id).toBe(e.clientId);
      const feats = Object.fromEntries(
        (r.feature_names as string[]).map((n, j) => [n, (r.feature_values as number[])[j]]),
      );
      expect(feats).toEqual(e.features);
      expect(r.categorical_values).toEqual([e.categorical.country]);
      expect(r.embedding).toEqual(e.embedding ?? []);
      expect(r.prediction_label).toBe(e.prediction.label);
      expect(r.confidence).toBe(e.prediction.confidence);
      expect(r.probability_values).toEqual(Object.values(e.prediction.probabilities));
      expect(r.prediction_score).toBe(e.prediction.score);
      expect(r.latency_ms).toBe(e.latencyMs);
      expect(r.status).toBe(e.status);
      expect(r.error_code).toBe(e.errorCode);
      expect(r.metadata_values).toEqual(Object.values(e.metadata));
    }

    // Both garbage records reached the DLQ with their reason and original bytes.
    const dead: Array<Record<string, unknown>> = [];
    const dc = k.consumer({ groupId: uniq('it-dlq-reader') });
    await dc.connect();
    await dc.subscribe({ topic: dlqTopic, fromBeginning: true });
    await dc.run({
      eachMessage: async ({ message }) => void dead.push(await codec.decode(message.value)),
    });
    await waitFor('2 dead letters', async () => dead.length >= 2);
    await dc.disconnect();
    const byKey = new Map(dead.map((d) => [Buffer.from(d.key as Buffer).toString(), d]));
    const junk = byKey.get('junk')!;
    expect(junk.reason).toBe('undecodable');
    expect(junk.detail).toMatch(/not Confluent wire format/);
    expect(Buffer.from(junk.originalBytes as Buffer).toString()).toBe('this is not avro');
    expect(junk.sourceTopic).toBe(topic);
    const junk2 = byKey.get('junk2')!;
    expect(junk2.reason).toBe('undecodable');
    expect(Buffer.compare(Buffer.from(junk2.originalBytes as Buffer), unknownId)).toBe(0);
    const metrics = await telemetry.registry.getSingleMetricAsString(
      'vigil_sink_decode_failures_total',
    );
    expect(metrics).toMatch(/ 2$/m);
  });

  it('the registry refuses an incompatible change to a subject and accepts a compatible one', async () => {
    const codec = new AvroCodec(cfg.registryUrl);
    const t = uniq('it-compat');
    const base = JSON.parse(readSchema('InferenceEvent')) as {
      fields: Array<Record<string, unknown>>;
    };
    await codec.register(t, JSON.stringify(base));
    const compatible = {
      ...base,
      fields: [...base.fields, { name: 'tenant', type: 'string', default: '' }],
    };
    await expect(codec.register(t, JSON.stringify(compatible))).resolves.toBeGreaterThan(0);
    const incompatible = {
      ...base,
      fields: [...base.fields, { name: 'requiredNew', type: 'string' }],
    };
    await expect(codec.register(t, JSON.stringify(incompatible))).rejects.toThrow(
      /registering .*-value .* failed/,
    );
  });

  it('services starting together can register the same new subject at once (Apicurio rule race)', async () => {
    // Seen in CI: two processes setting the level of a new subject at the same moment got
    // HTTP 409 "A rule named 'COMPATIBILITY' already exists" and one service died at start.
    // Without the retry on that 409, 11 of 150 registrations (15 subjects × 10 at once) failed.
    const schema = readSchema('DeadLetter');
    for (let i = 0; i < 5; i++) {
      const t = uniq(`it-race-${i}`);
      const ids = await Promise.all(
        Array.from({ length: 10 }, () => new AvroCodec(cfg.registryUrl).register(t, schema)),
      );
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toBeGreaterThan(0);
    }
  });
});
