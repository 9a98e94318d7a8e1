/**
 * Per-column and per-dataset drift verdicts with Evidently's default method choice
 * (`evidently.legacy.calculations.stattests.registry._get_default_stattest`) and thresholds.
 *
 * Evidently rules, as found in its source (v0.7.23):
 * - distinct values are counted over reference and current together;
 * - reference ≤ 1000 rows: numeric with > 5 distinct → KS; otherwise chi-square when > 2 distinct,
 *   z-test when ≤ 2 (the same for categorical columns);
 * - reference > 1000 rows: numeric with > 5 distinct → normalized Wasserstein; otherwise
 *   Jensen–Shannon;
 * - KS drifts when p ≤ threshold, chi-square and z when p < threshold, distances when
 *   score ≥ threshold; default thresholds 0.05 for tests, 0.1 for distances;
 * - dataset drift when (drifted columns / columns) ≥ 0.5;
 * - NaN and ±Infinity are dropped from both samples before any test; an empty column is an error.
 */
import { evidentlyBinnedShares, isMissing, type Category } from './binning.js';
import { chiSquareTest, zTest } from './chisquare.js';
import { jensenShannonDistance } from './jensenshannon.js';
import { KS_MAX_AUTO_N, ks2samp } from './ks.js';
import { psiFromShares, psiReferenceDeciles } from './psi.js';
import { wassersteinNormalized } from './wasserstein.js';

/** How a column's values are compared. */
export type ColumnKind = 'numeric' | 'categorical';

/** Methods a verdict can be based on. `psi` (Evidently binning) is available as an override. */
export type DriftMethod = 'ks' | 'chiSquare' | 'z' | 'wasserstein' | 'jensenShannon' | 'psi';

/** Default threshold of each method (Evidently's `default_threshold`). */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = Object.freeze({
  ks: 0.05,
  chiSquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenShannon: 0.1,
  psi: 0.1,
});

/** Reference size above which Evidently switches from tests (p-values) to distances. */
export const SMALL_REFERENCE_MAX_ROWS = 1000;
/** Above this many distinct values a numeric column is treated as continuous. */
export const CONTINUOUS_MIN_DISTINCT = 5;
/** At most this many distinct values: two-proportion z-test instead of chi-square. */
export const BINARY_MAX_DISTINCT = 2;
/** Default share of drifted columns at which the dataset counts as drifted. */
export const DEFAULT_DRIFT_SHARE = 0.5;

/** Methods whose score is a p-value (drift when the p-value is small). */
const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'chiSquare', 'z']);

/**
 * Evidently's default method for a column.
 * @param kind numeric or categorical
 * @param referenceSize rows in the reference sample (after dropping missing values)
 * @param distinctValues distinct non-missing values in reference ∪ current (Evidently counts both)
 */
export function chooseMethod(
  kind: ColumnKind,
  referenceSize: number,
  distinctValues: number,
): DriftMethod {
  if (referenceSize <= SMALL_REFERENCE_MAX_ROWS) {
    if (kind === 'numeric' && distinctValues > CONTINUOUS_MIN_DISTINCT) return 'ks';
    return distinctValues > BINARY_MAX_DISTINCT ? 'chiSquare' : 'z';
  }
  if (kind === 'numeric' && distinctValues > CONTINUOUS_MIN_DISTINCT) return 'wasserstein';
  return 'jensenShannon';
}

/** Whether `score` means drift for `method` at `threshold` (Evidently's comparison for each test). */
export function isDrift(method: DriftMethod, score: number, threshold: number): boolean {
  if (method === 'ks') return score <= threshold;
  if (P_VALUE_METHODS.has(method)) return score < threshold;
  return score >= threshold;
}

