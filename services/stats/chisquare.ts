/**
 * Tests for categorical (and few-valued numeric) columns, as Evidently runs them:
 * - chi-square goodness of fit of current counts against reference shares (`chisquare` stattest):
 *   expected = reference count × n_current / n_reference over the union of categories, statistic
 *   Σ (obs − exp)²/exp, p = chi2.sf(statistic, k − 1) (`scipy.stats.chisquare`). A category
 *   present only in current has expected 0, so the statistic is +∞ and p = 0, as in scipy.
 * - two-proportion z-test (`z` stattest).
 */
import { countValues, sortCategories, type Category } from './binning.js';
import { npSum } from './numeric.js';
import { chi2Sf, ndtr } from './special.js';

/** Result of {@link chiSquareTest}. */
export interface ChiSquareResult {
  /** Pearson statistic (may be +Infinity when current has categories unseen in reference). */
  statistic: number;
  /** chi2.sf(statistic, df); NaN when there is a single category (df = 0), as scipy. */
  pValue: number;
  /** Degrees of freedom: number of categories in reference ∪ current, minus one. */
  df: number;
}

/**
 * Evidently's chi-square stattest on two samples of category values (missing values ignored).
 * Throws when either sample is empty.
 */
export function chiSquareTest(
  reference: Iterable<Category | null | undefined>,
  current: Iterable<Category | null | undefined>,
): ChiSquareResult {
  const refCounts = countValues(reference);
  const curCounts = countValues(current);
  const nRef = sumCounts(refCounts);
  const nCur = sumCounts(curCounts);
  if (nRef === 0 || nCur === 0) throw new RangeError('chiSquareTest: empty sample');
  const keys = sortCategories(new Set<Category>([...refCounts.keys(), ...curCounts.keys()]));
  const kNorm = nCur / nRef;
  const terms = keys.map((k) => {
    const exp = (refCounts.get(k) ?? 0) * kNorm;
    const obs = curCounts.get(k) ?? 0;
    return (obs - exp) ** 2 / exp;
  });
  const statistic = npSum(terms);
  const df = keys.length - 1;
  return { statistic, pValue: chi2Sf(statistic, df), df };
}

/** Result of {@link zTest}. */
export interface ZTestResult {
  /** z statistic of the difference in proportions (0 when both samples hold the same single value). */
  statistic: number;
  /** Two-sided p-value 2·(1 − Φ(|z|)), computed in that form as Evidently does. */
  pValue: number;
}

/**
 * Evidently's z stattest (two-sided two-proportion z-test, pooled variance). The smallest value
 * of reference ∪ current is "0" and every other value "1"; the p-value does not depend on that
 * choice. Both samples constant and equal gives p = 1. Missing values ignored.
 */
export function zTest(
  reference: Iterable<Category | null | undefined>,
  current: Iterable<Category | null | undefined>,
): ZTestResult {
  const refCounts = countValues(reference);
  const curCounts = countValues(current);
  const n1 = sumCounts(refCounts);
  const n2 = sumCounts(curCounts);
  if (n1 === 0 || n2 === 0) throw new RangeError('zTest: empty sample');
  if (refCounts.size === 1 && curCounts.size === 1) {
    const [a] = refCounts.keys();
    const [b] = curCounts.keys();
    if (a === b) return { statistic: 0, pValue: 1 };
  }
  const keys = sortCategories(new Set<Category>([...refCounts.keys(), ...curCounts.keys()]));
  const first = keys[0] as Category;
  const p1 = (n1 - (refCounts.get(first) ?? 0)) / n1;
  const p2 = (n2 - (curCounts.get(first) ?? 0)) / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2));
  // 2·(1 − Φ(|z|)) rather than 2·Φ(−|z|): Evidently's form, which underflows to 0 past |z| ≈ 8.3.
  return { statistic: z, pValue: 2 * (1 - ndtr(Math.abs(z))) };
}

function sumCounts(counts: Map<Category, number>): number {
  let s = 0;
  for (const c of counts.values()) s += c;
  return s;
}
