/** The readable summary `vigil guard score` prints without --format jsonl. */
import type { GuardThresholds } from '../../guard/thresholds.js';

export interface ClientSummary {
  events: number;
  flagged: number;
  suspicious: {
    modelId: string;
    since: { eventId: string; timestamp: number };
    why: string[];
    atQuery: number;
  } | null;
}

export interface ScoreSummary {
  events: number;
  flagged: number;
  badLines: number;
  clients: Map<string, ClientSummary>;
  thresholds: GuardThresholds;
}

function pct(a: number, b: number): string {
  return b > 0 ? `${((100 * a) / b).toFixed(2)}%` : '-';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const MAX_ROWS = 50;

export function scoreSummaryTable(s: ScoreSummary): string {
  const suspicious = [...s.clients].filter(([, c]) => c.suspicious !== null);
  const out: string[] = [
    `events:          ${s.events} scored, ${s.badLines} bad lines skipped`,
    `flagged events:  ${s.flagged} (${pct(s.flagged, s.events)})`,
    `flagged clients: ${suspicious.length} of ${s.clients.size} (${pct(suspicious.length, s.clients.size)})`,
    `calibrated for:  client FPR ${s.thresholds.targetFpr}, event FPR ${s.thresholds.eventFpr}`,
    '',
  ];
  if (suspicious.length > 0) {
    suspicious.sort(
      ([, a], [, b]) => a.suspicious!.since.timestamp - b.suspicious!.since.timestamp,
    );
    const rows = suspicious
      .slice(0, MAX_ROWS)
      .map(([id, c]) => [
        id,
        c.suspicious!.modelId,
        String(c.events),
        `${c.flagged} (${pct(c.flagged, c.events)})`,
        String(c.suspicious!.atQuery),
        new Date(c.suspicious!.since.timestamp).toISOString(),
        c.suspicious!.why.join('; '),
      ]);
    out.push(
      table(['client', 'model', 'events', 'flagged', 'at query', 'suspicious since', 'why'], rows),
    );
    if (suspicious.length > MAX_ROWS)
      out.push(`… and ${suspicious.length - MAX_ROWS} more flagged clients`);
  } else out.push('no client flagged');
  return `${out.join('\n')}\n`;
}
