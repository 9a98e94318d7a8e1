/**
 * The CLI's call into the stats core: `compareDatasets` with the command's options mapped onto it.
 * The KS policy (`--ks auto|always|never`) lives in services/stats (CompareColumnOptions.ks): above
 * 10,000 rows the asymptotic KS p-value costs 0.1–0.3 s per column and Evidently's default verdict
 * for such sizes (normalized Wasserstein) never looks at it.
 */
import {
  compareDatasets,
  type ColumnKind,
  type CompareColumnOptions,
  type DatasetComparison,
  type Dataset,
  type DriftMethod,
  type KsPolicy,
} from '../../stats/index.js';

export { KS_POLICIES, type KsPolicy } from '../../stats/index.js';

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

export function compareDatasetsWithKsPolicy(
  reference: Dataset,
  current: Dataset,
  kinds: Readonly<Record<string, ColumnKind>>,
  options: DriftCompareOptions = {},
): DatasetComparison {
  const all: CompareColumnOptions = { ks: options.ks ?? 'auto' };
  if (options.method !== undefined) all.method = options.method;
  if (options.threshold !== undefined) all.threshold = options.threshold;
  return compareDatasets(reference, current, kinds, {
    all,
    ...(options.driftShare !== undefined ? { driftShare: options.driftShare } : {}),
  });
}
