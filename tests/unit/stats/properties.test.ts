/** Properties that hold whatever scipy says: each of these can fail on a wrong implementation. */
import { describe, expect, it } from 'vitest';
import {
  PsiAccumulator,
  buildDecileReference,
  chiSquareTest,
  chooseMethod,
  compareColumn,
  compareDatasets,
  computeOuterProbInsideMethod,
  computeProbOutsideSquare,
  evidentlyBinnedShares,
  fillZeroShares,
  jensenShannonDistance,
  ks2samp,
  kstwoSf,
  newCurrentAccumulator,
  psiFromAccumulators,
  psiReferenceDeciles,
  referenceDecileEdges,
  wassersteinDistance,
  wassersteinNormalized,
  zTest,
} from '../../../services/stats/index.js';
import { normals, rng } from './golden.js';

/** Exact two-sided P(D ≥ d) by enumerating every split of the pooled ranks (tiny n, m only). */
function bruteForceKsP(n: number, m: number, dObs: number): number {
  let hits = 0;
  let total = 0;
  const N = n + m;
  for (let mask = 0; mask < 1 << N; mask++) {
    let bits = 0;
    for (let i = 0; i < N; i++) if (mask & (1 << i)) bits++;
    if (bits !== n) continue;
    total++;
    let ca = 0;
    let cb = 0;
    let d = 0;
    for (let i = 0; i < N; i++) {
      if (mask & (1 << i)) ca++;
      else cb++;
      d = Math.max(d, Math.abs(ca / n - cb / m));
    }
    if (d >= dObs - 1e-12) hits++;
  }
  return hits / total;
}

describe('ks2samp properties', () => {
  const next = rng(7);

  it('identical samples: statistic 0, p 1', () => {
    const a = normals(next, 50);
    const r = ks2samp(a, [...a].reverse());
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1);
    const big = normals(next, 12000);
    expect(ks2samp(big, big)).toMatchObject({ statistic: 0, pValue: 1, method: 'asymptotic' });
  });

  it('is symmetric in its arguments', () => {
    for (const [n, m] of [
      [7, 11],
      [40, 40],
      [300, 170],
      [10001, 800],
    ] as const) {
      const a = normals(next, n);
      const b = normals(next, m, 0.2);
      const ab = ks2samp(a, b);
      const ba = ks2samp(b, a);
      expect(ba.statistic).toBe(ab.statistic);
      expect(ba.pValue).toBe(ab.pValue);
    }
  });

  it('does not depend on input order and never mutates the input', () => {
    const a = normals(next, 30);
    const b = normals(next, 25, 0.5);
    const copy = [...a];
    const r1 = ks2samp(a, b);
    expect(a).toEqual(copy);
    const r2 = ks2samp(
      [...a].sort((x, y) => y - x),
      b,
    );
    expect(r2).toEqual(r1);
  });

  it('completely separated samples give statistic 1', () => {
    const r = ks2samp([1, 2, 3], [4, 5, 6, 7]);
    expect(r.statistic).toBe(1);
    // Only 2 of C(7,3) = 35 rank splits are that extreme.
    expect(r.pValue).toBeCloseTo(2 / 35, 14);
  });

  it('exact p-values equal brute-force enumeration of all rank splits', () => {
    for (const [n, m] of [
      [3, 4],
      [4, 4],
      [5, 7],
      [6, 6],
      [2, 9],
      [8, 5],
    ] as const) {
      for (let trial = 0; trial < 4; trial++) {
        const a = normals(next, n);
        const b = normals(next, m, trial * 0.5);
        const r = ks2samp(a, b);
        expect(r.method).toBe('exact');
        expect(r.pValue).toBeCloseTo(bruteForceKsP(n, m, r.statistic), 12);
      }
    }
  });

  it('equal-size and unequal-size exact recursions agree where both apply', () => {
    // computeOuterProbInsideMethod is the general recursion; for n = m it must match the square form.
    for (const n of [5, 17, 60]) {
      for (let h = 1; h <= n; h += Math.max(1, Math.floor(n / 7))) {
        expect(computeOuterProbInsideMethod(n, n, n, h)).toBeCloseTo(
          computeProbOutsideSquare(n, h),
          12,
        );
      }
    }
  });

  it('p-value decreases as the shift grows', () => {
    const a = normals(rng(3), 400);
    const base = normals(rng(4), 300);
    let last = 2;
    for (const shift of [0, 0.1, 0.2, 0.4, 0.8]) {
      const p = ks2samp(
        a,
        base.map((x) => x + shift),
      ).pValue;
      expect(p).toBeLessThanOrEqual(last);
      last = p;
    }
    expect(last).toBeLessThan(1e-10);
  });

  it('switches to the asymptotic distribution just above 10 000', () => {
    expect(ks2samp(normals(next, 10000), normals(next, 10000)).method).toBe('exact');
    expect(ks2samp(normals(next, 10001), normals(next, 10)).method).toBe('asymptotic');
    expect(ks2samp([1, 2, 3], [2, 3, 4], { method: 'asymp' }).method).toBe('asymptotic');
  });

  it('NaN or empty input gives NaN (scipy propagate)', () => {
    expect(ks2samp([1, NaN], [1, 2]).pValue).toBeNaN();
    expect(ks2samp([], [1, 2]).statistic).toBeNaN();
  });
});

