/**
 * The exact-repeats rule: a client re-sending queries it already sent (Papernot's augmentation
 * re-queries points it labelled; a replayed probe set) against benign clients' occasional retries,
 * with the count threshold calibrated on the reference (beta-binomial, calibrate.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  calibrateGuard,
  GuardEngine,
  parseGuardCalibration,
  type GuardCalibration,
} from '../../../services/guard/index.js';
import { windowCountThreshold } from '../../../services/guard/calibrate.js';
import { mulberry32 } from '../../../services/guard/prng.js';
import {
  attackEvents,
  benignEvents,
  START_MS,
  withRetries,
} from '../../fixtures/guard/synthetic.js';

let cached: GuardCalibration | null = null;
/** Reference: 300 benign clients of 20–80 queries retrying 2 % of their queries. */
function withRetriesCalibrated(): GuardCalibration {
  cached ??= calibrateGuard(
    withRetries(benignEvents({ clients: 300, minQueries: 20, maxQueries: 80, seed: 1 }), 0.02, 2),
    { targetFpr: 0.01 },
  );
  return cached;
}

describe('repeats rule', () => {
  it('calibrates a count above what benign retries reach, and flags a client re-sending its probes', () => {
    const c = withRetriesCalibrated();
    const t = c.thresholds.models.fraud!;
    expect(Number.isFinite(t.repeats)).toBe(true);
    // 2 % retries are 4 in 200 on average: the threshold sits well above, and well below 200.
    expect(t.repeats).toBeGreaterThan(6);
    expect(t.repeats).toBeLessThan(40);
    const engine = new GuardEngine(c.profile, c.thresholds);
    // Benign clients with the same retry habit, living 1,000 queries (the reference's: 20–80).
    const benign = withRetries(
      benignEvents({ clients: 30, minQueries: 1000, maxQueries: 1000, seed: 9, prefix: 'L' }),
      0.02,
      3,
    );
    const byRepeats = new Set<string>();
    for (const e of benign) {
      const r = engine.score(e);
      if (r.clientState.rules.includes('repeats')) byRepeats.add(e.clientId);
    }
    expect([...byRepeats]).toEqual([]);
    // An augmentation-style campaign with natural-looking points (so that no other rule fires
    // first): 100 queries, then each re-sent once with a new one beside it.
    const probes = benignEvents({
      clients: 1,
      minQueries: 200,
      maxQueries: 200,
      seed: 4,
      prefix: 'augment',
    });
    const seq = [...probes.slice(0, 100)];
    for (let i = 0; i < 100; i++)
      seq.push({ ...probes[i]!, eventId: `again-${i}` }, probes[100 + i]!);
    let at: number | null = null;
    let last = null;
    for (let i = 0; i < seq.length; i++) {
      const e = { ...seq[i]!, timestamp: START_MS + 3_600_000 + i * 60_000 };
      last = engine.score(e);
      if (at === null && last.clientState.rules.includes('repeats')) at = i + 1;
    }
    expect(at).not.toBeNull();
    // Repeats arrive every other query from query 101: the threshold is crossed ~2·t later.
    expect(at!).toBeLessThanOrEqual(100 + 2 * t.repeats + 2);
    expect(last!.clientState.repeatsInWindow).toBe(100);
    expect(last!.reasons.join(' ')).toMatch(/queries repeat earlier ones exactly \(threshold \d+/);
  }, 120_000);

  it('a reference without any retry keeps a floor (rule of three), not "2 repeats are suspicious"', () => {
    const c = calibrateGuard(
      benignEvents({ clients: 200, minQueries: 20, maxQueries: 60, seed: 5 }),
      { targetFpr: 0.01 },
    );
    const t = c.thresholds.models.fraud!;
    expect(t.repeats).toBeGreaterThanOrEqual(3);
    expect(Number.isFinite(t.repeats)).toBe(true);
  }, 60_000);

  it('windowCountThreshold: within the empirical budget, larger for overdispersed rates', () => {
    const rand = mulberry32(7);
    const lives = (rate: () => number) =>
      Array.from({ length: 400 }, () => {
        const p = rate();
        return Array.from({ length: 100 }, () => (rand() < p ? 1 : 0));
      });
    const homogeneous = windowCountThreshold(
      lives(() => 0.02),
      50,
      1e-3,
      0,
      200,
    );
    // Half the clients never retry, half at 4 %: same mean, more spread.
    const mixed = windowCountThreshold(
      lives(() => (rand() < 0.5 ? 0 : 0.04)),
      50,
      1e-3,
      0,
      200,
    );
    expect(homogeneous.threshold).not.toBeNull();
    expect(mixed.threshold).not.toBeNull();
    expect(homogeneous.pooled).toBeCloseTo(0.02, 2);
    expect(mixed.threshold!).toBeGreaterThanOrEqual(homogeneous.threshold!);
    // Binomial(50, 0.02) over a 200-event life: P(≥ 5 in a window) is ~1e-2, P(≥ 7) ~1e-4.
    expect(homogeneous.threshold!).toBeGreaterThanOrEqual(5);
    expect(homogeneous.threshold!).toBeLessThanOrEqual(9);
    // The floor lifts the mean when nothing is observed.
    const none = windowCountThreshold(
      lives(() => 0),
      50,
      1e-3,
      0.01,
      200,
    );
    expect(none.pooled).toBe(0);
    expect(none.threshold!).toBeGreaterThanOrEqual(4);
  });

  it('files and snapshots from before the rule load with it off and its window empty', () => {
    const c = withRetriesCalibrated();
    const json = JSON.parse(JSON.stringify(c));
    const t = json.thresholds.models.fraud;
    delete t.repeats;
    delete t.calibration.clientsFlaggedBy.repeats;
    const old = parseGuardCalibration(json);
    expect(old.thresholds.models.fraud!.repeats).toBe(Infinity);
    expect(old.thresholds.models.fraud!.calibration.clientsFlaggedBy.repeats).toBe(0);

    const engine = new GuardEngine(c.profile, c.thresholds);
    const ev = attackEvents('extraction', 'x', 20, 11);
    for (const e of [...ev, ...ev.map((e) => ({ ...e, eventId: `${e.eventId}-again` }))])
      engine.score(e);
    const snap = JSON.parse(JSON.stringify(engine.toJSON()));
    const restored = GuardEngine.fromJSON(snap);
    expect(restored.peekClient('fraud', 'x')!.repeatsInWindow).toBe(20);
    for (const s of snap.clients as { repeats?: number[] }[]) delete s.repeats;
    expect(GuardEngine.fromJSON(snap).peekClient('fraud', 'x')!.repeatsInWindow).toBe(0);

    // A profile from before `repeatWindow` existed gets its default (not a ring of undefined size).
    delete snap.profile.params.repeatWindow;
    const noParam = GuardEngine.fromJSON(snap);
    expect(noParam.profile.params.repeatWindow).toBe(200);
    for (const e of ev) noParam.score({ ...e, eventId: `${e.eventId}-3` });
    expect(noParam.peekClient('fraud', 'x')!.repeatsInWindow).toBe(20);
  });

  it('a snapshot through JSON keeps a rule that was off, off (null threshold, not 0)', () => {
    const c = withRetriesCalibrated();
    const off = structuredClone(c);
    off.thresholds.models.fraud!.repeats = Infinity;
    off.thresholds.models.fraud!.extraction = Infinity;
    const engine = new GuardEngine(off.profile, off.thresholds);
    const ev = benignEvents({ clients: 1, minQueries: 60, maxQueries: 60, seed: 12, prefix: 'n' });
    for (const e of ev.slice(0, 30)) engine.score(e);
    const snap = JSON.parse(JSON.stringify(engine.toJSON()));
    expect(snap.thresholds.models.fraud.repeats).toBeNull();
    const restored = GuardEngine.fromJSON(snap);
    expect(restored.thresholds.models.fraud!.repeats).toBe(Infinity);
    // Each remaining query re-sent once: with `score >= null` both rules would fire at once.
    for (const e of ev.slice(30)) {
      const a = restored.score(e);
      const b = restored.score({ ...e, eventId: `${e.eventId}-again` });
      for (const r of [a, b]) {
        expect(r.clientState.rules).not.toContain('repeats');
        expect(r.clientState.rules).not.toContain('extraction');
      }
    }
    expect(restored.peekClient('fraud', 'n-0')!.repeatsInWindow).toBe(30);
    // The source engine's thresholds are not touched by reading its snapshot.
    const live = engine.toJSON();
    GuardEngine.fromJSON(live);
    expect(live.thresholds.models.fraud!.repeats).toBe(Infinity);
  });
});
