/**
 * Parameters of the guard's statistics. They are fixed when the reference profile is built
 * (the calibrated thresholds only hold for the parameters they were calibrated with), stored in
 * the profile, and validated once by {@link resolveGuardParams}.
 */
import { ConfigError } from '../common/errors.js';

export interface GuardParams {
  /**
   * Neighbours averaged by the stateful detector. Default 50 (Chen, Carlini & Wagner, "Stateful
   * Detection of Black-Box Adversarial Attacks", 2019, use k = 50 for CIFAR-10).
   */
  k: number;
  /** Previous queries a client needs before the stateful detector scores it. Default 10. */
  minHistory: number;
  /** Queries kept per (client, model) for the stateful detector (ring buffer). Default 1,000. */
  historySize: number;
  /** Width of the similarity vectors (random projection beyond it). Default 32. */
  similarityDims: number;
  /** Recent queries per client the extraction tests look at. Default 200. */
  extractionWindow: number;
  /** Queries a client needs before the extraction tests run. Default 50. */
  minExtractionQueries: number;
  /** A query is "near the boundary" when its margin is below this reference quantile. Default 0.1. */
  boundaryQuantile: number;
  /** A query is "out of range" when its OOD tail probability is below this. Default 0.01. */
  outOfRangeP: number;
  /** Recent events per client over which flagged events are counted. Default 50. */
  flagWindow: number;
  /** Labels with fewer reference events share the pooled confidence baseline. Default 50. */
  minLabelCount: number;
  /** Above this many features the OOD covariance is diagonal only. Default 100. */
  maxCovarianceDims: number;
  /** Reference rows used to estimate the covariance (evenly spaced). Default 5,000. */
  covarianceSample: number;
  /**
   * Pseudo-clients: reference events are grouped by clientId; when fewer than this many clients
   * have `minHistory` events, the reference is cut into chunks of `pseudoClientChunk` events in
   * file order instead. Default 20.
   */
  minPseudoClients: number;
  /** Events per pseudo-client when the reference is chunked. Default 200. */
  pseudoClientChunk: number;
  /** Seed of everything random (the projection). Default 1. */
  seed: number;
  /**
   * Queries kept per (client, model) for the PRADA rule's minimum distances (prada.ts; ring
   * buffer in the PRADA space, like `historySize` for the similarity space). Default 1,000.
   */
  pradaHistory: number;
  /**
   * Minimum distances (ln, exact repeats left out) per client tested for normality by the PRADA
   * rule: the ring D (Juuti et al. 2019 test the whole growing set; bounded here). At most 5,000
   * (Shapiro–Wilk's range). Default 200.
   */
  pradaWindow: number;
  /** Minimum distances a client needs in D before the PRADA rule tests it. Default 30. */
  pradaMinDistances: number;
  /**
   * Recent queries per (client, model) over which exact repeats (a query identical to one of the
   * client's last `historySize`) are counted by the repeats rule. Default 200.
   */
  repeatWindow: number;
}

export const DEFAULT_GUARD_PARAMS: Readonly<GuardParams> = Object.freeze({
  k: 50,
  minHistory: 10,
  historySize: 1000,
  similarityDims: 32,
  extractionWindow: 200,
  minExtractionQueries: 50,
  boundaryQuantile: 0.1,
  outOfRangeP: 0.01,
  flagWindow: 50,
  minLabelCount: 50,
  maxCovarianceDims: 100,
  covarianceSample: 5000,
  minPseudoClients: 20,
  pseudoClientChunk: 200,
  seed: 1,
  pradaHistory: 1000,
  pradaWindow: 200,
  pradaMinDistances: 30,
  repeatWindow: 200,
});

const INTEGER_RANGES: Partial<Record<keyof GuardParams, [number, number]>> = {
  k: [1, 10_000],
  minHistory: [1, 100_000],
  historySize: [1, 100_000],
  similarityDims: [1, 4096],
  extractionWindow: [10, 100_000],
  minExtractionQueries: [10, 100_000],
  flagWindow: [1, 100_000],
  minLabelCount: [1, 1_000_000],
  maxCovarianceDims: [0, 1000],
  covarianceSample: [10, 10_000_000],
  minPseudoClients: [1, 1_000_000],
  pseudoClientChunk: [2, 10_000_000],
  seed: [0, 2 ** 32 - 1],
  pradaHistory: [1, 100_000],
  pradaWindow: [3, 5000],
  pradaMinDistances: [3, 5000],
  repeatWindow: [2, 100_000],
};

/** Defaults filled in and every value checked; a bad one throws a ConfigError naming it. */
export function resolveGuardParams(partial: Partial<GuardParams> = {}): GuardParams {
  const p: GuardParams = { ...DEFAULT_GUARD_PARAMS, ...definedOnly(partial) };
  for (const [key, [min, max]] of Object.entries(INTEGER_RANGES) as [
    keyof GuardParams,
    [number, number],
  ][]) {
    const v = p[key];
    if (!Number.isInteger(v) || v < min || v > max)
      throw new ConfigError(
        `guard.${key}`,
        `must be an integer in [${min}, ${max}], got ${String(v)}`,
      );
  }
  for (const key of ['boundaryQuantile', 'outOfRangeP'] as const) {
    const v = p[key];
    if (!(typeof v === 'number' && v > 0 && v < 1))
      throw new ConfigError(`guard.${key}`, `must be a number in (0, 1), got ${String(v)}`);
  }
  if (p.minHistory > p.historySize)
    throw new ConfigError(
      'guard.minHistory',
      `must be <= historySize (${p.historySize}), got ${p.minHistory}`,
    );
  if (p.minExtractionQueries > p.extractionWindow)
    throw new ConfigError(
      'guard.minExtractionQueries',
      `must be <= extractionWindow (${p.extractionWindow}), got ${p.minExtractionQueries}`,
    );
  if (p.pradaMinDistances > p.pradaWindow)
    throw new ConfigError(
      'guard.pradaMinDistances',
      `must be <= pradaWindow (${p.pradaWindow}), got ${p.pradaMinDistances}`,
    );
  return p;
}

export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