describe('kstwo.sf properties', () => {
  it('is a survival function: 1 at 0, 0 at 1, non-increasing in x', () => {
    for (const n of [1, 3, 20, 141, 5000, 200000]) {
      expect(kstwoSf(0, n)).toBe(1);
      expect(kstwoSf(1, n)).toBe(0);
      let last = 1;
      for (let i = 1; i < 60; i++) {
        const x = (i / 60) ** 2;
        const p = kstwoSf(x, n);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(last + 1e-12);
        last = p;
      }
    }
  });

  it('approaches the Kolmogorov limit for large n', () => {
    // P(√n D_n ≥ 1) → 2 Σ (−1)^{k−1} e^{−2k²} ≈ 0.26999967
    let lim = 0;
    for (let k = 1; k < 20; k++) lim += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k);
    expect(Math.abs(kstwoSf(1 / Math.sqrt(400000), 400000) - lim)).toBeLessThan(2e-3);
  });
});

describe('chi-square and z-test properties', () => {
  it('identical category shares: statistic 0 and p 1', () => {
    const ref = ['a', 'b', 'b', 'c', 'c', 'c'];
    const r = chiSquareTest(ref, [...ref, ...ref]);
    expect(r.statistic).toBeCloseTo(0, 12);
    expect(r.pValue).toBeCloseTo(1, 12);
    expect(r.df).toBe(2);
  });

  it('a category unseen in reference makes the statistic infinite and p 0 (scipy/Evidently)', () => {
    const r = chiSquareTest(['a', 'b'], ['a', 'c']);
    expect(r.statistic).toBe(Infinity);
    expect(r.pValue).toBe(0);
  });

  it('missing values are ignored', () => {
    expect(chiSquareTest(['a', null, 'b', undefined], ['a', 'b', NaN])).toEqual(
      chiSquareTest(['a', 'b'], ['a', 'b']),
    );
  });

  it('z-test is symmetric and label-independent', () => {
    const ref = [0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0];
    const cur = [1, 1, 0, 1, 1, 1, 0, 1];
    const p = zTest(ref, cur).pValue;
    expect(zTest(cur, ref).pValue).toBeCloseTo(p, 14);
    expect(
      zTest(
        ref.map((v) => (v ? 'no' : 'yes')),
        cur.map((v) => (v ? 'no' : 'yes')),
      ).pValue,
    ).toBeCloseTo(p, 14);
    expect(zTest(['x', 'x'], ['x']).pValue).toBe(1);
  });
});

