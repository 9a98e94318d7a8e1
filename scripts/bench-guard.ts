/**
 * Benchmark of the guard service (figures only, not a test), in two parts:
 *
 * (1) throughput: fills a topic with N synthetic events (default 200,000: 4 models × benign clients
 *     of tests/fixtures/guard/synthetic.ts plus 4 boundary-walk attackers, pre-encoded Avro keyed by
 *     modelId as the SDK writes them), then runs the real guard service (its own process, fresh
 *     group) over it and reads its events/s from its own /metrics counter, with its peak RSS and
 *     what it published;
 * (2) memory under a cardinality attack: 1,000,000 distinct client ids each sending one query
 *     through a GuardEngine in-process (the service's per-partition engine, default cap of 10,000
 *     client states), in a child process with --expose-gc; RSS and heap used are printed every
 *     100,000 clients (after a GC), with the states held and the evictions;
 * (3) the same flood through the service: a topic of 1,000,000 events from distinct client ids,
 *     the service's RSS, heap used, client states and evictions read from its /metrics every
 *     100,000 events (no forced GC there).
 *
 *   npm run bench:guard [-- --events 200000 --partitions 3 --clients 1000000 --max-clients 10000]
 *   npm run bench:guard -- --part service|memory|flood      (one part only)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCommonConfig } from '../services/common/config.js';
import type { InferenceEvent } from '../services/common/event.js';
import { createKafka } from '../services/common/kafka.js';
import { createLogger } from '../services/common/log.js';
import { AvroCodec, readSchema } from '../services/common/registry.js';
import { calibrateGuard, type GuardCalibration } from '../services/guard/calibrate.js';
import { parseGuardCalibration } from '../services/guard/calibration-json.js';
import { GuardEngine } from '../services/guard/engine.js';
import { gaussian, mulberry32 } from '../services/guard/prng.js';
import {
  attackEvents,
  benignEvents,
  makeEvent,
  mergeByTime,
  naturalZ,
  START_MS,
} from '../tests/fixtures/guard/synthetic.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    partitions: { type: 'string', default: '3' },
    clients: { type: 'string', default: '1000000' },
    'max-clients': { type: 'string', default: '10000' },
    port: { type: 'string', default: '9476' },
    part: { type: 'string', default: 'all' },
    calibration: { type: 'string' },
  },
});
const ROOT = join(import.meta.dirname, '..');
const MODELS = ['fraud-a', 'fraud-b', 'fraud-c', 'fraud-d'];
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
const mib = (b: number): string => (b / 2 ** 20).toFixed(0);

function calibrateAll(): GuardCalibration {
  const reference = MODELS.flatMap((m, i) =>
    benignEvents({
      clients: 150,
      minQueries: 20,
      maxQueries: 80,
      seed: 100 + i,
      prefix: `ref-${m}`,
    }).map((e) => ({ ...e, modelId: m })),
  );
  return calibrateGuard(reference, { targetFpr: 0.001 });
}

/** Part 2, in its own process (--expose-gc): one engine, `clients` distinct ids, one query each. */
function memoryPart(cal: GuardCalibration): void {
  const clients = Number(values.clients);
  const maxClients = Number(values['max-clients']);
  const gc = (globalThis as { gc?: () => void }).gc;
  const engine = new GuardEngine(cal.profile, cal.thresholds, {
    maxClients,
    idleTimeoutMs: 3_600_000,
  });
  const norm = gaussian(mulberry32(9));
  const sample = (n: number, secs: number) => {
    gc?.();
    const m = process.memoryUsage();
    const s = engine.stats();
    console.log(
      `${fmt(n).padStart(9)} clients | RSS ${mib(m.rss).padStart(4)} MiB | heap used ${mib(m.heapUsed).padStart(4)} MiB | states ${fmt(s.clients).padStart(6)} (${mib(s.stateBytes)} MiB of buffers) | evicted ${fmt(s.evictedLru).padStart(9)} | ${fmt(n / secs)} events/s`,
    );
  };
  console.log(
    `(2) memory: ${fmt(clients)} distinct client ids x 1 query, one GuardEngine, maxClients ${fmt(maxClients)}${gc ? ', after a GC' : ' (no --expose-gc)'}`,
  );
  sample(0, 1);
  const t0 = performance.now();
  for (let i = 1; i <= clients; i++) {
    const m = MODELS[i % MODELS.length]!;
    engine.score(makeEvent(`flood-${i}`, `flood-client-${i}`, START_MS + i * 5, naturalZ(norm), m));
    if (i % 100_000 === 0) sample(i, (performance.now() - t0) / 1000);
  }
}

