/**
 * Calibration: reference profile + thresholds for a target false-positive rate, from benign
 * reference events only.
 *
 * 1. The reference's pseudo-clients (pseudo-clients.ts) are split alternately in two halves: the
 *    profile is built on one, the thresholds are chosen on the other, so the thresholds are held-out
 *    estimates, not in-sample ones (a reference with a single pseudo-client is used for both, and
 *    the figures say so).
 * 2. The calibration half is replayed, in file order, through a GuardEngine that never flags,
 *    recording every event's combined score and, per pseudo-client, the lowest mean k-NN distance,
 *    the highest score of each extraction test, the highest PRADA score and its event scores in
 *    order.
 * 3. Event threshold: the (1 − eventFpr) quantile of the benign combined scores (tail-model.ts).
 * 4. Client thresholds: the client-level budget `targetFpr` is split over the five client rules
 *    (union bound: P(any) ≤ Σ P(rule); shares in {@link BUDGET_DIVISORS}: similarity and
 *    extraction 1/3 each, PRADA 1/6, flagged events and exact repeats 1/12 each). For each rule the statistic is the
 *    pseudo-client's worst value over its life; the threshold is the quantile of that statistic
 *    across benign pseudo-clients at the rule's budget (divided by the share of pseudo-clients the
 *    rule can fire for at all), extrapolated with the exponential tail when the budget is rarer
 *    than 1/clients (for the extraction and PRADA scores with its scale at the 95 % upper
 *    confidence bound, from both halves of the reference: cross-fitted). The extraction rule's
 *    budget is split again, equally, over its tests (extractionTestsOf): each test gets a
 *    threshold of its own, on its own benign tail (`extractionTests`), so a test whose benign
 *    scores stay low (near-boundary counts, under the beta-binomial) is not held to the threshold
 *    of the one with the heaviest benign tail (successive distances). The combined score's
 *    threshold (`extraction`) is still computed, for the record (an engine older than per-test
 *    thresholds would score the counts with the binomial against it: calibrate and score with
 *    the same version).
 *    The flagged-events and exact-repeat counts must also keep a beta-binomial bound
 *    (beta-binomial.ts): clients flag events (and retry) at rates of their own, fitted to the pseudo-clients' lives, and the bound (a
 *    strict scan-statistic bound given the rate) covers a life as long as the longest
 *    pseudo-client's or {@link longLife}, so neither a small calibration set nor heavy-but-benign
 *    clients make it trigger-happy. The extraction and PRADA thresholds never go below
 *    −log10(budget). The query-similarity threshold also holds for benign clients living a whole
 *    history (`historySize`; see longLivedBound), the PRADA threshold for benign clients living
 *    `pradaHistory + pradaWindow` queries (see pradaLongLivedBound) and the extraction threshold
 *    for benign clients living {@link longLife} queries (see extractionLongLivedBound), not only
 *    as long as the reference's clients. When fewer than `minPseudoClients` calibration
 *    pseudo-clients (or long-life windows) reach `pradaMinDistances`, the PRADA rule is turned
 *    off (threshold Infinity) and the calibration figures carry a warning saying why; a rule
 *    that no threshold keeps within budget, or an extraction bound the reference is too short
 *    for, is also named in the warnings.
 * 5. The held-out half is replayed again with the chosen thresholds; the figures (event flag rate,
 *    client flag rate and by which rule) are stored with the thresholds.
 */
import type { InferenceEvent } from '../common/event.js';
import { ValidationError } from '../common/errors.js';
import {
  fitObservedDispersion,
  flaggedWindowProbability,
  type FlagCount,
} from './beta-binomial.js';
import { buildModelProfile } from './build-profile.js';
import {
  EXTRACTION_TESTS,
  extractionTestsOf,
  type ExtractionTestName,
  type PerExtractionTest,
} from './extraction-scorer.js';
import { GuardEngine } from './engine.js';
import { SimilarityMap, standardize } from './feature-space.js';
import { PradaMap, PradaState, scorePrada } from './prada.js';
import { QueryHistory } from './query-history.js';
import { resolveGuardParams, type GuardParams } from './guard-params.js';
import { GUARD_PROFILE_VERSION, type GuardProfile, type ModelProfile } from './profile-types.js';
import { byModel, pseudoClients } from './pseudo-clients.js';
import { logDistance } from './stateful-scorer.js';
import { fitTail, tailQuantile, tailQuantileUpper } from './tail-model.js';
import {
  GUARD_THRESHOLDS_VERSION,
  neverThresholds,
  type CalibrationFigures,
  type GuardThresholds,
  type ModelThresholds,
} from './thresholds.js';

