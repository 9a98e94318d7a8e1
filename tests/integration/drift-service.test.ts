/**
 * The drift service and the sink as real processes against the real stack (Kafka, registry,
 * ClickHouse 18.16):
 * - a reference profile is built from a JSONL file with `vigil baseline build`'s code path and
 *   stored (and activated) in a fresh, migrated database;
 * - traffic for that model version is replayed through the SDK with a 1 σ mean shift in one feature
 *   from half-way on, plus traffic of a version without a profile;
 * - the shift shows up in `vigil.drift.v1` (decoded through the registry) and in ClickHouse
 *   `drift_reports_final`; the stationary windows are not flagged; the version without a profile
 *   gets no report until a profile is activated for it, which the running service picks up
 *   without a restart;
 * - `baseline build --from-clickhouse` reads the stored raw traffic back into a profile;
 * - every query of infra/grafana/dashboards/drift.json runs on the real rows.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InferenceEvent } from '../../services/common/event.js';
import { AvroCodec } from '../../services/common/registry.js';
import { runBuild } from '../../services/cli/baseline.js';
import { ProfileCache } from '../../services/drift/profile-cache.js';
import { buildProfile, type ReferenceProfile } from '../../services/drift/profile.js';
import { activeProfileIds, listProfiles, saveProfile } from '../../services/drift/profile-store.js';
import type { DriftReport } from '../../services/drift/report.js';
import { DriftTask } from '../../services/drift/task.js';
import { tumbling } from '../../services/stream/window-spec.js';
import { mulberry32 } from '../../scripts/simulate.js';
import { traffic } from '../unit/drift/traffic.js';
import {
  loadDashboards,
  panelQueries,
  renderSql,
  retargetDatabase,
} from './grafana/dashboard-sql.js';
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

const WINDOW_MS = 10_000;
const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);
const FEATURES = 8;
const SHIFTED = 'f03';
/** 100 events/s: 1,000 events per window; 12 windows, the shift from the middle of window 6. */
const WINDOWS = 12;
const SHIFT_AT_EVENT = 6500;

type Row = Record<string, unknown>;

const procs: ServiceProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const p of procs) await p.stop();
  for (const c of cleanups) await c();
});

/** The reports a crash-free service must publish: the pure task over the same events, in order. */
function expectedReports(profile: ReferenceProfile, events: InferenceEvent[]): DriftReport[] {
  const cache = new ProfileCache({ maxModels: 100, maxFeatures: 200 });
  cache.replace([profile]);
  const out: DriftReport[] = [];
  const task = new DriftTask(
    {
      mode: {
        kind: 'time',
        spec: tumbling(WINDOW_MS),
        graceMs: 1000,
        idleTimeoutMs: 3_600_000,
        maxOpenWindows: 1000,
      },
      reservoirSize: 2000,
      maxModels: 100,
      profiles: cache,
      outputTopic: 'x',
      encode: () => Buffer.alloc(0),
      clock: () => 0,
      onEmit: (r) => out.push(r),
    },
    null,
  );
  events.forEach((e, i) => task.onRecord(e, i, false));
  const last = events[events.length - 1]!;
  task.onRecord(
    { ...last, eventId: 'closer', timestamp: last.timestamp + 10 * WINDOW_MS },
    events.length,
    false,
  );
  task.advance();
  return out;
}

function v1Traffic(): InferenceEvent[] {
  const n = WINDOWS * 1000;
  const before = traffic({
    n: SHIFT_AT_EVENT,
    seed: 21,
    features: FEATURES,
    categorical: true,
    startMs: T0,
    stepMs: 10,
    idPrefix: 'v1',
  });
  const after = traffic({
    n: n - SHIFT_AT_EVENT,
    seed: 22,
    features: FEATURES,
    categorical: true,
    startMs: T0 + SHIFT_AT_EVENT * 10,
    stepMs: 10,
    shift: { 3: 1 },
    idPrefix: 'v1s',
  });
  return [...before, ...after];
}

