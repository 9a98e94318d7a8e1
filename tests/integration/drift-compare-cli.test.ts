/**
 * `vigil drift compare` as a user runs it: the real binary on generated CSV and JSON Lines files.
 * Checks exit codes, the JSON contract's keys, the verdicts on a shifted and an unshifted column,
 * and that every number equals stats' compareDatasets on the same data in memory (the offline CLI
 * and the library agree exactly). Needs no servers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareDatasets,
  type ColumnComparison,
  type ColumnKind,
  type DatasetComparison,
} from '../../services/stats/index.js';
import { normal, rng } from '../unit/metrics/random.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'vigil-drift-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vigil(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/vigil.js'), 'drift', 'compare', ...args], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CONTRACT_FEATURE_KEYS = [
  'kind',
  'ks',
  'wasserstein',
  'psi',
  'jensenShannon',
  'chiSquare',
  'verdict',
];
const STAT_KEYS = [
  'ks',
  'wasserstein',
  'psi',
  'jensenShannon',
  'chiSquare',
  'z',
  'verdict',
] as const;

interface CliDocument {
  features: Record<string, Record<string, unknown>>;
  dataset: Record<string, unknown>;
}

/** Every statistic the CLI printed equals the library's; `skipKs`: the CLI left KS out. */
function expectSameNumbers(cli: CliDocument, direct: DatasetComparison, skipKs = false): void {
  expect(Object.keys(cli.features)).toEqual(Object.keys(direct.features));
  for (const [name, expected] of Object.entries(direct.features) as Array<
    [string, ColumnComparison]
  >) {
    const got = cli.features[name] as Record<string, unknown>;
    expect(got.kind, name).toBe(expected.kind);
    for (const key of STAT_KEYS) {
      if (key === 'ks' && skipKs) expect(got.ks, `${name}.ks`).toBeUndefined();
      else expect(got[key], `${name}.${key}`).toEqual(expected[key]);
    }
    expect([got.referenceSize, got.currentSize, got.distinctValues]).toEqual([
      expected.referenceSize,
      expected.currentSize,
      expected.distinctValues,
    ]);
  }
  expect(cli.dataset).toEqual({ ...direct.dataset, columns: Object.keys(direct.features).length });
}

describe('vigil drift compare on CSV (small reference: KS and chi-square)', () => {
  // Seeded: the unshifted column's KS p-value is ≈ 0.8 with this seed (a same-distribution pair
  // drifts with probability 0.05, so not every seed gives a clean control).
  const random = rng(2);
  const n = 400;
  const ref = {
    stable: Array.from({ length: n }, () => normal(random) * 3 + 10),
    shifted: Array.from({ length: n }, () => normal(random)),
    country: Array.from(
      { length: n },
      () => ['DE', 'FR', 'IT'][Math.floor(random() * 3)] as string,
    ),
  };
  const cur = {
    stable: Array.from({ length: n }, () => normal(random) * 3 + 10),
    shifted: Array.from({ length: n }, () => normal(random) + 1),
    country: Array.from(
      { length: n },
      () => ['DE', 'FR', 'IT'][Math.floor(random() * 3)] as string,
    ),
  };
  const kinds: Record<string, ColumnKind> = {
    stable: 'numeric',
    shifted: 'numeric',
    country: 'categorical',
  };
  // String(x) is the shortest text that reads back as the same double: the file holds the exact data.
  const csv = (d: typeof ref): string =>
    `stable,shifted,country\n${d.stable.map((_, i) => `${d.stable[i]},${d.shifted[i]},"${d.country[i]}"`).join('\n')}\n`;
  writeFileSync(join(dir, 'ref.csv'), csv(ref));
  writeFileSync(join(dir, 'cur.csv'), csv(cur));

  it('prints the JSON contract, flags the shifted column only, and agrees with compareDatasets', () => {
    const r = vigil('--reference', 'ref.csv', '--current', 'cur.csv', '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as CliDocument;
    expect(Object.keys(doc)).toEqual(['features', 'dataset']);
    expect(
      Object.keys(doc.features.stable ?? {}).filter((k) => CONTRACT_FEATURE_KEYS.includes(k)),
    ).toEqual(['kind', 'ks', 'wasserstein', 'psi', 'jensenShannon', 'verdict']);
    expect(
      Object.keys(doc.features.country ?? {}).filter((k) => CONTRACT_FEATURE_KEYS.includes(k)),
    ).toEqual(['kind', 'jensenShannon', 'chiSquare', 'verdict']);
    expect(Object.keys(doc.features.stable?.verdict as object)).toEqual([
      'method',
      'score',
      'threshold',
      'drifted',
    ]);
    expect(Object.keys(doc.dataset).slice(0, 3)).toEqual(['driftedShare', 'threshold', 'drifted']);

    expect(doc.features.shifted?.verdict).toMatchObject({ method: 'ks', drifted: true });
    expect(doc.features.stable?.verdict).toMatchObject({ method: 'ks', drifted: false });
    expect(doc.features.country?.verdict).toMatchObject({ method: 'chiSquare', drifted: false });
    expectSameNumbers(doc, compareDatasets(ref, cur, kinds));
  });

  it('exits 3 with --fail-on-drift only when the dataset drifted', () => {
    // 1 of 3 columns drifted: not at the default share 0.5, yes at 0.3.
    expect(vigil('--reference', 'ref.csv', '--current', 'cur.csv', '--fail-on-drift').status).toBe(
      0,
    );
    const r = vigil(
      '--reference',
      'ref.csv',
      '--current',
      'cur.csv',
      '--fail-on-drift',
      '--threshold-share',
      '0.3',
    );
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^shifted\s+numeric\s+ks\s.*DRIFT/m);
    expect(r.stdout).toMatch(/dataset: 1 of 3 columns drifted .*: DRIFT\n$/);
  });

  it('applies --stattest, --stattest-threshold and --columns like compareDatasets', () => {
    const r = vigil(
      '--reference',
      'ref.csv',
      '--current',
      'cur.csv',
      '--format',
      'json',
      '--stattest',
      'psi',
      '--stattest-threshold',
      '0.05',
      '--columns',
      'stable,shifted',
    );
    expect(r.status).toBe(0);
    const options = { method: 'psi', threshold: 0.05 } as const;
    const direct = compareDatasets(
      ref,
      cur,
      { stable: 'numeric', shifted: 'numeric' },
      { columns: { stable: options, shifted: options } },
    );
    expectSameNumbers(JSON.parse(r.stdout) as CliDocument, direct);
  });

  it('exits 2 with file:line for bad input and for usage errors', () => {
    writeFileSync(join(dir, 'ragged.csv'), 'stable,shifted,country\n1,2,DE\n3,4\n');
    let r = vigil('--reference', 'ref.csv', '--current', 'ragged.csv');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('vigil: ragged.csv:3: expected 3 fields, got 2\n');
    expect(r.stdout).toBe('');

    writeFileSync(join(dir, 'text.csv'), 'stable,shifted,country\n1,2,DE\n3,abc,FR\n');
    r = vigil('--reference', 'ref.csv', '--current', 'text.csv');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('vigil: text.csv:3: column shifted: "abc" is not a number\n');

    r = vigil('--reference', 'ref.csv');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/required option '--current <file>' not specified/);
  });

  it('documents the JSON shape and the null representation in --help', () => {
    const r = vigil('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/"features": \{"<column>": \{/);
    expect(r.stdout).toMatch(
      /NaN and \+\/-Infinity cannot be JSON numbers: they are written as null/,
    );
  });
});