export interface CalibrateOptions extends Partial<GuardParams> {
  /** Client-level false-positive target: share of benign clients flagged. Default 0.01. */
  targetFpr?: number;
  /** Event-level false-positive target: share of benign events flagged. Default: targetFpr. */
  eventFpr?: number;
  /**
   * False-positive target of the extraction rule alone: share of benign clients it may flag.
   * Default: its share of `targetFpr` (`targetFpr / BUDGET_DIVISORS.extraction`); at most that (a
   * larger one would break the union bound over the rules). Lower it where being taken for a
   * model thief must (almost) never happen to a benign client: the extraction threshold rises and
   * probing campaigns are caught somewhat later.
   */
  extractionFpr?: number;
}

export const DEFAULT_TARGET_FPR = 0.01;

/**
 * The client-level budget is split over the client rules (union bound: the shares 1/3 + 1/3 + 1/12
 * + 1/6 + 1/12 add up to 1); each rule gets `targetFpr / BUDGET_DIVISORS[rule]`. Why this split:
 * query similarity and the extraction tests keep the third each they had before the PRADA rule
 * existed, so their thresholds — and the black-box and probing detection they give — are
 * unchanged (the extraction tests' benign tails are flat: a smaller budget raises their
 * thresholds by several points and delays the campaigns they catch right at a query budget). The flagged-events count
 * gave up half of its third to PRADA, and half of the rest to the repeats rule: it is a backstop
 * behind the similarity rule, and under the beta-binomial bound a halved budget moves its
 * threshold by one or two of 50 (44 → 46 on red-team seed 1). The repeats rule, also a
 * beta-binomial count, takes the other half.
 */
export const BUDGET_DIVISORS = {
  stateful: 3,
  extraction: 3,
  flaggedEvents: 12,
  prada: 6,
  repeats: 12,
} as const;

/** Profile + thresholds: what `vigil guard calibrate` writes and `GuardEngine` needs. */
export interface GuardCalibration {
  profile: GuardProfile;
  thresholds: GuardThresholds;
}

/** Shares are validated here once: (0, 0.5]. */
function checkRate(name: string, v: number): number {
  if (!(typeof v === 'number' && v > 0 && v <= 0.5))
    throw new ValidationError(name, `must be a number in (0, 0.5], got ${String(v)}`);
  return v;
}

