/**
 * Traffic: benign clients and attack campaigns, scored by the victim model and turned into Vigil
 * inference events (JSON event form), merged in event-time order.
 *
 * Benign clients (three behaviours, all drawing transactions from the data distribution):
 * - app users (84 %): 1 + ⌊LogNormal(ln 8, 1.0)⌋ queries (cap 400), mean gap LogNormal(ln 45 s, 1.0)
 *   (clamped to [2 s, 30 min]), transactions around a personal centre (latent weight 0.3);
 * - merchants (14 %): 20 + ⌊LogNormal(ln 60, 0.8)⌋ queries (cap 800), mean gap LogNormal(ln 20 s,
 *   0.8), transactions around the merchant's centre (latent weight 0.6: similar customers);
 * - batch integrators (2 %): 300–1500 queries (a backlog), mean gap LogNormal(ln 1.5 s, 0.5),
 *   no centre (diverse transactions, fast).
 * Every client retries 2 % of its queries (an exact repeat of its previous transaction). Gaps are
 * exponential around the client's mean; starts are uniform over the first 90 % of the span.
 *
 * Attack campaigns: one attacker client each, its queries in order at a mean gap of
 * LogNormal(ln 8 s, 0.5) for white-box (each query is a crafted input), LogNormal(ln 1 s, 0.5) for
 * black-box and extraction; starts uniform over the first 80 % of the span. Attackers do not
 * rotate client ids (a Sybil attacker splitting a campaign over many ids is out of scope here).
 */
import type { InferenceEvent } from '../../services/common/event.js';
import { D, featureMap, latent, naturalRaw, rng, toRaw, type Rand, type Vec } from './dataset.js';
import type { Model } from './model.js';
import { boundaryAttack, DEFAULT_BOUNDARY, type BoundaryOptions } from './attacks/boundary.js';
import { fgsm, pgd } from './attacks/gradient.js';
import { DEFAULT_HSJ, hopSkipJump, type HsjOptions } from './attacks/hopskipjump.js';
import {
  agreement,
  DEFAULT_JBDA,
  DEFAULT_LHS,
  jbdaExtraction,
  lhsExtraction,
  type JbdaOptions,
  type LhsOptions,
} from './attacks/extraction.js';
import { l2, linf, makeOracle } from './attacks/types.js';

export const MODEL_ID = 'fraud-mlp';
export const MODEL_VERSION = 'v1';
export const START_MS = Date.UTC(2026, 10, 26, 8, 0, 0);

export type BenignKind = 'app' | 'merchant' | 'batch';

/** One query before scoring: who, when, what (raw features). */
export interface Query {
  clientId: string;
  timestamp: number;
  x: Vec;
}

function logNormal(norm: Rand, median: number, sigma: number): number {
  return Math.exp(Math.log(median) + sigma * norm());
}

function expGap(rand: Rand, mean: number): number {
  return -Math.log(Math.max(rand(), 1e-12)) * mean;
}

export interface BenignOptions {
  clients: number;
  seed: number;
  prefix: string;
  startMs: number;
  spanMs: number;
}

export interface BenignClient {
  clientId: string;
  kind: BenignKind;
  queries: number;
}

export function benignTraffic(o: BenignOptions): { queries: Query[]; clients: BenignClient[] } {
  const { rand, norm } = rng(o.seed);
  const queries: Query[] = [];
  const clients: BenignClient[] = [];
  for (let c = 0; c < o.clients; c++) {
    const r = rand();
    const kind: BenignKind = r < 0.84 ? 'app' : r < 0.98 ? 'merchant' : 'batch';
    let n: number;
    let meanGap: number;
    let weight: number;
    if (kind === 'app') {
      n = Math.min(400, 1 + Math.floor(logNormal(norm, 8, 1.0)));
      meanGap = Math.min(1_800_000, Math.max(2000, logNormal(norm, 45_000, 1.0)));
      weight = 0.3;
    } else if (kind === 'merchant') {
      n = Math.min(800, 20 + Math.floor(logNormal(norm, 60, 0.8)));
      meanGap = Math.max(1000, logNormal(norm, 20_000, 0.8));
      weight = 0.6;
    } else {
      n = 300 + Math.floor(rand() * 1201);
      meanGap = logNormal(norm, 1500, 0.5);
      weight = 0;
    }
    const centre = Float64Array.from({ length: D }, () => norm());
    const clientId = `${o.prefix}-${kind}-${c}`;
    let t = o.startMs + rand() * o.spanMs * 0.9;
    let prev: Vec | null = null;
    let last = -Infinity;
    for (let i = 0; i < n; i++) {
      t += expGap(rand, meanGap);
      const x: Vec = prev !== null && rand() < 0.02 ? prev : naturalRaw(norm, centre, weight);
      last = Math.max(Math.round(t), last + 1); // strictly increasing per client
      queries.push({ clientId, timestamp: last, x });
      prev = x;
    }
    clients.push({ clientId, kind, queries: n });
  }
  return { queries, clients };
}

