/**
 * Offline evaluation: calibrate the guard on a held-out benign reference, stream the mixed
 * traffic through a GuardEngine in event-time order, and turn what it says into the per-attack
 * figures. `figures()` only needs, per event, whether it was flagged and whether its client was
 * flagged at that point, so the stack replay computes the same table from the guard service's
 * output topics.
 */
import type { PerExtractionTest } from '../../services/guard/extraction-scorer.js';
import type { InferenceEvent } from '../../services/common/event.js';
import { calibrateGuard, GuardEngine, type GuardCalibration } from '../../services/guard/index.js';
import type { ClientRule } from '../../services/guard/client-state.js';
import type { AttackFamily, BenignClient, BenignKind, Campaign } from './traffic.js';

/** What the guard said about one event. */
export interface Observation {
  flagged: boolean;
  /** The event's client was suspicious once this event was scored. */
  clientFlagged: boolean;
  score?: number;
  rules?: ClientRule[];
}

export interface CalibrationSummary {
  targetFpr: number;
  eventFpr: number;
  /** The extraction rule's own client-level target. */
  extractionFpr: number;
  referenceEvents: number;
  referenceClients: number;
  thresholds: {
    event: number;
    statefulDistance: number;
    extraction: number;
    /** Per extraction test: the rule's decision (the combined `extraction` is for the record). */
    extractionTests: PerExtractionTest;
    flaggedEvents: number;
    prada: number;
    repeats: number;
  };
  heldOut: { eventFlagRate: number; clientFlagRate: number; pseudoClients: number };
  seconds: number;
}