export function calibrateGuard(
  events: readonly InferenceEvent[],
  options: CalibrateOptions = {},
): GuardCalibration {
  const { targetFpr: t, eventFpr: ef, extractionFpr: xf, ...rest } = options;
  const targetFpr = checkRate('targetFpr', t ?? DEFAULT_TARGET_FPR);
  const eventFpr = checkRate('eventFpr', ef ?? targetFpr);
  const share = targetFpr / BUDGET_DIVISORS.extraction;
  const extractionFpr = xf ?? share;
  if (!(typeof extractionFpr === 'number' && extractionFpr > 0 && extractionFpr <= share))
    throw new ValidationError(
      'extractionFpr',
      `must be a number in (0, targetFpr / ${BUDGET_DIVISORS.extraction} = ${share}], got ${String(extractionFpr)}`,
    );
  const params = resolveGuardParams(rest);
  if (events.length === 0) throw new ValidationError('reference', 'has no events');
  const profile: GuardProfile = { version: GUARD_PROFILE_VERSION, params, models: {} };
  const thresholds: GuardThresholds = {
    version: GUARD_THRESHOLDS_VERSION,
    targetFpr,
    eventFpr,
    extractionFpr,
    models: {},
  };
  for (const [modelId, evs] of byModel(events)) {
    const pcs = pseudoClients(evs, params);
    const inSample = pcs.groups.length < 2;
    const half = (parity: number) =>
      inSample
        ? [...evs]
        : pcs.groups
            .filter((_, g) => g % 2 === parity)
            .flat()
            .sort((a, b) => a - b)
            .map((i) => evs[i]!);
    // The half as the engine replays it: in chunk mode each chunk gets its own client id (the
    // engine keys state by clientId), so it replays as one client.
    const replayed = (parity: number) => {
      if (pcs.mode !== 'chunks') return half(parity);
      const chunkOf = new Map<number, number>();
      pcs.groups.forEach((g, gi) => g.forEach((i) => chunkOf.set(i, gi)));
      const idx = inSample
        ? evs.map((_, i) => i)
        : pcs.groups
            .filter((_, g) => g % 2 === parity)
            .flat()
            .sort((a, b) => a - b);
      return idx.map((i) => ({ ...evs[i]!, clientId: `pseudo-client-${chunkOf.get(i)}` }));
    };
    const mp = buildModelProfile(modelId, half(0), params);
    profile.models[modelId] = mp;
    // Cross-fitting: the profile half is also replayed against a profile built on the other
    // half, so the reference-client quantiles read far in the tail see every pseudo-client.
    const cross = inSample
      ? []
      : replayLives(buildModelProfile(modelId, half(1), params), params, replayed(0)).clients;
    thresholds.models[modelId] = calibrateModel(
      mp,
      params,
      replayed(1),
      targetFpr,
      eventFpr,
      inSample,
      extractionFpr,
      cross,
    );
  }
  return { profile, thresholds };
}

/** Alias: `calibrate(referenceEvents, { targetFpr })`. */
export const calibrate = calibrateGuard;

interface ClientLife {
  scores: number[];
  minKnn: number | null;
  maxExtraction: number | null;
  /** Highest score of each extraction test over the life (a test never scored: absent). */
  maxExtractionTests: PerExtractionTest;
  /** Highest PRADA score over the life (null: never had enough minimum distances to be tested). */
  maxPrada: number | null;
  /** 1 per query that exactly repeated one of its history, else 0, in order. */
  repeats: number[];
}

/** Raises each test's running maximum in `into` to the score in `from`. */
function raiseTo(into: PerExtractionTest, from: PerExtractionTest): void {
  for (const t of EXTRACTION_TESTS) {
    const v = from[t];
    if (v !== undefined) into[t] = Math.max(into[t] ?? -Infinity, v);
  }
}

/** A profile holding one model. */
function singleProfile(mp: ModelProfile, params: GuardParams): GuardProfile {
  return { version: GUARD_PROFILE_VERSION, params, models: { [mp.modelId]: mp } };
}

/** Thresholds that never flag, for replays that only record scores. */
function neverCalibration(modelId: string, targetFpr = 0.01, eventFpr = 0.01): GuardThresholds {
  return {
    version: GUARD_THRESHOLDS_VERSION,
    targetFpr,
    eventFpr,
    models: { [modelId]: neverThresholds() },
  };
}

/**
 * Replays events in file order through a never-flagging engine with profile `mp`: every event's
 * combined score, and per pseudo-client what its life reached (ClientLife).
 */
function replayLives(
  mp: ModelProfile,
  params: GuardParams,
  events: readonly InferenceEvent[],
): { clients: ClientLife[]; all: number[] } {
  const unbounded = { maxClients: Number.MAX_SAFE_INTEGER, idleTimeoutMs: Infinity };
  const engine = new GuardEngine(
    singleProfile(mp, params),
    neverCalibration(mp.modelId),
    unbounded,
  );
  const lives = new Map<string, ClientLife>();
  const all: number[] = [];
  for (const e of events) {
    const d = engine.scoreDetailed(e);
    all.push(d.score);
    let life = lives.get(e.clientId);
    if (!life)
      lives.set(
        e.clientId,
        (life = {
          scores: [],
          minKnn: null,
          maxExtraction: null,
          maxExtractionTests: {},
          maxPrada: null,
          repeats: [],
        }),
      );
    life.scores.push(d.score);
    life.repeats.push(d.repeat ? 1 : 0);
    if (d.meanKnn !== null) life.minKnn = Math.min(life.minKnn ?? Infinity, d.meanKnn);
    if (d.clientState.queries >= params.minExtractionQueries)
      life.maxExtraction = Math.max(life.maxExtraction ?? -Infinity, d.scores.extraction);
    if (d.extractionTests !== null) raiseTo(life.maxExtractionTests, d.extractionTests);
    if (d.prada !== null) life.maxPrada = Math.max(life.maxPrada ?? -Infinity, d.prada);
  }
  return { clients: [...lives.values()], all };
}

