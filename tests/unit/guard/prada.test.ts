/** PRADA's normality test of minimum query distances (Juuti et al. 2019), on its own and in the engine. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { InferenceEvent } from '../../../services/common/event.js';
import {
  GuardEngine,
  parseGuardCalibration,
  resolveGuardParams,
} from '../../../services/guard/index.js';
import { SimilarityMap, standardize } from '../../../services/guard/feature-space.js';
import {
  fitYeoJohnson,
  madSorted,
  PradaState,
  scorePrada,
  yeoJohnson,
  yeoJohnsonLogLik,
} from '../../../services/guard/prada.js';
import { gaussian, mulberry32 } from '../../../services/guard/prng.js';
import { shapiroWilk } from '../../../services/stats/shapiro-wilk.js';
import {
  benignEvents,
  FEATURES,
  makeEvent,
  mergeByTime,
  naturalZ,
  predict,
  START_MS,
} from '../../fixtures/guard/synthetic.js';
import { calibrated } from './helpers.js';

beforeAll(() => void calibrated(), 120_000);

/**
 * Papernot et al.'s Jacobian-based dataset augmentation against the fixture's classifier: natural
 * seeds, then each round adds z + λ·sign(∂p(label)/∂z) for every point labelled so far (the set
 * doubles). The fixture model is logistic, so the surrogate's Jacobian sign is the weights' sign,
 * read off the model by finite differences.
 */
function jbdaEvents(
  clientId: string,
  seeds: number,
  rounds: number,
  lambda: number,
  seed: number,
  startMs = START_MS,
  gapMs = 1000,
): InferenceEvent[] {
  const norm = gaussian(mulberry32(seed));
  const zero = new Array<number>(FEATURES).fill(0);
  const p0 = predict(zero).probabilities.fraud!;
  const sign = zero.map((_, j) => {
    const z = [...zero];
    z[j] = 0.01;
    return Math.sign(predict(z).probabilities.fraud! - p0);
  });
  const all: number[][] = [];
  let fresh = Array.from({ length: seeds }, () => naturalZ(norm));
  for (let r = 0; r < rounds; r++) {
    all.push(...fresh);
    fresh = all.map((z) => {
      const s = predict(z).label === 'fraud' ? 1 : -1;
      return z.map((v, j) => v + lambda * s * sign[j]!);
    });
  }
  return all.map((z, i) => makeEvent(`${clientId}-${i}`, clientId, startMs + i * gapMs, z));
}

describe('Yeo–Johnson transform (the PRADA space)', () => {
  it('is log1p at λ = 0, the identity at λ = 1, and continuous in λ', () => {
    for (const x of [0, 0.5, 3, 100]) {
      expect(yeoJohnson(x, 0)).toBe(Math.log1p(x));
      expect(yeoJohnson(x, 1)).toBeCloseTo(x, 12);
      expect(yeoJohnson(x, 1e-9)).toBeCloseTo(Math.log1p(x), 6);
    }
    for (const x of [-0.5, -3, -100]) {
      expect(yeoJohnson(x, 1)).toBeCloseTo(x, 12);
      expect(yeoJohnson(x, 2)).toBe(-Math.log1p(-x));
      expect(yeoJohnson(x, 2 - 1e-9)).toBeCloseTo(-Math.log1p(-x), 6);
    }
    // Monotone increasing in x for any λ.
    for (const l of [-3, -1, 0, 0.5, 2, 3])
      for (let x = -5; x < 5; x += 0.25)
        expect(yeoJohnson(x + 0.25, l)).toBeGreaterThan(yeoJohnson(x, l));
  });

  it('fits λ ≈ 0 to log-normal amounts and λ ≈ 1 to normal data (maximum likelihood)', () => {
    const norm = gaussian(mulberry32(5));
    const logNormal = Array.from({ length: 4000 }, () => Math.expm1(3 + 0.8 * norm()));
    const normal = Array.from({ length: 4000 }, () => 5 * norm());
    const l1 = fitYeoJohnson(logNormal);
    const l2 = fitYeoJohnson(normal);
    expect(Math.abs(l1)).toBeLessThan(0.05);
    expect(Math.abs(l2 - 1)).toBeLessThan(0.1);
    // It is the maximum of the profile likelihood.
    for (const d of [-0.2, 0.2]) {
      expect(yeoJohnsonLogLik(logNormal, l1)).toBeGreaterThan(yeoJohnsonLogLik(logNormal, l1 + d));
      expect(yeoJohnsonLogLik(normal, l2)).toBeGreaterThan(yeoJohnsonLogLik(normal, l2 + d));
    }
    expect(fitYeoJohnson([4, 4, 4])).toBe(1);
  });
});

