/**
 * The guard service and the sink as real processes against the real stack (Kafka, registry,
 * ClickHouse 18.16):
 * - the guard is calibrated with `vigil guard calibrate`'s code path on deterministic benign
 *   reference traffic (tests/fixtures/guard/synthetic.ts) at a 0.1 % client false-positive target;
 * - benign traffic from 150 clients with one attacker client doing an iterative black-box walk
 *   (near-identical queries walking toward the decision boundary) is replayed through the SDK;
 * - the attacker's events show up as Score (EVENT) records in the scores topic and as
 *   QuarantineRecords in the quarantine topic (decoded through the registry), and in ClickHouse
 *   `guard_scores_final` / `quarantine_final`, exactly as the pure partition task predicts for the
 *   same events in the same order; benign clients are (almost) never flagged; per-window summaries
 *   reach `guard_window_summaries`;
 * - SIGKILL of the guard mid-stream with a bounded replay: no Score or QuarantineRecord is
 *   published twice, and the attacker is still caught after the restart.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGuardCalibrateCommand } from '../../services/cli/guard/calibrate-command.js';
import type { InferenceEvent } from '../../services/common/event.js';
import { AvroCodec } from '../../services/common/registry.js';
import type { GuardCalibration } from '../../services/guard/calibrate.js';
import { loadCalibration } from '../../services/guard/main.js';
import type { QuarantineRecord, ScoreRecord } from '../../services/guard/records.js';
import { GuardTask } from '../../services/guard/task.js';
import { attackEvents, benignEvents, mergeByTime, START_MS } from '../fixtures/guard/synthetic.js';
import {
  cfg,
  freshDatabase,
  isolatedTopicsEnv,
  kafka,
  publishEvents,
  queryRows,
  uniq,
  waitFor,
} from './harness.js';
import { ServiceProcess } from './services.js';

const ATTACKER = 'attacker-walk';
const WINDOW_MS = 60_000;

const procs: ServiceProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
let calFile: string;
let calibration: GuardCalibration;

afterAll(async () => {
  for (const p of procs) await p.stop();
  for (const c of cleanups) await c();
});

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-guard-it-'));
  const ref = join(dir, 'ref.jsonl');
  calFile = join(dir, 'calibration.json');
  const reference = benignEvents({
    clients: 300,
    minQueries: 20,
    maxQueries: 80,
    seed: 1,
    prefix: 'ref',
  });
  writeFileSync(ref, `${reference.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const quiet = { out: () => {}, err: () => {} };
  expect(
    await runGuardCalibrateCommand({ reference: ref, out: calFile, targetFpr: '0.001' }, quiet),
  ).toBe(0);
  calibration = loadCalibration(calFile);
}, 300_000);

/** ~6,700 events: 150 benign clients plus the attacker's 300-query boundary walk, one query a second. */
function traffic(seed: number, attackFromMinute: number): InferenceEvent[] {
  return mergeByTime(
    benignEvents({ clients: 150, minQueries: 20, maxQueries: 60, seed, prefix: `benign${seed}` }),
    attackEvents('walk', ATTACKER, 300, seed + 1, START_MS + attackFromMinute * 60_000, 1000),
  );
}

const SUMMARY = {
  windowMs: WINDOW_MS,
  graceMs: 10_000,
  idleMs: 3_000,
  maxClients: 10_000,
  maxModels: 100,
};

/** What a crash-free service publishes: the pure task over the same events in the same order. */
function expected(events: InferenceEvent[]): ScoreRecord[] {
  const out: ScoreRecord[] = [];
  let now = 0;
  const task = new GuardTask(
    {
      calibration,
      engine: { maxClients: 10_000, idleTimeoutMs: 3_600_000 },
      replayRecords: 20_000,
      summary: SUMMARY,
      scoresTopic: 's',
      quarantineTopic: 'q',
      encodeScore: (r) => {
        out.push(r);
        return Buffer.alloc(0);
      },
      encodeQuarantine: () => Buffer.alloc(0),
      clock: () => now,
    },
    0,
    null,
  );
  events.forEach((e, i) => task.onRecord(e, i, false));
  task.advance();
  now = SUMMARY.idleMs; // the stream goes quiet: the last windows close on the idle rule
  task.advance();
  return out;
}

