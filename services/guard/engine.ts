/**
 * GuardEngine: scores a stream of inference events, one at a time, keeping bounded per-client
 * state. Pure and deterministic (event time only, no clock, no randomness), so the streaming
 * service, the offline CLI and the tests give the same answers for the same events.
 *
 * Per event: confidence collapse, low margin, out-of-distribution and stateful query similarity
 * scores (each −log10 of a benign tail probability); the combined score is their maximum, and the
 * event is flagged when it reaches the calibrated event threshold. Per (client, model): the client
 * becomes suspicious — and stays so until its state is evicted — when a client rule fires: the
 * stateful detector (Chen et al. 2019), the extraction tests (PRADA-style), PRADA's normality test
 * of the minimum query distances (Juuti et al. 2019; prada.ts), or too many flagged events in its
 * recent window.
 */
import type { InferenceEvent } from '../common/event.js';
import { ValidationError } from '../common/errors.js';
import {
  ClientState,
  type ClientRule,
  type ClientStateJson,
  type ClientStateView,
} from './client-state.js';
import { ClientTable } from './client-table.js';
import { scoreConfidence } from './confidence-scorer.js';
import { resolveEngineOptions, type GuardEngineOptions } from './engine-options.js';
import {
  coverageCell,
  extractionCrossing,
  extractionTestScores,
  scoreExtraction,
  type PerExtractionTest,
} from './extraction-scorer.js';
import { SimilarityMap, standardize } from './feature-space.js';
import { resolveGuardParams } from './guard-params.js';
import { scoreMargin } from './margin-scorer.js';
import { imputationNote, scoreOod } from './ood-scorer.js';
import { PradaMap, scorePrada, type PradaResult } from './prada.js';
import { GUARD_PROFILE_VERSION, type GuardProfile, type ModelProfile } from './profile-types.js';
import { fmt } from './scorer-result.js';
import { parseGuardCalibration } from './calibration-json.js';
import { scoreStateful } from './stateful-scorer.js';
import {
  GUARD_THRESHOLDS_VERSION,
  type GuardThresholds,
  type ModelThresholds,
} from './thresholds.js';

/** One scored event. The first six fields are the `vigil guard score --format jsonl` line. */
export interface GuardScore {
  eventId: string;
  clientId: string;
  score: number;
  flagged: boolean;
  /** Why: the scorers behind a flag, imputed features, the client's suspicion. */
  reasons: string[];
  clientFlagged: boolean;
  modelId: string;
  modelVersion: string;
  clientState: ClientStateView;
}

/** The individual scores behind a {@link GuardScore} (calibration, diagnostics). */
export interface GuardScoreDetail extends GuardScore {
  scores: { confidence: number; margin: number; ood: number; stateful: number; extraction: number };
  /** Mean k-NN distance of this query to the client's history (null: too short). */
  meanKnn: number | null;
  /** The client's PRADA score after this query (null: not tested yet, or no PRADA profile). */
  prada: number | null;
  /** This query exactly repeats one of the client's history (the repeats rule's indicator). */
  repeat: boolean;
  /** Each extraction test's own score after this query (null: the client is not scored yet). */
  extractionTests: PerExtractionTest | null;
  /** Null when the event's model has no profile. */
  scored: boolean;
}

export interface GuardStats {
  events: number;
  flagged: number;
  /** Events of models without a reference profile (not scored). */
  unscored: number;
  /** Client states held now (≤ maxClients). */
  clients: number;
  /** Times a client state became suspicious. */
  clientFlags: number;
  evictedLru: number;
  evictedIdle: number;
  /** Bytes held by the client states' buffers. */
  stateBytes: number;
}

export const GUARD_SNAPSHOT_VERSION = 1;

export interface GuardSnapshot {
  version: typeof GUARD_SNAPSHOT_VERSION;
  profile: GuardProfile;
  thresholds: GuardThresholds;
  options: GuardEngineOptions;
  watermark: number;
  counters: {
    events: number;
    flagged: number;
    unscored: number;
    clientFlags: number;
    evictedLru: number;
    evictedIdle: number;
  };
  /** Client states, least recently used first. */
  clients: ClientStateJson[];
}

