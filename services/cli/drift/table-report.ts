/**
 * The human-readable output of `vigil drift compare`: one aligned row per column, then a dataset
 * line. Numbers are rounded for reading; scripts should use `--format json`, which is exact.
 */
import type { DatasetComparison } from '../../stats/index.js';

const HEADERS = [
  'column',
  'kind',
  'method',
  'score',
  'threshold',
  'drifted',
  'KS p',
  'PSI',
  'W-norm',
  'JS',
] as const;
/** Columns holding numbers are right-aligned so their decimal points line up. */
const NUMERIC_COLUMNS = new Set([3, 4, 6, 7, 8, 9]);

/** A number for reading: 4 decimals, scientific below 0.001, '-' when absent. */
export function formatNumber(x: number | undefined): string {
  if (x === undefined) return '-';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return '0';
  if (Math.abs(x) < 1e-3) return x.toExponential(2);
  return x.toFixed(4);
}

export function tableReport(result: DatasetComparison): string {
  const rows: string[][] = Object.entries(result.features).map(([name, c]) => [
    name,
    c.kind,
    c.verdict.method,
    formatNumber(c.verdict.score),
    formatNumber(c.verdict.threshold),
    c.verdict.drifted ? 'DRIFT' : 'no',
    formatNumber(c.ks?.pValue),
    formatNumber(c.psi?.evidently),
    formatNumber(c.wasserstein?.normalized),
    formatNumber(c.jensenShannon?.evidently),
  ]);
  const all = [[...HEADERS], ...rows];
  const widths = HEADERS.map((_, i) => Math.max(...all.map((r) => (r[i] as string).length)));
  const lines = all.map((r) =>
    r
      .map((cell, i) => {
        const width = widths[i] as number;
        return NUMERIC_COLUMNS.has(i) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
  const d = result.dataset;
  const columns = rows.length;
  lines.push(
    '',
    `dataset: ${d.driftedCount} of ${columns} columns drifted (share ${formatNumber(d.driftedShare)}, ` +
      `threshold ${formatNumber(d.threshold)}): ${d.drifted ? 'DRIFT' : 'no drift'}`,
  );
  return `${lines.join('\n')}\n`;
}
