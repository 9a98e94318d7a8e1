import { describe, expect, it } from 'vitest';
import { chiSquareTest, zTest } from '../../../services/stats/chisquare.js';
import { chi2Sf } from '../../../services/stats/special.js';
import {
  P_ABS,
  P_REL,
  STAT_REL,
  expectClose,
  loadFixture,
  num,
  type FixtureNumber,
} from './golden.js';

interface Chi2Case {
  x: FixtureNumber;
  df: number;
  sf: FixtureNumber;
}
interface ChiCase {
  name: string;
  reference: (string | number)[];
  current: (string | number)[];
  statistic: FixtureNumber;
  pValue: FixtureNumber;
  drifted: boolean;
}
interface ZCase {
  name: string;
  reference: (string | number)[];
  current: (string | number)[];
  pValue: FixtureNumber;
  drifted: boolean;
}

const chi2 = loadFixture<Chi2Case>('chi2.json');
const chisquare = loadFixture<ChiCase>('chisquare.json');
const ztest = loadFixture<ZCase>('ztest.json');

describe('chi2Sf vs scipy.stats.chi2.sf', () => {
  it(`matches to 1e-9 relative on ${chi2.cases.length} (x, df) points`, () => {
    for (const c of chi2.cases)
      expectClose(chi2Sf(num(c.x), c.df), num(c.sf), 1e-9, P_ABS, `x=${c.x} df=${c.df}`);
  });
});

describe("chiSquareTest vs Evidently's chisquare stattest", () => {
  it.each(chisquare.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const r = chiSquareTest(c.reference, c.current);
    expectClose(r.statistic, num(c.statistic), STAT_REL, 0, `${name} statistic`);
    expectClose(r.pValue, num(c.pValue), P_REL, P_ABS, `${name} pValue`);
    expect(r.pValue < 0.05).toBe(c.drifted);
  });
});

describe("zTest vs Evidently's z stattest", () => {
  it.each(ztest.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const r = zTest(c.reference, c.current);
    // 2·(1 − Φ) has absolute resolution ~1e-16, so tiny p-values compare absolutely.
    expectClose(r.pValue, num(c.pValue), P_REL, 1e-15, `${name} pValue`);
    expect(r.pValue < 0.05).toBe(c.drifted);
  });
});
