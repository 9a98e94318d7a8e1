/** GuardEngine: bounded state, snapshots, determinism, output shape. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/common/errors.js';
import { GuardEngine, resolveGuardParams } from '../../../services/guard/index.js';
import {
  attackEvents,
  benignEvents,
  makeEvent,
  mergeByTime,
  naturalZ,
  START_MS,
} from '../../fixtures/guard/synthetic.js';
import { gaussian, mulberry32 } from '../../../services/guard/prng.js';
import { calibrated } from './helpers.js';

beforeAll(() => void calibrated(), 120_000);

const engine = (options = {}) =>
  new GuardEngine(calibrated().profile, calibrated().thresholds, options);

describe('GuardEngine', () => {
  it('returns the documented shape, and reasons for a flagged event', () => {
    const e = makeEvent('far', 'c1', START_MS, [7, -7, 0, 0, 0, 0, 0, 0]);
    const r = engine().score(e);
    expect(Object.keys(r)).toEqual([
      'eventId',
      'clientId',
      'score',
      'flagged',
      'reasons',
      'clientFlagged',
      'modelId',
      'modelVersion',
      'clientState',
    ]);
    expect(r).toMatchObject({
      eventId: 'far',
      clientId: 'c1',
      modelId: 'fraud',
      modelVersion: 'v1',
      flagged: true,
      clientFlagged: false,
    });
    expect(
      r.reasons.some((x) => x.startsWith('out of distribution: squared Mahalanobis distance')),
    ).toBe(true);
    expect(r.clientState).toMatchObject({ suspicious: false, since: null, queries: 1 });
  });

  it('reports imputed features even on an unflagged event', () => {
    const e = makeEvent('m', 'c1', START_MS, [0, 0, 0, 0, 0, 0, 0, 0]);
    delete e.features.f5;
    const r = engine().score(e);
    expect(r.flagged).toBe(false);
    expect(r.reasons).toEqual([
      expect.stringMatching(/^missing features imputed with the reference median: f5=/),
    ]);
  });

  it('does not score a model without a profile, and says so', () => {
    const r = engine().score({
      ...makeEvent('x', 'c', START_MS, naturalZ(gaussian(mulberry32(1)))),
      modelId: 'other',
    });
    expect(r).toMatchObject({
      score: 0,
      flagged: false,
      clientFlagged: false,
      reasons: ['no reference profile for model "other": not scored'],
    });
  });

  it('client state: suspicious since the event that tripped it, and stays so', () => {
    const eng = engine();
    const rs = attackEvents('repeat', 'atk', 30, 4).map((e) => eng.score(e));
    const first = rs.findIndex((r) => r.clientFlagged);
    expect(first).toBe(10);
    expect(rs[first]!.clientState.since).toEqual({
      eventId: 'atk-10',
      timestamp: START_MS + 10 * 1000,
    });
    expect(rs[first]!.clientState.why[0]).toMatch(
      /^similar-query attack: mean distance to nearest previous queries/,
    );
    expect(rs.slice(first).every((r) => r.clientFlagged)).toBe(true);
    expect(rs.at(-1)!.reasons.at(-1)).toMatch(
      /^client suspicious since event atk-10 \(2026-11-26T12:00:10\.000Z\): similar-query attack/,
    );
  });

  it('keeps at most maxClients states under a flood of 100,000 new client ids', () => {
    const eng = engine({ maxClients: 1000 });
    const norm = gaussian(mulberry32(2));
    let maxClients = 0;
    for (let i = 0; i < 100_000; i++) {
      eng.score(makeEvent(`f${i}`, `flood-${i}`, START_MS + i, naturalZ(norm)));
      if (i % 997 === 0) maxClients = Math.max(maxClients, eng.stats().clients);
    }
    const s = eng.stats();
    expect(s.clients).toBe(1000);
    expect(maxClients).toBeLessThanOrEqual(1000);
    expect(s.evictedLru).toBe(99_000);
    expect(s.stateBytes).toBeLessThan(1000 * 4096);
    expect(JSON.stringify(eng.toJSON()).length).toBeLessThan(5_000_000);
  }, 60_000);

  it('drops states idle longer than the expiry (event time)', () => {
    const eng = engine({ idleTimeoutMs: 60_000 });
    const norm = gaussian(mulberry32(3));
    for (let i = 0; i < 50; i++)
      eng.score(makeEvent(`a${i}`, `early-${i}`, START_MS + i, naturalZ(norm)));
    expect(eng.stats().clients).toBe(50);
    eng.score(makeEvent('late', 'late', START_MS + 120_000, naturalZ(norm)));
    expect(eng.stats()).toMatchObject({ clients: 1, evictedIdle: 50 });
    expect(eng.peekClient('fraud', 'early-1')).toBeUndefined();
  });

  it('validates its options once, naming the bad one', () => {
    expect(() => engine({ maxClients: 0 })).toThrow(ConfigError);
    expect(() => engine({ maxClients: 0 })).toThrow(/guard\.maxClients/);
    expect(() => engine({ idleTimeoutMs: -1 })).toThrow(/guard\.idleTimeoutMs/);
    expect(() => resolveGuardParams({ k: 0 })).toThrow(
      /guard\.k: must be an integer in \[1, 10000\], got 0/,
    );
    expect(() => resolveGuardParams({ minHistory: 50, historySize: 20 })).toThrow(
      /guard\.minHistory/,
    );
  });

  it('snapshot round trip: a restored engine continues exactly like the original', () => {
    const events = mergeByTime(
      benignEvents({ clients: 30, minQueries: 20, maxQueries: 60, seed: 8, prefix: 's' }),
      attackEvents('walk', 'walker', 120, 9, START_MS + 300_000, 5000),
      attackEvents('extraction', 'thief', 120, 10, START_MS + 300_000, 5000),
    );
    const half = Math.floor(events.length / 2);
    const a = engine({ maxClients: 25 });
    for (const e of events.slice(0, half)) a.score(e);
    const snapshot = JSON.parse(JSON.stringify(a.toJSON()));
    const b = GuardEngine.fromJSON(snapshot);
    expect(b.stats()).toEqual(a.stats());
    expect(JSON.parse(JSON.stringify(b.toJSON()))).toEqual(snapshot);
    for (const e of events.slice(half)) expect(b.score(e)).toEqual(a.score(e));
    expect(b.stats()).toEqual(a.stats());
  });

  it('is deterministic: same input, same calibration and scores', async () => {
    const { calibrateGuard } = await import('../../../services/guard/index.js');
    const ref = benignEvents({ clients: 40, minQueries: 20, maxQueries: 40, seed: 21 });
    const c1 = calibrateGuard(ref, { targetFpr: 0.05 });
    const c2 = calibrateGuard(ref, { targetFpr: 0.05 });
    expect(JSON.stringify(c1)).toBe(JSON.stringify(c2));
  });
});