async function makeTopics(prefix: string) {
  const topics = {
    inference: uniq(`${prefix}-in`),
    scores: uniq(`${prefix}-scores`),
    quarantine: uniq(`${prefix}-quar`),
    dlq: uniq(`${prefix}-dlq`),
    windowMetrics: uniq(`${prefix}-wm`),
    drift: uniq(`${prefix}-drift`),
  };
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: topics.inference, numPartitions: 3 },
      { topic: topics.scores, numPartitions: 3 },
      { topic: topics.quarantine, numPartitions: 3 },
      { topic: topics.dlq },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  return topics;
}

function envFor(
  topics: Awaited<ReturnType<typeof makeTopics>>,
  db: string,
  extra: Record<string, string> = {},
) {
  return {
    ...isolatedTopicsEnv('guard'),
    VIGIL_TOPIC_INFERENCE: topics.inference,
    VIGIL_TOPIC_SCORES: topics.scores,
    VIGIL_TOPIC_QUARANTINE: topics.quarantine,
    VIGIL_TOPIC_DLQ: topics.dlq,
    VIGIL_TOPIC_WINDOW_METRICS: topics.windowMetrics,
    VIGIL_TOPIC_DRIFT: topics.drift,
    VIGIL_CLICKHOUSE_DATABASE: db,
    VIGIL_GUARD_CALIBRATION: calFile,
    VIGIL_GUARD_GROUP: uniq('guard'),
    VIGIL_SINK_GROUP: uniq('guard-sink'),
    VIGIL_GUARD_SUMMARY_WINDOW_MS: String(SUMMARY.windowMs),
    VIGIL_GUARD_SUMMARY_GRACE_MS: String(SUMMARY.graceMs),
    VIGIL_GUARD_SUMMARY_IDLE_MS: String(SUMMARY.idleMs),
    VIGIL_GUARD_PORT: '0',
    VIGIL_SINK_PORT: '0',
    VIGIL_SINK_RAW_SAMPLE_RATE: '0',
    VIGIL_GUARD_SESSION_TIMEOUT_MS: '6000',
    VIGIL_SINK_SESSION_TIMEOUT_MS: '6000',
    ...extra,
  };
}

/** Decodes a topic through the registry until `done(records)` holds, then a little longer. */
async function readTopic<T>(topic: string, what: string, done: (rs: T[]) => boolean): Promise<T[]> {
  const codec = new AvroCodec(cfg.registryUrl);
  const out: T[] = [];
  const c = kafka().consumer({ groupId: uniq('guard-reader') });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({
    eachMessage: async ({ message }) => void out.push(await codec.decode<T>(message.value)),
  });
  try {
    await waitFor(what, async () => done(out), 180_000, 500);
    await new Promise((r) => setTimeout(r, 2000));
  } finally {
    await c.disconnect();
  }
  return out;
}

/** The last summary window is on the topic: every event was processed. */
const lastWindowIn = (events: InferenceEvent[]) => {
  const last = Math.floor(events[events.length - 1]!.timestamp / WINDOW_MS) * WINDOW_MS;
  return (rs: ScoreRecord[]) => rs.some((r) => r.kind === 'MODEL_WINDOW' && r.timestamp === last);
};

const ids = (rs: Array<{ eventId: string }>) => rs.map((r) => r.eventId).sort();