/** Options for {@link compareColumn}. */
export interface CompareColumnOptions {
  /**
   * Method the verdict is based on. Default: {@link chooseMethod}(kind, reference rows,
   * distinct values in reference ∪ current). `ks` and `wasserstein` need a numeric column;
   * `chiSquare` and `z` on a numeric column treat each distinct number as a category.
   */
  method?: DriftMethod;
  /**
   * Threshold for the verdict's method. Default: the per-method value in `thresholds`, else
   * {@link DEFAULT_THRESHOLDS} (0.05 for ks/chiSquare/z p-values, 0.1 for distances).
   */
  threshold?: number;
  /** Per-method threshold overrides; default {@link DEFAULT_THRESHOLDS}. */
  thresholds?: Partial<Record<DriftMethod, number>>;
  /**
   * When to compute KS on a numeric column whose verdict does not use it: `always` (default),
   * `never`, or `auto` = only while both samples have at most {@link KS_MAX_AUTO_N} values (the
   * exact regime). The asymptotic p-value of large samples costs 0.1–0.3 s per column in JS; when
   * it is skipped the `ks` key is absent and every other figure is unchanged. A `ks` verdict
   * always computes it.
   */
  ks?: KsPolicy;
}

export type KsPolicy = 'auto' | 'always' | 'never';
export const KS_POLICIES: readonly KsPolicy[] = ['auto', 'always', 'never'];

function wantsKs(policy: KsPolicy, method: DriftMethod, n: number, m: number): boolean {
  if (method === 'ks' || policy === 'always') return true;
  if (policy === 'never') return false;
  return Math.max(n, m) <= KS_MAX_AUTO_N;
}

/** The verdict for one column. */
export interface ColumnVerdict {
  method: DriftMethod;
  /** p-value for ks/chiSquare/z, distance (or PSI) otherwise. */
  score: number;
  threshold: number;
  drifted: boolean;
}

/** Everything computed for one column. Keys are absent where they do not apply. */
export interface ColumnComparison {
  kind: ColumnKind;
  /** Rows compared after dropping missing values. */
  referenceSize: number;
  currentSize: number;
  /** Distinct non-missing values in reference ∪ current. */
  distinctValues: number;
  /** Numeric columns. */
  ks?: { statistic: number; pValue: number };
  /** Numeric columns: W1 and W1 / max(std(reference), 0.001). */
  wasserstein?: { value: number; normalized: number };
  /** Numeric columns. */
  psi?: { referenceDeciles: number; evidently: number };
  /** Numeric and categorical columns (Evidently binning). */
  jensenShannon?: { evidently: number };
  /** Categorical columns, and numeric ones whose verdict uses chi-square. */
  chiSquare?: { statistic: number; pValue: number };
  /** Present when the verdict uses the z-test. */
  z?: { statistic: number; pValue: number };
  verdict: ColumnVerdict;
}

/** A column's values: numbers for numeric columns; strings, numbers or booleans for categorical. */
export type ColumnValues = readonly (Category | null | undefined)[];

/**
 * Compares one column between reference and current. Missing values (null, undefined, NaN) and,
 * for numeric columns, ±Infinity are dropped first, as Evidently does; an empty side afterwards
 * is an error (RangeError), as in Evidently.
 */
export function compareColumn(
  reference: ColumnValues,
  current: ColumnValues,
  kind: ColumnKind,
  options: CompareColumnOptions = {},
): ColumnComparison {
  const ref = clean(reference, kind);
  const cur = clean(current, kind);
  if (ref.length === 0) throw new RangeError('compareColumn: reference has no usable values');
  if (cur.length === 0) throw new RangeError('compareColumn: current has no usable values');
  const distinctValues = new Set<Category>([...ref, ...cur]).size;
  const method = options.method ?? chooseMethod(kind, ref.length, distinctValues);
  if (kind === 'categorical' && (method === 'ks' || method === 'wasserstein')) {
    throw new RangeError(`compareColumn: method '${method}' needs a numeric column`);
  }
  const threshold = options.threshold ?? options.thresholds?.[method] ?? DEFAULT_THRESHOLDS[method];

  const out: ColumnComparison = {
    kind,
    referenceSize: ref.length,
    currentSize: cur.length,
    distinctValues,
    verdict: { method, score: NaN, threshold, drifted: false },
  };
  if (kind === 'numeric') {
    const r = ref as number[];
    const c = cur as number[];
    if (wantsKs(options.ks ?? 'always', method, r.length, c.length)) {
      const ks = ks2samp(r, c);
      out.ks = { statistic: ks.statistic, pValue: ks.pValue };
    }
    out.wasserstein = wassersteinNormalized(r, c);
    const filled = evidentlyBinnedShares(r, c, 'numeric', true);
    out.psi = {
      referenceDeciles: psiReferenceDeciles(r, c),
      evidently: psiFromShares(filled.reference, filled.current),
    };
  }
  const raw = evidentlyBinnedShares(ref, cur, kind, false);
  out.jensenShannon = { evidently: jensenShannonDistance(raw.reference, raw.current) };
  if (kind === 'categorical' || method === 'chiSquare') {
    const chi = chiSquareTest(ref, cur);
    out.chiSquare = { statistic: chi.statistic, pValue: chi.pValue };
  }
  if (method === 'z') out.z = zTest(ref, cur);

  let score: number;
  switch (method) {
    case 'ks':
      score = (out.ks as { pValue: number }).pValue;
      break;
    case 'chiSquare':
      score = (out.chiSquare as { pValue: number }).pValue;
      break;
    case 'z':
      score = (out.z as { pValue: number }).pValue;
      break;
    case 'wasserstein':
      score = (out.wasserstein as { normalized: number }).normalized;
      break;
    case 'jensenShannon':
      score = out.jensenShannon.evidently;
      break;
    case 'psi': {
      const filled = evidentlyBinnedShares(ref, cur, kind, true);
      score = out.psi?.evidently ?? psiFromShares(filled.reference, filled.current);
      break;
    }
  }
  out.verdict = { method, score, threshold, drifted: isDrift(method, score, threshold) };
  return out;
}

