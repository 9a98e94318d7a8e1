/**
 * `compareDatasets` from services/stats with one knob the CLI needs: whether to compute the KS test
 * on numeric columns whose verdict does not use it.
 *
 * Why: stats' compareColumn always runs ks2samp on numeric columns. Above 10,000 rows scipy (and
 * so ks2samp) uses the asymptotic Kolmogorov distribution, whose tail costs 0.15–0.3 s per column
 * at 100k rows — 100 columns would spend half a minute on a p-value that Evidently's default
 * verdict for such sizes (normalized Wasserstein) never looks at. So with `ks: 'auto'` KS is
 * computed when the verdict uses it or when both samples have at most 10,000 rows (scipy's exact
 * regime, milliseconds); `'always'` reproduces stats' compareColumn in full; `'never'` skips it
 * unless it is the verdict method.
 *
 * When KS is computed, the column goes through stats' compareColumn unchanged. When it is skipped,
 * {@link compareNumericWithoutKs} computes the remaining statistics with the same stats functions,
 * in the same way; tests/unit/cli/drift-compare-datasets.test.ts pins it to compareColumn (every
 * field but `ks`) so the two cannot drift apart. If stats ever gains an option to skip KS, this
 * file shrinks to a call.
 */
import {
  DEFAULT_DRIFT_SHARE,
  DEFAULT_THRESHOLDS,
  KS_MAX_AUTO_N,
  chiSquareTest,
  chooseMethod,
  compareColumn,
  evidentlyBinnedShares,
  isDrift,
  jensenShannonDistance,
  psiFromShares,
  psiReferenceDeciles,
  wassersteinNormalized,
  zTest,
  type ColumnComparison,
  type ColumnKind,
  type CompareColumnOptions,
  type DatasetComparison,
  type Dataset,
  type DriftMethod,
} from '../../stats/index.js';

/** When to compute the KS test on numeric columns (see the file comment). */
export type KsPolicy = 'auto' | 'always' | 'never';
export const KS_POLICIES: readonly KsPolicy[] = ['auto', 'always', 'never'];

export interface DriftCompareOptions {
  /** Share of drifted columns at which the dataset is drifted (≥). Default 0.5. */
  driftShare?: number;
  /** Method for every column (default: Evidently's choice per column). */
  method?: DriftMethod;
  /** Threshold for every column's verdict method (default: that method's default). */
  threshold?: number;
  /** Default 'auto'. */
  ks?: KsPolicy;
}

/** Whether KS is computed for a numeric column whose verdict uses `method`. */
export function wantsKs(
  policy: KsPolicy,
  method: DriftMethod,
  referenceSize: number,
  currentSize: number,
): boolean {
  if (method === 'ks' || policy === 'always') return true;
  if (policy === 'never') return false;
  return Math.max(referenceSize, currentSize) <= KS_MAX_AUTO_N;
}

/**
 * Compares every column in `kinds` like stats' compareDatasets(reference, current, kinds,
 * {driftShare, columns: {each: {method, threshold}}}), with KS per {@link wantsKs}.
 */
export function compareDatasetsWithKsPolicy(
  reference: Dataset,
  current: Dataset,
  kinds: Readonly<Record<string, ColumnKind>>,
  options: DriftCompareOptions = {},
): DatasetComparison {
  const policy = options.ks ?? 'auto';
  const columnOptions: CompareColumnOptions = {};
  if (options.method !== undefined) columnOptions.method = options.method;
  if (options.threshold !== undefined) columnOptions.threshold = options.threshold;
  const features: Record<string, ColumnComparison> = {};
  let driftedCount = 0;
  const names = Object.keys(kinds);
  for (const name of names) {
    const ref = reference[name];
    const cur = current[name];
    if (ref === undefined || cur === undefined) {
      throw new RangeError(
        `column '${name}' missing from ${ref === undefined ? 'reference' : 'current'}`,
      );
    }
    const kind = kinds[name] as ColumnKind;
    const result =
      kind === 'numeric'
        ? compareNumeric(ref as readonly number[], cur as readonly number[], columnOptions, policy)
        : compareColumn(ref, cur, kind, columnOptions);
    features[name] = result;
    if (result.verdict.drifted) driftedCount += 1;
  }
  // The dataset rule, as stats' compareDatasets states it.
  const threshold = options.driftShare ?? DEFAULT_DRIFT_SHARE;
  const driftedShare = names.length === 0 ? 0 : driftedCount / names.length;
  return {
    features,
    dataset: {
      driftedShare,
      driftedCount,
      threshold,
      drifted: names.length > 0 && driftedShare >= threshold,
    },
  };
}

