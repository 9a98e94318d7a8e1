/** The guard service's partition task: outputs, bounded replay, safe offsets, window summaries. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InferenceEvent } from '../../../services/common/event.js';
import type { OutputRecord } from '../../../services/common/transactional-runner.js';
import type { QuarantineRecord, ScoreRecord } from '../../../services/guard/records.js';
import {
  GuardTask,
  GuardTaskFactory,
  type GuardTaskObserver,
  type GuardTaskOptions,
} from '../../../services/guard/task.js';
import {
  attackEvents,
  benignEvents,
  makeEvent,
  mergeByTime,
  START_MS,
} from '../../fixtures/guard/synthetic.js';
import { calibrated } from '../guard/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const schema = (name: string) =>
  avro.Type.forSchema(
    JSON.parse(readFileSync(join(ROOT, 'schemas', `${name}.avsc`), 'utf8')) as avro.Schema,
  );
const scoreType = schema('Score');
const quarantineType = schema('QuarantineRecord');

const WINDOW = 60_000;

function options(over: Partial<GuardTaskOptions> = {}): GuardTaskOptions {
  return {
    calibration: calibrated(0.001),
    engine: { maxClients: 10_000, idleTimeoutMs: 3_600_000 },
    replayRecords: 20_000,
    summary: {
      windowMs: WINDOW,
      graceMs: 5_000,
      idleMs: 3_600_000,
      maxClients: 1000,
      maxModels: 10,
    },
    scoresTopic: 'scores',
    quarantineTopic: 'quarantine',
    // Through the real schemas: whatever the task emits must encode.
    encodeScore: (r) => scoreType.toBuffer(r),
    encodeQuarantine: (r) => quarantineType.toBuffer(r),
    clock: () => 0,
    ...over,
  };
}

interface Decoded {
  scores: ScoreRecord[];
  quarantine: QuarantineRecord[];
}

function decode(out: OutputRecord[]): Decoded {
  return {
    scores: out
      .filter((o) => o.topic === 'scores')
      .map((o) => scoreType.fromBuffer(o.value) as ScoreRecord),
    quarantine: out
      .filter((o) => o.topic === 'quarantine')
      .map((o) => quarantineType.fromBuffer(o.value) as QuarantineRecord),
  };
}

/** Feeds events[from..to) at offsets = index, in batches, calling advance() after each, as the runner does. */
function run(
  task: GuardTask,
  events: readonly unknown[],
  from = 0,
  to = events.length,
  replayBelow = -1,
  batch = 200,
): OutputRecord[] {
  const out: OutputRecord[] = [];
  for (let i = from; i < to; i += batch) {
    for (let j = i; j < Math.min(to, i + batch); j++) task.onRecord(events[j], j, j < replayBelow);
    out.push(...task.advance());
  }
  return out;
}

let traffic: InferenceEvent[];
const ATTACKER = 'attacker-walk';

beforeAll(() => {
  calibrated(0.001);
  traffic = mergeByTime(
    benignEvents({ clients: 120, minQueries: 20, maxQueries: 60, seed: 11, prefix: 'benign' }),
    attackEvents('walk', ATTACKER, 300, 5, START_MS + 120_000, 1000),
  );
}, 180_000);