/** Column-oriented data: column name → values. */
export type Dataset = Readonly<Record<string, ColumnValues>>;

/** Options for {@link compareDatasets}. */
export interface CompareDatasetsOptions {
  /** Share of drifted columns at which the dataset is drifted (≥). Default 0.5. */
  driftShare?: number;
  /** Per-method thresholds for every column; default {@link DEFAULT_THRESHOLDS}. */
  thresholds?: Partial<Record<DriftMethod, number>>;
  /**
   * Per-column overrides (`method`, `threshold`, `thresholds`), applied on top of the dataset-wide
   * `thresholds`. Default: none.
   */
  columns?: Readonly<Record<string, CompareColumnOptions>>;
  /** Defaults for every column (a `columns` entry overrides them). */
  all?: CompareColumnOptions;
}

/** Result of {@link compareDatasets}. */
export interface DatasetComparison {
  features: Record<string, ColumnComparison>;
  dataset: {
    /** Drifted columns / compared columns (0 when there are no columns). */
    driftedShare: number;
    driftedCount: number;
    threshold: number;
    drifted: boolean;
  };
}

/**
 * Compares every column named in `kinds` between `reference` and `current`, then applies
 * Evidently's dataset rule: drifted when the share of drifted columns ≥ `driftShare`.
 * A column missing from either dataset is an error.
 */
export function compareDatasets(
  reference: Dataset,
  current: Dataset,
  kinds: Readonly<Record<string, ColumnKind>>,
  options: CompareDatasetsOptions = {},
): DatasetComparison {
  const features: Record<string, ColumnComparison> = {};
  let driftedCount = 0;
  const names = Object.keys(kinds);
  for (const name of names) {
    const ref = reference[name];
    const cur = current[name];
    const kind = kinds[name] as ColumnKind;
    if (ref === undefined || cur === undefined) {
      throw new RangeError(
        `compareDatasets: column '${name}' missing from ${ref === undefined ? 'reference' : 'current'}`,
      );
    }
    const col = { ...options.all, ...options.columns?.[name] };
    const result = compareColumn(ref, cur, kind, {
      ...col,
      thresholds: { ...options.thresholds, ...col.thresholds },
    });
    features[name] = result;
    if (result.verdict.drifted) driftedCount += 1;
  }
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

function clean(values: ColumnValues, kind: ColumnKind): Category[] {
  const out: Category[] = [];
  for (const v of values) {
    if (isMissing(v)) continue;
    if (kind === 'numeric') {
      if (typeof v !== 'number')
        throw new TypeError('compareColumn: numeric column holds a non-number');
      if (!Number.isFinite(v)) continue;
    } else if (typeof v === 'number' && !Number.isFinite(v)) {
      continue;
    }
    out.push(v);
  }
  return out;
}
