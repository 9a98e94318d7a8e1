/** The red-team report: a plain-text table for the terminal and the JSON written to disk. */
import type { AttackRow, BenignSummary, Figures } from './evaluate.js';

const pct = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? '—' : `${(100 * x).toFixed(digits)}%`;
const num = (x: number | null | undefined) => (x === null || x === undefined ? '—' : String(x));

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

export function outcomeText(row: AttackRow): string {
  const o = row.outcome;
  if (row.family === 'white-box')
    return `evasion ${pct(o.evasionRate)}, L∞ ${o.meanLinf?.toFixed(2)}`;
  if (row.family === 'black-box')
    return `success ${pct(o.success)}, L2 ${o.startL2?.toFixed(2)}→${o.finalL2?.toFixed(2)}`;
  return `surrogate agreement ${pct(o.surrogateAgreement)}`;
}

export function figuresTable(title: string, f: Figures, other?: Figures): string {
  const head = [
    'attack',
    'campaigns',
    'events',
    'event TPR',
    'TPR incl. client',
    'event FPR',
    'campaigns flagged',
    'within budget',
    'queries→flag med',
    'p95',
    'attack outcome',
  ];
  const rows = f.rows.map((r) => [
    r.type,
    String(r.campaigns),
    String(r.events),
    pct(r.eventTpr),
    pct(r.eventOrClientTpr),
    pct(r.eventFpr, 2),
    pct(r.campaignsFlagged),
    r.budget === null ? '—' : `${pct(r.flaggedWithinBudget)} ≤${r.budget}`,
    num(r.queriesToFlag.median),
    num(r.queriesToFlag.p95),
    outcomeText(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const lines = [title, pad(head, widths), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) lines.push(pad(r, widths));
  lines.push(benignLine(f.benign));
  if (other) {
    const diffs = compareFigures(f, other);
    lines.push(
      diffs.length === 0
        ? 'agrees with the offline figures exactly'
        : `differences from offline: ${diffs.join('; ')}`,
    );
  }
  return lines.join('\n');
}

export function benignLine(b: BenignSummary): string {
  const kinds = Object.entries(b.byKind)
    .map(([k, v]) => `${k} ${v.flagged}/${v.clients}`)
    .join(', ');
  const rules = b.rules ? `; by rule ${JSON.stringify(b.rules)}` : '';
  return `benign: ${b.clients} clients, ${b.events} events; events flagged ${b.flaggedEvents} (${pct(b.eventFpr, 2)}); clients flagged ${b.clientsFlagged} (${pct(b.clientFlagRate, 2)}) [${kinds}]${rules}`;
}

/** Field-by-field differences between two figure sets (same traffic). */
export function compareFigures(a: Figures, b: Figures): string[] {
  const out: string[] = [];
  const keys: (keyof AttackRow)[] = [
    'events',
    'eventTpr',
    'eventOrClientTpr',
    'campaignsFlagged',
    'flaggedWithinBudget',
  ];
  for (const ra of a.rows) {
    const rb = b.rows.find((r) => r.type === ra.type);
    if (!rb) {
      out.push(`${ra.type}: missing`);
      continue;
    }
    for (const k of keys)
      if (ra[k] !== rb[k]) out.push(`${ra.type} ${k} ${String(ra[k])} vs ${String(rb[k])}`);
    if (JSON.stringify(ra.queriesToFlag) !== JSON.stringify(rb.queriesToFlag))
      out.push(
        `${ra.type} queriesToFlag ${JSON.stringify(ra.queriesToFlag)} vs ${JSON.stringify(rb.queriesToFlag)}`,
      );
  }
  for (const k of ['flaggedEvents', 'clientsFlagged'] as const)
    if (a.benign[k] !== b.benign[k]) out.push(`benign ${k} ${a.benign[k]} vs ${b.benign[k]}`);
  return out;
}

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

/** The "Done when" targets, checked against a figure set. */
export function targets(f: Figures): Target[] {
  const out: Target[] = [];
  for (const r of f.rows.filter((r) => r.family === 'black-box'))
    out.push({
      name: `${r.type}: flagged in ≥ 95 % of campaigns within 50 queries`,
      met: (r.flaggedWithinBudget ?? 0) >= 0.95,
      detail: `${pct(r.flaggedWithinBudget)} (median ${num(r.queriesToFlag.median)}, p95 ${num(r.queriesToFlag.p95)} queries)`,
    });
  for (const r of f.rows.filter((r) => r.family === 'extraction'))
    out.push({
      name: `${r.type}: every campaign flagged within 500 queries`,
      met: r.flaggedWithinBudget === 1,
      detail: `${pct(r.flaggedWithinBudget)} (max ${num(r.queriesToFlag.max)} queries)`,
    });
  out.push({
    name: 'benign clients flagged ≤ 0.1 %',
    met: f.benign.clientFlagRate <= 0.001,
    detail: `${f.benign.clientsFlagged}/${f.benign.clients} (${pct(f.benign.clientFlagRate, 2)})`,
  });
  out.push({
    name: 'no benign client flagged (extraction target)',
    met: f.benign.clientsFlagged === 0,
    detail: `${f.benign.clientsFlagged} flagged`,
  });
  return out;
}

export function targetsText(ts: readonly Target[]): string {
  return ts.map((t) => `  [${t.met ? 'met' : 'MISSED'}] ${t.name}: ${t.detail}`).join('\n');
}
