import { describe, expect, it } from 'vitest';
import { referenceDecileEdges, sturgesEdges } from '../../../services/stats/binning.js';
import {
  jensenShannonDistance,
  jensenShannonEvidently,
} from '../../../services/stats/jensenshannon.js';
import {
  buildDecileReference,
  newCurrentAccumulator,
  psiEvidently,
  psiReferenceDeciles,
} from '../../../services/stats/psi.js';
import { wassersteinDistance, wassersteinNormalized } from '../../../services/stats/wasserstein.js';
import { STAT_REL, expectClose, loadFixture, num, type FixtureNumber } from './golden.js';

interface NumericCase {
  name: string;
  reference: number[];
  current: number[];
  wasserstein: FixtureNumber;
  wassersteinNormalized: FixtureNumber;
  decileEdges: number[];
  decileReferenceCounts: number[];
  decileCurrentCounts: number[];
  psiReferenceDeciles: FixtureNumber;
  sturgesEdges: number[];
  psiEvidently: FixtureNumber;
  jensenShannonEvidently: FixtureNumber;
}
interface CategoricalCase {
  name: string;
  reference: string[];
  current: string[];
  psiEvidently: FixtureNumber;
  jensenShannonEvidently: FixtureNumber;
}
interface JsCase {
  p: number[];
  q: number[];
  distance: FixtureNumber;
}

const numeric = loadFixture<NumericCase>('numeric_distances.json');
const categorical = loadFixture<CategoricalCase>('categorical_distances.json');
const jsVectors = loadFixture<JsCase>('jensenshannon.json');
// Distances of (near-)identical distributions are differences of nearly equal sums: compare those
// absolutely at a level far below any drift threshold.
const DIST_ABS = 1e-12;

describe('numeric distances vs scipy / numpy / Evidently', () => {
  it.each(numeric.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    expectClose(
      wassersteinDistance(c.reference, c.current),
      num(c.wasserstein),
      STAT_REL,
      DIST_ABS,
      `${name} W1`,
    );
    const w = wassersteinNormalized(c.reference, c.current);
    expectClose(
      w.normalized,
      num(c.wassersteinNormalized),
      STAT_REL,
      DIST_ABS,
      `${name} W1 normalized`,
    );

    const edges = referenceDecileEdges(c.reference);
    edges.forEach((e, i) =>
      expectClose(e, c.decileEdges[i] as number, 1e-15, 0, `${name} decile edge ${i}`),
    );
    const ref = buildDecileReference(c.reference);
    const cur = newCurrentAccumulator(ref).addAll(c.current);
    expect(ref.reference.counts).toEqual(c.decileReferenceCounts);
    expect(cur.counts).toEqual(c.decileCurrentCounts);
    expectClose(
      psiReferenceDeciles(c.reference, c.current),
      num(c.psiReferenceDeciles),
      STAT_REL,
      DIST_ABS,
      `${name} PSI deciles`,
    );

    const st = sturgesEdges([...c.reference, ...c.current]);
    expect(st.length).toBe(c.sturgesEdges.length);
    st.forEach((e, i) =>
      expectClose(e, c.sturgesEdges[i] as number, 1e-15, 0, `${name} sturges edge ${i}`),
    );
    expectClose(
      psiEvidently(c.reference, c.current, 'numeric'),
      num(c.psiEvidently),
      STAT_REL,
      DIST_ABS,
      `${name} PSI evidently`,
    );
    expectClose(
      jensenShannonEvidently(c.reference, c.current, 'numeric'),
      num(c.jensenShannonEvidently),
      STAT_REL,
      DIST_ABS,
      `${name} JS evidently`,
    );
  });
});

describe('categorical distances vs Evidently', () => {
  it.each(categorical.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    expectClose(
      psiEvidently(c.reference, c.current, 'categorical'),
      num(c.psiEvidently),
      STAT_REL,
      DIST_ABS,
      `${name} PSI`,
    );
    expectClose(
      jensenShannonEvidently(c.reference, c.current, 'categorical'),
      num(c.jensenShannonEvidently),
      STAT_REL,
      DIST_ABS,
      `${name} JS`,
    );
  });
});

describe('jensenShannonDistance vs scipy.spatial.distance.jensenshannon', () => {
  it('matches on raw (unnormalized) vectors', () => {
    for (const c of jsVectors.cases) {
      expectClose(
        jensenShannonDistance(c.p, c.q),
        num(c.distance),
        STAT_REL,
        DIST_ABS,
        JSON.stringify(c.p),
      );
    }
  });
});