/** Scores a query with the victim: the inference event a model server would publish. */
export function toEvent(
  model: Model,
  q: Query,
  eventId: string,
  latencyMs: number,
): InferenceEvent {
  const [pOk, pFraud] = model.proba(q.x);
  return {
    eventId,
    timestamp: q.timestamp,
    modelId: MODEL_ID,
    modelVersion: MODEL_VERSION,
    clientId: q.clientId,
    features: featureMap(q.x),
    categorical: {},
    embedding: null,
    prediction: {
      label: pFraud >= 0.5 ? 'fraud' : 'ok',
      confidence: Math.max(pOk, pFraud),
      probabilities: { fraud: pFraud, ok: pOk },
      score: null,
    },
    latencyMs,
    status: 'OK',
    errorCode: null,
    metadata: {},
  };
}

/** Events of a list of queries (ids `<client>-<i>`, latency ~ 3 + LogNormal(4 ms, 0.4)), time-ordered. */
export function toEvents(model: Model, queries: readonly Query[], seed: number): InferenceEvent[] {
  const { norm } = rng(seed);
  const perClient = new Map<string, number>();
  const out = queries.map((q) => {
    const i = perClient.get(q.clientId) ?? 0;
    perClient.set(q.clientId, i + 1);
    const latency = Math.round((3 + logNormal(norm, 4, 0.4)) * 100) / 100;
    return toEvent(model, q, `${q.clientId}-${i}`, latency);
  });
  return sortEvents(out);
}

export function sortEvents(events: InferenceEvent[]): InferenceEvent[] {
  return events.sort(
    (a, b) =>
      a.timestamp - b.timestamp || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
  );
}

// ---------------------------------------------------------------------------------------------
// Attack campaigns

export type AttackFamily = 'white-box' | 'black-box' | 'extraction';

export interface AttackSpec {
  /** Row name, e.g. "fgsm ε=0.3". */
  type: string;
  family: AttackFamily;
  build: (ctx: CampaignContext) => CampaignOutput;
}

export interface CampaignContext {
  model: Model;
  rand: Rand;
  norm: Rand;
  seed: number;
  /** Natural inputs (u-space) for the surrogate agreement test. */
  natural: readonly Vec[];
}

export interface CampaignOutput {
  /** The queries, in order, in u-space (clipped). */
  us: Vec[];
  /** Attack effectiveness, per campaign (averaged in the report). */
  outcome: Record<string, number>;
}

export interface Campaign {
  clientId: string;
  type: string;
  family: AttackFamily;
  queries: number;
  outcome: Record<string, number>;
}

/** A natural transaction (u-space) that the model labels `label`, by rejection sampling. */
function naturalWithLabel(model: Model, norm: Rand, label: number): Vec {
  for (;;) {
    const u = model.toU(toRaw(latent(norm)));
    if ((model.probaU(u) >= 0.5 ? 1 : 0) === label) return u;
  }
}

export interface AttackParams {
  whiteBoxEps: number[];
  whiteBoxTargets: number;
  pgdSteps: number;
  boundary: BoundaryOptions;
  hsj: HsjOptions;
  lhs: LhsOptions;
  jbda: JbdaOptions;
}

export const DEFAULT_ATTACK_PARAMS: AttackParams = {
  whiteBoxEps: [0.3, 1.0],
  whiteBoxTargets: 40,
  pgdSteps: 20,
  boundary: DEFAULT_BOUNDARY,
  hsj: DEFAULT_HSJ,
  lhs: DEFAULT_LHS,
  jbda: DEFAULT_JBDA,
};

