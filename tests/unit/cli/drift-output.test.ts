import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EXIT_BAD_INPUT,
  EXIT_DRIFT,
  EXIT_OK,
  runDriftCompareCommand,
} from '../../../services/cli/drift/compare-command.js';
import {
  parseCompareOptions,
  parseList,
  parseMethod,
} from '../../../services/cli/drift/compare-options.js';
import { driftReport, featureReport, jsonNumber } from '../../../services/cli/drift/json-report.js';
import { formatNumber, tableReport } from '../../../services/cli/drift/table-report.js';
import { compareDatasets, type ColumnComparison } from '../../../services/stats/index.js';

const numericColumn: ColumnComparison = {
  kind: 'numeric',
  referenceSize: 10,
  currentSize: 12,
  distinctValues: 20,
  ks: { statistic: 0.5, pValue: 0.01 },
  wasserstein: { value: 1.5, normalized: 0.8 },
  psi: { referenceDeciles: 0.3, evidently: 0.4 },
  jensenShannon: { evidently: 0.2 },
  verdict: { method: 'ks', score: 0.01, threshold: 0.05, drifted: true },
};

const categoricalColumn: ColumnComparison = {
  kind: 'categorical',
  referenceSize: 10,
  currentSize: 10,
  distinctValues: 3,
  jensenShannon: { evidently: 0.3 },
  chiSquare: { statistic: Infinity, pValue: 0 },
  verdict: { method: 'chiSquare', score: 0, threshold: 0.05, drifted: true },
};

describe('JSON report', () => {
  it('keeps the documented keys in order, and absent where stats left them out', () => {
    expect(Object.keys(featureReport(numericColumn))).toEqual([
      'kind',
      'ks',
      'wasserstein',
      'psi',
      'jensenShannon',
      'verdict',
      'referenceSize',
      'currentSize',
      'distinctValues',
    ]);
    expect(Object.keys(featureReport(categoricalColumn))).toEqual([
      'kind',
      'jensenShannon',
      'chiSquare',
      'verdict',
      'referenceSize',
      'currentSize',
      'distinctValues',
    ]);
    const withZ = { ...categoricalColumn, z: { statistic: 2, pValue: 0.04 } };
    expect(featureReport(withZ).z).toEqual({ statistic: 2, pValue: 0.04 });
  });

  it('writes NaN and ±Infinity as null', () => {
    expect([jsonNumber(NaN), jsonNumber(Infinity), jsonNumber(-Infinity), jsonNumber(0.5)]).toEqual(
      [null, null, null, 0.5],
    );
    expect(featureReport(categoricalColumn).chiSquare).toEqual({ statistic: null, pValue: 0 });
    const nanScore = {
      ...categoricalColumn,
      verdict: { ...categoricalColumn.verdict, score: NaN, drifted: false },
    };
    expect(JSON.parse(JSON.stringify(featureReport(nanScore))).verdict.score).toBeNull();
  });

  it('carries the dataset verdict with its extensions', () => {
    const result = compareDatasets(
      { a: [1, 2, 3, 4, 5, 6, 7], b: ['x', 'y'] },
      { a: [5, 6, 7, 8, 9, 10, 11], b: ['x', 'y'] },
      {
        a: 'numeric',
        b: 'categorical',
      },
    );
    const report = driftReport(result);
    expect(Object.keys(report)).toEqual(['features', 'dataset']);
    expect(report.dataset).toEqual({
      driftedShare: result.dataset.driftedShare,
      threshold: 0.5,
      drifted: result.dataset.drifted,
      driftedCount: result.dataset.driftedCount,
      columns: 2,
    });
    expect(Object.keys(report.features)).toEqual(['a', 'b']);
  });
});

describe('table report', () => {
  it('formats numbers for reading', () => {
    expect([0, 0.5, 1234.56789, 0.00001234, -2e-7].map(formatNumber)).toEqual([
      '0',
      '0.5000',
      '1234.5679',
      '1.23e-5',
      '-2.00e-7',
    ]);
    expect([undefined, NaN, Infinity, -Infinity].map(formatNumber)).toEqual([
      '-',
      'NaN',
      'inf',
      '-inf',
    ]);
  });

  it('aligns one row per column and ends with the dataset line', () => {
    const text = tableReport({
      features: { amount: numericColumn, country: categoricalColumn },
      dataset: { driftedShare: 1, driftedCount: 2, threshold: 0.5, drifted: true },
    });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^column\s+kind\s+method\s+score\s+threshold\s+drifted\s+KS p\s+PSI\s+W-norm\s+JS$/,
    );
    expect(lines[1]).toMatch(
      /^amount\s+numeric\s+ks\s+0\.0100\s+0\.0500\s+DRIFT\s+0\.0100\s+0\.4000\s+0\.8000\s+0\.2000$/,
    );
    expect(lines[2]).toMatch(
      /^country\s+categorical\s+chiSquare\s+0\s+0\.0500\s+DRIFT\s+-\s+-\s+-\s+0\.3000$/,
    );
    // Right-aligned numbers: every row has the same length up to the last column.
    expect(new Set(lines.slice(0, 3).map((l) => l.length)).size).toBe(1);
    expect(lines.at(-1)).toBe(
      'dataset: 2 of 2 columns drifted (share 1.0000, threshold 0.5000): DRIFT',
    );
  });
});