export function calibrateModel(
  mp: ModelProfile,
  params: GuardParams,
  events: readonly InferenceEvent[],
  targetFpr: number,
  eventFpr: number,
  inSample = false,
  extractionFpr = targetFpr / BUDGET_DIVISORS.extraction,
  crossLives: readonly ClientLife[] = [],
): ModelThresholds {
  const single = singleProfile(mp, params);
  const never = neverCalibration(mp.modelId, targetFpr, eventFpr);
  const { clients, all } = replayLives(mp, params, events);
  // Reference-client quantiles of the extraction and PRADA scores: both halves (cross-fitted).
  const tailClients = [...clients, ...crossLives];
  const budget = {
    stateful: targetFpr / BUDGET_DIVISORS.stateful,
    flaggedEvents: targetFpr / BUDGET_DIVISORS.flaggedEvents,
    extraction: extractionFpr,
    prada: targetFpr / BUDGET_DIVISORS.prada,
    repeats: targetFpr / BUDGET_DIVISORS.repeats,
  };

  const event = all.length > 0 ? tailQuantile(fitTail(all, 'upper'), eventFpr) : Infinity;

  const knn = clients.flatMap((c) => (c.minKnn === null ? [] : [logDistance(c.minKnn)]));
  const perClient =
    knn.length > 0
      ? Math.exp(
          tailQuantile(
            fitTail(knn, 'lower'),
            Math.min(1, (budget.stateful * clients.length) / knn.length),
          ),
        )
      : Infinity;
  const statefulDistance = Math.min(perClient, longLivedBound(mp, params, events, budget.stateful));

  const warnings: string[] = [];
  const ex = tailClients.flatMap((c) => (c.maxExtraction === null ? [] : [c.maxExtraction]));
  let extraction = upperThreshold(ex, budget.extraction, tailClients.length);
  // Per test: an equal share of the rule's budget each (union bound over the tests).
  const tests = extractionTestsOf(mp);
  const perTestBudget = budget.extraction / tests.length;
  const exLong = extractionLongLivedBound(
    single,
    never,
    params,
    events,
    budget.extraction,
    perTestBudget,
  );
  const extractionTests: PerExtractionTest = {};
  for (const t of tests) {
    const scored = tailClients.flatMap((c) => {
      const v = c.maxExtractionTests[t];
      return v === undefined ? [] : [v];
    });
    extractionTests[t] = upperThreshold(scored, perTestBudget, tailClients.length);
  }
  if (exLong.windows >= params.minPseudoClients) {
    extraction = Math.max(extraction, exLong.threshold);
    for (const t of tests) extractionTests[t] = Math.max(extractionTests[t]!, exLong.perTest[t]!);
  } else
    warnings.push(
      `extraction rule calibrated on the reference clients' lives only: the calibration events replayed as pseudo-clients of ${exLong.life} queries give ${exLong.windows} scored windows of ${params.extractionWindow} queries, ${params.minPseudoClients} needed to bound it for long-lived clients (a longer reference)`,
    );
  for (const t of tests)
    if (extractionTests[t]! >= 300)
      warnings.push(
        `extraction rule's ${t} test off in effect: its threshold ${extractionTests[t]} is at or above the highest score (300)`,
      );
  let prada = Infinity;
  if (mp.prada !== null) {
    const pr = tailClients.flatMap((c) => (c.maxPrada === null ? [] : [c.maxPrada]));
    const long = pradaLongLivedBound(mp, params, events, budget.prada);
    if (pr.length < params.minPseudoClients)
      warnings.push(
        `PRADA rule off: ${pr.length} of ${clients.length} calibration pseudo-clients reached ${params.pradaMinDistances} minimum distances, ${params.minPseudoClients} needed to calibrate it (a longer reference, or longer reference clients)`,
      );
    else if (long.windows < params.minPseudoClients)
      warnings.push(
        `PRADA rule off: the calibration events replayed as pseudo-clients of ${long.life} queries give ${long.windows} scored windows of ${params.pradaWindow} queries, ${params.minPseudoClients} needed to calibrate it for long-lived clients (a longer reference)`,
      );
    else prada = Math.max(upperThreshold(pr, budget.prada, tailClients.length), long.threshold);
  }

  const flaggedEvents = flaggedEventsThreshold(
    clients,
    event,
    params.flagWindow,
    budget.flaggedEvents,
    eventFpr,
    longLife(params),
    warnings,
  );

  const repeats = repeatsThreshold(clients, params, budget.repeats, warnings);

  const chosen: ModelThresholds = {
    event,
    statefulDistance,
    extraction,
    extractionTests,
    flaggedEvents,
    prada,
    repeats,
    calibration: neverThresholds().calibration,
  };
  chosen.calibration = replayFigures(
    single,
    { ...never, models: { [mp.modelId]: chosen } },
    events,
    inSample,
  );
  if (warnings.length > 0) chosen.calibration.warnings = warnings;
  return chosen;
}

