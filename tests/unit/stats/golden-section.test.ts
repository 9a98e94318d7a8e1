import { describe, expect, it } from 'vitest';
import { goldenSectionMax } from '../../../services/stats/golden-section.js';

describe('goldenSectionMax', () => {
  it('finds the maximum of a unimodal function, also at an end of the interval', () => {
    expect(goldenSectionMax((x) => -((x - 1.3) ** 2), -3, 3, 60)).toBeCloseTo(1.3, 10);
    // A flat maximum: comparing f values pins x down to ~√ε only.
    expect(goldenSectionMax((x) => Math.log(x) - x, 0.01, 10, 80)).toBeCloseTo(1, 6);
    // Increasing on the whole interval: the upper end.
    expect(goldenSectionMax((x) => x, 0, 1, 60)).toBeCloseTo(1, 10);
  });

  it('is deterministic: a fixed number of evaluations', () => {
    let calls = 0;
    goldenSectionMax(
      (x) => {
        calls++;
        return -x * x;
      },
      -1,
      1,
      20,
    );
    expect(calls).toBe(22);
  });
});
