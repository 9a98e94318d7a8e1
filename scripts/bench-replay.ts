/**
 * Benchmark: `vigil replay` of an N-event JSONL file (default 100,000) against the raw kafkajs
 * produce rate of the same events (pre-encoded, same batch size and producer settings), in one
 * run on the same stack. Prints both rates and their ratio. Not a test: figures only.
 *
 *   npm run bench:replay [-- --events 100000]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCommonConfig } from '../services/common/config.js';
import { validateEvent } from '../services/common/validate.js';
import { createKafka } from '../services/common/kafka.js';
import { createLogger } from '../services/common/log.js';
import { AvroCodec, readSchema } from '../services/common/registry.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
  },
});
const n = Number(values.events);
const batch = Number(values.batch);
const root = join(import.meta.dirname, '..');
const dir = join(root, '.vigil', 'bench');
mkdirSync(dir, { recursive: true });
const file = join(dir, `events-${n}.jsonl`);
if (!existsSync(file))
  execFileSync('npx', ['tsx', 'scripts/simulate.ts', '--events', String(n), '--out', file], {
    cwd: root,
    stdio: 'inherit',
  });
const cfg = loadCommonConfig();
const stamp = Date.now().toString(36);

// (a) the CLI, as a user runs it (its progress bar shows on stderr).
const topicA = `bench-replay-cli-${stamp}`;
const r = spawnSync(
  process.execPath,
  [
    join(root, 'bin/vigil.js'),
    'replay',
    '--file',
    file,
    '--topic',
    topicA,
    '--batch-size',
    String(batch),
    '--json',
  ],
  {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  },
);
if (r.status !== 0) throw new Error(`vigil replay failed (${r.status})`);
const cli = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
  sent: number;
  seconds: number;
  eventsPerSecond: number;
};

// (b) raw kafkajs: the same events, encoded beforehand, sent in batches of the same size.
const codec = new AvroCodec(cfg.registryUrl);
const topicB = `bench-replay-raw-${stamp}`;
const id = await codec.register(topicB, readSchema('InferenceEvent'));
const enc = await codec.encoderFor(id);
const messages = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => {
    const e = validateEvent(JSON.parse(l));
    return { key: e.modelId, value: enc(e) };
  });
const kafka = createKafka({
  brokers: cfg.kafkaBrokers,
  clientId: 'bench',
  logger: createLogger('bench', 'error'),
});
const producer = kafka.producer({
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: true,
});
await producer.connect();
await producer.send({ topic: topicB, messages: messages.slice(0, 1) }); // topic creation outside the timing
const t0 = performance.now();
for (let i = 1; i < messages.length; i += batch)
  await producer.send({ topic: topicB, messages: messages.slice(i, i + batch) });
const rawSecs = (performance.now() - t0) / 1000;
await producer.disconnect();
const raw = (messages.length - 1) / rawSecs;

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
);
console.log(
  `vigil replay : ${fmt(cli.sent)} events in ${cli.seconds.toFixed(2)} s = ${fmt(cli.eventsPerSecond)} events/s (parse + validate + Avro encode + produce)`,
);
console.log(
  `raw kafkajs  : ${fmt(messages.length - 1)} events in ${rawSecs.toFixed(2)} s = ${fmt(raw)} events/s (pre-encoded, produce only)`,
);
console.log(`ratio replay/raw: ${(cli.eventsPerSecond / raw).toFixed(2)}`);