describe('PradaState and scorePrada', () => {
  const params = { pradaHistory: 50, pradaWindow: 40, pradaMinDistances: 30 };

  it('keeps ln of the minimum distances, leaves exact repeats out, and stays bounded', () => {
    const s = new PradaState(2, params);
    expect(s.observe(Float32Array.of(0, 0))).toBeNull();
    expect(s.observe(Float32Array.of(3, 4))).toBe(5);
    expect(s.observe(Float32Array.of(3, 4))).toBe(0); // a retry
    expect(s.observe(Float32Array.of(0, 1))).toBe(1);
    expect(s.distances.toArray()).toEqual([Math.log(5), Math.log(1)]);
    expect(s.repeats).toBe(1);
    const norm = gaussian(mulberry32(9));
    for (let i = 0; i < 500; i++) s.observe(Float32Array.of(norm(), norm()));
    expect(s.history.size).toBe(50);
    expect(s.distances.size).toBe(40);
    // The sorted copy follows the ring through evictions.
    expect(Array.from(s.sortedDistances())).toEqual(s.distances.toArray().sort((a, b) => a - b));
    const bytes = s.bytes;
    for (let i = 0; i < 500; i++) s.observe(Float32Array.of(norm(), norm()));
    expect(s.bytes).toBe(bytes);
  });

  /** D winsorized at median ± 3·1.4826·MAD (median: the element at n >> 1 of the sorted values). */
  function winsorize(d: number[]): number[] {
    const srt = [...d].sort((a, b) => a - b);
    const med = srt[srt.length >> 1]!;
    const dev = srt.map((x) => Math.abs(x - med)).sort((a, b) => a - b);
    const mad = 1.4826 * dev[dev.length >> 1]!;
    return d.map((x) => Math.min(med + 3 * mad, Math.max(med - 3 * mad, x)));
  }

  it('is not scored before pradaMinDistances, then gives W and p exactly as shapiroWilk(winsorized D)', () => {
    const s = new PradaState(3, params);
    const norm = gaussian(mulberry32(10));
    for (let i = 0; i < 30; i++) s.observe(Float32Array.of(norm(), norm(), norm()));
    const early = scorePrada(params, s);
    expect(early).toMatchObject({ score: 0, w: null, n: 29 });
    expect(early.reason).toMatch(/29 minimum distances, 30 needed \(not scored\)/);
    for (let i = 0; i < 100; i++) {
      s.observe(Float32Array.of(norm(), norm(), norm()));
      const r = scorePrada(params, s);
      const ref = shapiroWilk(winsorize(s.distances.toArray()));
      expect(r.w).toBe(ref.w);
      expect(r.score).toBe(-Math.log10(ref.p));
    }
  });

  it('scores a lattice (every new query at the same distance) as maximally non-normal', () => {
    const s = new PradaState(1, params);
    for (let i = 0; i < 40; i++) s.observe(Float32Array.of(0.5 * i));
    const r = scorePrada(params, s);
    expect(r).toMatchObject({ score: 300, w: 0, n: 39 });
    expect(r.reason).toMatch(
      /all of the last 39 new queries lie at the same distance 0\.5 .*\(degenerate\)/,
    );
  });

  it('scores a JBDA-like client (a few discrete step distances) far above natural queries', () => {
    const natural = new PradaState(4, { ...params, pradaWindow: 200 });
    const steps = new PradaState(4, { ...params, pradaWindow: 200 });
    const norm = gaussian(mulberry32(11));
    const seeds: Float32Array[] = [];
    for (let i = 0; i < 200; i++) natural.observe(Float32Array.from([0, 0, 0, 0], () => norm()));
    for (let i = 0; i < 50; i++) {
      const v = Float32Array.from([0, 0, 0, 0], () => 3 * norm());
      seeds.push(v);
      steps.observe(v);
    }
    for (let r = 0; r < 3; r++)
      for (const v of [...seeds]) {
        const w = v.map((x) => x + 0.5 * (norm() > 0 ? 1 : -1));
        seeds.push(w);
        steps.observe(w);
      }
    const a = scorePrada({ pradaMinDistances: 30 }, natural);
    const b = scorePrada({ pradaMinDistances: 30 }, steps);
    expect(a.score).toBeLessThan(3);
    expect(b.score).toBeGreaterThan(6);
    expect(b.reason).toMatch(/^query-distance normality \(PRADA, Juuti et al\. 2019\): .*W=0\.\d+/);
  });
});

