/**
 * Diagnostics for one attack type after `npm run redteam`: per campaign, the guard's strongest
 * evidence against the client (lowest mean k-NN distance vs the stateful threshold, highest
 * extraction score vs its threshold, and the extraction test behind it), from the files the run
 * wrote (.vigil/redteam/{calibration.json,events.jsonl,report.json}).
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
  { minKnn: number; maxEx: number; reason: string; n: number; flaggedAt: number | null }
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
  };
  p.n++;
  if (d.meanKnn !== null) p.minKnn = Math.min(p.minKnn, d.meanKnn);
  if (d.scores.extraction > p.maxEx) {
    p.maxEx = d.scores.extraction;
    p.reason = d.reasons.find((r) => r.startsWith('extraction')) ?? '';
  }
  if (d.clientFlagged && p.flaggedAt === null) p.flaggedAt = p.n;
  per.set(e.clientId, p);
}
process.stdout.write(
  `${values.type}: thresholds statefulDistance ${thr.statefulDistance.toFixed(3)} (flag below), extraction ${thr.extraction.toFixed(1)} (flag at or above)\n`,
);
if (benign) {
  const kinds = new Map<string, number[]>();
  for (const [id, p] of per) {
    const k = id.split('-')[1]!;
    kinds.set(k, [...(kinds.get(k) ?? []), p.maxEx]);
  }
  for (const [k, xs] of kinds) {
    xs.sort((a, b) => a - b);
    const q = (f: number) => xs[Math.min(xs.length - 1, Math.floor(f * xs.length))]!.toFixed(1);
    process.stdout.write(
      `benign ${k}: ${xs.length} clients; max extraction score per client: median ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, max ${q(1)}\n`,
    );
  }
} else
  for (const [id, p] of per)
    process.stdout.write(
      `${id}: ${p.n} queries, flagged at ${p.flaggedAt ?? '—'}, min mean-kNN ${p.minKnn.toFixed(3)}, max extraction score ${p.maxEx.toFixed(1)}\n`,
    );