interface ModelRuntime {
  profile: ModelProfile;
  thresholds: ModelThresholds;
  sim: SimilarityMap;
  /** Null when the profile predates the PRADA rule. */
  prada: PradaMap | null;
}

const EMPTY_VIEW: ClientStateView = Object.freeze({
  suspicious: false,
  since: null,
  why: [],
  rules: [],
  queries: 0,
  flaggedInWindow: 0,
  meanKnn: null,
  extractionScore: 0,
  ratePerMinute: 0,
  coverageCells: 0,
  pradaScore: 0,
  repeatsInWindow: 0,
}) as ClientStateView;

export class GuardEngine {
  readonly options: GuardEngineOptions;
  private readonly models = new Map<string, ModelRuntime>();
  private readonly table: ClientTable<ClientState>;
  private readonly scratch: Float64Array;
  private watermark = -Infinity;
  private counters = { events: 0, flagged: 0, unscored: 0, clientFlags: 0 };

  readonly profile: GuardProfile;

  constructor(
    profile: GuardProfile,
    readonly thresholds: GuardThresholds,
    options: Partial<GuardEngineOptions> = {},
  ) {
    if (profile.version !== GUARD_PROFILE_VERSION)
      throw new ValidationError(
        'profile.version',
        `must be ${GUARD_PROFILE_VERSION}, got ${String(profile.version)}`,
      );
    if (thresholds.version !== GUARD_THRESHOLDS_VERSION)
      throw new ValidationError(
        'thresholds.version',
        `must be ${GUARD_THRESHOLDS_VERSION}, got ${String(thresholds.version)}`,
      );
    // Defaults filled in: a profile written before a parameter existed gets its default (a
    // missing `repeatWindow` was a ring of undefined size, a NaN count and the rule silently off).
    this.profile = { ...profile, params: resolveGuardParams(profile.params) };
    this.options = resolveEngineOptions(options);
    for (const [modelId, mp] of Object.entries(profile.models)) {
      const thr = thresholds.models[modelId];
      if (thr === undefined)
        throw new ValidationError(
          `thresholds.models.${modelId}`,
          'missing (the profile has this model)',
        );
      const sim = new SimilarityMap(mp.space);
      const prada = mp.prada ? new PradaMap(mp.space, mp.prada, sim) : null;
      this.models.set(modelId, { profile: mp, thresholds: thr, sim, prada });
    }
    this.table = new ClientTable(this.options.maxClients, this.options.idleTimeoutMs);
    this.scratch = new Float64Array(this.profile.params.historySize);
  }

  score(event: InferenceEvent): GuardScore {
    const {
      scores: _s,
      meanKnn: _m,
      prada: _p,
      repeat: _r,
      extractionTests: _x,
      scored: _d,
      ...result
    } = this.scoreDetailed(event);
    return result;
  }

