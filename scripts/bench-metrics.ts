/**
 * Benchmark of the metrics service (figures only, not a test). Fills a topic with N simulated
 * events (default 1,000,000, 20 features each), then measures on the same topic, in one run:
 *   (a) the raw kafkajs consume rate, no processing (and with Avro decoding, for reference);
 *   (b) the metrics service (a real `vigil run metrics` process, fresh group) processing rate,
 *       read from its own /metrics counter, and its peak RSS (VmHWM).
 *
 *   npm run bench:metrics [-- --events 1000000 --partitions 3]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCommonConfig } from '../services/common/config.js';
import { createKafka } from '../services/common/kafka.js';
import { createLogger } from '../services/common/log.js';
import { AvroCodec, readSchema } from '../services/common/registry.js';
import { validateEvent } from '../services/common/validate.js';
import { simulate } from './simulate.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '3' },
    port: { type: 'string', default: '9474' },
  },
});
const N = Number(values.events);
const partitions = Number(values.partitions);
const cfg = loadCommonConfig();
const log = createLogger('bench', 'error');
const kafka = createKafka({ brokers: cfg.kafkaBrokers, clientId: 'bench-metrics', logger: log });
const stamp = Date.now().toString(36);
const topic = `bench-metrics-in-${stamp}`;
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

// Fill: pre-encoded Confluent Avro, key = modelId, as the SDK would write it.
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
await admin.disconnect();
const codec = new AvroCodec(cfg.registryUrl);
const enc = await codec.encoderFor(await codec.register(topic, readSchema('InferenceEvent')));
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
let batch: Array<{ key: string; value: Buffer }> = [];
const tFill = performance.now();
for (const raw of simulate({
  events: N,
  features: 20,
  models: 4,
  clients: 1000,
  startMs: Date.UTC(2026, 10, 26),
  qps: 1000,
  errorRate: 0.01,
  seed: 7,
})) {
  const e = validateEvent(raw);
  batch.push({ key: e.modelId, value: enc(e) });
  if (batch.length === 1000) {
    await producer.send({ topic, messages: batch });
    batch = [];
  }
}
if (batch.length) await producer.send({ topic, messages: batch });
await producer.disconnect();
console.error(
  `filled ${topic} with ${fmt(N)} events in ${((performance.now() - tFill) / 1000).toFixed(1)} s`,
);

async function consumeAll(decode: boolean): Promise<number> {
  const consumer = kafka.consumer({
    groupId: `bench-raw-${decode}-${stamp}`,
    maxBytesPerPartition: 4 << 20,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let n = 0;
  let t0 = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: partitions,
      eachBatch: async ({ batch: b }) => {
        if (t0 === 0) t0 = performance.now();
        if (decode) for (const m of b.messages) await codec.decode(m.value);
        n += b.messages.length;
        if (n >= N) resolve((performance.now() - t0) / 1000);
      },
    });
  });
  const secs = await done;
  await consumer.disconnect();
  return N / secs;
}

const rawRate = await consumeAll(false);
const decodeRate = await consumeAll(true);

// The real service, as deployed: its own process, its own group.
const port = Number(values.port);
const proc = spawn(
  process.execPath,
  [join(import.meta.dirname, '..', 'bin/vigil.js'), 'run', 'metrics'],
  {
    env: {
      ...process.env,
      VIGIL_TOPIC_INFERENCE: topic,
      VIGIL_TOPIC_WINDOW_METRICS: `bench-metrics-out-${stamp}`,
      VIGIL_TOPIC_DLQ: `bench-metrics-dlq-${stamp}`,
      VIGIL_METRICS_GROUP: `bench-metrics-${stamp}`,
      VIGIL_METRICS_PORT: String(port),
      VIGIL_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
async function recordsIn(): Promise<number> {
  try {
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = /^vigil_records_in_total\{[^}]*\} (\d+)/m.exec(body);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
let start = 0;
for (;;) {
  const n = await recordsIn();
  if (n > 0 && start === 0) start = performance.now();
  if (n >= N) break;
  await new Promise((r) => setTimeout(r, 100));
}
const svcSecs = (performance.now() - start) / 1000;
const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
proc.kill('SIGTERM');
const svcRate = N / svcSecs;

console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; topic ${partitions} partitions, ${fmt(N)} events x 20 features`,
);
console.log(`(a) raw kafkajs consume, no processing : ${fmt(rawRate)} events/s`);
console.log(`    kafkajs consume + Avro decode       : ${fmt(decodeRate)} events/s`);
console.log(
  `(b) metrics service (decode, validate, window, transactions): ${fmt(svcRate)} events/s (first record to last, ${svcSecs.toFixed(1)} s)`,
);
console.log(`ratio service / raw consume: ${(svcRate / rawRate).toFixed(3)}`);
console.log(`metrics service peak RSS: ${(hwmKb / 1024).toFixed(0)} MiB`);
process.exit(0);