export function attackSpecs(p: AttackParams): AttackSpec[] {
  const specs: AttackSpec[] = [];
  for (const eps of p.whiteBoxEps) {
    for (const kind of ['fgsm', 'pgd'] as const) {
      specs.push({
        type: `${kind} ε=${eps}`,
        family: 'white-box',
        build: ({ model, norm, rand }) => {
          const us: Vec[] = [];
          let flipped = 0;
          let dist = 0;
          for (let i = 0; i < p.whiteBoxTargets; i++) {
            const u = naturalWithLabel(model, norm, 1);
            const adv =
              kind === 'fgsm'
                ? fgsm(model, u, 1, eps)
                : pgd(model, u, 1, { eps, steps: p.pgdSteps, randomStart: true }, rand);
            if (model.probaU(adv) < 0.5) flipped++;
            dist += linf(adv, u);
            us.push(adv);
          }
          return {
            us,
            outcome: {
              evasionRate: flipped / p.whiteBoxTargets,
              meanLinf: dist / p.whiteBoxTargets,
            },
          };
        },
      });
    }
  }
  const blackBox = (name: 'boundary' | 'hopskipjump'): AttackSpec => ({
    type: name,
    family: 'black-box',
    build: ({ model, norm }) => {
      const oracle = makeOracle(
        (u) => model.clip(u),
        (u) => model.probaU(u),
      );
      const orig = naturalWithLabel(model, norm, 1);
      oracle.label(orig); // the attacker's blocked transaction
      let start: Vec;
      do start = model.toU(toRaw(latent(norm)));
      while (oracle.label(start) !== 0);
      const clip = (u: Vec) => model.clip(u);
      const r =
        name === 'boundary'
          ? boundaryAttack(oracle, orig, start, clip, p.boundary, norm)
          : hopSkipJump(oracle, orig, start, clip, p.hsj, norm);
      const success = r.adversarial !== null && model.probaU(r.adversarial) < 0.5 ? 1 : 0;
      return {
        us: oracle.queries,
        outcome: {
          success,
          startL2: r.startDistance,
          finalL2: r.finalDistance,
          reduction: r.finalDistance / Math.max(r.startDistance, 1e-12),
        },
      };
    },
  });
  specs.push(blackBox('boundary'), blackBox('hopskipjump'));
  specs.push({
    type: 'extraction-lhs',
    family: 'extraction',
    build: ({ model, rand, seed, natural }) => {
      const oracle = makeOracle(
        (u) => model.clip(u),
        (u) => model.probaU(u),
      );
      const r = lhsExtraction(oracle, p.lhs, rand, seed);
      return {
        us: oracle.queries,
        outcome: {
          surrogateAgreement: agreement(
            (u) => model.probaU(u),
            (u) => r.surrogate.probaU(u),
            natural,
          ),
        },
      };
    },
  });
  specs.push({
    type: 'extraction-jbda',
    family: 'extraction',
    build: ({ model, norm, seed, natural }) => {
      const oracle = makeOracle(
        (u) => model.clip(u),
        (u) => model.probaU(u),
      );
      const seedSet = Array.from({ length: p.jbda.seed }, () => model.toU(toRaw(latent(norm))));
      const r = jbdaExtraction(oracle, seedSet, (u) => model.clip(u), p.jbda, seed);
      return {
        us: oracle.queries,
        outcome: {
          surrogateAgreement: agreement(
            (u) => model.probaU(u),
            (u) => r.surrogate.probaU(u),
            natural,
          ),
        },
      };
    },
  });
  return specs;
}

export interface CampaignOptions {
  perType: number;
  seed: number;
  startMs: number;
  spanMs: number;
  natural: readonly Vec[];
}

/** Runs every campaign against the model; returns their queries (raw, timed) and summaries. */
export function attackTraffic(
  model: Model,
  specs: readonly AttackSpec[],
  o: CampaignOptions,
): { queries: Query[]; campaigns: Campaign[] } {
  const queries: Query[] = [];
  const campaigns: Campaign[] = [];
  specs.forEach((spec, si) => {
    for (let c = 0; c < o.perType; c++) {
      const seed = o.seed + 1000 * si + c;
      const { rand, norm } = rng(seed);
      const out = spec.build({ model, rand, norm, seed, natural: o.natural });
      const clientId = `attacker-${spec.type.replace(/[^a-z0-9.]+/gi, '-')}-${c}`;
      const meanGap = logNormal(norm, spec.family === 'white-box' ? 8000 : 1000, 0.5);
      let t = o.startMs + rand() * o.spanMs * 0.8;
      let last = -Infinity;
      for (const u of out.us) {
        t += expGap(rand, meanGap);
        last = Math.max(Math.round(t), last + 1);
        queries.push({ clientId, timestamp: last, x: model.fromU(u) });
      }
      campaigns.push({
        clientId,
        type: spec.type,
        family: spec.family,
        queries: out.us.length,
        outcome: out.outcome,
      });
    }
  });
  return { queries, campaigns };
}

export { l2 };
