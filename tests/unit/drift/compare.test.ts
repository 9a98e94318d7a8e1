import { describe, expect, it } from 'vitest';
import { PsiAccumulator } from '../../../services/stats/binning.js';
import { psiReferenceDeciles } from '../../../services/stats/psi.js';
import { compareColumn } from '../../../services/stats/verdict.js';
import {
  expandCounts,
  prepareProfile,
  scaleCounts,
  summarize,
  testCategorical,
  testNumeric,
  type FeatureDrift,
} from '../../../services/drift/compare.js';
import { buildProfile } from '../../../services/drift/profile.js';
import { normal, rng, traffic } from './traffic.js';

const opts = { modelId: 'm', modelVersion: 'v', clock: () => 0 };

function numericCase(refN: number, curN: number, shift: number, seed: number, round?: number) {
  const r = rng(seed);
  const gen = (n: number, s: number) =>
    Array.from({ length: n }, () => {
      const x = normal(r) + s;
      return round === undefined ? x : Math.min(2, Math.max(-2, Math.round(x * round))) / round; // ≤ 5 distinct values
    });
  const ref = gen(refN, 0);
  const cur = gen(curN, shift);
  const profile = buildProfile(
    ref.map((x) => ({ features: { x } })),
    { ...opts, reservoirSize: 10_000 },
  );
  const prepared = prepareProfile(profile).features[0]!;
  if (prepared.kind !== 'numeric') throw new Error('expected numeric');
  return { ref, cur, prepared };
}

describe('testNumeric gives the verdict of the stats core compareColumn', () => {
  const cases: Array<[string, number, number, number, number | undefined, string]> = [
    ['small reference → KS, no drift', 800, 500, 0, undefined, 'ks'],
    ['small reference → KS, drift', 800, 500, 0.4, undefined, 'ks'],
    ['large reference → Wasserstein, no drift', 5000, 1000, 0, undefined, 'wasserstein'],
    ['large reference → Wasserstein, drift', 5000, 1000, 0.5, undefined, 'wasserstein'],
    ['few distinct values, small reference → chi-square', 600, 300, 0.3, 1, 'chiSquare'],
    ['few distinct values, large reference → Jensen–Shannon', 3000, 1000, 0.5, 1, 'jensenShannon'],
  ];
  for (const [name, refN, curN, shift, round, method] of cases) {
    it(name, () => {
      const { ref, cur, prepared } = numericCase(refN, curN, shift, refN + curN, round);
      const psi = new PsiAccumulator(prepared.edges).addAll(cur);
      const got = testNumeric(prepared, cur, psi);
      const want = compareColumn(ref, cur, 'numeric');
      expect(got.method).toBe(method);
      // Same method, threshold and verdict; the score to 1e-12 relative (the profile keeps its
      // sample sorted, and the reference std is summed pairwise, so the order can move the last bit).
      expect({ method: got.method, threshold: got.threshold, drifted: got.drifted }).toEqual({
        method: want.verdict.method,
        threshold: want.verdict.threshold,
        drifted: want.verdict.drifted,
      });
      expect(Math.abs(got.score - want.verdict.score)).toBeLessThanOrEqual(
        1e-12 * Math.abs(want.verdict.score),
      );
      expect(Math.abs(got.wasserstein! - want.wasserstein!.normalized)).toBeLessThanOrEqual(
        1e-12 * want.wasserstein!.normalized,
      );
      expect(got.psi).toBe(psiReferenceDeciles(ref, cur));
      if (method === 'ks') expect(got.ksPValue).toBe(want.ks!.pValue);
      if (method === 'jensenShannon') expect(got.jensenShannon).toBe(want.jensenShannon!.evidently);
      expect(got.drifted).toBe(shift > 0);
    });
  }
});

describe('categorical columns', () => {
  it('counts are expanded exactly when small and scaled by largest remainder when large', () => {
    expect(expandCounts(['a', 'b'], [2, 1], 10)).toEqual(['a', 'a', 'b']);
    expect(scaleCounts([500, 300, 200], 10)).toEqual([5, 3, 2]);
    expect(scaleCounts([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(scaleCounts([5, 3, 2], 10)).toEqual([5, 3, 2]);
  });

  it('testCategorical equals compareColumn on the profile categories + __other__', () => {
    const ref = traffic({ n: 800, seed: 1, features: 0, categorical: true });
    const profile = buildProfile(ref, { ...opts, topCategories: 3 });
    const prepared = prepareProfile(profile).features[0]!;
    if (prepared.kind !== 'categorical') throw new Error('expected categorical');
    const counts = [100, 250, 40, 10]; // DE FR IT other: FR up
    const got = testCategorical(prepared, counts, 5000);
    const map = (e: (typeof ref)[number]) =>
      ['DE', 'FR', 'IT'].includes(e.categorical.country!) ? e.categorical.country! : '__other__';
    const cur = [
      ...Array(100).fill('DE'),
      ...Array(250).fill('FR'),
      ...Array(40).fill('IT'),
      ...Array(10).fill('__other__'),
    ];
    const want = compareColumn(ref.map(map), cur, 'categorical');
    expect(got.method).toBe('chiSquare');
    expect({
      method: got.method,
      score: got.score,
      threshold: got.threshold,
      drifted: got.drifted,
    }).toEqual(want.verdict);
    expect(got.drifted).toBe(true);
  });
});

describe('summarize', () => {
  const f = (
    feature: string,
    drifted: boolean,
    method: FeatureDrift['method'],
    score: number,
  ): FeatureDrift => ({
    feature,
    kind: 'numeric',
    method,
    score,
    threshold: method === 'ks' ? 0.05 : 0.1,
    drifted,
    ksPValue: null,
    psi: null,
    wasserstein: null,
    jensenShannon: null,
    referenceSize: 1,
    currentSize: 1,
  });
  it('share over input features only, dataset drift at ≥ 0.5, top drifted by severity across methods', () => {
    const v = summarize(
      [
        f('a', true, 'wasserstein', 0.3),
        f('b', true, 'ks', 1e-10),
        f('c', false, 'ks', 0.5),
        f('d', false, 'wasserstein', 0.01),
        f('prediction.confidence', true, 'wasserstein', 2),
      ],
      ['e'],
    );
    expect(v.driftedCount).toBe(2);
    expect(v.driftedShare).toBe(0.5);
    expect(v.datasetDrifted).toBe(true);
    expect(v.topDrifted.map((t) => t.feature)).toEqual(['prediction.confidence', 'b', 'a']);
    expect(v.missingFeatures).toEqual(['e']);
  });
});
