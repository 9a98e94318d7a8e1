/** Guard output records: schemas, sink rows against migration 004, configuration. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { loadCommonConfig } from '../../../services/common/config.js';
import { ConfigError } from '../../../services/common/errors.js';
import { loadCalibration, loadGuardConfig } from '../../../services/guard/main.js';
import type { QuarantineRecord, ScoreRecord } from '../../../services/guard/records.js';
import { GuardTask } from '../../../services/guard/task.js';
import {
  guardScoreToRow,
  quarantineToRow,
  type GuardScoreRecord,
  type QuarantineRecordRow,
} from '../../../services/sink/rows.js';
import { defaultRoutes } from '../../../services/sink/tables.js';
import {
  attackEvents,
  benignEvents,
  mergeByTime,
  START_MS,
} from '../../fixtures/guard/synthetic.js';
import { calibrated } from '../guard/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const type = (name: string) =>
  avro.Type.forSchema(
    JSON.parse(readFileSync(join(ROOT, 'schemas', `${name}.avsc`), 'utf8')) as avro.Schema,
  );

/** Column names of one CREATE TABLE in a migration file. */
function columns(file: string, table: string): string[] {
  const sql = readFileSync(join(ROOT, 'infra', 'clickhouse', 'migrations', file), 'utf8');
  const start = sql.indexOf(`CREATE TABLE IF NOT EXISTS {db}.${table}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const body = sql.slice(sql.indexOf('(', start) + 1, sql.indexOf('\n)', start));
  return body
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('--'))
    .map((l) => l.split(/\s+/)[0]!);
}

function someOutputs(): { scores: ScoreRecord[]; quarantine: QuarantineRecord[] } {
  const st = type('Score');
  const qt = type('QuarantineRecord');
  const task = new GuardTask(
    {
      calibration: calibrated(0.001),
      engine: {},
      replayRecords: 100,
      summary: { windowMs: 60_000, graceMs: 0, idleMs: 3_600_000, maxClients: 100, maxModels: 10 },
      scoresTopic: 's',
      quarantineTopic: 'q',
      encodeScore: (r) => st.toBuffer(r),
      encodeQuarantine: (r) => qt.toBuffer(r),
      clock: () => START_MS + 3_600_000,
    },
    2,
    null,
  );
  const events = mergeByTime(
    benignEvents({ clients: 20, minQueries: 20, maxQueries: 30, seed: 3 }),
    attackEvents('repeat', 'rep', 100, 9, START_MS + 60_000, 500),
  );
  const out = events.flatMap((e, i) => {
    task.onRecord(e, i, false);
    return task.advance();
  });
  return {
    scores: out.filter((o) => o.topic === 's').map((o) => st.fromBuffer(o.value) as ScoreRecord),
    quarantine: out
      .filter((o) => o.topic === 'q')
      .map((o) => qt.fromBuffer(o.value) as QuarantineRecord),
  };
}

describe('guard records and their ClickHouse rows', () => {
  const { scores, quarantine } = someOutputs();

  it('the task emits every Score kind; they round-trip through the Avro schemas', () => {
    expect(new Set(scores.map((s) => s.kind))).toEqual(
      new Set(['EVENT', 'CLIENT_WINDOW', 'MODEL_WINDOW']),
    );
    expect(quarantine.length).toBeGreaterThan(0);
    expect(
      quarantine.every((q) => q.sourcePartition === 2 && q.detectedAt === START_MS + 3_600_000),
    ).toBe(true);
    const st = type('Score');
    for (const s of scores) expect(st.fromBuffer(st.toBuffer(s))).toEqual(s);
  });

  it('guard_scores rows give exactly the columns of migration 004 (18.16 applies no DEFAULTs)', () => {
    const cols = columns('004_guard.sql', 'guard_scores');
    for (const s of scores) {
      const row = guardScoreToRow(s as GuardScoreRecord, 0);
      expect(Object.keys(row).sort()).toEqual([...cols].sort());
      if (s.kind === 'EVENT') {
        expect(row.score_stateful).toBe(s.scores!.stateful);
        expect(row.flag_rate).toBeNull();
      } else {
        expect(row.score_stateful).toBeNull();
        expect(row.flag_rate).toBe(s.window!.flagRate);
      }
      expect(row.event_date).toBe(new Date(s.timestamp).toISOString().slice(0, 10));
    }
  });

  it('quarantine rows give exactly the columns of migration 004, with the whole input', () => {
    const cols = columns('004_guard.sql', 'quarantine');
    const q = quarantine[0]!;
    const row = quarantineToRow(q as unknown as QuarantineRecordRow, 0);
    expect(Object.keys(row).sort()).toEqual([...cols].sort());
    expect(row.feature_names).toEqual(Object.keys(q.features));
    expect(row.feature_values).toEqual(Object.values(q.features));
    expect(row.client_id).toBe('rep');
    expect(row.source_partition).toBe(2);
  });

  it('the sink routes the scores and quarantine topics to their tables', () => {
    const routes = defaultRoutes(loadCommonConfig({}).topics, { rawSampleRate: 1 });
    expect(routes.find((r) => r.topic === 'vigil.scores.v1')?.table).toBe('guard_scores');
    expect(routes.find((r) => r.topic === 'vigil.quarantine.v1')?.table).toBe('quarantine');
  });
});

describe('guard service configuration', () => {
  it('needs a calibration file; defaults as documented', () => {
    expect(() => loadGuardConfig({})).toThrow(ConfigError);
    expect(() => loadGuardConfig({})).toThrow(/VIGIL_GUARD_CALIBRATION/);
    expect(loadGuardConfig({ VIGIL_GUARD_CALIBRATION: 'x.json' })).toMatchObject({
      maxClients: 10_000,
      idleTimeoutMs: 3_600_000,
      replayRecords: 20_000,
      summaryWindowMs: 60_000,
      group: 'vigil-guard',
      port: 9466,
      concurrency: 3,
      sessionTimeoutMs: 30_000,
    });
    expect(() =>
      loadGuardConfig({ VIGIL_GUARD_CALIBRATION: 'x', VIGIL_GUARD_MAX_CLIENTS: '0' }),
    ).toThrow(/VIGIL_GUARD_MAX_CLIENTS/);
    expect(() =>
      loadGuardConfig({ VIGIL_GUARD_CALIBRATION: 'x', VIGIL_GUARD_REPLAY_RECORDS: '-1' }),
    ).toThrow(/VIGIL_GUARD_REPLAY_RECORDS/);
  });

  it('reads a calibration file and names the file when it is not one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-guard-cfg-'));
    const good = join(dir, 'cal.json');
    writeFileSync(good, JSON.stringify(calibrated(0.001)));
    expect(Object.keys(loadCalibration(good).profile.models)).toEqual(['fraud']);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"profile": {}}');
    expect(() => loadCalibration(bad)).toThrow(new RegExp(`${bad}.*not a guard calibration`));
    expect(() => loadCalibration(join(dir, 'missing.json'))).toThrow(/cannot read/);
  });
});
