/**
 * Benign per-client behaviour is learned by replaying the reference as if its events came from
 * separate clients ("pseudo-clients"): by default its real clientIds (keeping whatever habits
 * real clients have, e.g. repeating similar queries), or, when too few clients have enough
 * events to say anything, consecutive chunks of the reference in file order.
 */
import type { InferenceEvent } from '../common/event.js';
import type { GuardParams } from './guard-params.js';

export interface PseudoClients {
  mode: 'clientId' | 'chunks';
  /** Event indices per pseudo-client, in file order; pseudo-clients in order of first event. */
  groups: number[][];
}

export function pseudoClients(
  events: readonly InferenceEvent[],
  params: Pick<GuardParams, 'minHistory' | 'minPseudoClients' | 'pseudoClientChunk'>,
): PseudoClients {
  const byClient = new Map<string, number[]>();
  events.forEach((e, i) => {
    const g = byClient.get(e.clientId);
    if (g) g.push(i);
    else byClient.set(e.clientId, [i]);
  });
  const usable = [...byClient.values()].filter((g) => g.length >= params.minHistory).length;
  if (usable >= params.minPseudoClients)
    return { mode: 'clientId', groups: [...byClient.values()] };
  const groups: number[][] = [];
  for (let i = 0; i < events.length; i += params.pseudoClientChunk)
    groups.push(
      Array.from(
        { length: Math.min(params.pseudoClientChunk, events.length - i) },
        (_, j) => i + j,
      ),
    );
  return { mode: 'chunks', groups };
}

/** Groups events by modelId, keeping file order. */
export function byModel<T extends { modelId: string }>(events: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const e of events) {
    const g = out.get(e.modelId);
    if (g) g.push(e);
    else out.set(e.modelId, [e]);
  }
  return out;
}
