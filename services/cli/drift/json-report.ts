/**
 * The `--format json` document of `vigil drift compare`. Its shape is a contract for scripts and
 * dashboards: keys may be added, never renamed or removed; a key is absent where it does not apply
 * (e.g. `chiSquare` on a numeric column whose verdict is not chi-square, `ks` when it was not
 * computed).
 *
 * JSON has no NaN or ±Infinity, so a statistic that is not a finite number is written as `null`
 * (e.g. a chi-square statistic of +Infinity when the current sample holds a category the reference
 * never saw). Readers must therefore accept `number | null` wherever a statistic is expected.
 */
import type {
  ColumnComparison,
  ColumnKind,
  DatasetComparison,
  DriftMethod,
} from '../../stats/index.js';

/** A finite number, or null for NaN / ±Infinity. */
export type JsonNumber = number | null;

export interface FeatureReport {
  kind: ColumnKind;
  ks?: { statistic: JsonNumber; pValue: JsonNumber };
  wasserstein?: { value: JsonNumber; normalized: JsonNumber };
  psi?: { referenceDeciles: JsonNumber; evidently: JsonNumber };
  jensenShannon?: { evidently: JsonNumber };
  chiSquare?: { statistic: JsonNumber; pValue: JsonNumber };
  verdict: { method: DriftMethod; score: JsonNumber; threshold: JsonNumber; drifted: boolean };
  // Extensions beyond the documented contract.
  /** Two-proportion z-test, when it is the verdict method. */
  z?: { statistic: JsonNumber; pValue: JsonNumber };
  referenceSize: number;
  currentSize: number;
  distinctValues: number;
}

export interface DriftReport {
  features: Record<string, FeatureReport>;
  dataset: {
    driftedShare: JsonNumber;
    threshold: JsonNumber;
    drifted: boolean;
    // Extensions.
    driftedCount: number;
    columns: number;
  };
}

/** NaN and ±Infinity become null (see the file comment). */
export function jsonNumber(x: number): JsonNumber {
  return Number.isFinite(x) ? x : null;
}

function pair<A extends string, B extends string>(
  a: A,
  b: B,
  value: Record<A | B, number>,
): Record<A | B, JsonNumber> {
  return { [a]: jsonNumber(value[a]), [b]: jsonNumber(value[b]) } as Record<A | B, JsonNumber>;
}

/** One column: keys in the documented order, absent where stats left them out. */
export function featureReport(c: ColumnComparison): FeatureReport {
  return {
    kind: c.kind,
    ...(c.ks && { ks: pair('statistic', 'pValue', c.ks) }),
    ...(c.wasserstein && { wasserstein: pair('value', 'normalized', c.wasserstein) }),
    ...(c.psi && { psi: pair('referenceDeciles', 'evidently', c.psi) }),
    ...(c.jensenShannon && { jensenShannon: { evidently: jsonNumber(c.jensenShannon.evidently) } }),
    ...(c.chiSquare && { chiSquare: pair('statistic', 'pValue', c.chiSquare) }),
    verdict: {
      method: c.verdict.method,
      score: jsonNumber(c.verdict.score),
      threshold: jsonNumber(c.verdict.threshold),
      drifted: c.verdict.drifted,
    },
    ...(c.z && { z: pair('statistic', 'pValue', c.z) }),
    referenceSize: c.referenceSize,
    currentSize: c.currentSize,
    distinctValues: c.distinctValues,
  };
}

/** The whole document for a comparison. */
export function driftReport(result: DatasetComparison): DriftReport {
  const features: Record<string, FeatureReport> = {};
  for (const [name, c] of Object.entries(result.features)) features[name] = featureReport(c);
  return {
    features,
    dataset: {
      driftedShare: jsonNumber(result.dataset.driftedShare),
      threshold: jsonNumber(result.dataset.threshold),
      drifted: result.dataset.drifted,
      driftedCount: result.dataset.driftedCount,
      columns: Object.keys(result.features).length,
    },
  };
}
