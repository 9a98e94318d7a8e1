import { describe, expect, it } from 'vitest';
import { ks2samp } from '../../../services/stats/ks.js';
import { kstwoSf } from '../../../services/stats/kstwo.js';
import {
  P_ABS,
  P_REL,
  STAT_REL,
  expectClose,
  loadFixture,
  num,
  type FixtureNumber,
} from './golden.js';

interface KsCase {
  name: string;
  a: number[];
  b: number[];
  statistic: FixtureNumber;
  pValue: FixtureNumber;
  method: 'exact' | 'asymptotic';
}
interface KstwoCase {
  n: number;
  x: FixtureNumber;
  sf: FixtureNumber;
}

const ks = loadFixture<KsCase>('ks.json');
const kstwo = loadFixture<KstwoCase>('kstwo.json');

describe('ks2samp vs scipy.stats.ks_2samp', () => {
  it('covers both regimes around the 10 000 switch', () => {
    expect(
      ks.cases.some((c) => c.method === 'exact' && Math.max(c.a.length, c.b.length) === 10000),
    ).toBe(true);
    expect(
      ks.cases.some((c) => c.method === 'asymptotic' && Math.max(c.a.length, c.b.length) === 10001),
    ).toBe(true);
  });

  it.each(ks.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const r = ks2samp(c.a, c.b);
    expect(r.method).toBe(c.method);
    expectClose(r.statistic, num(c.statistic), STAT_REL, 0, `${name} statistic`);
    expectClose(r.pValue, num(c.pValue), P_REL, P_ABS, `${name} pValue`);
  });
});

describe('kstwo.sf vs scipy.stats.kstwo.sf', () => {
  it(
    `matches on ${kstwo.cases.length} (n, x) points across every branch`,
    { timeout: 60_000 },
    () => {
      for (const c of kstwo.cases) {
        expectClose(kstwoSf(num(c.x), c.n), num(c.sf), P_REL, P_ABS, `n=${c.n} x=${c.x}`);
      }
    },
  );
});
