/** The guard's pure core: scorers, reference profile, calibration and the streaming engine. */
export { buildGuardProfile, buildModelProfile } from './build-profile.js';
export {
  BUDGET_DIVISORS,
  calibrate,
  calibrateGuard,
  calibrateModel,
  DEFAULT_TARGET_FPR,
} from './calibrate.js';
export type { CalibrateOptions, GuardCalibration } from './calibrate.js';
export type { ClientRule, ClientStateView, Suspicion } from './client-state.js';
export { ClientTable } from './client-table.js';
export { scoreConfidence } from './confidence-scorer.js';
export { DEFAULT_ENGINE_OPTIONS, resolveEngineOptions } from './engine-options.js';
export type { GuardEngineOptions } from './engine-options.js';
export { GuardEngine, GUARD_SNAPSHOT_VERSION } from './engine.js';
export type { GuardScore, GuardScoreDetail, GuardSnapshot, GuardStats } from './engine.js';
export { ExtractionWindow, scoreExtraction } from './extraction-scorer.js';
export { SimilarityMap, standardize } from './feature-space.js';
export { DEFAULT_GUARD_PARAMS, resolveGuardParams } from './guard-params.js';
export type { GuardParams } from './guard-params.js';
export { scoreMargin } from './margin-scorer.js';
export { scoreOod } from './ood-scorer.js';
export type { GuardProfile, ModelProfile } from './profile-types.js';
export { QueryHistory } from './query-history.js';
export type { ScorerResult } from './scorer-result.js';
export { scoreStateful } from './stateful-scorer.js';
export { parseGuardCalibration } from './calibration-json.js';
export { PradaMap, PradaState, scorePrada } from './prada.js';
export type { PradaResult, PradaSpace } from './prada.js';
export type { GuardThresholds, ModelThresholds } from './thresholds.js';