function produce(topic: string, events: InferenceEvent[]): Promise<void> {
  return publishEvents(topic, events);
}

async function readTopic(topic: string, atLeast: number): Promise<DriftReport[]> {
  const codec = new AvroCodec(cfg.registryUrl);
  const out: DriftReport[] = [];
  const c = kafka().consumer({ groupId: uniq('drift-reader') });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({
    eachMessage: async ({ message }) =>
      void out.push(await codec.decode<DriftReport>(message.value)),
  });
  await waitFor(`${atLeast} drift reports on ${topic}`, async () => out.length >= atLeast, 120_000);
  await new Promise((r) => setTimeout(r, 1500));
  await c.disconnect();
  return out;
}

describe('drift service + sink against the real stack', () => {
  it('injected drift shows up in vigil.drift.v1 and drift_reports; stationary windows are not flagged; profiles are picked up live', async () => {
    const { db, ch } = await freshDatabase('it_drift');
    cleanups.push(async () => {
      await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => {});
      await ch.close();
    });
    const topics = {
      inference: uniq('drift-in'),
      drift: uniq('drift-out'),
      dlq: uniq('drift-dlq'),
    };
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: topics.inference, numPartitions: 3 },
        { topic: topics.drift, numPartitions: 3 },
        { topic: topics.dlq },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();

    // Reference: 20,000 stationary events in the JSON event form, through the CLI's build path.
    const dir = mkdtempSync(join(tmpdir(), 'vigil-drift-it-'));
    const refFile = join(dir, 'ref.jsonl');
    const reference = traffic({
      n: 20_000,
      seed: 20,
      features: FEATURES,
      categorical: true,
      idPrefix: 'ref',
    });
    writeFileSync(refFile, reference.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const quiet = (): void => {};
    const profile = await runBuild(
      {
        input: refFile,
        model: 'fraud',
        version: 'v1',
        store: true,
        activate: true,
        database: db,
        out: join(dir, 'fraud-v1.json'),
      },
      quiet,
    );
    expect(Object.keys(profile.numeric)).toHaveLength(FEATURES);
    expect(profile.numeric.f00!.sample).toHaveLength(5000);
    expect(profile.prediction.label?.categories.sort()).toEqual(['fraud', 'ok']);
    // The file path and the event path give the same profile (same content hash).
    expect(buildProfile(reference, { modelId: 'fraud', modelVersion: 'v1' }).profileVersion).toBe(
      profile.profileVersion,
    );
    expect((await activeProfileIds(ch, db)).get(JSON.stringify(['fraud', 'v1']))).toBe(
      profile.profileVersion,
    );

    const env = {
      ...isolatedTopicsEnv('drift'),
      VIGIL_TOPIC_INFERENCE: topics.inference,
      VIGIL_TOPIC_DRIFT: topics.drift,
      VIGIL_TOPIC_DLQ: topics.dlq,
      VIGIL_CLICKHOUSE_DATABASE: db,
      VIGIL_DRIFT_GROUP: uniq('drift'),
      VIGIL_SINK_GROUP: uniq('drift-sink'),
      VIGIL_DRIFT_WINDOW_MS: String(WINDOW_MS),
      VIGIL_DRIFT_GRACE_MS: '1000',
      VIGIL_DRIFT_IDLE_TIMEOUT_MS: '3000',
      VIGIL_DRIFT_PROFILE_POLL_MS: '1000',
      VIGIL_DRIFT_PORT: '0',
      VIGIL_SINK_PORT: '0',
      VIGIL_SINK_RAW_SAMPLE_RATE: '1',
      VIGIL_DRIFT_SESSION_TIMEOUT_MS: '6000',
      VIGIL_SINK_SESSION_TIMEOUT_MS: '6000',
    };
    const drift = new ServiceProcess('drift', env, `${db}-drift`);
    const sink = new ServiceProcess('sink', env, `${db}-sink`);
    procs.push(drift, sink);
    drift.start();
    sink.start();
    await drift.waitForLog(/drift running/);

    // v1 with the shift, and v2 (no profile yet) over the same time range.
    const v1 = v1Traffic();
    const v2 = traffic({
      n: 6000,
      seed: 30,
      features: FEATURES,
      categorical: true,
      modelVersion: 'v2',
      startMs: T0,
      stepMs: 20,
      idPrefix: 'v2',
    });
    await produce(
      topics.inference,
      [...v1, ...v2].sort((a, b) => a.timestamp - b.timestamp),
    );

    const fromTopic = (await readTopic(topics.drift, WINDOWS)).sort(
      (a, b) => a.windowStart - b.windowStart,
    );
    expect(fromTopic.map((r) => `${r.modelVersion}@${(r.windowStart - T0) / 1000}`)).toEqual(
      Array.from({ length: WINDOWS }, (_, w) => `v1@${w * 10}`),
    );
    expect(
      fromTopic.every(
        (r) =>
          r.count === 1000 && r.profileId === profile.profileVersion && r.windowKind === 'TIME',
      ),
    ).toBe(true);
    const shiftedWindow = Math.ceil(SHIFT_AT_EVENT / 1000); // first full window after the shift
    for (const r of fromTopic) {
      const w = (r.windowStart - T0) / WINDOW_MS;
      const f = r.features.find((x) => x.feature === SHIFTED)!;
      expect(f.method).toBe('wasserstein');
      if (w < Math.floor(SHIFT_AT_EVENT / 1000)) {
        expect(f.drifted, `window ${w} (stationary)`).toBe(false);
        expect(r.datasetDrifted, `window ${w} (stationary)`).toBe(false);
        expect(
          r.features.filter((x) => x.feature.startsWith('f')).every((x) => !x.drifted),
          `window ${w} (stationary)`,
        ).toBe(true);
      }
      if (w >= shiftedWindow) {
        expect(f.drifted, `window ${w} (shifted)`).toBe(true);
        expect(r.topDrifted[0]!.feature).toBe(SHIFTED);
        expect(f.score).toBeGreaterThan(0.5);
      }
    }
    // The version without a profile was skipped (counted, not dead-lettered): no report.
    expect(fromTopic.some((r) => r.modelVersion === 'v2')).toBe(false);

    // ClickHouse: one row per window, the same verdicts.
    await waitFor(
      'drift rows',
      async () => {
        const [r] = await queryRows<{ c: string }>(
          ch,
          `SELECT count() AS c FROM ${db}.drift_reports_final`,
        );
        return Number(r!.c) >= WINDOWS;
      },
      120_000,
      500,
    );
    const rows = await queryRows<Row>(
      ch,
      `SELECT * FROM ${db}.drift_reports_final ORDER BY model_id, model_version, window_start_ms`,
    );
    expect(rows).toHaveLength(WINDOWS);
    rows.forEach((row, i) => {
      const r = fromTopic[i]!;
      expect(Number(row.window_start_ms)).toBe(r.windowStart);
      expect(row.profile_id).toBe(r.profileId);
      expect(row.feature_names).toEqual(r.features.map((f) => f.feature));
      expect(row.drifted).toEqual(r.features.map((f) => (f.drifted ? 1 : 0)));
      expect(row.top_features).toEqual(r.topDrifted.map((t) => t.feature));
      expect(Number(row.dataset_drifted)).toBe(r.datasetDrifted ? 1 : 0);
    });
    const drifted = await queryRows<{ w: string }>(
      ch,
      `SELECT intDiv(window_start_ms - ${T0}, ${WINDOW_MS}) AS w FROM ${db}.drift_reports_final ARRAY JOIN feature_names AS f, drifted AS d WHERE f = '${SHIFTED}' AND d = 1 ORDER BY w`,
    );
    // Every full window after the shift, and possibly the half-shifted one before them.
    const driftedWindows = drifted.map((x) => Number(x.w)).filter((w) => w >= shiftedWindow - 1);
    expect(drifted.map((x) => Number(x.w))).toEqual(driftedWindows);
    expect(driftedWindows.filter((w) => w >= shiftedWindow)).toEqual(
      Array.from({ length: WINDOWS - shiftedWindow }, (_, k) => shiftedWindow + k),
    );

    // A profile for v2, activated while the service runs: used from the next windows on.
    const v2Profile = buildProfile(
      traffic({ n: 3000, seed: 31, features: FEATURES, categorical: true, modelVersion: 'v2' }),
      { modelId: 'fraud', modelVersion: 'v2' },
    );
    await saveProfile(ch, db, v2Profile);
    await drift.waitForLog(new RegExp(`profiles loaded.*${v2Profile.profileVersion}`), 30_000);
    const later = traffic({
      n: 3000,
      seed: 32,
      features: FEATURES,
      categorical: true,
      modelVersion: 'v2',
      startMs: T0 + 600_000,
      stepMs: 10,
      idPrefix: 'v2b',
    });
    await produce(topics.inference, later);
    const all = await readTopic(topics.drift, WINDOWS + 3);
    const v2Reports = all
      .filter((r) => r.modelVersion === 'v2')
      .sort((a, b) => a.windowStart - b.windowStart);
    expect(v2Reports.map((r) => (r.windowStart - T0) / 1000)).toEqual([600, 610, 620]);
    expect(
      v2Reports.every((r) => r.profileId === v2Profile.profileVersion && !r.datasetDrifted),
    ).toBe(true);

    // Baseline from stored traffic: the stationary part of v1, read back from inference_events_final.
    await waitFor(
      'raw events stored',
      async () => {
        const [r] = await queryRows<{ c: string }>(
          ch,
          `SELECT count() AS c FROM ${db}.inference_events_final WHERE model_version = 'v1'`,
        );
        return Number(r!.c) >= v1.length;
      },
      120_000,
      500,
    );
    const fromCh = await runBuild(
      {
        fromClickhouse: true,
        model: 'fraud',
        version: 'v1',
        from: new Date(T0).toISOString(),
        to: String(T0 + 60_000),
        store: true,
        activate: false,
        database: db,
      },
      quiet,
    );
    expect(fromCh.rows).toBe(6000);
    expect(fromCh.numeric.f00!.count).toBe(6000);
    const listed = await listProfiles(ch, db, 'fraud');
    expect(listed.map((p) => [p.modelVersion, p.profileId, p.active]).sort()).toEqual(
      [
        ['v1', profile.profileVersion, true],
        ['v1', fromCh.profileVersion, false],
        ['v2', v2Profile.profileVersion, true],
      ].sort(),
    );

    // Every query of the drift dashboard runs on these rows.
    const dash = loadDashboards(
      join(import.meta.dirname, '..', '..', 'infra', 'grafana', 'dashboards'),
    ).find((d) => d.uid === 'vigil-drift')!;
    const ctx = {
      fromMs: T0 - 60_000,
      toMs: T0 + 3_600_000,
      intervalMs: WINDOW_MS,
      vars: { model: 'fraud', version: 'v1' },
    };
    for (const v of dash.variables) {
      const r = await queryRows<Row>(ch, retargetDatabase(renderSql(v.query, ctx), db));
      expect(r.length, `variable ${v.name}`).toBeGreaterThan(0);
    }
    for (const q of panelQueries(dash)) {
      const r = await queryRows<Row>(ch, retargetDatabase(renderSql(q.sql, ctx), db));
      expect(r.length, q.source).toBeGreaterThan(0);
    }
    const perFeature = await queryRows<Row>(
      ch,
      retargetDatabase(
        renderSql(
          panelQueries(dash).find((q) => q.source.startsWith('Windows drifted per feature'))!.sql,
          ctx,
        ),
        db,
      ),
    );
    expect(perFeature[0]).toEqual({
      feature: SHIFTED,
      drifted_windows: String(driftedWindows.length),
      windows: String(WINDOWS),
    });
  });

  it('crash: the drift service SIGKILLed 3 times while traffic flows; the topic holds every window exactly once, as a crash-free run', async () => {
    const { db, ch } = await freshDatabase('it_driftcrash');
    cleanups.push(async () => {
      await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => {});
      await ch.close();
    });
    const topics = {
      inference: uniq('driftc-in'),
      drift: uniq('driftc-out'),
      dlq: uniq('driftc-dlq'),
    };
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: topics.inference, numPartitions: 3 },
        { topic: topics.drift, numPartitions: 3 },
        { topic: topics.dlq },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const profile = buildProfile(
      traffic({ n: 10_000, seed: 40, features: FEATURES, categorical: true, idPrefix: 'ref' }),
      { modelId: 'fraud', modelVersion: 'v1' },
    );
    await saveProfile(ch, db, profile);
    const events = [
      ...traffic({
        n: 20_000,
        seed: 41,
        features: FEATURES,
        categorical: true,
        startMs: T0,
        stepMs: 10,
        idPrefix: 'a',
      }),
      ...traffic({
        n: 20_000,
        seed: 42,
        features: FEATURES,
        categorical: true,
        startMs: T0 + 200_000,
        stepMs: 10,
        shift: { 3: 1 },
        idPrefix: 'b',
      }),
    ];
    const expected = expectedReports(profile, events);
    expect(expected).toHaveLength(40);
    const env = {
      ...isolatedTopicsEnv('drift'),
      VIGIL_TOPIC_INFERENCE: topics.inference,
      VIGIL_TOPIC_DRIFT: topics.drift,
      VIGIL_TOPIC_DLQ: topics.dlq,
      VIGIL_CLICKHOUSE_DATABASE: db,
      VIGIL_DRIFT_GROUP: uniq('driftc'),
      VIGIL_DRIFT_WINDOW_MS: String(WINDOW_MS),
      VIGIL_DRIFT_GRACE_MS: '1000',
      VIGIL_DRIFT_IDLE_TIMEOUT_MS: '3000',
      VIGIL_DRIFT_PORT: '0',
      VIGIL_DRIFT_SESSION_TIMEOUT_MS: '6000',
    };
    const drift = new ServiceProcess('drift', env, `${db}-drift`);
    procs.push(drift);
    drift.start();
    // Paced (~2,000 events/s, ~20 s) so that the crashes land mid-stream.
    const producing = publishEvents(topics.inference, events, 2000);
    const rand = mulberry32(7);
    const lives: string[] = [];
    for (let i = 0; i < 3; i++) {
      await drift.waitForLog(/partition task opened/);
      await new Promise((r) => setTimeout(r, 1000 + rand() * 3000));
      await drift.crash();
      drift.start();
      await drift.waitForLog(/partition task opened/);
      lives.push(drift.log);
    }
    await producing;
    expect(drift.starts).toBe(4);
    // The restarts really rebuilt open windows: some partition resumed below records it had processed.
    const opened = lives
      .join('\n')
      .split('\n')
      .filter((l) => l.includes('partition task opened'))
      .map((l) => JSON.parse(l) as { committed: number; replayBelow: number });
    expect(opened.some((o) => o.committed >= 0 && o.replayBelow > o.committed)).toBe(true);
    const got = await readTopic(topics.drift, expected.length);
    expect(got).toHaveLength(expected.length);
    const key = (r: DriftReport) => `${r.modelId}/${r.modelVersion}/${r.windowStart}`;
    expect(new Set(got.map(key)).size).toBe(got.length);
    const byKey = new Map(got.map((r) => [key(r), r]));
    for (const want of expected)
      expect(JSON.parse(JSON.stringify(byKey.get(key(want))))).toEqual(
        JSON.parse(JSON.stringify(want)),
      );
    expect(got.filter((r) => r.features.find((f) => f.feature === SHIFTED)!.drifted).length).toBe(
      20,
    );
  }, 240_000);
});
