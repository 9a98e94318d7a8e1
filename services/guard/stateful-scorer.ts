/**
 * Stateful query similarity (Chen, Carlini & Wagner, "Stateful Detection of Black-Box Adversarial
 * Attacks", 2019). Query-based black-box attacks (boundary attack, HopSkipJump, gradient
 * estimation by finite differences) send many queries that are very close to each other; benign
 * clients do not. For each new query: the mean distance to its k nearest previous queries of the
 * same client (and model). A value far below what benign clients show means an attack is running.
 *
 * The per-event score is the lower-tail probability of that mean distance among benign queries
 * (the profile replays the reference as pseudo-clients). The client-level flag compares the
 * distance with a threshold calibrated for the client-level false-positive rate (calibrate.ts);
 * the paper's 0.1th percentile of benign k-NN distances is the same idea at the query level.
 * With fewer than k previous queries all of them are used; with fewer than `minHistory`, nothing
 * is scored (a short history says little, and empty history must never flag).
 */
import type { GuardParams } from './guard-params.js';
import type { ModelProfile, StatefulBaseline } from './profile-types.js';
import type { NeighbourDistances } from './query-history.js';
import { fmt, fmtP, type ScorerResult } from './scorer-result.js';
import { tailQuantile, tailScore, type TailModel } from './tail-model.js';

/** ln(d + ε): the benign distribution is modelled on a log scale (distances span decades). */
export function logDistance(d: number): number {
  return Math.log(d + 1e-9);
}

/** Bands need this many benign values to be used on their own. */
const MIN_BAND_VALUES = 50;

/**
 * The benign baseline for a history of `count` queries: its band, or the nearest shorter band
 * with enough data (shorter histories have larger distances: the conservative side), or all.
 */
export function statefulTail(b: StatefulBaseline, count: number): TailModel {
  let i = b.historyEdges.length - 1;
  while (i > 0 && b.historyEdges[i]! > count) i--;
  for (; i >= 0; i--) if (b.tails[i]!.n >= MIN_BAND_VALUES) return b.tails[i]!;
  return b.pooled;
}

/** Band edges: log-spaced history sizes from minHistory to historySize. */
export function historyEdges(minHistory: number, historySize: number): number[] {
  const edges = [minHistory];
  for (const e of [20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000])
    if (e > minHistory && e <= historySize) edges.push(e);
  return edges;
}

export interface StatefulResult extends ScorerResult {
  /** Mean k-NN distance, or null when the history was too short to score. */
  meanKnn: number | null;
}

export function scoreStateful(
  profile: ModelProfile,
  params: Pick<GuardParams, 'k' | 'minHistory'>,
  nb: NeighbourDistances | null,
): StatefulResult {
  const count = nb?.count ?? 0;
  if (nb === null || count < params.minHistory) {
    return {
      score: 0,
      meanKnn: null,
      reason: `query similarity: ${count} previous queries from this client, ${params.minHistory} needed (not scored)`,
    };
  }
  const meanKnn = nb.meanKnn;
  const baseline = statefulTail(profile.stateful, count);
  const score = tailScore(baseline, logDistance(meanKnn));
  const k = Math.min(params.k, count);
  return {
    score,
    meanKnn,
    get reason() {
      return `query similarity: mean distance to the ${k} nearest of ${count} previous queries from this client ${fmt(meanKnn)} vs benign 1st percentile ${fmt(Math.exp(tailQuantile(baseline, 0.01)))}, ${fmtP(score)}`;
    },
  };
}