  scoreDetailed(event: InferenceEvent): GuardScoreDetail {
    this.counters.events++;
    const rt = this.models.get(event.modelId);
    const base = { eventId: event.eventId, clientId: event.clientId };
    const tail = { modelId: event.modelId, modelVersion: event.modelVersion };
    if (rt === undefined) {
      this.counters.unscored++;
      return {
        ...base,
        score: 0,
        flagged: false,
        reasons: [`no reference profile for model ${JSON.stringify(event.modelId)}: not scored`],
        clientFlagged: false,
        ...tail,
        clientState: { ...EMPTY_VIEW },
        scores: { confidence: 0, margin: 0, ood: 0, stateful: 0, extraction: 0 },
        meanKnn: null,
        prada: null,
        repeat: false,
        extractionTests: null,
        scored: false,
      };
    }
    const params = this.profile.params;
    const { profile: mp, thresholds: thr } = rt;
    const q = standardize(mp.space, event);
    const vector = rt.sim.map(q);
    const ok = event.status === 'OK';
    const conf = ok ? scoreConfidence(mp, event.prediction) : null;
    const margin = ok ? scoreMargin(mp, event.prediction) : null;
    const ood = scoreOod(mp, q);

    const state = this.clientState(event, rt);
    const nb = state.history.neighbours(vector, params.k, this.scratch);
    const stateful = scoreStateful(mp, params, nb);
    state.history.push(vector);
    state.queries++;
    state.meanKnn = stateful.meanKnn;

    const score = Math.max(conf?.score ?? 0, margin?.score ?? 0, ood.score, stateful.score);
    const flagged = score >= thr.event;
    if (flagged) this.counters.flagged++;
    const reasons: string[] = [];
    for (const r of [conf, margin, ood, stateful])
      if (r !== null && r.score >= thr.event) reasons.push(r.reason);
    if (ood.imputed.length > 0 && !(ood.score >= thr.event))
      reasons.push(imputationNote(mp.space, ood.imputed));

    state.window.push({
      successive: nb?.previous ?? null,
      nearBoundary: margin !== null && margin.margin <= mp.boundaryMargin,
      outOfRange: ood.p < params.outOfRangeP,
      timestamp: event.timestamp,
      cell: coverageCell(vector),
    });
    const extraction = scoreExtraction(mp, params, state.window);
    state.extractionScore = extraction.score;
    state.flags.push(flagged ? 1 : 0);
    // An exact repeat: identical to a query in the client's history (the similarity map is
    // deterministic, so equal inputs give equal vectors and distance 0).
    const repeat = nb !== null && nb.nearest === 0;
    state.repeats.push(repeat ? 1 : 0);
    let prada: PradaResult | null = null;
    if (rt.prada !== null) {
      const ps = state.pradaState();
      ps.observe(rt.prada.map(event, q));
      prada = scorePrada(params, ps);
      state.pradaScore = prada.score;
    }

    if (state.suspicion === null) {
      const why: string[] = [];
      const rules: ClientRule[] = [];
      if (stateful.meanKnn !== null && stateful.meanKnn < thr.statefulDistance) {
        rules.push('stateful');
        why.push(
          `similar-query attack: mean distance to nearest previous queries ${fmt(stateful.meanKnn)} < ${fmt(thr.statefulDistance)} (stateful detection, Chen et al. 2019)`,
        );
      }
      const crossing = extractionCrossing(extraction, thr.extraction, thr.extractionTests);
      if (crossing !== null) {
        rules.push('extraction');
        why.push(`${crossing.reason} ≥ threshold ${fmt(crossing.threshold)}`);
      }
      if (prada !== null && prada.score >= thr.prada) {
        rules.push('prada');
        why.push(`${prada.reason} ≥ threshold ${fmt(thr.prada)}`);
      }
      const repeats = state.repeats.sum();
      if (repeats >= thr.repeats) {
        rules.push('repeats');
        why.push(
          `${repeats} of its last ${state.repeats.size} queries repeat earlier ones exactly (threshold ${thr.repeats}; benign clients retry, extraction by data augmentation re-queries points it already labelled)`,
        );
      }
      const recent = state.flags.sum();
      if (recent >= thr.flaggedEvents) {
        rules.push('flaggedEvents');
        why.push(
          `${recent} of its last ${state.flags.size} events flagged (threshold ${thr.flaggedEvents})`,
        );
      }
      if (why.length > 0) {
        state.suspicion = {
          since: { eventId: event.eventId, timestamp: event.timestamp },
          why,
          rules,
        };
        this.counters.clientFlags++;
      }
    }
    if (state.suspicion !== null) {
      const s = state.suspicion;
      reasons.push(
        `client suspicious since event ${s.since.eventId} (${new Date(s.since.timestamp).toISOString()}): ${s.why.join('; ')}`,
      );
    }
    return {
      ...base,
      score,
      flagged,
      reasons,
      clientFlagged: state.suspicion !== null,
      ...tail,
      clientState: state.view(),
      scores: {
        confidence: conf?.score ?? 0,
        margin: margin?.score ?? 0,
        ood: ood.score,
        stateful: stateful.score,
        extraction: extraction.score,
      },
      meanKnn: stateful.meanKnn,
      prada: prada !== null && prada.w !== null ? prada.score : null,
      repeat,
      extractionTests: extraction.tests === null ? null : extractionTestScores(extraction),
      scored: true,
    };
  }