describe('PRADA robustness (winsorized D, bounded coordinates)', () => {
  const params = { pradaHistory: 1000, pradaWindow: 200, pradaMinDistances: 30 };

  it('computes the MAD of a sorted sample around its middle element without sorting again', () => {
    const norm = gaussian(mulberry32(3));
    for (const n of [3, 4, 7, 30, 31, 200]) {
      const srt = Array.from({ length: n }, () => norm()).sort((a, b) => a - b);
      const m = srt[n >> 1]!;
      const dev = srt.map((x) => Math.abs(x - m)).sort((a, b) => a - b);
      expect(madSorted(srt, n, m)).toBe(dev[n >> 1]);
    }
  });

  /** 100 natural queries; `edit(i, prev, v)` may replace the i-th. Returns the highest score. */
  function worstScore(
    seed: number,
    edit: (i: number, prev: Float32Array, v: Float32Array) => Float32Array,
  ): number {
    const s = new PradaState(4, params);
    const norm = gaussian(mulberry32(seed));
    let prev: Float32Array = Float32Array.of(0, 0, 0, 0);
    let worst = 0;
    for (let i = 0; i < 100; i++) {
      const v: Float32Array = edit(
        i,
        prev,
        Float32Array.from([0, 0, 0, 0], () => norm()),
      );
      s.observe(v);
      prev = v;
      worst = Math.max(worst, scorePrada(params, s).score);
    }
    return worst;
  }

  it('one near-duplicate or one ×10 value does not make a natural client non-normal', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const plain = worstScore(seed, (_, __, v) => v);
      // Query 40 resends query 39 with one value edited by 0.01 (ln d ≈ −4.6, the rest ≈ 0).
      const nearDup = worstScore(seed, (i, prev, v) =>
        i === 40 ? prev.map((x, j) => (j === 3 ? x + 0.01 : x)) : v,
      );
      // Query 40 has one value mistyped ×10.
      const typo = worstScore(seed, (i, _, v) =>
        i === 40 ? v.map((x, j) => (j === 3 ? 10 * x : x)) : v,
      );
      expect(plain).toBeLessThan(3);
      expect(nearDup).toBeLessThan(3);
      expect(typo).toBeLessThan(3);
    }
  });

  it('reports the winsorized values, and a lattice stays degenerate with an outlier in it', () => {
    const s = new PradaState(2, params);
    for (let i = 0; i < 60; i++) s.observe(Float32Array.of(0.5 * i, 0));
    s.observe(Float32Array.of(1e4, 0)); // one far query: ln d ≫ the lattice's
    const r = scorePrada(params, s);
    expect(r).toMatchObject({ score: 300, w: 0, n: 60 });
    expect(r.reason).toMatch(/most of the last 60 new queries lie at the same distance 0\.5/);
    const t = new PradaState(4, params);
    const norm = gaussian(mulberry32(4));
    for (let i = 0; i < 60; i++) t.observe(Float32Array.from([0, 0, 0, 0], () => norm()));
    t.observe(t.history.row(59).map((x) => x + 1e-4));
    const u = scorePrada(params, t);
    expect(u.winsorized).toBeGreaterThanOrEqual(1);
    expect(u.reason).toMatch(/\d+ winsorized at median ×\/÷ /);
  });

  it('leaves non-finite distances out of D (an infinite vector cannot switch the test off)', () => {
    const s = new PradaState(2, params);
    for (let i = 0; i < 60; i++) s.observe(Float32Array.of(0.5 * i, 0));
    s.observe(Float32Array.of(Infinity, 0));
    for (let i = 0; i < 100; i++) s.observe(Float32Array.of(0.5 * (i + 100), 0));
    expect(s.nonFinite).toBeGreaterThan(0);
    expect(Array.from(s.sortedDistances()).every(Number.isFinite)).toBe(true);
    const r = scorePrada(params, s);
    expect(r.score).toBe(300);
    const back = PradaState.fromJSON(2, params, { ...s.toJSON(), distances: [NaN, Infinity, 1] });
    expect(Array.from(back.sortedDistances())).toEqual([1]);
  });

  it('maps absurd feature and embedding values to bounded finite coordinates', () => {
    const mp = calibrated().profile.models.fraud!;
    const space = {
      ...mp.space,
      embeddingDims: 2,
      embeddingMean: [0, 0],
      embeddingScale: [1e-3, 1],
    };
    const sim = new SimilarityMap(space);
    const e = makeEvent('huge', 'huge', START_MS, new Array<number>(FEATURES).fill(0));
    for (const ev of [
      { ...e, embedding: [1e300, -1e300] },
      { ...e, features: { ...e.features, f0: 1e300, f1: -1e300 } },
    ]) {
      const v = sim.map(standardize(space, ev));
      expect(Array.from(v).every((x) => Number.isFinite(x) && Math.abs(x) <= 1e6)).toBe(true);
    }
  });

  it('keeps flagging a JBDA campaign that sends an absurd value every 150 queries', () => {
    const { profile, thresholds } = calibrated(0.001);
    const thr = thresholds.models.fraud!;
    const engine = new GuardEngine(profile, thresholds);
    let firstPrada: number | null = null;
    let n = 0;
    jbdaEvents('jbda-inf', 50, 4, 0.5, 3).forEach((e, i) => {
      const stream =
        i % 150 === 0
          ? [{ ...e, eventId: `${e.eventId}-x`, features: { ...e.features, f0: 1e300 } }, e]
          : [e];
      for (const x of stream) {
        const d = engine.scoreDetailed(x);
        n++;
        expect(Number.isNaN(d.prada ?? 0)).toBe(false);
        expect(d.meanKnn === null || Number.isFinite(d.meanKnn)).toBe(true);
        if (firstPrada === null && (d.prada ?? 0) >= thr.prada) firstPrada = n;
      }
    });
    expect(firstPrada).not.toBeNull();
    expect(firstPrada!).toBeLessThanOrEqual(400);
  });
});

