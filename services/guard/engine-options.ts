/** Run-time resource bounds of a {@link GuardEngine} (the statistics' parameters live in the profile). */
import { ConfigError } from '../common/errors.js';
import { definedOnly } from './guard-params.js';

export interface GuardEngineOptions {
  /**
   * Most (client, model) states kept; beyond it the least recently seen is evicted (LRU).
   * Default 10,000. Memory per state grows with the client's activity up to
   * (historySize + pradaHistory) × similarityDims × 4 bytes — the query-similarity history and the
   * PRADA rule's history, 125 KiB each at the defaults (1,000 queries × 32 dims) — plus ~13 KiB of
   * windows and rings (PRADA's distances: 2 × pradaWindow × 8 bytes), ≈ 263 KiB in all; the worst
   * case is maxClients × that. A state for a client that sent one query is ~2 KiB (12 features)
   * to ~4.5 KiB (32 dims). `GuardStats.stateBytes` counts all of it.
   */
  maxClients: number;
  /** A state idle for longer than this, in event time, is dropped. Default 3,600,000 (1 hour). */
  idleTimeoutMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: Readonly<GuardEngineOptions> = Object.freeze({
  maxClients: 10_000,
  idleTimeoutMs: 3_600_000,
});

export function resolveEngineOptions(
  partial: Partial<GuardEngineOptions> = {},
): GuardEngineOptions {
  const o: GuardEngineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...definedOnly(partial) };
  if (!Number.isInteger(o.maxClients) || o.maxClients < 1)
    throw new ConfigError(
      'guard.maxClients',
      `must be an integer >= 1, got ${String(o.maxClients)}`,
    );
  if (!(typeof o.idleTimeoutMs === 'number' && o.idleTimeoutMs > 0))
    throw new ConfigError(
      'guard.idleTimeoutMs',
      `must be a number > 0 (Infinity allowed), got ${String(o.idleTimeoutMs)}`,
    );
  return o;
}