describe('guard service + sink against the real stack', () => {
  it('an attacker in replayed traffic produces guard scores and quarantine records, on the topics and in ClickHouse; benign clients are not flagged', async () => {
    const { db, ch } = await freshDatabase('it_guard');
    cleanups.push(async () => {
      await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => {});
      await ch.close();
    });
    const topics = await makeTopics('guard');
    const env = envFor(topics, db);
    const guard = new ServiceProcess('guard', env, `${db}-guard`);
    const sink = new ServiceProcess('sink', env, `${db}-sink`);
    procs.push(guard, sink);
    guard.start();
    sink.start();
    await guard.waitForLog(/guard running/);

    const events = traffic(21, 2);
    const want = expected(events);
    const wantEvents = want.filter((r) => r.kind === 'EVENT');
    const wantAttacker = wantEvents.filter((r) => r.clientId === ATTACKER);
    expect(wantAttacker.length).toBeGreaterThan(250); // the pure core catches the walk early

    await publishEvents(topics.inference, events);

    // The scores topic: exactly what the pure task publishes for these events, in the same order.
    const scores = await readTopic<ScoreRecord>(
      topics.scores,
      'the last summary window',
      lastWindowIn(events),
    );
    const gotEvents = scores.filter((r) => r.kind === 'EVENT');
    expect(ids(gotEvents)).toEqual(ids(wantEvents));
    expect(
      scores
        .filter((r) => r.kind !== 'EVENT')
        .map((r) => r.eventId)
        .sort(),
    ).toEqual(
      want
        .filter((r) => r.kind !== 'EVENT')
        .map((r) => r.eventId)
        .sort(),
    );
    const attacker = gotEvents.filter((r) => r.clientId === ATTACKER);
    expect(attacker.filter((r) => r.clientFlagged).length).toBeGreaterThan(250);
    const flaggedAt = attacker.find((r) => r.clientFlagged)!;
    expect(flaggedAt.rules).toContain('stateful');
    expect(flaggedAt.reasons.some((x) => x.includes('similar-query attack'))).toBe(true);
    // Benign clients: at most 1 of 150 suspicious (calibrated for 0.1 %).
    const benignSuspicious = new Set(
      gotEvents.filter((r) => r.clientId !== ATTACKER && r.clientFlagged).map((r) => r.clientId),
    );
    expect(benignSuspicious.size).toBeLessThanOrEqual(1);
    // Summaries: per model version and per client, with the attacker's flag rate.
    const attackerWindows = scores.filter(
      (r) => r.kind === 'CLIENT_WINDOW' && r.clientId === ATTACKER,
    );
    expect(attackerWindows.length).toBeGreaterThanOrEqual(5);
    expect(attackerWindows.some((r) => r.clientFlagged && r.window!.events >= 50)).toBe(true);
    const modelWindows = scores.filter((r) => r.kind === 'MODEL_WINDOW');
    expect(modelWindows.reduce((s, r) => s + r.window!.events, 0)).toBe(events.length);

    // The quarantine topic: the same events, with their full inputs.
    const quarantine = await readTopic<QuarantineRecord>(
      topics.quarantine,
      'quarantine records',
      (rs) => rs.length >= wantEvents.length,
    );
    expect(ids(quarantine)).toEqual(ids(wantEvents));
    const byId = new Map(events.map((e) => [e.eventId, e]));
    for (const q of quarantine.filter((x) => x.clientId === ATTACKER).slice(0, 20)) {
      const src = byId.get(q.eventId)!;
      expect(q.features).toEqual(src.features);
      expect(q.prediction).toEqual(src.prediction);
      expect(q.timestamp).toBe(src.timestamp);
    }

    // ClickHouse, through the sink.
    await waitFor(
      'quarantine rows',
      async () => {
        const [r] = await queryRows<{ c: string }>(
          ch,
          `SELECT count() AS c FROM ${db}.quarantine_final`,
        );
        return Number(r!.c) >= wantEvents.length;
      },
      120_000,
      500,
    );
    await waitFor(
      'guard_scores rows',
      async () => {
        const [r] = await queryRows<{ c: string }>(
          ch,
          `SELECT count() AS c FROM ${db}.guard_scores_final`,
        );
        return Number(r!.c) >= want.length;
      },
      120_000,
      500,
    );
    const qRows = await queryRows<{
      client_id: string;
      n: string;
      suspicious: string;
      features: string;
    }>(
      ch,
      `SELECT client_id, count() AS n, sum(client_flagged) AS suspicious, max(length(feature_names)) AS features
       FROM ${db}.quarantine_final GROUP BY client_id ORDER BY n DESC`,
    );
    expect(qRows[0]).toMatchObject({
      client_id: ATTACKER,
      n: String(wantAttacker.length),
      features: '8',
    });
    expect(qRows.reduce((s, r) => s + Number(r.n), 0)).toBe(wantEvents.length);
    const sRows = await queryRows<{ kind: string; n: string }>(
      ch,
      `SELECT kind, count() AS n FROM ${db}.guard_scores_final WHERE client_id = '${ATTACKER}' GROUP BY kind ORDER BY kind`,
    );
    expect(sRows).toEqual([
      { kind: 'CLIENT_WINDOW', n: String(attackerWindows.length) },
      { kind: 'EVENT', n: String(attacker.length) },
    ]);
    const [summary] = await queryRows<{ windows: string; events: string }>(
      ch,
      `SELECT count() AS windows, sum(events) AS events FROM ${db}.guard_window_summaries WHERE kind = 'MODEL_WINDOW'`,
    );
    expect(summary).toEqual({
      windows: String(modelWindows.length),
      events: String(events.length),
    });
  });

  it('crash: the guard SIGKILLed mid-stream restarts from a bounded replay; no Score or QuarantineRecord is published twice', async () => {
    const { db, ch } = await freshDatabase('it_guardcrash');
    cleanups.push(async () => {
      await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => {});
      await ch.close();
    });
    const topics = await makeTopics('guardc');
    const REPLAY = 1500;
    const env = envFor(topics, db, { VIGIL_GUARD_REPLAY_RECORDS: String(REPLAY) });
    const guard = new ServiceProcess('guard', env, `${db}-guard`);
    procs.push(guard);
    guard.start();
    await guard.waitForLog(/guard running/);
    // The attack runs from offset ~2,800 to ~4,400: across the crash.
    const events = traffic(41, 10);
    const want = expected(events).filter((r) => r.kind === 'EVENT');

    // Paced (~400 events/s, ~15 s) so that the crash lands mid-stream.
    const producing = publishEvents(topics.inference, events, 400);
    await guard.waitForLog(/partition task opened/);
    await new Promise((r) => setTimeout(r, 9000));
    await guard.crash();
    guard.start();
    await guard.waitForLog(/partition task opened/);
    await producing;

    const scores = await readTopic<ScoreRecord>(
      topics.scores,
      'the last summary window',
      lastWindowIn(events),
    );
    const quarantine = await readTopic<QuarantineRecord>(
      topics.quarantine,
      'quarantine records',
      (rs) => rs.length > 0,
    );
    // The restart resumed below what the first life had processed: a real replay, bounded.
    const opened = guard.log
      .split('\n')
      .filter((l) => l.includes('partition task opened'))
      .map((l) => JSON.parse(l) as { committed: number; replayBelow: number });
    const resumed = opened.find((o) => o.replayBelow > 0);
    expect(resumed, guard.log).toBeDefined();
    expect(resumed!.committed).toBeLessThan(resumed!.replayBelow);
    expect(resumed!.committed).toBeGreaterThanOrEqual(0);
    expect(resumed!.replayBelow).toBeLessThan(events.length); // the crash was mid-stream
    // Nothing twice.
    const q = ids(quarantine);
    expect(new Set(q).size).toBe(q.length);
    const ev = ids(scores.filter((r) => r.kind === 'EVENT'));
    expect(new Set(ev).size).toBe(ev.length);
    expect(q).toEqual(ev);
    const windows = scores.filter((r) => r.kind !== 'EVENT').map((r) => r.eventId);
    expect(new Set(windows).size).toBe(windows.length);
    // Every event counted once in the summaries, across the crash.
    expect(
      scores.filter((r) => r.kind === 'MODEL_WINDOW').reduce((s, r) => s + r.window!.events, 0),
    ).toBe(events.length);
    // The attacker is caught before and after the crash; with 1,500 replayed records its state is rebuilt.
    const wantAttacker = new Set(ids(want.filter((r) => r.clientId === ATTACKER)));
    const gotAttacker = q.filter((id) => id.startsWith(`${ATTACKER}-`));
    expect(gotAttacker.filter((id) => wantAttacker.has(id)).length).toBeGreaterThanOrEqual(
      wantAttacker.size * 0.95,
    );
    // Only records before the last commit were replayed; everything published is what a crash-free
    // run publishes, up to the clients whose history is older than the replay.
    const wantIds = new Set(ids(want));
    expect(q.filter((id) => !wantIds.has(id)).length).toBeLessThanOrEqual(5);
  }, 300_000);
});
