/**
 * Builds the guard's reference profile from benign reference events (pure; deterministic for a
 * given input and seed). One {@link ModelProfile} per modelId. See profile-types.ts for what each
 * part holds and the scorer files for how it is used.
 */
import type { InferenceEvent } from '../common/event.js';
import { ValidationError } from '../common/errors.js';
import { fitObservedDispersion } from './beta-binomial.js';
import { ratePerMinute } from './extraction-scorer.js';
import { SimilarityMap, buildFeatureSpace, standardize } from './feature-space.js';
import { resolveGuardParams, type GuardParams } from './guard-params.js';
import { predictionMargin } from './margin.js';
import { embeddingDeviation, scoreOod } from './ood-scorer.js';
import { buildPradaSpace } from './prada.js';
import {
  GUARD_PROFILE_VERSION,
  type GuardProfile,
  type ModelProfile,
  type StatefulBaseline,
} from './profile-types.js';
import { byModel, pseudoClients } from './pseudo-clients.js';
import { QueryHistory } from './query-history.js';
import { quantileSorted, sortedCopy } from './robust-stats.js';
import { ScalarRing } from './scalar-ring.js';
import { mahalanobis2, shrinkageCovariance } from './shrinkage-covariance.js';
import { historyEdges, logDistance } from './stateful-scorer.js';
import { fitTail, type TailModel } from './tail-model.js';

/** Standardized values beyond ±5 are clipped when estimating the covariance (robustness). */
const WINSOR = 5;
/** The benign rate distribution needs at least this many clients to be used. */
const MIN_RATE_SAMPLES = 20;

/**
 * @param events benign reference events (any order of clients; file order is kept per client)
 * @param options guard parameters (defaults: {@link DEFAULT_GUARD_PARAMS}), validated here
 */
export function buildGuardProfile(
  events: readonly InferenceEvent[],
  options: Partial<GuardParams> = {},
): GuardProfile {
  const params = resolveGuardParams(options);
  if (events.length === 0) throw new ValidationError('reference', 'has no events');
  const models: Record<string, ModelProfile> = {};
  for (const [modelId, evs] of byModel(events))
    models[modelId] = buildModelProfile(modelId, evs, params);
  return { version: GUARD_PROFILE_VERSION, params, models };
}