/**
 * Threshold of a score rule ("flag at ≥"): the budget quantile of the pseudo-clients' worst scores
 * over their lives, among the `scored` of `clients` pseudo-clients the rule could score at all
 * (the budget is over all clients, so the quantile is taken at budget·clients/scored), with the
 * exponential tail beyond the sample at its 95 % upper confidence bound (tailQuantileUpper);
 * never below −log10(budget), the score of a p-value at the budget. Why the bound and not the
 * point estimate: the quantile is rarer than the sample (a few hundred scored pseudo-clients of a
 * heterogeneous population), and an underestimated tail is a false-positive rate above target —
 * with the point estimate, red-team seed 3 got an extraction threshold of 12.8 while its benign
 * merchants reach 18.8, and 5 of 2,000 benign clients were flagged (0.25 % against a 0.1 % target
 * for all rules together); with the bound, 16.8 and 2.
 */
function upperThreshold(scored: readonly number[], budget: number, clients: number): number {
  return Math.max(
    -Math.log10(budget),
    scored.length > 0
      ? tailQuantileUpper(fitTail(scored, 'upper'), Math.min(1, (budget * clients) / scored.length))
      : 0,
  );
}

/**
 * Benign k-NN distances shrink as a client's history grows, so a threshold learned from the
 * reference's clients alone would flag benign clients that live longer than those. This bound
 * covers a benign client that sends a full history (`historySize` queries): the calibration events
 * are replayed as pooled pseudo-clients of that length, and with d_m the k-NN distance at history
 * size m, P(any d_m < τ over the life) ≤ Σ_m P(d_m < τ) = L · P_mix(d < τ), where P_mix is the
 * distribution of all the replay's distances (uniform over m). So τ is the budget/L quantile of
 * that mixture (a union bound: conservative, as successive distances are strongly correlated).
 */
function longLivedBound(
  mp: ModelProfile,
  params: GuardParams,
  events: readonly InferenceEvent[],
  budget: number,
): number {
  const sim = new SimilarityMap(mp.space);
  const life = Math.min(params.historySize, events.length);
  const scratch = new Float64Array(params.historySize);
  const values: number[] = [];
  let history = new QueryHistory(sim.dims, params.historySize);
  events.forEach((e, i) => {
    if (i % life === 0) history = new QueryHistory(sim.dims, params.historySize);
    const v = sim.map(standardize(mp.space, e));
    const nb = history.neighbours(v, params.k, scratch);
    if (nb && nb.count >= params.minHistory) values.push(logDistance(nb.meanKnn));
    history.push(v);
  });
  if (values.length === 0) return Infinity;
  return Math.exp(
    tailQuantile(fitTail(values, 'lower'), budget / Math.max(1, life - params.minHistory)),
  );
}

