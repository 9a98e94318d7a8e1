import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../../../services/guard/prng.js';
import { mahalanobis2, shrinkageCovariance } from '../../../services/guard/shrinkage-covariance.js';

describe('shrinkage covariance (Schäfer–Strimmer target D)', () => {
  const norm = gaussian(mulberry32(3));
  const rows = Array.from({ length: 4000 }, () => {
    const a = norm();
    return Float64Array.from([a, 0.9 * a + Math.sqrt(1 - 0.81) * norm(), norm()]);
  });

  it('keeps strong correlations with a large sample (small λ) and uses them', () => {
    const c = shrinkageCovariance(rows, 3);
    expect(c.lambda).toBeGreaterThanOrEqual(0);
    expect(c.lambda).toBeLessThan(0.05);
    // Along the correlation the distance is small, against it large.
    expect(mahalanobis2(c, [1, 1, 0])).toBeLessThan(2);
    expect(mahalanobis2(c, [1, -1, 0])).toBeGreaterThan(15);
  });

  it('shrinks hard with few rows, and is diagonal when forced', () => {
    const few = shrinkageCovariance(rows.slice(0, 8), 3);
    expect(few.lambda).toBeGreaterThan(0.01);
    const diag = shrinkageCovariance(rows, 3, true);
    expect(diag.lambda).toBe(1);
    expect(mahalanobis2(diag, [1, -1, 0])).toBeCloseTo(mahalanobis2(diag, [1, 1, 0]), 1);
  });

  it('the mean is at distance 0; zero features work', () => {
    const c = shrinkageCovariance(rows, 3);
    expect(mahalanobis2(c, c.mean)).toBeCloseTo(0, 12);
    expect(mahalanobis2(shrinkageCovariance([], 0), [])).toBe(0);
  });
});
