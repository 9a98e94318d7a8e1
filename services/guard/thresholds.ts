/**
 * Calibrated decision thresholds, per model (JSON; see calibrate.ts for how they are chosen).
 */
import type { PerExtractionTest } from './extraction-scorer.js';

export const GUARD_THRESHOLDS_VERSION = 1;

export interface GuardThresholds {
  version: typeof GUARD_THRESHOLDS_VERSION;
  /** Client-level target: share of benign clients that may be flagged. */
  targetFpr: number;
  /** Event-level target: share of benign events that may be flagged. */
  eventFpr: number;
  /**
   * The extraction rule's own client-level target (calibrate.ts `extractionFpr`). Absent in files
   * written before it existed: those used `targetFpr / 3`.
   */
  extractionFpr?: number;
  models: Record<string, ModelThresholds>;
}

export interface ModelThresholds {
  /** An event is flagged when its combined score (max of the event scorers) is ≥ this. */
  event: number;
  /** A client is flagged when the mean k-NN distance of a query to its history is < this. */
  statefulDistance: number;
  /**
   * A client is flagged when its extraction score (the smallest p of the extraction tests,
   * Bonferroni-corrected) is ≥ this — only when {@link extractionTests} is absent (files written
   * before per-test thresholds existed); otherwise kept for the record.
   */
  extraction: number;
  /**
   * Per extraction test, the score (−log10 of that test's own p) at which it flags the client:
   * each test calibrated on its own benign tail, at an equal share of the rule's budget. A test
   * absent here never flags; Infinity (JSON null): never either. Absent altogether in files written
   * before it existed: {@link extraction} decides.
   */
  extractionTests?: PerExtractionTest;
  /** A client is flagged when ≥ this many of its last `flagWindow` events are flagged. */
  flaggedEvents: number;
  /**
   * A client is flagged when its PRADA score (−log10 of the Shapiro–Wilk p of its minimum query
   * distances, prada.ts) is ≥ this. Infinity (JSON null or absent): never.
   */
  prada: number;
  /**
   * A client is flagged when ≥ this many of its last `repeatWindow` queries exactly repeat one of
   * its earlier queries. Infinity (JSON null or absent): never.
   */
  repeats: number;
  /** What the calibration saw (for the record; not used to decide). */
  calibration: CalibrationFigures;
}

export interface CalibrationFigures {
  /** Benign events and pseudo-clients the thresholds were calibrated on (held out from the profile). */
  events: number;
  pseudoClients: number;
  /** True when the reference was too small to hold data out (profile and calibration share it). */
  inSample: boolean;
  /** Share of calibration events flagged with these thresholds. */
  eventFlagRate: number;
  /** Share of calibration pseudo-clients flagged with these thresholds, and by which rule. */
  clientFlagRate: number;
  clientsFlaggedBy: {
    stateful: number;
    extraction: number;
    flaggedEvents: number;
    prada: number;
    repeats: number;
  };
  /** What the calibration could not do (e.g. a rule turned off for lack of data); absent: none. */
  warnings?: string[];
}

/** Thresholds that never flag anything (used while calibrating). */
export function neverThresholds(): ModelThresholds {
  return {
    event: Infinity,
    statefulDistance: 0,
    extraction: Infinity,
    flaggedEvents: Infinity,
    prada: Infinity,
    repeats: Infinity,
    calibration: {
      events: 0,
      pseudoClients: 0,
      inSample: false,
      eventFlagRate: 0,
      clientFlagRate: 0,
      clientsFlaggedBy: { stateful: 0, extraction: 0, flaggedEvents: 0, prada: 0, repeats: 0 },
    },
  };
}