/**
 * The life the long-life bounds cover: a full query-similarity history or a full PRADA history
 * plus a turned-over D, whichever is longer (1,200 queries at the defaults).
 */
export function longLife(params: GuardParams): number {
  return Math.max(params.historySize, params.pradaHistory + params.pradaWindow);
}

/**
 * The extraction tests, like the PRADA test, run on every query over a sliding window
 * (`extractionWindow` queries), so a benign client living longer than the reference's has more
 * chances to cross the threshold: on the unit-test fixture (reference clients of 20–80 queries,
 * target 1 %), benign clients of 1,000 and 3,000 queries were flagged by this rule 5 and 20 times
 * in 60. This bound covers a life of {@link longLife} queries the way the PRADA bound does: the
 * calibration events are replayed through the engine as pooled pseudo-clients of that many
 * queries (in file order), cut into N blocks of `extractionWindow`; the
 * threshold is the budget/N quantile of the block maxima. The rate test needs a clock: each replayed event advances its
 * pseudo-client's clock by the gap since the previous event of its own client (a client's first
 * event by its client's first gap; a single-event client's by the median gap), so the pooled
 * stream goes at the pace of a typical client, not at the whole reference's. Pooling loses the
 * heterogeneity of real clients (a merchant whose customers all sit near the boundary), which
 * the quantile over the real pseudo-clients' lives keeps: the threshold is the larger of the two.
 */
function extractionLongLivedBound(
  profile: GuardProfile,
  never: GuardThresholds,
  params: GuardParams,
  events: readonly InferenceEvent[],
  budget: number,
  perTestBudget: number,
): { threshold: number; perTest: PerExtractionTest; windows: number; life: number } {
  const life = Math.max(1, Math.min(longLife(params), events.length));
  const blocks = Math.ceil(life / params.extractionWindow);
  const gaps = clientGaps(events);
  const engine = new GuardEngine(profile, never, {
    maxClients: Number.MAX_SAFE_INTEGER,
    idleTimeoutMs: Infinity,
  });
  // Events stay in file order, so a pooled life interleaves many clients and its successive
  // distances are between different clients' queries, unlike the within-client ones the distances
  // test compares with: on populations whose clients each have a centre this inflates the bound
  // (review: 33.5 against 2.98 from the reference clients on such a fixture). Replaying whole
  // clients one after another instead was measured worse: each window then mixes a few
  // heterogeneous clients, and on the red-team references the bound rose to 51 and 81 (from
  // 36 and 41 set by the reference clients), which would have made the rule miss probing. The
  // bound is kept as it is; README states the limit.
  const order = events.map((_, i) => i);
  const maxima: number[] = [];
  const testMaxima = new Map<ExtractionTestName, number[]>(EXTRACTION_TESTS.map((t) => [t, []]));
  let best: number | null = null;
  let bestTests: PerExtractionTest = {};
  const close = () => {
    if (best !== null) maxima.push(best);
    for (const t of EXTRACTION_TESTS) {
      const v = bestTests[t];
      if (v !== undefined) testMaxima.get(t)!.push(v);
    }
    best = null;
    bestTests = {};
  };
  const start = events[0]?.timestamp ?? 0;
  let clock = start;
  order.forEach((idx, i) => {
    const e = events[idx]!;
    const pos = i % life;
    if (pos === 0) clock = start;
    if (pos % params.extractionWindow === 0) close();
    clock += gaps[idx]!;
    const d = engine.scoreDetailed({
      ...e,
      clientId: `long-life-${Math.floor(i / life)}`,
      timestamp: clock,
    });
    if (d.clientState.queries >= params.minExtractionQueries)
      best = Math.max(best ?? -Infinity, d.scores.extraction);
    if (d.extractionTests !== null) raiseTo(bestTests, d.extractionTests);
  });
  close();
  const quantile = (xs: number[], b: number) =>
    xs.length > 0 ? tailQuantile(fitTail(xs, 'upper'), b / blocks) : Infinity;
  const perTest: PerExtractionTest = {};
  for (const [t, xs] of testMaxima) perTest[t] = quantile(xs, perTestBudget);
  return { threshold: quantile(maxima, budget), perTest, windows: maxima.length, life };
}