  private clientState(event: InferenceEvent, rt: ModelRuntime): ClientState {
    if (event.timestamp > this.watermark) this.watermark = event.timestamp;
    this.table.expire(this.watermark);
    const key = clientKey(event.modelId, event.clientId);
    let state = this.table.get(key);
    if (state === undefined) {
      state = new ClientState(
        event.clientId,
        event.modelId,
        rt.sim.dims,
        this.profile.params,
        event.timestamp,
      );
      this.table.set(key, state);
    }
    state.lastSeen = Math.max(state.lastSeen, event.timestamp);
    return state;
  }

  /** The current state of a client for a model (undefined when none is held). Does not touch LRU order. */
  peekClient(modelId: string, clientId: string): ClientStateView | undefined {
    return this.table.peek(clientKey(modelId, clientId))?.view();
  }

  stats(): GuardStats {
    let stateBytes = 0;
    for (const [, s] of this.table.entries()) stateBytes += s.bytes;
    return {
      ...this.counters,
      clients: this.table.size,
      evictedLru: this.table.evictedLru,
      evictedIdle: this.table.evictedIdle,
      stateBytes,
    };
  }

  /** Bounded snapshot: profile, thresholds, options, counters and every client state (≤ maxClients). */
  toJSON(): GuardSnapshot {
    return {
      version: GUARD_SNAPSHOT_VERSION,
      profile: this.profile,
      thresholds: this.thresholds,
      options: this.options,
      watermark: Number.isFinite(this.watermark) ? this.watermark : 0,
      counters: {
        ...this.counters,
        evictedLru: this.table.evictedLru,
        evictedIdle: this.table.evictedIdle,
      },
      clients: [...this.table.entries()].map(([, s]) => s.toJSON()),
    };
  }

  static fromJSON(snapshot: GuardSnapshot): GuardEngine {
    if (snapshot.version !== GUARD_SNAPSHOT_VERSION)
      throw new ValidationError(
        'snapshot.version',
        `must be ${GUARD_SNAPSHOT_VERSION}, got ${String(snapshot.version)}`,
      );
    // A snapshot that went through JSON has null for every Infinity threshold (a rule off): read
    // the calibration back the way calibration files are read, or `score >= null` would fire.
    // (On a copy: the parser fills defaults in place, and the snapshot may share objects with a
    // live engine.)
    const { profile, thresholds } = parseGuardCalibration(
      structuredClone({ profile: snapshot.profile, thresholds: snapshot.thresholds }),
    );
    const engine = new GuardEngine(profile, thresholds, snapshot.options);
    engine.watermark =
      snapshot.clients.length > 0 || snapshot.counters.events > 0 ? snapshot.watermark : -Infinity;
    const { evictedLru, evictedIdle, ...counters } = snapshot.counters;
    engine.counters = counters;
    engine.table.evictedLru = evictedLru;
    engine.table.evictedIdle = evictedIdle;
    for (const j of snapshot.clients) {
      const rt = engine.models.get(j.modelId);
      if (rt === undefined) continue;
      engine.table.set(
        clientKey(j.modelId, j.clientId),
        ClientState.fromJSON(j, rt.sim.dims, profile.params),
      );
    }
    return engine;
  }
}

/** Unambiguous key of a (model, client) pair. */
function clientKey(modelId: string, clientId: string): string {
  return `${modelId.length}:${modelId}${clientId}`;
}
