/**
 * Pure statistics core for drift detection (no I/O): two-sample tests and distances that agree
 * with scipy, Evidently's default method choice, and mergeable PSI state for streaming use.
 */
export {
  ks2samp,
  computeProbOutsideSquare,
  computeOuterProbInsideMethod,
  KS_MAX_AUTO_N,
} from './ks.js';
export type { KsResult, KsOptions } from './ks.js';
export { kolmogn, kstwoSf, kstwoCdf } from './kstwo.js';
export { smirnov } from './smirnov.js';
export { chiSquareTest, zTest } from './chisquare.js';
export type { ChiSquareResult, ZTestResult } from './chisquare.js';
export { chi2Sf, gammaincc, lgamma, ndtr, erf, erfc } from './special.js';
export {
  wassersteinDistance,
  wassersteinNormalized,
  populationStd,
  WASSERSTEIN_MIN_STD,
} from './wasserstein.js';
export {
  psiFromShares,
  psiReferenceDeciles,
  psiEvidently,
  buildDecileReference,
  newCurrentAccumulator,
  psiFromAccumulators,
} from './psi.js';
export type { DecileReference } from './psi.js';
export { jensenShannonDistance, jensenShannonEvidently } from './jensenshannon.js';
export {
  PsiAccumulator,
  referenceDecileEdges,
  decileBinIndex,
  sturgesEdges,
  histogramCountsSorted,
  evidentlyBinnedShares,
  fillZeroShares,
  countValues,
  sortCategories,
  isMissing,
  DECILE_EMPTY_SHARE,
  EVIDENTLY_HISTOGRAM_MIN_DISTINCT,
} from './binning.js';
export type { Category, BinnedShares, PsiAccumulatorState } from './binning.js';
export {
  chooseMethod,
  isDrift,
  compareColumn,
  compareDatasets,
  DEFAULT_THRESHOLDS,
  DEFAULT_DRIFT_SHARE,
  SMALL_REFERENCE_MAX_ROWS,
  CONTINUOUS_MIN_DISTINCT,
  BINARY_MAX_DISTINCT,
  KS_POLICIES,
} from './verdict.js';
export type {
  ColumnKind,
  DriftMethod,
  CompareColumnOptions,
  ColumnVerdict,
  ColumnComparison,
  ColumnValues,
  Dataset,
  CompareDatasetsOptions,
  DatasetComparison,
  KsPolicy,
} from './verdict.js';