/**
 * Per event, the time since the previous event of the same client; a client's first event gets
 * its client's first gap, a single-event client's the median gap (0 when there is none).
 */
function clientGaps(events: readonly InferenceEvent[]): number[] {
  const last = new Map<string, number>();
  const first = new Map<string, number>();
  const gaps = events.map((e) => {
    const prev = last.get(e.clientId);
    last.set(e.clientId, e.timestamp);
    if (prev === undefined) return NaN;
    const g = Math.max(0, e.timestamp - prev);
    if (!first.has(e.clientId)) first.set(e.clientId, g);
    return g;
  });
  const known = gaps.filter((g) => !Number.isNaN(g)).sort((a, b) => a - b);
  const median = known.length > 0 ? known[known.length >> 1]! : 0;
  return gaps.map((g, i) => (Number.isNaN(g) ? (first.get(events[i]!.clientId) ?? median) : g));
}

/**
 * The PRADA test runs on every query over a sliding window of the last `pradaWindow` minimum
 * distances, for as long as a client lives, so the worst score of the reference's clients (which
 * live as long as they happened to) does not bound a benign client that lives longer: its
 * statistic reaches its long-run behaviour once its history is full (`pradaHistory` queries) and D
 * has turned over (`pradaWindow` more), and every further window is another chance to cross.
 * This bound covers a benign client that lives L = pradaHistory + pradaWindow queries: the
 * calibration events are replayed, in file order, as pooled pseudo-clients of L queries (fewer
 * when the calibration set is shorter), each cut into N = ⌈L / pradaWindow⌉ blocks of
 * `pradaWindow` consecutive queries, and the statistic of a block is the highest score of its
 * queries. The blocks cover every query of a life, so P(any score ≥ τ over the life) ≤
 * Σ_b P(block-max_b ≥ τ) = N · P_mix(block-max ≥ τ), with P_mix the distribution of all the
 * replay's block maxima (uniform over b): τ is the budget/N quantile of that mixture (exponential
 * tail beyond the sample). Successive blocks share no distance of D (though they share history),
 * so N is the number of effectively independent windows of a life; the sliding overlap within a
 * block is taken care of by the maximum, not by a union over its queries. A benign client living
 * T > L queries has about T / L times the rule's budget.
 */
function pradaLongLivedBound(
  mp: ModelProfile,
  params: GuardParams,
  events: readonly InferenceEvent[],
  budget: number,
): { threshold: number; windows: number; life: number } {
  const pm = new PradaMap(mp.space, mp.prada!, new SimilarityMap(mp.space));
  const life = Math.max(1, Math.min(params.pradaHistory + params.pradaWindow, events.length));
  const blocks = Math.ceil(life / params.pradaWindow);
  const maxima: number[] = [];
  let state = new PradaState(pm.dims, params);
  let best: number | null = null;
  events.forEach((e, i) => {
    const pos = i % life;
    if (pos === 0) state = new PradaState(pm.dims, params);
    if (pos % params.pradaWindow === 0) {
      if (best !== null) maxima.push(best);
      best = null;
    }
    state.observe(pm.map(e, standardize(mp.space, e)));
    const r = scorePrada(params, state);
    if (r.w !== null) best = Math.max(best ?? -Infinity, r.score);
  });
  if (best !== null) maxima.push(best);
  const threshold =
    maxima.length > 0 ? tailQuantile(fitTail(maxima, 'upper'), budget / blocks) : Infinity;
  return { threshold, windows: maxima.length, life };
}

/**
 * Smallest count of indicator events (1s) in a sliding window that both the benign pseudo-clients
 * and a beta-binomial bound keep within budget (null: none up to the window does). The bound
 * (beta-binomial.ts) lets every client have an indicator rate of its own, p ~ Beta with the pooled
 * mean (at least `floor`) and a dispersion fitted to the pseudo-clients' lives, and covers a life
 * of the longest pseudo-client's or `longLife` events, whichever is longer, so that a threshold
 * learned from short-lived reference clients still holds for long-lived ones.
 */