describe('GuardTask', () => {
  it('publishes a Score (EVENT) and a QuarantineRecord for each flagged event or event of a suspicious client, keyed by model', () => {
    const task = new GuardTask(options(), 0, null);
    const out = run(task, traffic);
    const { scores, quarantine } = decode(out);
    const events = scores.filter((s) => s.kind === 'EVENT');
    expect(events.length).toBeGreaterThan(0);
    expect(quarantine.map((q) => q.eventId)).toEqual(events.map((s) => s.eventId));
    expect(out.every((o) => o.key === 'fraud')).toBe(true);
    // The attacker is caught and quarantined with its full input.
    const attack = quarantine.filter((q) => q.clientId === ATTACKER);
    expect(attack.length).toBeGreaterThan(200);
    const first = attack[0]!;
    const src = traffic.find((e) => e.eventId === first.eventId)!;
    expect(first.features).toEqual(src.features);
    expect(first.prediction).toEqual(src.prediction);
    expect(first.sourceOffset).toBe(traffic.indexOf(src));
    expect(first.sourcePartition).toBe(0);
    const suspicious = attack.filter((q) => q.clientFlagged);
    expect(suspicious.length).toBeGreaterThan(200);
    expect(suspicious[0]!.rules).toContain('stateful');
    expect(suspicious[0]!.suspiciousSinceEventId).not.toBeNull();
    // Every published event is flagged or from a suspicious client; benign clients mostly clean.
    expect(events.every((s) => s.flagged || s.clientFlagged)).toBe(true);
    const benignFlagged = new Set(
      events.filter((s) => s.clientId !== ATTACKER && s.clientFlagged).map((s) => s.clientId),
    );
    expect(benignFlagged.size).toBeLessThanOrEqual(1);
    const ev = events.find((s) => s.clientId === ATTACKER && s.clientFlagged)!;
    expect(ev.scores).not.toBeNull();
    expect(ev.window).toBeNull();
    expect(ev.reasons.some((r) => r.includes('client suspicious since event'))).toBe(true);
  });

  it('window summaries: flag rate per model version and per notable client, once per window', () => {
    const task = new GuardTask(options(), 0, null);
    const { scores } = decode(run(task, traffic));
    const models = scores.filter((s) => s.kind === 'MODEL_WINDOW');
    const clients = scores.filter((s) => s.kind === 'CLIENT_WINDOW');
    // Every window up to the last closed one, once; they add up to the scored events.
    const starts = models.map((m) => m.timestamp);
    expect(new Set(starts).size).toBe(starts.length);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const lastClosed = starts[starts.length - 1]!;
    const inClosed = traffic.filter((e) => e.timestamp < lastClosed + WINDOW);
    expect(models.reduce((s, m) => s + m.window!.events, 0)).toBe(inClosed.length);
    for (const m of models) {
      const w = m.window!;
      expect(m.eventId).toBe(`MODEL_WINDOW:${m.timestamp}:${JSON.stringify(['fraud', 'v1', ''])}`);
      expect(w.windowEnd - w.windowStart).toBe(WINDOW);
      expect(w.flagRate).toBeCloseTo(w.events ? w.flaggedEvents / w.events : 0, 12);
      const mine = clients.filter((c) => c.timestamp === m.timestamp);
      expect(w.flaggedClients).toBe(mine.filter((c) => c.flagged).length);
      expect(w.suspiciousClients).toBe(mine.filter((c) => c.clientFlagged).length);
      expect(w.untrackedEvents).toBe(0);
    }
    // The attacker has a CLIENT_WINDOW per window it was active and suspicious in, with its counts.
    const att = clients.filter((c) => c.clientId === ATTACKER);
    expect(att.length).toBeGreaterThanOrEqual(3);
    for (const c of att) {
      const n = traffic.filter(
        (e) =>
          e.clientId === ATTACKER &&
          e.timestamp >= c.timestamp &&
          e.timestamp < c.timestamp + WINDOW,
      ).length;
      expect(c.window!.events).toBe(n);
      expect(c.window!.suspiciousClients).toBe(c.clientFlagged ? 1 : 0);
    }
    expect(att.some((c) => c.clientFlagged && c.rules.includes('stateful'))).toBe(true);
  });

  it('replay after a crash: rebuilds state, publishes nothing twice, loses nothing', () => {
    const straight = decode(run(new GuardTask(options(), 0, null), traffic));
    const eventIds = (d: Decoded) =>
      d.scores.filter((s) => s.kind === 'EVENT').map((s) => s.eventId);

    // First life: up to a commit at `next`, then records after it that were never committed.
    // ~5,100 events; the attacker's 300 queries are at offsets 44–1082, ~1/4 of the traffic there.
    const o = options({ replayRecords: 300 });
    const a = new GuardTask(o, 0, null);
    const commitAt = 700;
    const before = decode(run(a, traffic, 0, commitAt));
    const next = commitAt;
    const safe = a.safeOffset(next);
    const cp = JSON.parse(JSON.stringify(a.checkpoint())) as unknown;
    expect(safe).toBeLessThan(next);
    // N records back, or to the first record of the open summary window (~250 records/window).
    expect(safe).toBeLessThanOrEqual(next - 300);
    expect(safe).toBeGreaterThanOrEqual(next - 300 - 2 * 300);
    run(a, traffic, commitAt, commitAt + 200); // processed, not committed: lost with the crash

    // Second life: re-reads from the safe offset; below `next` is replay.
    const b = new GuardTask(o, 0, cp);
    const replayOut = run(b, traffic, safe, next, next);
    expect(decode(replayOut).quarantine).toHaveLength(0);
    expect(eventIds(decode(replayOut))).toHaveLength(0);
    const after = decode([...replayOut, ...run(b, traffic, next, traffic.length, next)]);

    const got = [...eventIds(before), ...eventIds(after)];
    expect(new Set(got).size).toBe(got.length); // no duplicate
    const q = [...before.quarantine, ...after.quarantine].map((x) => x.eventId);
    expect(new Set(q).size).toBe(q.length);
    expect(q).toEqual(got);
    // The attacker's state was rebuilt from the replay: its events after the restart are all still caught.
    const want = new Set(eventIds(straight));
    const attackerAfter = traffic.slice(next).filter((e) => e.clientId === ATTACKER);
    expect(attackerAfter.length).toBeGreaterThan(50);
    expect(attackerAfter.every((e) => want.has(e.eventId))).toBe(true);
    for (const e of attackerAfter)
      expect(got.includes(e.eventId), e.eventId).toBe(want.has(e.eventId));
    // Windows: each once over both lives, the same as the straight run.
    const windows = (d: Decoded) =>
      d.scores.filter((s) => s.kind === 'MODEL_WINDOW').map((s) => [s.timestamp, s.window!.events]);
    expect([...windows(before), ...windows(after)]).toEqual(windows(straight));
  });

  it('safe offset: the last N records, never before the first record seen, extended to the oldest open window', () => {
    const task = new GuardTask(options({ replayRecords: 100 }), 0, null);
    const base = 50_000; // the task starts mid-partition
    traffic.slice(0, 50).forEach((e, i) => task.onRecord(e, base + i, false));
    // Fewer than N records seen: never before the first one.
    expect(task.safeOffset(base + 50)).toBe(base);
    traffic.slice(50, 3000).forEach((e, i) => task.onRecord(e, base + 50 + i, false));
    task.advance();
    const next = base + 3000;
    // The oldest open window (end + grace not yet passed) began more than N records back: the
    // offset stays at its first record, so the summary is rebuilt whole.
    const maxTs = traffic[2999]!.timestamp;
    const firstOpen = traffic.findIndex(
      (e) => Math.floor(e.timestamp / WINDOW) * WINDOW + WINDOW + 5_000 > maxTs,
    );
    expect(base + firstOpen).toBeLessThan(next - 100);
    expect(task.safeOffset(next)).toBe(base + firstOpen);
    // Once the windows are closed (idle), exactly max(first, next − N).
    let now = 0;
    const idle = new GuardTask(
      options({
        replayRecords: 1000,
        clock: () => now,
        summary: { ...options().summary, idleMs: 1000 },
      }),
      0,
      null,
    );
    traffic.slice(0, 3000).forEach((e, i) => idle.onRecord(e, base + i, false));
    idle.advance();
    now = 5000;
    idle.advance();
    expect(idle.openWindows).toBe(0);
    expect(idle.safeOffset(next)).toBe(next - 1000);
    expect(idle.safeOffset(base + 10)).toBe(base);
    // N = 0: no replay at all once the windows are closed.
    const none = new GuardTask(
      options({ replayRecords: 0, summary: { ...options().summary, idleMs: 0 } }),
      0,
      null,
    );
    traffic.slice(0, 100).forEach((e, i) => none.onRecord(e, i, false));
    none.advance();
    expect(none.safeOffset(100)).toBe(100);
  });

  it('a flood of new client ids keeps at most maxClients states per task and counts evictions', () => {
    const evicted = { lru: 0, idle: 0 };
    const observer: GuardTaskObserver = {
      evicted: (lru, idle) => {
        evicted.lru += lru;
        evicted.idle += idle;
      },
    };
    const task = new GuardTask(
      options({ engine: { maxClients: 500, idleTimeoutMs: 3_600_000 }, observer }),
      0,
      null,
    );
    let max = 0;
    for (let i = 0; i < 20_000; i++) {
      task.onRecord(
        makeEvent(`f${i}`, `flood-${i}`, START_MS + i, [0, 0, 0, 0, 0, 0, 0, 0]),
        i,
        false,
      );
      if (i % 1000 === 999) {
        task.advance();
        max = Math.max(max, task.trackedClients);
      }
    }
    expect(max).toBe(500);
    expect(evicted.lru).toBe(19_500);
  });

  it('summary caps: a flood of quiet clients cannot push a flagged client out of its window summary', () => {
    const task = new GuardTask(
      options({
        summary: { windowMs: WINDOW, graceMs: 0, idleMs: 3_600_000, maxClients: 50, maxModels: 10 },
      }),
      0,
      null,
    );
    let off = 0;
    for (let i = 0; i < 200; i++)
      task.onRecord(
        makeEvent(`q${i}`, `quiet-${i}`, START_MS + i, [0.1, 0, 0, 0, 0, 0, 0, 0]),
        off++,
        false,
      );
    const far = makeEvent('far', 'odd-one', START_MS + 500, [9, -9, 9, 0, 0, 0, 0, 0]);
    task.onRecord(far, off++, false);
    task.onRecord(
      makeEvent('closer', 'quiet-0', START_MS + WINDOW + 1, [0, 0, 0, 0, 0, 0, 0, 0]),
      off,
      false,
    );
    const { scores } = decode(task.advance());
    const model = scores.find((s) => s.kind === 'MODEL_WINDOW')!;
    expect(model.window).toMatchObject({ events: 201, flaggedClients: 1, untrackedEvents: 150 });
    const client = scores.filter((s) => s.kind === 'CLIENT_WINDOW');
    expect(client.map((c) => c.clientId)).toEqual(['odd-one']);
    expect(client[0]!.window).toMatchObject({ events: 1, flaggedEvents: 1, flagRate: 1 });
  });

  it('late events are scored and published but not summarized; a restart does not emit emitted windows again', () => {
    const late: number[] = [];
    const o = options({
      observer: { late: () => late.push(1) },
      summary: { ...options().summary, graceMs: 0 },
    });
    const task = new GuardTask(o, 0, null);
    const far = (id: string, ts: number) => makeEvent(id, 'c', ts, [9, -9, 9, 0, 0, 0, 0, 0]);
    task.onRecord(far('a', START_MS), 0, false);
    task.onRecord(far('b', START_MS + WINDOW), 1, false);
    const first = decode(task.advance());
    expect(first.scores.filter((s) => s.kind === 'MODEL_WINDOW').map((s) => s.timestamp)).toEqual([
      Math.floor(START_MS / WINDOW) * WINDOW,
    ]);
    task.onRecord(far('late', START_MS + 1), 2, false);
    const second = decode(task.advance());
    expect(late).toHaveLength(1);
    expect(second.quarantine.map((q) => q.eventId)).toEqual(['late']);
    // Restart from the checkpoint, replaying everything: the first window is not emitted again.
    const cp = JSON.parse(JSON.stringify(task.checkpoint())) as unknown;
    const again = new GuardTask(o, 0, cp);
    for (const [i, e] of [
      far('a', START_MS),
      far('b', START_MS + WINDOW),
      far('late', START_MS + 1),
    ].entries())
      again.onRecord(e, i, true);
    again.onRecord(far('c', START_MS + 2 * WINDOW), 3, false);
    const third = decode(again.advance());
    expect(
      third.scores
        .filter((s) => s.kind === 'MODEL_WINDOW')
        .map((s) => s.timestamp - first.scores[0]!.timestamp),
    ).toEqual([WINDOW]);
    expect(third.quarantine.map((q) => q.eventId)).toEqual(['c']);
    expect(late).toHaveLength(1); // replayed late events are not counted again
  });

  it('invalid events go to the DLQ (also when a batch is retried); unscored models publish nothing; a retried batch is not folded twice', () => {
    const scored: boolean[] = [];
    const task = new GuardTask(
      options({ observer: { scored: (d) => scored.push(d.scored) } }),
      0,
      null,
    );
    const bad = { ...makeEvent('bad', 'c', START_MS, [0, 0, 0, 0, 0, 0, 0, 0]), latencyMs: -1 };
    expect(task.onRecord(bad, 0, false).dead?.reason).toBe('invalid');
    const other = makeEvent('o', 'c', START_MS, [9, 9, 9, 9, 9, 9, 9, 9], 'no-such-model');
    expect(task.onRecord(other, 1, false)).toEqual({});
    const far = makeEvent('far', 'c', START_MS, [9, -9, 9, 0, 0, 0, 0, 0]);
    task.onRecord(far, 2, false);
    // The runner retries a failed batch from its start: the same offsets again.
    expect(task.onRecord(bad, 0, false).dead?.reason).toBe('invalid');
    task.onRecord(other, 1, false);
    task.onRecord(far, 2, false);
    expect(scored).toEqual([false, true]);
    expect(decode(task.advance()).quarantine.map((q) => q.eventId)).toEqual(['far']);
    expect(task.trackedClients).toBe(1);
  });

  it('records re-delivered below the last commit (a rebalance that kept the partition here) are skipped, dead letters included', () => {
    const task = new GuardTask(options(), 0, null);
    const bad = { ...makeEvent('bad', 'c', START_MS, [0, 0, 0, 0, 0, 0, 0, 0]), latencyMs: -1 };
    const far = makeEvent('far', 'c', START_MS + 1, [9, -9, 9, 0, 0, 0, 0, 0]);
    expect(task.onRecord(bad, 0, false).dead?.reason).toBe('invalid');
    task.onRecord(far, 1, false);
    expect(decode(task.advance()).quarantine).toHaveLength(1);
    task.safeOffset(2); // the runner commits with next = 2
    expect(task.onRecord(bad, 0, false)).toEqual({});
    expect(task.onRecord(far, 1, false)).toEqual({});
    expect(decode(task.advance()).quarantine).toHaveLength(0);
    expect(task.engine.peekClient('fraud', 'c')?.queries).toBe(1);
  });

  it('checkpoint stays small; the factory tracks the live task of each partition', () => {
    const f = new GuardTaskFactory(options());
    const t0 = f.create('in', 0, null);
    f.create('in', 1, null);
    run(t0, traffic, 0, 1000);
    expect(JSON.stringify(t0.checkpoint()).length).toBeLessThan(100);
    const t0b = f.create('in', 0, t0.checkpoint());
    expect(f.tasks.get(0)).toBe(t0b);
    f.retain(new Set([1]));
    expect([...f.tasks.keys()]).toEqual([1]);
  });
});