describe('PRADA client rule in the engine', () => {
  it('is calibrated: a finite threshold at least −log10(budget), stored and parsed back', () => {
    const c = calibrated();
    const t = c.thresholds.models.fraud!;
    expect(Number.isFinite(t.prada)).toBe(true);
    expect(t.prada).toBeGreaterThanOrEqual(-Math.log10(0.01 / 4) - 1e-12);
    expect(c.profile.models.fraud!.prada!.lambda).toHaveLength(FEATURES);
    expect(parseGuardCalibration(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it('flags JBDA campaigns by the prada rule within 400 queries, not long-lived benign clients', () => {
    const { profile, thresholds } = calibrated(0.001);
    const thr = thresholds.models.fraud!.prada;
    const campaigns = [1, 2, 3, 4, 5].map((s) => jbdaEvents(`jbda-${s}`, 50, 4, 0.5, s));
    const benign = benignEvents({
      clients: 40,
      minQueries: 150,
      maxQueries: 400,
      seed: 31,
      prefix: 'long',
    });
    const engine = new GuardEngine(profile, thresholds);
    const crossed = new Map<string, number>();
    const count = new Map<string, number>();
    let benignMax = 0;
    for (const e of mergeByTime(benign, ...campaigns)) {
      const d = engine.scoreDetailed(e);
      const n = (count.get(e.clientId) ?? 0) + 1;
      count.set(e.clientId, n);
      if (e.clientId.startsWith('long')) benignMax = Math.max(benignMax, d.prada ?? 0);
      else if ((d.prada ?? 0) >= thr && !crossed.has(e.clientId)) {
        crossed.set(e.clientId, n);
        expect(d.clientFlagged).toBe(true);
      }
    }
    expect([...crossed.keys()].sort()).toEqual(campaigns.map((c) => c[0]!.clientId).sort());
    for (const at of crossed.values()) expect(at).toBeLessThanOrEqual(400);
    expect(benignMax).toBeLessThan(thr);
  }, 60_000);

  it('names the rule and its figures when it fires first', () => {
    const { profile, thresholds } = calibrated(0.001);
    const engine = new GuardEngine(profile, thresholds);
    let why: string[] = [];
    for (const e of jbdaEvents('jbda-why', 50, 4, 0.5, 7)) {
      const r = engine.score(e);
      if (r.clientFlagged) {
        why = r.clientState.why;
        if (r.clientState.rules.includes('prada')) break;
      }
    }
    expect(why.some((w) => /^query-distance normality \(PRADA.*≥ threshold /.test(w))).toBe(true);
  });

  it('counts its state in the client bytes and restores it from a snapshot', () => {
    const { profile, thresholds } = calibrated();
    const noPrada = {
      ...profile,
      models: { fraud: { ...profile.models.fraud!, prada: null } },
    };
    const events = jbdaEvents('jbda-bytes', 50, 3, 0.5, 8);
    const a = new GuardEngine(profile, thresholds);
    const b = new GuardEngine(noPrada, thresholds);
    for (const e of events.slice(0, 120)) {
      a.score(e);
      b.score(e);
    }
    // 120 queries in the PRADA history (16 → 128 rows of 8 Float32) plus its distance rings.
    expect(a.stats().stateBytes - b.stats().stateBytes).toBeGreaterThanOrEqual(128 * FEATURES * 4);
    const restored = GuardEngine.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(restored.stats().stateBytes).toBe(a.stats().stateBytes);
    for (const e of events.slice(120)) {
      const x = a.scoreDetailed(e);
      const y = restored.scoreDetailed(e);
      expect(y.prada).toBe(x.prada);
      expect(y.clientState).toEqual(x.clientState);
    }
    // A profile without a PRADA space (older calibration file) never scores the rule.
    expect(b.peekClient('fraud', 'jbda-bytes')!.pradaScore).toBe(0);
  });

  it('reads older calibration files (no PRADA threshold or space) as "never"', () => {
    const c = JSON.parse(JSON.stringify(calibrated()));
    delete c.thresholds.models.fraud.prada;
    delete c.thresholds.models.fraud.calibration.clientsFlaggedBy.prada;
    delete c.profile.models.fraud.prada;
    for (const key of ['pradaHistory', 'pradaWindow', 'pradaMinDistances'])
      delete c.profile.params[key];
    const back = parseGuardCalibration(c);
    expect(back.thresholds.models.fraud!.prada).toBe(Infinity);
    expect(back.profile.models.fraud!.prada).toBeNull();
    expect(back.profile.params.pradaWindow).toBe(200);
    const engine = new GuardEngine(back.profile, back.thresholds);
    const d = engine.scoreDetailed(jbdaEvents('old', 5, 1, 0.5, 1)[0]!);
    expect(d.prada).toBeNull();
  });

  it('validates its parameters', () => {
    expect(resolveGuardParams()).toMatchObject({
      pradaHistory: 1000,
      pradaWindow: 200,
      pradaMinDistances: 30,
    });
    expect(() => resolveGuardParams({ pradaMinDistances: 300 })).toThrow(
      /guard\.pradaMinDistances: must be <= pradaWindow \(200\)/,
    );
    expect(() => resolveGuardParams({ pradaWindow: 6000 })).toThrow(/guard\.pradaWindow/);
    expect(() => resolveGuardParams({ pradaMinDistances: 2 })).toThrow(/guard\.pradaMinDistances/);
  });
});