export function windowCountThreshold(
  lives: readonly (readonly number[])[],
  window: number,
  budget: number,
  floor: number,
  longLife: number,
): { threshold: number | null; pooled: number; phi: number } {
  const maxima = lives.map((xs) => {
    let best = 0;
    let run = 0;
    for (let i = 0; i < xs.length; i++) {
      run += xs[i]!;
      if (i >= window) run -= xs[i - window]!;
      best = Math.max(best, run);
    }
    return best;
  });
  const counts: FlagCount[] = lives.map((xs) => ({
    flagged: xs.reduce((s, x) => s + x, 0),
    events: xs.length,
  }));
  // The dispersion is fitted at the observed rate; the floor only raises the bound's mean.
  const { pooled, phi } = fitObservedDispersion(counts);
  const mean = Math.min(1 - 1e-9, Math.max(floor, pooled));
  let life = Math.max(window, longLife);
  for (const xs of lives) life = Math.max(life, xs.length);
  for (let n = 2; n <= window; n++) {
    const empirical = maxima.filter((m) => m >= n).length / Math.max(1, maxima.length);
    if (empirical > budget) continue;
    if (flaggedWindowProbability(n, window, life, mean, phi) <= budget)
      return { threshold: n, pooled, phi };
  }
  return { threshold: null, pooled, phi };
}

/** The flagged-events rule: {@link windowCountThreshold} of flagged events, at least `eventFpr`. */
function flaggedEventsThreshold(
  clients: readonly ClientLife[],
  event: number,
  window: number,
  budget: number,
  eventFpr: number,
  longLife: number,
  warnings: string[],
): number {
  const lives = clients.map((c) => c.scores.map((x) => (x >= event ? 1 : 0)));
  const r = windowCountThreshold(lives, window, budget, eventFpr, longLife);
  if (r.threshold !== null) return r.threshold;
  warnings.push(
    `flagged-events rule off: no count of flagged events in ${window} keeps benign clients within its budget (${budget}; pooled event flag rate ${r.pooled}, dispersion φ ${r.phi})`,
  );
  return Infinity;
}

/**
 * The repeats rule: {@link windowCountThreshold} of exact repeats in `repeatWindow` queries. The
 * rate floor is the rule of three (3 / events: the 95 % upper bound of a rate never observed), so
 * a reference without a single retry does not make two retries suspicious.
 */
function repeatsThreshold(
  clients: readonly ClientLife[],
  params: GuardParams,
  budget: number,
  warnings: string[],
): number {
  const lives = clients.map((c) => c.repeats);
  const total = lives.reduce((s, xs) => s + xs.length, 0);
  const floor = Math.min(0.5, 3 / Math.max(1, total));
  const r = windowCountThreshold(lives, params.repeatWindow, budget, floor, longLife(params));
  if (r.threshold !== null) return r.threshold;
  warnings.push(
    `repeats rule off: no count of exact repeats in ${params.repeatWindow} queries keeps benign clients within its budget (${budget}; pooled repeat rate ${r.pooled}, dispersion φ ${r.phi})`,
  );
  return Infinity;
}

function replayFigures(
  profile: GuardProfile,
  thresholds: GuardThresholds,
  events: readonly InferenceEvent[],
  inSample: boolean,
): CalibrationFigures {
  const engine = new GuardEngine(profile, thresholds, {
    maxClients: Number.MAX_SAFE_INTEGER,
    idleTimeoutMs: Infinity,
  });
  const flaggedClients = new Set<string>();
  const by = { stateful: 0, extraction: 0, flaggedEvents: 0, prada: 0, repeats: 0 };
  const all = new Set<string>();
  let flaggedEvents = 0;
  for (const e of events) {
    const r = engine.score(e);
    all.add(e.clientId);
    if (r.flagged) flaggedEvents++;
    if (r.clientFlagged && !flaggedClients.has(e.clientId)) {
      flaggedClients.add(e.clientId);
      for (const rule of r.clientState.rules) by[rule]++;
    }
  }
  return {
    events: events.length,
    pseudoClients: all.size,
    inSample,
    eventFlagRate: events.length > 0 ? flaggedEvents / events.length : 0,
    clientFlagRate: all.size > 0 ? flaggedClients.size / all.size : 0,
    clientsFlaggedBy: by,
  };
}