export function calibrate(
  reference: readonly InferenceEvent[],
  targetFpr: number,
  eventFpr: number,
  extractionFpr?: number,
): { calibration: GuardCalibration; summary: CalibrationSummary } {
  const t0 = performance.now();
  const calibration = calibrateGuard(reference, { targetFpr, eventFpr, extractionFpr });
  const [t] = Object.values(calibration.thresholds.models);
  return {
    calibration,
    summary: {
      targetFpr,
      eventFpr,
      extractionFpr: calibration.thresholds.extractionFpr ?? targetFpr / 3,
      referenceEvents: reference.length,
      referenceClients: new Set(reference.map((e) => e.clientId)).size,
      thresholds: {
        event: t!.event,
        statefulDistance: t!.statefulDistance,
        extraction: t!.extraction,
        extractionTests: t!.extractionTests ?? {},
        flaggedEvents: t!.flaggedEvents,
        prada: t!.prada,
        repeats: t!.repeats,
      },
      heldOut: {
        eventFlagRate: t!.calibration.eventFlagRate,
        clientFlagRate: t!.calibration.clientFlagRate,
        pseudoClients: t!.calibration.pseudoClients,
      },
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

/** Streams the events (already in event-time order) through a fresh engine. */
export function runOffline(
  calibration: GuardCalibration,
  events: readonly InferenceEvent[],
): { observations: Map<string, Observation>; seconds: number; eventsPerSecond: number } {
  const engine = new GuardEngine(calibration.profile, calibration.thresholds);
  const observations = new Map<string, Observation>();
  const t0 = performance.now();
  for (const e of events) {
    const r = engine.score(e);
    observations.set(e.eventId, {
      flagged: r.flagged,
      clientFlagged: r.clientFlagged,
      score: r.score,
      rules: r.clientState.rules,
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  return { observations, seconds, eventsPerSecond: events.length / seconds };
}

export interface AttackRow {
  type: string;
  family: AttackFamily;
  campaigns: number;
  events: number;
  /** Share of the attack's events flagged by the event threshold. */
  eventTpr: number;
  /** Share flagged by the event threshold or sent while the client was already flagged. */
  eventOrClientTpr: number;
  /** Share of benign events flagged (the same for every row; repeated for the table). */
  eventFpr: number;
  campaignsFlagged: number;
  /** Query budget the issue sets for this family (null: none). */
  budget: number | null;
  flaggedWithinBudget: number | null;
  /** Over all campaigns, unflagged ones counting as never (null = not reached). */
  queriesToFlag: {
    median: number | null;
    p95: number | null;
    min: number | null;
    max: number | null;
  };
  /** Client rules that flagged the campaigns (offline only). */
  rules?: Record<string, number>;
  outcome: Record<string, number>;
}

export interface BenignSummary {
  clients: number;
  events: number;
  flaggedEvents: number;
  eventFpr: number;
  clientsFlagged: number;
  clientFlagRate: number;
  byKind: Record<string, { clients: number; flagged: number }>;
  rules?: Record<string, number>;
  flaggedClientIds: string[];
}

export interface Figures {
  rows: AttackRow[];
  benign: BenignSummary;
}

export const BUDGETS: Record<AttackFamily, number | null> = {
  'white-box': null,
  'black-box': 50,
  extraction: 500,
};

function quantileNearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const v = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return Number.isFinite(v) ? v : null;
}

export function figures(
  events: readonly InferenceEvent[],
  obs: ReadonlyMap<string, Observation>,
  campaigns: readonly Campaign[],
  benignClients: readonly BenignClient[],
): Figures {
  const byClient = new Map<string, InferenceEvent[]>();
  for (const e of events) {
    const l = byClient.get(e.clientId);
    if (l) l.push(e);
    else byClient.set(e.clientId, [e]);
  }
  const missing = { flagged: false, clientFlagged: false } as Observation;
  const look = (e: InferenceEvent) => obs.get(e.eventId) ?? missing;
  let hasRules = false;
  for (const o of obs.values()) {
    hasRules = o.rules !== undefined;
    break;
  }

  let benignEvents = 0;
  let benignFlagged = 0;
  const benignRules: Record<string, number> = {};
  const byKind: Record<string, { clients: number; flagged: number }> = {};
  const flaggedIds: string[] = [];
  for (const c of benignClients) {
    const evs = byClient.get(c.clientId) ?? [];
    benignEvents += evs.length;
    let flaggedClient = false;
    for (const e of evs) {
      const o = look(e);
      if (o.flagged) benignFlagged++;
      if (o.clientFlagged && !flaggedClient) {
        flaggedClient = true;
        for (const r of o.rules ?? []) benignRules[r] = (benignRules[r] ?? 0) + 1;
      }
    }
    const k = (byKind[c.kind as BenignKind] ??= { clients: 0, flagged: 0 });
    k.clients++;
    if (flaggedClient) {
      k.flagged++;
      flaggedIds.push(c.clientId);
    }
  }
  const eventFpr = benignEvents > 0 ? benignFlagged / benignEvents : 0;

  const types = [...new Set(campaigns.map((c) => c.type))];
  const rows = types.map((type): AttackRow => {
    const cs = campaigns.filter((c) => c.type === type);
    const family = cs[0]!.family;
    const budget = BUDGETS[family];
    let n = 0;
    let flagged = 0;
    let either = 0;
    const toFlag: number[] = [];
    const rules: Record<string, number> = {};
    for (const c of cs) {
      const evs = byClient.get(c.clientId) ?? [];
      let first = Infinity;
      evs.forEach((e, i) => {
        const o = look(e);
        n++;
        if (o.flagged) flagged++;
        if (o.flagged || o.clientFlagged) either++;
        if (o.clientFlagged && first === Infinity) {
          first = i + 1;
          for (const r of o.rules ?? []) rules[r] = (rules[r] ?? 0) + 1;
        }
      });
      toFlag.push(first);
    }
    toFlag.sort((a, b) => a - b);
    const outcome: Record<string, number> = {};
    for (const key of Object.keys(cs[0]!.outcome))
      outcome[key] = cs.reduce((s, c) => s + (c.outcome[key] ?? 0), 0) / cs.length;
    const finite = toFlag.filter(Number.isFinite);
    return {
      type,
      family,
      campaigns: cs.length,
      events: n,
      eventTpr: n > 0 ? flagged / n : 0,
      eventOrClientTpr: n > 0 ? either / n : 0,
      eventFpr,
      campaignsFlagged: finite.length / cs.length,
      budget,
      flaggedWithinBudget:
        budget === null ? null : toFlag.filter((q) => q <= budget).length / cs.length,
      queriesToFlag: {
        median: quantileNearestRank(toFlag, 0.5),
        p95: quantileNearestRank(toFlag, 0.95),
        min: finite.length > 0 ? finite[0]! : null,
        max: finite.length > 0 ? finite[finite.length - 1]! : null,
      },
      ...(hasRules ? { rules } : {}),
      outcome,
    };
  });
  return {
    rows,
    benign: {
      clients: benignClients.length,
      events: benignEvents,
      flaggedEvents: benignFlagged,
      eventFpr,
      clientsFlagged: flaggedIds.length,
      clientFlagRate: benignClients.length > 0 ? flaggedIds.length / benignClients.length : 0,
      byKind,
      ...(hasRules ? { rules: benignRules } : {}),
      flaggedClientIds: flaggedIds.slice(0, 50),
    },
  };
}

/**
 * Event-level TPR of each white-box row at an empirical 1 % FPR on this run's benign events
 * (threshold: the benign scores' 99th percentile), next to the calibrated threshold's TPR.
 */
export function whiteBoxAtFpr(
  events: readonly InferenceEvent[],
  obs: ReadonlyMap<string, Observation>,
  campaigns: readonly Campaign[],
  benignClients: readonly BenignClient[],
  fpr = 0.01,
): { threshold: number; rows: { type: string; tpr: number }[] } {
  const benign = new Set(benignClients.map((c) => c.clientId));
  const scores = events
    .filter((e) => benign.has(e.clientId))
    .map((e) => obs.get(e.eventId)?.score ?? 0)
    .sort((a, b) => a - b);
  const threshold =
    scores[Math.min(scores.length - 1, Math.floor((1 - fpr) * scores.length))] ?? Infinity;
  const typeOf = new Map(
    campaigns.filter((c) => c.family === 'white-box').map((c) => [c.clientId, c.type]),
  );
  const acc = new Map<string, { n: number; hit: number }>();
  for (const e of events) {
    const t = typeOf.get(e.clientId);
    if (t === undefined) continue;
    const a = acc.get(t) ?? { n: 0, hit: 0 };
    a.n++;
    if ((obs.get(e.eventId)?.score ?? 0) > threshold) a.hit++;
    acc.set(t, a);
  }
  return { threshold, rows: [...acc].map(([type, a]) => ({ type, tpr: a.hit / a.n })) };
}
