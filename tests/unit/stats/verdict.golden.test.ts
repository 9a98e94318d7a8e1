import { describe, expect, it } from 'vitest';
import { compareColumn, type DriftMethod } from '../../../services/stats/verdict.js';
import { P_ABS, P_REL, expectClose, loadFixture, num, type FixtureNumber } from './golden.js';

interface VerdictCase {
  name: string;
  kind: 'numeric' | 'categorical';
  reference: (number | string)[];
  current: (number | string)[];
  method: DriftMethod;
  score: FixtureNumber;
  threshold: FixtureNumber;
  drifted: boolean;
}

const verdicts = loadFixture<VerdictCase>('verdicts.json');

describe("compareColumn's default verdict vs Evidently's default stattest", () => {
  it('covers every default method', () => {
    const methods = new Set(verdicts.cases.map((c) => c.method));
    for (const m of ['ks', 'chiSquare', 'z', 'wasserstein', 'jensenShannon'])
      expect(methods.has(m as DriftMethod)).toBe(true);
  });

  it.each(verdicts.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const r = compareColumn(c.reference, c.current, c.kind);
    expect(r.verdict.method).toBe(c.method);
    expect(r.verdict.threshold).toBe(num(c.threshold));
    expectClose(r.verdict.score, num(c.score), P_REL, P_ABS, `${name} score`);
    expect(r.verdict.drifted).toBe(c.drifted);
  });
});