describe('distance properties', () => {
  const next = rng(11);

  it('Wasserstein: symmetric, 0 on identical samples, |c| under a shift by c', () => {
    const a = normals(next, 200);
    const b = normals(next, 150, 1);
    expect(wassersteinDistance(a, b)).toBeCloseTo(wassersteinDistance(b, a), 12);
    expect(wassersteinDistance(a, [...a].reverse())).toBe(0);
    expect(
      wassersteinDistance(
        a,
        a.map((x) => x + 2.5),
      ),
    ).toBeCloseTo(2.5, 10);
  });

  it('normalized Wasserstein is scale-invariant and floors the std at 0.001', () => {
    const a = normals(next, 300);
    const b = normals(next, 300, 0.4);
    const w1 = wassersteinNormalized(a, b).normalized;
    const w2 = wassersteinNormalized(
      a.map((x) => x * 1000),
      b.map((x) => x * 1000),
    ).normalized;
    expect(w2).toBeCloseTo(w1, 10);
    expect(wassersteinNormalized([5, 5, 5], [5, 5, 6]).normalized).toBeCloseTo(1 / 3 / 0.001, 6);
  });

  it('Jensen–Shannon: 0 for equal shares, √ln2 for disjoint support, symmetric', () => {
    expect(jensenShannonDistance([1, 2, 3], [2, 4, 6])).toBeCloseTo(0, 12);
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(Math.sqrt(Math.LN2), 14);
    expect(jensenShannonDistance([0.2, 0.8], [0.6, 0.4])).toBeCloseTo(
      jensenShannonDistance([0.6, 0.4], [0.2, 0.8]),
      14,
    );
  });

  it('PSI (deciles) is ≥ 0, ~0 for the same distribution and grows with the shift', () => {
    const ref = normals(next, 5000);
    expect(psiReferenceDeciles(ref, ref)).toBe(0);
    let last = -1;
    for (const shift of [0, 0.25, 0.5, 1]) {
      const psi = psiReferenceDeciles(ref, normals(next, 4000, shift));
      expect(psi).toBeGreaterThanOrEqual(0);
      expect(psi).toBeGreaterThan(last);
      last = psi;
    }
  });

  it('decile edges are the reference quantiles and split the reference into ~10% bins', () => {
    const ref = Array.from({ length: 101 }, (_, i) => i);
    expect(referenceDecileEdges(ref)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const { reference } = buildDecileReference(Array.from({ length: 1000 }, (_, i) => i + 0.5));
    expect(reference.counts).toEqual(new Array(10).fill(100));
  });

  it('PsiAccumulator: merged partial counts equal one pass, in any order', () => {
    const ref = buildDecileReference(normals(next, 3000));
    const cur = normals(next, 2500, 0.3);
    const whole = newCurrentAccumulator(ref).addAll(cur);
    const parts = [0, 700, 1500, 2500]
      .slice(1)
      .map((end, i, ends) =>
        newCurrentAccumulator(ref).addAll(cur.slice(i === 0 ? 0 : (ends[i - 1] as number), end)),
      );
    const merged = newCurrentAccumulator(ref);
    for (const p of [...parts].reverse()) merged.merge(p);
    expect(merged.counts).toEqual(whole.counts);
    expect(psiFromAccumulators(ref.reference, merged)).toBe(
      psiFromAccumulators(ref.reference, whole),
    );
    const roundTrip = PsiAccumulator.fromJSON(JSON.parse(JSON.stringify(merged)));
    expect(roundTrip.counts).toEqual(whole.counts);
    expect(() => merged.merge(new PsiAccumulator([0, 1, 2]))).toThrow(/edges differ/);
  });

  it('Evidently binning: per-value shares up to 20 distinct reference values, histogram above', () => {
    const few = evidentlyBinnedShares([1, 2, 2, 3], [3, 4], 'numeric', false);
    expect(few.mode).toBe('values');
    expect(few.bins).toEqual([1, 2, 3, 4]);
    expect(few.reference).toEqual([0.25, 0.5, 0.25, 0]);
    const many = evidentlyBinnedShares(
      Array.from({ length: 21 }, (_, i) => i),
      [0, 1],
      'numeric',
      false,
    );
    expect(many.mode).toBe('sturges');
    expect(many.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('Evidently zero filling: min/10⁶ when the smallest share ≤ 0.0001, else 0.0001', () => {
    expect(fillZeroShares([0.5, 0.5, 0])).toEqual([0.5, 0.5, 0.0001]);
    expect(fillZeroShares([0.99995, 0.00005, 0])).toEqual([0.99995, 0.00005, 0.00005 / 1e6]);
  });
});

describe('method choice and verdicts', () => {
  it("follows Evidently's default rules", () => {
    expect(chooseMethod('numeric', 1000, 6)).toBe('ks');
    expect(chooseMethod('numeric', 1000, 5)).toBe('chiSquare');
    expect(chooseMethod('numeric', 1000, 2)).toBe('z');
    expect(chooseMethod('categorical', 10, 3)).toBe('chiSquare');
    expect(chooseMethod('categorical', 10, 2)).toBe('z');
    expect(chooseMethod('numeric', 1001, 6)).toBe('wasserstein');
    expect(chooseMethod('numeric', 1001, 5)).toBe('jensenShannon');
    expect(chooseMethod('categorical', 5000, 2)).toBe('jensenShannon');
  });

  it('numeric columns carry ks, wasserstein, psi and JS; categorical carry chi-square and JS', () => {
    const next = rng(5);
    const num = compareColumn(normals(next, 200), normals(next, 150), 'numeric');
    expect(
      Object.keys(num)
        .filter(
          (k) => !['kind', 'referenceSize', 'currentSize', 'distinctValues', 'verdict'].includes(k),
        )
        .sort(),
    ).toEqual(['jensenShannon', 'ks', 'psi', 'wasserstein']);
    const cat = compareColumn(['a', 'b', 'c', 'a'], ['a', 'c', 'c'], 'categorical');
    expect(cat.ks).toBeUndefined();
    expect(cat.chiSquare).toBeDefined();
    expect(cat.jensenShannon).toBeDefined();
    expect(cat.verdict.method).toBe('chiSquare');
  });

  it('drops NaN and ±Infinity like Evidently, and rejects an empty side', () => {
    const a = compareColumn(
      [1, 2, 3, 4, 5, 6, 7, NaN, Infinity],
      [2, 3, 4, 5, 6, 7, 8, null],
      'numeric',
    );
    const b = compareColumn([1, 2, 3, 4, 5, 6, 7], [2, 3, 4, 5, 6, 7, 8], 'numeric');
    expect(a).toEqual(b);
    expect(() => compareColumn([NaN], [1], 'numeric')).toThrow(RangeError);
  });

  it('honours method and threshold overrides, with KS drifting at p ≤ threshold', () => {
    const next = rng(9);
    const ref = normals(next, 300);
    const cur = normals(next, 300, 0.05);
    const r = compareColumn(ref, cur, 'numeric');
    expect(r.verdict.method).toBe('ks');
    const atP = compareColumn(ref, cur, 'numeric', { threshold: r.verdict.score });
    expect(atP.verdict.drifted).toBe(true);
    const psi = compareColumn(ref, cur, 'numeric', { method: 'psi', thresholds: { psi: 1e-9 } });
    expect(psi.verdict).toMatchObject({ method: 'psi', threshold: 1e-9, drifted: true });
    expect(psi.verdict.score).toBe(psi.psi?.evidently);
    expect(() => compareColumn(['a'], ['b'], 'categorical', { method: 'ks' })).toThrow(/numeric/);
  });

  it('dataset drift when the drifted share reaches the threshold', () => {
    const next = rng(13);
    const ref = { x: normals(next, 300), y: normals(next, 300), c: ['a', 'b', 'c', 'a'] };
    const cur = { x: normals(next, 300, 2), y: normals(next, 300), c: ['a', 'b', 'c', 'a'] };
    const kinds = { x: 'numeric', y: 'numeric', c: 'categorical' } as const;
    const r = compareDatasets(ref, cur, kinds);
    expect(r.features.x?.verdict.drifted).toBe(true);
    expect(r.features.y?.verdict.drifted).toBe(false);
    expect(r.dataset).toMatchObject({ driftedCount: 1, threshold: 0.5, drifted: false });
    expect(r.dataset.driftedShare).toBeCloseTo(1 / 3, 15);
    expect(compareDatasets(ref, cur, kinds, { driftShare: 1 / 3 }).dataset.drifted).toBe(true);
    const forced = compareDatasets(ref, cur, kinds, {
      columns: { y: { method: 'wasserstein', threshold: 0 } },
    });
    expect(forced.dataset).toMatchObject({ driftedCount: 2, drifted: true });
    expect(() => compareDatasets(ref, { x: [1] }, kinds)).toThrow(/missing/);
  });
});
