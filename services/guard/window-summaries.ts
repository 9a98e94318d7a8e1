/**
 * Per-window flag-rate summaries of the guard service (pure; the clock is injected): tumbling
 * event-time windows of `windowMs`; a window closes when the highest event time seen passes its
 * end by `graceMs`, or when no record arrived for `idleMs` of wall time. A closed window yields one
 * MODEL_WINDOW record per model version and one CLIENT_WINDOW record per (model, version, client)
 * that had a flagged event or was suspicious in it.
 *
 * Bounded: per window, at most `maxModels` model versions (the rest are summed under
 * `__other__`) and at most `maxClients` clients in each of two tables — clients not (yet) flagged,
 * and clients with a flagged event or a suspicious state — so a flood of new client ids cannot
 * push a flagged client out. Events of clients beyond the caps are counted in the model version's
 * `untrackedEvents` (a flagged client first seen when its table is full is not reported per client
 * in that window; its EVENT records are published regardless). The open windows span at most
 * `graceMs + windowMs` of event time behind the highest event time seen.
 *
 * Events of a window that already closed are late: not summarized (the caller counts them). After
 * a restart, `closedThrough` (from the checkpoint) marks the windows already emitted, so replayed
 * events of those windows are not summarized again and no window is emitted twice.
 */
import { SafeOffsetTracker } from '../stream/safe-offsets.js';
import { summaryId, type ScoreRecord } from './records.js';

export interface SummaryOptions {
  windowMs: number;
  graceMs: number;
  /** Wall time without records after which the open windows close. */
  idleMs: number;
  /** Clients per window and table (not flagged / flagged or suspicious). */
  maxClients: number;
  /** Model versions per window. */
  maxModels: number;
  clock: () => number;
}

/** What a window needs from one scored event. */
export interface SummaryInput {
  modelId: string;
  modelVersion: string;
  clientId: string;
  timestamp: number;
  score: number;
  flagged: boolean;
  clientFlagged: boolean;
  /** The client's suspicion (its rules and why), when suspicious. */
  rules: readonly string[];
  why: readonly string[];
}

interface ModelAcc {
  modelId: string;
  modelVersion: string;
  events: number;
  flagged: number;
  maxScore: number;
  untracked: number;
}

interface ClientAcc {
  modelId: string;
  modelVersion: string;
  clientId: string;
  events: number;
  flagged: number;
  maxScore: number;
  /** Suspicious at its last event in the window. */
  suspicious: boolean;
  rules: readonly string[];
  why: readonly string[];
}

interface WindowAcc {
  start: number;
  models: Map<string, ModelAcc>;
  quiet: Map<string, ClientAcc>;
  reported: Map<string, ClientAcc>;
}

export const OTHER_VERSION = '__other__';

const key = (...parts: string[]): string => JSON.stringify(parts);

export class WindowSummaries {
  private readonly windows = new Map<number, WindowAcc>();
  private readonly offsets = new SafeOffsetTracker();
  /** Windows ending at or before this were emitted (event time, ms). */
  private closed: number;
  /** Highest event time seen. */
  private maxTs: number;
  private lastRecordAt: number;
  private sawRecord = false;

  constructor(
    private readonly o: SummaryOptions,
    restored: { closedThrough?: number | null; maxTs?: number | null } = {},
  ) {
    if (!(o.windowMs > 0)) throw new RangeError('windowMs must be > 0');
    this.closed = typeof restored.closedThrough === 'number' ? restored.closedThrough : -Infinity;
    this.maxTs = typeof restored.maxTs === 'number' ? restored.maxTs : -Infinity;
    this.lastRecordAt = o.clock();
  }

  /** End of the last emitted window (null: none yet). */
  get closedThrough(): number | null {
    return Number.isFinite(this.closed) ? this.closed : null;
  }

  get watermark(): number | null {
    return Number.isFinite(this.maxTs) ? this.maxTs : null;
  }

  get openWindows(): number {
    return this.windows.size;
  }

  windowStart(ts: number): number {
    return Math.floor(ts / this.o.windowMs) * this.o.windowMs;
  }