describe('vigil drift compare on JSON Lines events (large: normalized Wasserstein, KS on demand)', () => {
  const random = rng(77);
  const n = 12_000; // above 10,000 rows: KS is skipped by default (--ks auto)
  const makeEvents = (shift: number): Array<Record<string, unknown>> =>
    Array.from({ length: n }, (_, i) => {
      const confidence = Math.min(1, Math.max(0, 0.8 + normal(random) * 0.1));
      return {
        eventId: `e${i}`,
        timestamp: 1764150000000 + i,
        modelId: 'fraud',
        modelVersion: 'v3',
        clientId: `c-${i % 17}`,
        features: {
          amount: Math.exp(normal(random)) * 20 * (1 + shift),
          age: Math.round(30 + normal(random) * 8),
        },
        categorical: { country: ['DE', 'FR', 'IT', 'ES'][Math.floor(random() * 4)] },
        prediction: {
          label: random() < 0.1 ? 'fraud' : 'ok',
          confidence,
          probabilities: { fraud: 1 - confidence, ok: confidence },
        },
        latencyMs: 12.3,
        status: 'OK',
      };
    });
  const refEvents = makeEvents(0);
  const curEvents = makeEvents(0.5);
  writeFileSync(join(dir, 'ref.jsonl'), `${refEvents.map((e) => JSON.stringify(e)).join('\n')}\n`);
  writeFileSync(join(dir, 'cur.jsonl'), `${curEvents.map((e) => JSON.stringify(e)).join('\n')}\n`);

  type Event = {
    features: { amount: number; age: number };
    categorical: { country: string };
    prediction: { label: string; confidence: number };
  };
  const columns = (events: Array<Record<string, unknown>>) => {
    const e = events as unknown as Event[];
    return {
      amount: e.map((x) => x.features.amount),
      age: e.map((x) => x.features.age),
      country: e.map((x) => x.categorical.country),
      'prediction.label': e.map((x) => x.prediction.label),
      'prediction.confidence': e.map((x) => x.prediction.confidence),
    };
  };
  const kinds: Record<string, ColumnKind> = {
    amount: 'numeric',
    age: 'numeric',
    country: 'categorical',
    'prediction.label': 'categorical',
    'prediction.confidence': 'numeric',
  };
  const direct = compareDatasets(columns(refEvents), columns(curEvents), kinds);

  it('flattens events, flags the shifted feature, and matches compareDatasets without KS', () => {
    const r = vigil('--reference', 'ref.jsonl', '--current', 'cur.jsonl', '--format', 'json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as CliDocument;
    expect(doc.features.amount?.verdict).toMatchObject({ method: 'wasserstein', drifted: true });
    expect(doc.features['prediction.confidence']?.verdict).toMatchObject({
      method: 'wasserstein',
      drifted: false,
    });
    expect(doc.features.country?.verdict).toMatchObject({
      method: 'jensenShannon',
      drifted: false,
    });
    expectSameNumbers(doc, direct, true);
  });

  it('with --ks always equals compareDatasets exactly, KS included', () => {
    const r = vigil(
      '--reference',
      'ref.jsonl',
      '--current',
      'cur.jsonl',
      '--format',
      'json',
      '--ks',
      'always',
    );
    expect(r.status).toBe(0);
    expectSameNumbers(JSON.parse(r.stdout) as CliDocument, direct);
  });

  it('names the line of an invalid JSON line', () => {
    writeFileSync(
      join(dir, 'broken.jsonl'),
      `${JSON.stringify(refEvents[0])}\n{"features": {"amount": 1}\n`,
    );
    const r = vigil('--reference', 'ref.jsonl', '--current', 'broken.jsonl');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^vigil: broken\.jsonl:2: invalid JSON: /);
  });
});
