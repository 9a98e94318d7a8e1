/**
 * Diagnostics for one attack type after `npm run redteam`: per campaign, the guard's strongest
 * evidence against the client (lowest mean k-NN distance vs the stateful threshold, highest
 * extraction score and each extraction test's highest score — the rule decides per test, against
 * the per-test thresholds printed in the header — highest PRADA score vs its threshold, overall
 * and within the first 500 queries; `--type benign`: quantiles per kind of benign client), from
 * the files the run wrote
 * (.vigil/redteam/{calibration.json,events.jsonl,report.json}).
 *
 *   npx tsx scripts/redteam/diagnose.ts [--type extraction-jbda] [--dir .vigil/redteam]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseEventLine } from '../../services/common/event-json.js';
import type { InferenceEvent } from '../../services/common/event.js';
import { parseGuardCalibration } from '../../services/guard/calibration-json.js';
import { GuardEngine } from '../../services/guard/index.js';

const { values } = parseArgs({
  options: {
    type: { type: 'string', default: 'extraction-jbda' },
    dir: { type: 'string', default: '.vigil/redteam' },
  },
});
const dir = values.dir!;
const cal = parseGuardCalibration(JSON.parse(readFileSync(join(dir, 'calibration.json'), 'utf8')));
const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
  campaigns: { clientId: string; type: string }[];
};
// `--type benign`: the benign evaluation clients (ids client-<kind>-<n>), grouped by kind.
const ids = new Set(report.campaigns.filter((c) => c.type === values.type).map((c) => c.clientId));
const benign = values.type === 'benign';
const events: InferenceEvent[] = [];
readFileSync(join(dir, 'events.jsonl'), 'utf8')
  .split('\n')
  .forEach((line, i) => {
    const r = parseEventLine(line, i + 1);
    if (r?.ok) events.push(r.event);
  });
const engine = new GuardEngine(cal.profile, cal.thresholds);
const thr = Object.values(cal.thresholds.models)[0]!;
const per = new Map<
  string,
  {
    minKnn: number;
    maxEx: number;
    reason: string;
    n: number;
    flaggedAt: number | null;
    maxPrada: number;
    maxPrada500: number;
    rules: string[];
    /** Highest score of each extraction test (the rule's decision is per test). */
    tests: Record<string, number>;
  }
>();
for (const e of events) {
  const d = engine.scoreDetailed(e);
  if (!(benign ? e.clientId.startsWith('client-') : ids.has(e.clientId))) continue;
  const p = per.get(e.clientId) ?? {
    minKnn: Infinity,
    maxEx: 0,
    reason: '',
    n: 0,
    flaggedAt: null,
    maxPrada: 0,
    maxPrada500: 0,
    rules: [],
    tests: {},
  };
  p.n++;
  if (d.meanKnn !== null) p.minKnn = Math.min(p.minKnn, d.meanKnn);
  if (d.scores.extraction > p.maxEx) {
    p.maxEx = d.scores.extraction;
    p.reason = d.reasons.find((r) => r.startsWith('extraction')) ?? '';
  }
  for (const [t, v] of Object.entries(d.extractionTests ?? {}))
    p.tests[t] = Math.max(p.tests[t] ?? 0, v);
  if (d.prada !== null) {
    p.maxPrada = Math.max(p.maxPrada, d.prada);
    if (p.n <= 500) p.maxPrada500 = Math.max(p.maxPrada500, d.prada);
  }
  if (d.clientFlagged && p.flaggedAt === null) {
    p.flaggedAt = p.n;
    p.rules = d.clientState.rules;
  }
  per.set(e.clientId, p);
}
const perTest = (tests: Record<string, number>) =>
  Object.entries(tests)
    .map(([t, v]) => `${t} ${v.toFixed(1)}`)
    .join(', ');
process.stdout.write(
  `${values.type}: thresholds statefulDistance ${thr.statefulDistance.toFixed(3)} (flag below), extraction ${thr.extraction.toFixed(1)} (per test: ${perTest(thr.extractionTests ?? {})}), prada ${thr.prada.toFixed(2)} (flag at or above)\n`,
);
if (benign) {
  const kinds = new Map<string, { ex: number[]; prada: number[]; tests: Map<string, number[]> }>();
  for (const [id, p] of per) {
    const k = id.split('-')[1]!;
    const v = kinds.get(k) ?? { ex: [], prada: [], tests: new Map<string, number[]>() };
    v.ex.push(p.maxEx);
    v.prada.push(p.maxPrada);
    for (const [t, x] of Object.entries(p.tests)) v.tests.set(t, [...(v.tests.get(t) ?? []), x]);
    kinds.set(k, v);
  }
  const quantiles = (xs: number[], digits: number) => {
    xs.sort((a, b) => a - b);
    const q = (f: number) =>
      xs[Math.min(xs.length - 1, Math.floor(f * xs.length))]!.toFixed(digits);
    return `median ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, max ${q(1)}`;
  };
  for (const [k, v] of kinds) {
    process.stdout.write(
      `benign ${k}: ${v.ex.length} clients; max per client: extraction score ${quantiles(v.ex, 1)}; PRADA score ${quantiles(v.prada, 2)}\n`,
    );
    for (const [t, xs] of v.tests)
      process.stdout.write(
        `  ${t} test (${xs.length} clients scored): ${quantiles(xs, 1)} (threshold ${thr.extractionTests?.[t as 'rate']?.toFixed(1) ?? '—'})\n`,
      );
  }
} else
  for (const [id, p] of per)
    process.stdout.write(
      `${id}: ${p.n} queries, flagged at ${p.flaggedAt ?? '—'} ${JSON.stringify(p.rules)}, min mean-kNN ${p.minKnn.toFixed(3)}, max extraction score ${p.maxEx.toFixed(1)} (per test: ${perTest(p.tests)}), max PRADA score ${p.maxPrada.toFixed(2)} (first 500 queries: ${p.maxPrada500.toFixed(2)})\n`,
    );