function compareNumeric(
  reference: readonly number[],
  current: readonly number[],
  options: CompareColumnOptions,
  policy: KsPolicy,
): ColumnComparison {
  if (policy === 'always' || options.method === 'ks')
    return compareColumn(reference, current, 'numeric', options);
  return compareNumericWithoutKs(reference, current, options, (method, n, m) =>
    wantsKs(policy, method, n, m),
  );
}

/**
 * stats' compareColumn(reference, current, 'numeric', options) without the `ks` field — unless
 * the verdict method is KS or `withKs(method, referenceSize, currentSize)` wants it, in which case
 * it is exactly compareColumn. Mirrors verdict.ts step by step; keep the two in step.
 */
export function compareNumericWithoutKs(
  reference: readonly number[],
  current: readonly number[],
  options: CompareColumnOptions,
  withKs: (method: DriftMethod, referenceSize: number, currentSize: number) => boolean,
): ColumnComparison {
  const ref = finiteOnly(reference);
  const cur = finiteOnly(current);
  if (ref.length === 0) throw new RangeError('compareColumn: reference has no usable values');
  if (cur.length === 0) throw new RangeError('compareColumn: current has no usable values');
  const distinctValues = countDistinct(ref, cur);
  const method = options.method ?? chooseMethod('numeric', ref.length, distinctValues);
  // A KS verdict needs KS whatever the caller prefers.
  if (method === 'ks' || withKs(method, ref.length, cur.length)) {
    return compareColumn(reference, current, 'numeric', options);
  }
  const threshold = options.threshold ?? options.thresholds?.[method] ?? DEFAULT_THRESHOLDS[method];

  const wasserstein = wassersteinNormalized(ref, cur);
  const filled = evidentlyBinnedShares(ref, cur, 'numeric', true);
  const psi = {
    referenceDeciles: psiReferenceDeciles(ref, cur),
    evidently: psiFromShares(filled.reference, filled.current),
  };
  const raw = evidentlyBinnedShares(ref, cur, 'numeric', false);
  const out: ColumnComparison = {
    kind: 'numeric',
    referenceSize: ref.length,
    currentSize: cur.length,
    distinctValues,
    wasserstein,
    psi,
    jensenShannon: { evidently: jensenShannonDistance(raw.reference, raw.current) },
    verdict: { method, score: NaN, threshold, drifted: false },
  };
  if (method === 'chiSquare') {
    const chi = chiSquareTest(ref, cur);
    out.chiSquare = { statistic: chi.statistic, pValue: chi.pValue };
  }
  if (method === 'z') out.z = zTest(ref, cur);

  let score: number;
  switch (method) {
    case 'chiSquare':
      score = (out.chiSquare as { pValue: number }).pValue;
      break;
    case 'z':
      score = (out.z as { pValue: number }).pValue;
      break;
    case 'wasserstein':
      score = wasserstein.normalized;
      break;
    case 'jensenShannon':
      score = (out.jensenShannon as { evidently: number }).evidently;
      break;
    case 'psi':
      score = psi.evidently;
      break;
  }
  out.verdict = { method, score, threshold, drifted: isDrift(method, score, threshold) };
  return out;
}

/** Drops NaN and ±Infinity, as verdict.ts' clean() does for numeric columns. */
function finiteOnly(values: readonly number[]): readonly number[] {
  let allFinite = true;
  for (const v of values) {
    if (!Number.isFinite(v)) {
      allFinite = false;
      break;
    }
  }
  return allFinite ? values : values.filter((v) => Number.isFinite(v));
}

/** Distinct values of reference ∪ current (SameValueZero, like verdict.ts' Set). */
function countDistinct(ref: readonly number[], cur: readonly number[]): number {
  const seen = new Set<number>(ref);
  for (const v of cur) seen.add(v);
  return seen.size;
}
