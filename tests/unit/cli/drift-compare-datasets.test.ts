import { describe, expect, it } from 'vitest';
import { compareDatasetsWithKsPolicy } from '../../../services/cli/drift/compare-datasets.js';
import {
  compareColumn,
  compareDatasets,
  type ColumnComparison,
  type CompareColumnOptions,
  type DriftMethod,
} from '../../../services/stats/index.js';
import { normal, rng } from '../metrics/random.js';

function sampleOf<T>(random: () => number, n: number, make: (r: () => number) => T): T[] {
  return Array.from({ length: n }, () => make(random));
}

function withoutKs(c: ColumnComparison): ColumnComparison {
  const rest = { ...c };
  delete rest.ks;
  return rest;
}

describe("compareColumn's ks policy changes nothing but the ks key", () => {
  const random = rng(7);
  const shapes: Array<[string, (r: () => number) => number]> = [
    ['continuous', (r) => normal(r)],
    ['few distinct (≤ 5)', (r) => Math.floor(r() * 4)],
    ['binary', (r) => (r() < 0.3 ? 0 : 1)],
    ['20-ish distinct', (r) => Math.floor(r() * 18)],
    [
      'with NaN and ±Infinity',
      (r) => (r() < 0.05 ? NaN : r() < 0.02 ? Infinity : r() < 0.02 ? -Infinity : normal(r)),
    ],
  ];
  const sizes: Array<[number, number]> = [
    [200, 300], // small reference: tests (ks, chiSquare, z)
    [1500, 800], // large reference: distances (wasserstein, jensenShannon)
  ];
  const overrides: CompareColumnOptions[] = [
    {},
    { method: 'psi' },
    { method: 'jensenShannon', threshold: 0.2 },
    { method: 'chiSquare' },
    { method: 'z' },
    { method: 'wasserstein', thresholds: { wasserstein: 0.3 } },
    { threshold: 0.01 },
  ];
  for (const [shape, make] of shapes) {
    for (const [n, m] of sizes) {
      for (const options of overrides) {
        it(`${shape}, ${n} vs ${m}, ${JSON.stringify(options)}`, () => {
          const ref = sampleOf(random, n, make);
          const cur = sampleOf(random, m, (r) => make(r) + (r() < 0.5 ? 0 : 1));
          const expected = compareColumn(ref, cur, 'numeric', options);
          const skipped = compareColumn(ref, cur, 'numeric', { ...options, ks: 'never' });
          if (expected.verdict.method === 'ks') {
            // A KS verdict keeps KS even when the caller would skip it.
            expect(skipped).toEqual(expected);
            return;
          }
          expect(skipped.ks).toBeUndefined();
          expect(skipped).toEqual(withoutKs(expected));
          expect(compareColumn(ref, cur, 'numeric', { ...options, ks: 'always' })).toEqual(
            expected,
          );
        });
      }
    }
  }

  it('throws on an empty side whatever the policy', () => {
    expect(() => compareColumn([NaN], [1, 2], 'numeric', { ks: 'never' })).toThrow(
      /reference has no usable values/,
    );
    expect(() => compareColumn([1, 2], [], 'numeric', { ks: 'never' })).toThrow(
      /current has no usable values/,
    );
  });
});

describe('KS policy', () => {
  it('computes KS when it is the verdict, or (auto) when both sides have ≤ 10,000 rows', () => {
    const r = rng(3);
    const big = (n: number): number[] => sampleOf(r, n, normal);
    const has = (n: number, m: number, ks: 'auto' | 'never', method?: DriftMethod): boolean =>
      compareColumn(big(n), big(m), 'numeric', { ks, ...(method ? { method } : {}) }).ks !==
      undefined;
    expect(has(12_000, 12_000, 'never', 'ks')).toBe(true);
    expect(has(12_000, 12_000, 'never')).toBe(false);
    expect(has(10_000, 10_000, 'auto', 'wasserstein')).toBe(true);
    expect(has(10_000, 10_001, 'auto', 'wasserstein')).toBe(false);
  });

  const random = rng(11);
  const reference = {
    x: sampleOf(random, 12_000, normal),
    y: sampleOf(random, 12_000, normal),
    c: sampleOf(random, 12_000, (r) => (r() < 0.5 ? 'a' : 'b')),
  };
  const current = {
    x: sampleOf(random, 11_000, (r) => normal(r) + 0.5),
    y: sampleOf(random, 11_000, normal),
    c: sampleOf(random, 11_000, (r) => (r() < 0.4 ? 'a' : 'b')),
  };
  const kinds = { x: 'numeric', y: 'numeric', c: 'categorical' } as const;

  it("'always' equals stats compareDatasets exactly", () => {
    const expected = compareDatasets(reference, current, kinds, { driftShare: 0.3 });
    expect(
      compareDatasetsWithKsPolicy(reference, current, kinds, { driftShare: 0.3, ks: 'always' }),
    ).toEqual(expected);
  });

  it("'auto' above 10,000 rows equals compareDatasets without the ks fields", () => {
    const expected = compareDatasets(reference, current, kinds);
    const auto = compareDatasetsWithKsPolicy(reference, current, kinds);
    expect(auto.dataset).toEqual(expected.dataset);
    for (const name of Object.keys(kinds)) {
      expect(auto.features[name]?.ks).toBeUndefined();
      expect(auto.features[name]).toEqual(withoutKs(expected.features[name] as ColumnComparison));
    }
    expect(auto.features.x?.verdict.drifted).toBe(true);
    expect(auto.features.y?.verdict.drifted).toBe(false);
  });

  it('passes a forced method and threshold to every column, as compareDatasets per-column options do', () => {
    const columns = {
      x: { method: 'psi', threshold: 0.2 },
      y: { method: 'psi', threshold: 0.2 },
      c: { method: 'psi', threshold: 0.2 },
    } as const;
    const expected = compareDatasets(reference, current, kinds, { columns });
    const ours = compareDatasetsWithKsPolicy(reference, current, kinds, {
      method: 'psi',
      threshold: 0.2,
      ks: 'always',
    });
    expect(ours).toEqual(expected);
  });
});