  /** Folds one scored event in; false when its window already closed (late). */
  add(x: SummaryInput, offset: number): boolean {
    this.sawRecord = true;
    if (x.timestamp > this.maxTs) this.maxTs = x.timestamp;
    const start = this.windowStart(x.timestamp);
    if (start < this.closed) return false;
    let w = this.windows.get(start);
    if (w === undefined) {
      w = { start, models: new Map(), quiet: new Map(), reported: new Map() };
      this.windows.set(start, w);
    }
    this.offsets.note([start], offset);

    let mk = key(x.modelId, x.modelVersion);
    let m = w.models.get(mk);
    if (m === undefined) {
      const full = w.models.size >= this.o.maxModels;
      if (full) mk = key(x.modelId, OTHER_VERSION);
      m = w.models.get(mk);
      if (m === undefined) {
        m = {
          modelId: x.modelId,
          modelVersion: full ? OTHER_VERSION : x.modelVersion,
          events: 0,
          flagged: 0,
          maxScore: 0,
          untracked: 0,
        };
        w.models.set(mk, m);
      }
    }
    m.events++;
    if (x.flagged) m.flagged++;
    if (x.score > m.maxScore) m.maxScore = x.score;

    const ck = key(x.modelId, x.modelVersion, x.clientId);
    const notable = x.flagged || x.clientFlagged;
    let c = w.reported.get(ck);
    if (c === undefined) {
      c = w.quiet.get(ck);
      if (c !== undefined && notable) {
        w.quiet.delete(ck);
        if (w.reported.size < this.o.maxClients) w.reported.set(ck, c);
        else c = undefined;
      } else if (c === undefined) {
        const table = notable ? w.reported : w.quiet;
        if (table.size < this.o.maxClients) {
          c = {
            modelId: x.modelId,
            modelVersion: x.modelVersion,
            clientId: x.clientId,
            events: 0,
            flagged: 0,
            maxScore: 0,
            suspicious: false,
            rules: [],
            why: [],
          };
          table.set(ck, c);
        }
      }
    }
    if (c === undefined) {
      m.untracked++;
      return true;
    }
    c.events++;
    if (x.flagged) c.flagged++;
    if (x.score > c.maxScore) c.maxScore = x.score;
    c.suspicious = x.clientFlagged;
    if (x.clientFlagged) {
      c.rules = x.rules;
      c.why = x.why;
    }
    return true;
  }

  /** Closes the windows that are due and returns their summary records. */
  advance(): ScoreRecord[] {
    const now = this.o.clock();
    if (this.sawRecord) {
      this.lastRecordAt = now;
      this.sawRecord = false;
    }
    const idle = now - this.lastRecordAt >= this.o.idleMs;
    const due = [...this.windows.keys()]
      .filter((s) => idle || s + this.o.windowMs + this.o.graceMs <= this.maxTs)
      .sort((a, b) => a - b);
    const out: ScoreRecord[] = [];
    for (const s of due) {
      const w = this.windows.get(s)!;
      this.windows.delete(s);
      this.offsets.closed(s);
      this.closed = Math.max(this.closed, s + this.o.windowMs);
      out.push(...this.records(w));
    }
    return out;
  }

  /** Lowest offset still needed by an open window, or `next`. */
  safe(next: number): number {
    return this.offsets.safe(next);
  }

  private records(w: WindowAcc): ScoreRecord[] {
    const end = w.start + this.o.windowMs;
    const perModel = new Map<string, { flaggedClients: number; suspiciousClients: number }>();
    const clients: ScoreRecord[] = [];
    for (const c of w.reported.values()) {
      const mk = w.models.has(key(c.modelId, c.modelVersion))
        ? key(c.modelId, c.modelVersion)
        : key(c.modelId, OTHER_VERSION);
      const agg = perModel.get(mk) ?? { flaggedClients: 0, suspiciousClients: 0 };
      if (c.flagged > 0) agg.flaggedClients++;
      if (c.suspicious) agg.suspiciousClients++;
      perModel.set(mk, agg);
      clients.push({
        kind: 'CLIENT_WINDOW',
        eventId: summaryId('CLIENT_WINDOW', w.start, c.modelId, c.modelVersion, c.clientId),
        clientId: c.clientId,
        modelId: c.modelId,
        modelVersion: c.modelVersion,
        timestamp: w.start,
        score: c.maxScore,
        flagged: c.flagged > 0,
        clientFlagged: c.suspicious,
        reasons: [
          `${c.flagged} of ${c.events} events flagged in [${iso(w.start)}, ${iso(end)})`,
          ...c.why,
        ],
        rules: [...c.rules],
        scores: null,
        window: {
          windowStart: w.start,
          windowEnd: end,
          events: c.events,
          flaggedEvents: c.flagged,
          flagRate: c.events > 0 ? c.flagged / c.events : 0,
          flaggedClients: c.flagged > 0 ? 1 : 0,
          suspiciousClients: c.suspicious ? 1 : 0,
          untrackedEvents: 0,
        },
      });
    }
    const models: ScoreRecord[] = [];
    for (const [mk, m] of w.models) {
      const agg = perModel.get(mk) ?? { flaggedClients: 0, suspiciousClients: 0 };
      models.push({
        kind: 'MODEL_WINDOW',
        eventId: summaryId('MODEL_WINDOW', w.start, m.modelId, m.modelVersion),
        clientId: '',
        modelId: m.modelId,
        modelVersion: m.modelVersion,
        timestamp: w.start,
        score: m.maxScore,
        flagged: m.flagged > 0,
        clientFlagged: agg.suspiciousClients > 0,
        reasons: [
          `${m.flagged} of ${m.events} events flagged in [${iso(w.start)}, ${iso(end)}); ${agg.flaggedClients} clients with flagged events, ${agg.suspiciousClients} suspicious`,
        ],
        rules: [],
        scores: null,
        window: {
          windowStart: w.start,
          windowEnd: end,
          events: m.events,
          flaggedEvents: m.flagged,
          flagRate: m.events > 0 ? m.flagged / m.events : 0,
          flaggedClients: agg.flaggedClients,
          suspiciousClients: agg.suspiciousClients,
          untrackedEvents: m.untracked,
        },
      });
    }
    return [...models, ...clients];
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
