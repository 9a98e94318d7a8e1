/** Everything the guard remembers about one (client, model): bounded by the profile's params. */
import { ExtractionWindow } from './extraction-scorer.js';
import type { GuardParams } from './guard-params.js';
import { PradaState, type PradaStateJson } from './prada.js';
import { QueryHistory } from './query-history.js';
import { ScalarRing } from './scalar-ring.js';

export interface Suspicion {
  /** The event that made the client suspicious, and its event time. */
  since: { eventId: string; timestamp: number };
  /** The client-level rules that fired, human-readable. */
  why: string[];
  /** The same rules, by name. */
  rules: ClientRule[];
}

export type ClientRule = 'stateful' | 'extraction' | 'flaggedEvents' | 'prada' | 'repeats';

/** The client state reported with each score (a copy; safe to keep). */
export interface ClientStateView {
  suspicious: boolean;
  since: { eventId: string; timestamp: number } | null;
  why: string[];
  rules: ClientRule[];
  /** Queries seen from this client for this model (since its state was created). */
  queries: number;
  /** Flagged events among its last `flagWindow` events. */
  flaggedInWindow: number;
  /** Last mean k-NN distance (null: history too short). */
  meanKnn: number | null;
  /** Last extraction score (0: not scored yet). */
  extractionScore: number;
  ratePerMinute: number;
  /** Distinct coarse-grid cells among the recent queries (coverage). */
  coverageCells: number;
  /** Last PRADA score (−log10 Shapiro–Wilk p of its minimum query distances; 0: not scored yet). */
  pradaScore: number;
  /** Exact repeats of its earlier queries among its last `repeatWindow` queries. */
  repeatsInWindow: number;
}

export class ClientState {
  readonly history: QueryHistory;
  window: ExtractionWindow;
  readonly flags: ScalarRing;
  /** 1 per query that exactly repeats one in `history`, else 0 (last `repeatWindow` queries). */
  readonly repeats: ScalarRing;
  queries = 0;
  firstSeen: number;
  lastSeen: number;
  suspicion: Suspicion | null = null;
  meanKnn: number | null = null;
  extractionScore = 0;
  /**
   * The PRADA rule's queries and minimum distances (prada.ts); null until the first query scored
   * with a PRADA space (a model whose profile has none costs nothing here).
   */
  prada: PradaState | null = null;
  pradaScore = 0;

  constructor(
    readonly clientId: string,
    readonly modelId: string,
    readonly dims: number,
    readonly params: GuardParams,
    now: number,
  ) {
    this.history = new QueryHistory(dims, params.historySize);
    this.window = new ExtractionWindow(params.extractionWindow);
    this.flags = new ScalarRing(params.flagWindow);
    this.repeats = new ScalarRing(params.repeatWindow);
    this.firstSeen = now;
    this.lastSeen = now;
  }

  /** The PRADA state, created on first use. */
  pradaState(): PradaState {
    return (this.prada ??= new PradaState(this.dims, this.params));
  }

  view(): ClientStateView {
    return {
      suspicious: this.suspicion !== null,
      since: this.suspicion ? { ...this.suspicion.since } : null,
      why: this.suspicion ? [...this.suspicion.why] : [],
      rules: this.suspicion ? [...this.suspicion.rules] : [],
      queries: this.queries,
      flaggedInWindow: this.flags.sum(),
      meanKnn: this.meanKnn,
      extractionScore: this.extractionScore,
      ratePerMinute: this.window.ratePerMinute(),
      coverageCells: this.window.distinctCells(),
      pradaScore: this.pradaScore,
      repeatsInWindow: this.repeats.sum(),
    };
  }

  get bytes(): number {
    return (
      this.history.bytes +
      this.window.bytes +
      this.flags.bytes +
      this.repeats.bytes +
      (this.prada?.bytes ?? 0)
    );
  }

  toJSON(): ClientStateJson {
    return {
      clientId: this.clientId,
      modelId: this.modelId,
      queries: this.queries,
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeen,
      suspicion: this.suspicion,
      meanKnn: this.meanKnn,
      extractionScore: this.extractionScore,
      history: this.history.toJSON(),
      window: this.window.toJSON(),
      flags: this.flags.toArray(),
      repeats: this.repeats.toArray(),
      pradaScore: this.pradaScore,
      ...(this.prada ? { prada: this.prada.toJSON() } : {}),
    };
  }

  static fromJSON(j: ClientStateJson, dims: number, params: GuardParams): ClientState {
    const s = new ClientState(j.clientId, j.modelId, dims, params, j.firstSeen);
    s.queries = j.queries;
    s.lastSeen = j.lastSeen;
    s.suspicion = j.suspicion;
    s.meanKnn = j.meanKnn;
    s.extractionScore = j.extractionScore;
    for (const row of j.history.slice(-params.historySize)) s.history.push(Float32Array.from(row));
    s.window = ExtractionWindow.fromJSON(params.extractionWindow, j.window);
    for (const f of j.flags.slice(-params.flagWindow)) s.flags.push(f);
    // Snapshots from before the repeats rule have none: the count starts empty.
    for (const f of (j.repeats ?? []).slice(-params.repeatWindow)) s.repeats.push(f);
    // Snapshots from before the PRADA rule have no PRADA state: it starts empty.
    s.pradaScore = j.pradaScore ?? 0;
    s.prada = j.prada ? PradaState.fromJSON(dims, params, j.prada) : null;
    return s;
  }
}

export interface ClientStateJson {
  clientId: string;
  modelId: string;
  queries: number;
  firstSeen: number;
  lastSeen: number;
  suspicion: Suspicion | null;
  meanKnn: number | null;
  extractionScore: number;
  history: number[][];
  window: Record<string, number[]>;
  flags: number[];
  repeats?: number[];
  pradaScore?: number;
  prada?: PradaStateJson;
}