const cfg = loadCommonConfig();
const kafka = createKafka({
  brokers: cfg.kafkaBrokers,
  clientId: 'bench-guard',
  logger: createLogger('bench', 'error'),
});

/** Creates `topic` and fills it with pre-encoded events keyed by modelId, as the SDK writes them. */
async function fill(topic: string, batches: Iterable<InferenceEvent[]>): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: Number(values.partitions) }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const codec = new AvroCodec(cfg.registryUrl);
  const enc = await codec.encoderFor(await codec.register(topic, readSchema('InferenceEvent')));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t = performance.now();
  let n = 0;
  for (const batch of batches) {
    await producer.send({ topic, messages: batch.map((e) => ({ key: e.modelId, value: enc(e) })) });
    n += batch.length;
  }
  await producer.disconnect();
  console.error(
    `filled ${topic} with ${fmt(n)} events in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return n;
}

interface Figures {
  recordsIn: number;
  published: number;
  clientsFlagged: number;
  tracked: number;
  evicted: number;
  rss: number;
  heapUsed: number;
}

/** The real guard service over `topic`: its own process and group; the direct entry of `vigil run guard`. */
function startService(topic: string, calFile: string, port: number) {
  const stamp = Date.now().toString(36);
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services/guard/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      VIGIL_TOPIC_INFERENCE: topic,
      VIGIL_TOPIC_SCORES: `bench-guard-scores-${stamp}`,
      VIGIL_TOPIC_QUARANTINE: `bench-guard-quarantine-${stamp}`,
      VIGIL_TOPIC_DLQ: `bench-guard-dlq-${stamp}`,
      VIGIL_GUARD_GROUP: `bench-guard-${stamp}`,
      VIGIL_GUARD_PORT: String(port),
      VIGIL_GUARD_CALIBRATION: calFile,
      VIGIL_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const scrape = async (): Promise<Figures> => {
    try {
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const sum = (name: string): number => {
        let total = 0;
        for (const m of body.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm')))
          total += Number(m[1]);
        return total;
      };
      return {
        recordsIn: sum('vigil_records_in_total'),
        published: sum('vigil_guard_events_published_total'),
        clientsFlagged: sum('vigil_guard_clients_flagged_total'),
        tracked: sum('vigil_guard_tracked_clients'),
        evicted: sum('vigil_guard_client_evictions_total'),
        rss: sum('process_resident_memory_bytes'),
        heapUsed: sum('nodejs_heap_size_used_bytes'),
      };
    } catch {
      return {
        recordsIn: 0,
        published: 0,
        clientsFlagged: 0,
        tracked: 0,
        evicted: 0,
        rss: 0,
        heapUsed: 0,
      };
    }
  };
  const peakRssMiB = (): number =>
    Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? 0) /
    1024;
  return { proc, scrape, peakRssMiB };
}

async function servicePart(calFile: string): Promise<void> {
  const N = Number(values.events);
  // Traffic: per model, benign clients (25–75 queries each) and one boundary-walk attacker.
  const perModel = Math.ceil(N / MODELS.length);
  const lists = MODELS.map((m, i) => {
    const benign = benignEvents({
      clients: Math.ceil((perModel - 1000) / 50),
      minQueries: 25,
      maxQueries: 75,
      seed: 200 + i,
      prefix: `b-${m}`,
    });
    const attack = attackEvents('walk', `attacker-${m}`, 1000, 300 + i, START_MS + 600_000, 1000);
    return [...benign, ...attack].map((e): InferenceEvent => ({ ...e, modelId: m }));
  });
  const events = mergeByTime(...lists).slice(0, N);
  const clients = new Set(events.map((e) => e.clientId)).size;
  const topic = `bench-guard-in-${Date.now().toString(36)}`;
  await fill(
    topic,
    (function* () {
      for (let i = 0; i < events.length; i += 1000) yield events.slice(i, i + 1000);
    })(),
  );
  const svc = startService(topic, calFile, Number(values.port));
  let start = 0;
  for (;;) {
    const f = await svc.scrape();
    if (f.recordsIn > 0 && start === 0) start = performance.now();
    if (f.recordsIn >= events.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const secs = (performance.now() - start) / 1000;
  const peak = svc.peakRssMiB();
  await new Promise((r) => setTimeout(r, 1500));
  const last = await svc.scrape();
  svc.proc.kill('SIGTERM');
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  console.log(
    `(1) ${fmt(events.length)} events (${MODELS.length} models, ${fmt(clients)} clients, 8 features), topic of ${values.partitions} partitions, one service instance`,
  );
  console.log(
    `    guard service (decode, validate, score, summaries, transactions): ${fmt(events.length / secs)} events/s (first record to last, ${secs.toFixed(1)} s), peak RSS ${peak.toFixed(0)} MiB`,
  );
  console.log(
    `    published ${fmt(last.published)} events (Score + QuarantineRecord each), ${fmt(last.clientsFlagged)} clients flagged, ${fmt(last.tracked)} client states held`,
  );
}

/** Part 3: the flood through the service: `clients` distinct ids, one query each. */
async function floodServicePart(calFile: string): Promise<void> {
  const clients = Number(values.clients);
  const norm = gaussian(mulberry32(19));
  const topic = `bench-guard-flood-${Date.now().toString(36)}`;
  await fill(
    topic,
    (function* () {
      for (let i = 0; i < clients; i += 1000) {
        const batch: InferenceEvent[] = [];
        for (let j = i; j < Math.min(clients, i + 1000); j++)
          batch.push(
            makeEvent(
              `fl-${j}`,
              `flood-client-${j}`,
              START_MS + j * 5,
              naturalZ(norm),
              MODELS[j % MODELS.length],
            ),
          );
        yield batch;
      }
    })(),
  );
  const svc = startService(topic, calFile, Number(values.port) + 1);
  console.log(
    `(3) memory through the service: ${fmt(clients)} distinct client ids x 1 query, default VIGIL_GUARD_MAX_CLIENTS (10,000 per partition), sampled from its /metrics (no forced GC)`,
  );
  let next = 100_000;
  const t0 = performance.now();
  for (;;) {
    const f = await svc.scrape();
    if (f.recordsIn >= next || f.recordsIn >= clients) {
      console.log(
        `${fmt(f.recordsIn).padStart(9)} events | RSS ${mib(f.rss).padStart(4)} MiB | heap used ${mib(f.heapUsed).padStart(4)} MiB | states ${fmt(f.tracked).padStart(6)} | evicted ${fmt(f.evicted).padStart(9)} | ${fmt(f.recordsIn / ((performance.now() - t0) / 1000))} events/s`,
      );
      while (next <= f.recordsIn) next += 100_000;
    }
    if (f.recordsIn >= clients) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`    peak RSS ${svc.peakRssMiB().toFixed(0)} MiB`);
  svc.proc.kill('SIGTERM');
}

const self = fileURLToPath(import.meta.url);
if (values.part === 'memory') {
  const cal = values.calibration
    ? parseGuardCalibration(JSON.parse(readFileSync(values.calibration, 'utf8')))
    : calibrateAll();
  memoryPart(cal);
} else {
  const t = performance.now();
  const cal = calibrateAll();
  const calFile = join(mkdtempSync(join(tmpdir(), 'vigil-bench-guard-')), 'calibration.json');
  writeFileSync(calFile, JSON.stringify(cal));
  console.error(
    `calibrated ${MODELS.length} models in ${((performance.now() - t) / 1000).toFixed(1)} s -> ${calFile}`,
  );
  if (values.part === 'all' || values.part === 'service') await servicePart(calFile);
  if (values.part === 'all' || values.part === 'flood') await floodServicePart(calFile);
  if (values.part === 'all') {
    const args = [
      '--expose-gc',
      '--import',
      'tsx',
      self,
      '--part',
      'memory',
      '--calibration',
      calFile,
    ];
    args.push('--clients', values.clients!, '--max-clients', values['max-clients']!);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`memory part exited ${code}`)),
      );
    });
  }
}
process.exit(0);
