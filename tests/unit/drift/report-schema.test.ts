import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { ProfileCache } from '../../../services/drift/profile-cache.js';
import { buildProfile } from '../../../services/drift/profile.js';
import { DRIFT_REPORT_SCHEMA, type DriftReport } from '../../../services/drift/report.js';
import { DriftTask } from '../../../services/drift/task.js';
import { driftReportToRow } from '../../../services/sink/rows.js';
import { defaultRoutes } from '../../../services/sink/tables.js';
import { loadCommonConfig } from '../../../services/common/config.js';
import { traffic } from './traffic.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function someReports(): DriftReport[] {
  const profile = buildProfile(traffic({ n: 2000, seed: 1, features: 3, categorical: true }), {
    modelId: 'fraud',
    modelVersion: 'v1',
    clock: () => 0,
  });
  const cache = new ProfileCache({ maxModels: 1, maxFeatures: 10 });
  cache.replace([profile]);
  const reports: DriftReport[] = [];
  const task = new DriftTask(
    {
      mode: { kind: 'count', size: 500 },
      reservoirSize: 500,
      maxModels: 1,
      profiles: cache,
      outputTopic: 't',
      encode: () => Buffer.alloc(0),
      clock: () => 0,
      onEmit: (r) => reports.push(r),
    },
    null,
  );
  traffic({ n: 1000, seed: 2, features: 3, categorical: true, shift: { 1: 2 } }).forEach((e, i) =>
    task.onRecord(e, i, false),
  );
  task.advance();
  return reports;
}

describe('DriftReport schema', () => {
  it('schemas/DriftReport.avsc is the schema in report.ts', () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'schemas', 'DriftReport.avsc'), 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(DRIFT_REPORT_SCHEMA)),
    );
  });

  it('reports round-trip through Avro unchanged', () => {
    const type = avro.Type.forSchema(DRIFT_REPORT_SCHEMA as unknown as avro.Schema);
    const reports = someReports();
    expect(reports).toHaveLength(2);
    for (const r of reports) expect(type.fromBuffer(type.toBuffer(r))).toEqual(r);
    expect(reports[0]!.features.find((f) => f.feature === 'f01')!.drifted).toBe(true);
  });
});

describe('sink route for drift reports', () => {
  it('routes the drift topic to drift_reports with one row of parallel arrays per report', () => {
    const cfg = loadCommonConfig({});
    const route = defaultRoutes(cfg.topics, { rawSampleRate: 1 }).find(
      (r) => r.topic === cfg.topics.drift,
    );
    expect(route?.table).toBe('drift_reports');
    const r = someReports()[0]!;
    const [row] = route!.toRows(r, { partition: 0, offset: 0 }, 1_700_000_000_000);
    expect(row).toEqual(driftReportToRow(r, 1_700_000_000_000));
    expect(row!.feature_names).toEqual(r.features.map((f) => f.feature));
    expect((row!.scores as number[]).length).toBe(r.features.length);
    expect(row!.ks_p_values).toEqual(r.features.map((f) => f.ksPValue));
    expect(row!.drifted).toEqual(r.features.map((f) => (f.drifted ? 1 : 0)));
    expect(row!.window_date).toBe(new Date(r.windowStart).toISOString().slice(0, 10));
    expect(row!.top_features).toEqual(r.topDrifted.map((t) => t.feature));
    expect(row!.dataset_drifted).toBe(r.datasetDrifted ? 1 : 0);
  });
});