describe('option parsing', () => {
  const base = { reference: 'r.csv', current: 'c.csv' };

  it('applies the defaults', () => {
    expect(parseCompareOptions(base)).toEqual({
      ...base,
      numeric: [],
      categorical: [],
      output: 'table',
      driftShare: 0.5,
      ks: 'auto',
      failOnDrift: false,
    });
  });

  it('accepts stats and Evidently method names, any case', () => {
    expect(
      [
        'ks',
        'chisquare',
        'CHISQUARE',
        'z',
        'wasserstein',
        'jensenshannon',
        'jensenShannon',
        'psi',
      ].map(parseMethod),
    ).toEqual([
      'ks',
      'chiSquare',
      'chiSquare',
      'z',
      'wasserstein',
      'jensenShannon',
      'jensenShannon',
      'psi',
    ]);
    expect(() => parseMethod('anderson')).toThrow(/--stattest: unknown method "anderson"/);
  });

  it('splits lists and rejects repeats and overlaps', () => {
    expect(parseList('--columns', ' a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(() => parseList('--columns', 'a,a')).toThrow('--columns: column "a" is listed twice');
    expect(() => parseCompareOptions({ ...base, numeric: 'a,b', categorical: 'b' })).toThrow(
      'column "b" is given to both --numeric and --categorical',
    );
  });

  it('checks numbers and choices', () => {
    expect(() => parseCompareOptions({ ...base, thresholdShare: '1.5' })).toThrow(
      /--threshold-share: expected a number in \[0, 1\]/,
    );
    expect(() => parseCompareOptions({ ...base, stattestThreshold: '-1' })).toThrow(
      /--stattest-threshold/,
    );
    expect(() => parseCompareOptions({ ...base, format: 'yaml' })).toThrow(
      /--format: expected one of table, json/,
    );
    expect(() => parseCompareOptions({ ...base, formatIn: 'xlsx' })).toThrow(
      /--format-in: expected one of csv, jsonl/,
    );
    expect(() => parseCompareOptions({ ...base, ks: 'sometimes' })).toThrow(
      /--ks: expected one of auto, always, never/,
    );
    expect(
      parseCompareOptions({
        ...base,
        stattest: 'psi',
        stattestThreshold: '0.2',
        thresholdShare: '0.3',
      }),
    ).toMatchObject({
      method: 'psi',
      threshold: 0.2,
      driftShare: 0.3,
    });
  });
});

describe('runDriftCompareCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-drift-cmd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const run = async (raw: Parameters<typeof runDriftCompareCommand>[0]) => {
    let out = '';
    let err = '';
    const code = await runDriftCompareCommand(raw, {
      out: (t) => (out += t),
      err: (t) => (err += t),
    });
    return { code, out, err: err.replaceAll(`${dir}/`, '') };
  };
  const rows = (n: number, f: (i: number) => string): string =>
    Array.from({ length: n }, (_, i) => f(i)).join('\n');
  const reference = write(
    'ref.csv',
    `a,b,only_ref\n${rows(50, (i) => `${i},${i % 3 === 0 ? 'x' : 'y'},1`)}\n`,
  );
  const current = write(
    'cur.csv',
    `a,b,only_cur\n${rows(50, (i) => `${i + 40},${i % 3 === 0 ? 'x' : 'y'},2`)}\n`,
  );

  it('prints JSON, warns about one-sided columns, exits 0 or 3 with --fail-on-drift', async () => {
    const r = await run({ reference, current, format: 'json' });
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).toBe(
      'vigil: warning: columns only in the reference, not compared: only_ref\n' +
        'vigil: warning: columns only in the current data, not compared: only_cur\n',
    );
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc.features)).toEqual(['a', 'b']);
    expect(doc.features.a.verdict.drifted).toBe(true);
    expect(doc.features.b.verdict.drifted).toBe(false);
    expect(doc.dataset.drifted).toBe(true); // 1 of 2 ≥ 0.5
    expect((await run({ reference, current, failOnDrift: true })).code).toBe(EXIT_DRIFT);
    expect((await run({ reference, current, failOnDrift: true, thresholdShare: '0.6' })).code).toBe(
      EXIT_OK,
    );
  });

  it('restricts to --columns without warnings', async () => {
    const r = await run({ reference, current, format: 'json', columns: 'b' });
    expect(r.err).toBe('');
    expect(Object.keys(JSON.parse(r.out).features)).toEqual(['b']);
  });

  it('exits 2 with a message for bad input', async () => {
    const bad = write('bad.csv', 'a,b\n1,x\n2\n');
    expect(await run({ reference, current: bad })).toMatchObject({
      code: EXIT_BAD_INPUT,
      err: 'vigil: bad.csv:3: expected 2 fields, got 1\n',
    });
    const empty = write('empty-col.csv', 'a,b\n,x\n,y\n');
    expect(await run({ reference, current: empty })).toMatchObject({
      code: EXIT_BAD_INPUT,
      err: expect.stringContaining('empty-col.csv: column a: no values (every cell is empty)'),
    });
    expect((await run({ reference, current, columns: 'nope' })).err).toBe(
      'vigil: ref.csv: column "nope" (named in the options) is not in this file\n',
    );
    expect((await run({ reference, current, stattest: 'ks' })).err).toMatch(
      /--stattest ks needs numeric columns, but these are categorical: b/,
    );
    const other = write('other.csv', 'z\n1\n');
    expect((await run({ reference, current: other })).err).toMatch(/have no column in common/);
  });
});