export function buildModelProfile(
  modelId: string,
  events: readonly InferenceEvent[],
  params: GuardParams,
): ModelProfile {
  const space = buildFeatureSpace(events, params.similarityDims, params.seed);
  const queries = events.map((e) => standardize(space, e));
  const ok = events.filter((e) => e.status === 'OK');

  const byLabel = new Map<string, number[]>();
  for (const e of ok) {
    const list = byLabel.get(e.prediction.label);
    if (list) list.push(e.prediction.confidence);
    else byLabel.set(e.prediction.label, [e.prediction.confidence]);
  }
  const labelTails: Record<string, TailModel> = {};
  for (const [label, values] of [...byLabel].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    if (values.length >= params.minLabelCount) labelTails[label] = fitTail(values, 'lower');

  const margins = sortedCopy(ok.map((e) => predictionMargin(e.prediction)));
  const boundaryMargin = margins.length > 0 ? quantileSorted(margins, params.boundaryQuantile) : 0;
  const boundaryShare =
    margins.length > 0
      ? margins.filter((m) => m <= boundaryMargin).length / margins.length
      : params.boundaryQuantile;

  // Covariance from evenly spaced rows (bounded cost), winsorized standardized features.
  const dims = space.names.length;
  const stride = Math.max(1, Math.ceil(queries.length / params.covarianceSample));
  const rows: Float64Array[] = [];
  for (let i = 0; i < queries.length; i += stride)
    rows.push(queries[i]!.z.map((x) => Math.max(-WINSOR, Math.min(WINSOR, x))));
  const covariance = shrinkageCovariance(rows, dims, dims > params.maxCovarianceDims);
  const distance = fitTail(
    queries.map((q) => mahalanobis2(covariance, q.z)),
    'upper',
  );
  const embeddings = queries.flatMap((q) => (q.embedding ? [embeddingDeviation(q.embedding)] : []));

  const profile: ModelProfile = {
    modelId,
    events: events.length,
    pseudoClients: 0,
    space,
    confidence: {
      pooled: fitTail(
        ok.map((e) => e.prediction.confidence),
        'lower',
      ),
      byLabel: labelTails,
    },
    margin: fitTail(margins, 'lower'),
    boundaryMargin,
    boundaryShare,
    ood: {
      covariance,
      distance,
      embedding: space.embeddingDims > 0 ? fitTail(embeddings, 'upper') : null,
      outOfRangeShare: 0,
    },
    stateful: { historyEdges: [], tails: [], pooled: fitTail([], 'lower') },
    successive: fitTail([], 'upper'),
    rate: null,
    prada: buildPradaSpace(space, events, params.covarianceSample),
  };
  const isOutOfRange = queries.map((q) => scoreOod(profile, q).p < params.outOfRangeP);
  profile.ood.outOfRangeShare = isOutOfRange.filter(Boolean).length / queries.length;
  // As the engine marks queries near the boundary (a failed event has no margin: not near).
  const isNearBoundary = events.map(
    (e) => e.status === 'OK' && predictionMargin(e.prediction) <= boundaryMargin,
  );

  // Replay the reference as benign pseudo-clients: k-NN distances, successive distances, rates.
  const sim = new SimilarityMap(space);
  const vectors = queries.map((q) => sim.map(q));
  const pcs = pseudoClients(events, params);
  const successive: number[] = [];
  const rates: number[] = [];
  const scratch = new Float64Array(params.historySize);
  for (const group of pcs.groups) {
    const history = new QueryHistory(sim.dims, params.historySize);
    const times = new ScalarRing(params.extractionWindow);
    let maxRate = 0;
    for (const i of group) {
      const v = vectors[i]!;
      const nb = history.neighbours(v, params.k, scratch);
      if (nb) successive.push(nb.previous);
      history.push(v);
      times.push(events[i]!.timestamp);
      if (times.size >= params.minExtractionQueries)
        maxRate = Math.max(maxRate, ratePerMinute(times));
    }
    // One value per client (its fastest window): window rates of one client are strongly
    // correlated, and a tail fitted on them would be as narrow as that one client.
    if (pcs.mode === 'clientId' && maxRate > 0) rates.push(Math.log(maxRate));
  }
  // Per-client dispersion of the near-boundary and out-of-range counts (only with real client
  // ids: chunks of one stream say nothing about how clients differ).
  if (pcs.mode === 'clientId') {
    profile.boundaryDispersion = dispersionOf(pcs.groups, isNearBoundary);
    profile.ood.outOfRangeDispersion = dispersionOf(pcs.groups, isOutOfRange);
  }
  profile.pseudoClients = pcs.groups.length;
  profile.stateful = statefulBaseline(vectors, sim.dims, params);
  profile.successive = fitTail(successive, 'upper');
  profile.rate = rates.length >= MIN_RATE_SAMPLES ? fitTail(rates, 'upper') : null;
  return profile;
}

/**
 * Beta-binomial dispersion of per-client counts of an indicator, fitted at its observed rate over
 * the clients' events (as the engine counts them: every event in the denominator).
 */
function dispersionOf(groups: readonly (readonly number[])[], flags: readonly boolean[]): number {
  return fitObservedDispersion(
    groups.map((g) => ({ flagged: g.filter((i) => flags[i]).length, events: g.length })),
  ).phi;
}

/**
 * Benign k-NN distances by history size: the reference replayed in file order as pooled clients
 * of `historySize` queries, so every history size up to the cap is represented (the reference's
 * own clients are usually much shorter-lived than a busy client).
 */
export function statefulBaseline(
  vectors: readonly Float32Array[],
  dims: number,
  params: GuardParams,
): StatefulBaseline {
  const edges = historyEdges(params.minHistory, params.historySize);
  const bands: number[][] = edges.map(() => []);
  const all: number[] = [];
  const scratch = new Float64Array(params.historySize);
  let history = new QueryHistory(dims, params.historySize);
  vectors.forEach((v, i) => {
    if (i % params.historySize === 0) history = new QueryHistory(dims, params.historySize);
    const nb = history.neighbours(v, params.k, scratch);
    if (nb && nb.count >= params.minHistory) {
      let b = edges.length - 1;
      while (b > 0 && edges[b]! > nb.count) b--;
      const x = logDistance(nb.meanKnn);
      bands[b]!.push(x);
      all.push(x);
    }
    history.push(v);
  });
  return {
    historyEdges: edges,
    tails: bands.map((b) => fitTail(b, 'lower')),
    pooled: fitTail(all, 'lower'),
  };
}
