/** Stateful query similarity (Chen, Carlini & Wagner 2019) through the engine and on its own. */
import { beforeAll, describe, expect, it } from 'vitest';
import { GuardEngine, QueryHistory, scoreStateful } from '../../../services/guard/index.js';
import { attackEvents, benignEvents } from '../../fixtures/guard/synthetic.js';
import { calibrated } from './helpers.js';

beforeAll(() => void calibrated(), 120_000);

function queriesUntilFlag(events: ReturnType<typeof attackEvents>): {
  at: number | null;
  rules: string[];
} {
  const { profile, thresholds } = calibrated();
  const engine = new GuardEngine(profile, thresholds);
  for (let i = 0; i < events.length; i++) {
    const r = engine.score(events[i]!);
    if (r.clientFlagged) return { at: i + 1, rules: r.clientState.rules };
  }
  return { at: null, rules: [] };
}

describe('stateful query similarity', () => {
  it('flags identical repeated queries as soon as the minimum history is there', () => {
    const params = calibrated().profile.params;
    for (let seed = 1; seed <= 10; seed++) {
      const r = queriesUntilFlag(attackEvents('repeat', `rep-${seed}`, 100, seed));
      expect(r.at).toBe(params.minHistory + 1);
      expect(r.rules).toContain('stateful');
    }
  });

  it('flags slowly walking queries (boundary-attack steps of 0.05 σ)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const r = queriesUntilFlag(attackEvents('walk', `walk-${seed}`, 100, seed));
      expect(r.at).not.toBeNull();
      expect(r.at!).toBeLessThanOrEqual(50);
      expect(r.rules).toContain('stateful');
    }
  });

  it('does not flag benign diverse queries of long-lived clients', () => {
    const { profile, thresholds } = calibrated();
    const engine = new GuardEngine(profile, thresholds);
    const events = benignEvents({
      clients: 20,
      minQueries: 300,
      maxQueries: 300,
      seed: 77,
      prefix: 'long',
    });
    const flagged = new Set<string>();
    let minKnn = Infinity;
    for (const e of events) {
      const r = engine.score(e);
      if (r.clientState.meanKnn !== null) minKnn = Math.min(minKnn, r.clientState.meanKnn);
      if (r.clientFlagged && r.clientState.rules.includes('stateful')) flagged.add(e.clientId);
    }
    expect(flagged.size).toBe(0);
    expect(minKnn).toBeGreaterThan(thresholds.models.fraud!.statefulDistance);
  });

  it('empty or short history: no crash, no score, says why', () => {
    const mp = calibrated().profile.models.fraud!;
    const params = { k: 50, minHistory: 10 };
    const empty = scoreStateful(mp, params, null);
    expect(empty).toMatchObject({ score: 0, meanKnn: null });
    expect(empty.reason).toContain('0 previous queries from this client, 10 needed (not scored)');
    const h = new QueryHistory(8, 100);
    for (let i = 0; i < 5; i++) h.push(new Float32Array(8));
    const short = scoreStateful(
      mp,
      params,
      h.neighbours(new Float32Array(8), 50, new Float64Array(100)),
    );
    expect(short).toMatchObject({ score: 0, meanKnn: null });
    // The very first query of a client through the engine.
    const { profile, thresholds } = calibrated();
    const r = new GuardEngine(profile, thresholds).score(attackEvents('repeat', 'first', 1, 1)[0]!);
    expect(r.clientFlagged).toBe(false);
    expect(r.clientState.queries).toBe(1);
  });

  it('uses what is there with fewer than k previous queries, and scores identical ones as extreme', () => {
    const mp = calibrated().profile.models.fraud!;
    const h = new QueryHistory(8, 100);
    for (let i = 0; i < 12; i++) h.push(new Float32Array(8));
    const r = scoreStateful(
      mp,
      { k: 50, minHistory: 10 },
      h.neighbours(new Float32Array(8), 50, new Float64Array(100)),
    );
    expect(r.meanKnn).toBe(0);
    expect(r.score).toBeGreaterThan(5);
    expect(r.reason).toMatch(
      /mean distance to the 12 nearest of 12 previous queries from this client 0 vs benign 1st percentile/,
    );
  });
});
