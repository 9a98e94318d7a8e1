/** Extraction / probing patterns (PRADA-style) per client. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ExtractionWindow, GuardEngine, scoreExtraction } from '../../../services/guard/index.js';
import {
  extractionCrossing,
  extractionTestScores,
  extractionTestsOf,
  ksLargerThanGrid,
  ksOneSidedPValue,
  type ExtractionObservation,
  type ExtractionResult,
} from '../../../services/guard/extraction-scorer.js';
import { attackEvents, benignEvents } from '../../fixtures/guard/synthetic.js';
import { calibrated } from './helpers.js';

beforeAll(() => void calibrated(), 120_000);

/** A 200-query window of n observations: one a second, in one cell, none flagged, unless `at` says. */
function windowOf(n: number, at: (i: number) => Partial<ExtractionObservation>): ExtractionWindow {
  const w = new ExtractionWindow(200);
  for (let i = 0; i < n; i++)
    w.push({
      successive: 1,
      nearBoundary: false,
      outOfRange: false,
      timestamp: i * 1000,
      cell: 1,
      ...at(i),
    });
  return w;
}

describe('extraction scorer', () => {
  it('is not scored before the minimum number of queries', () => {
    const mp = calibrated().profile.models.fraud!;
    const w = windowOf(10, () => ({ successive: 1 }));
    const r = scoreExtraction(mp, calibrated().profile.params, w);
    expect(r).toMatchObject({ score: 0, tests: null });
    expect(r.reason).toContain('50 queries needed (not scored)');
  });

  it('flags many near-boundary queries and successive distances more spread than benign ones', () => {
    const mp = calibrated().profile.models.fraud!;
    const w = windowOf(100, (i) => ({ successive: 50, nearBoundary: i % 2 === 0, cell: i % 3 }));
    const r = scoreExtraction(mp, calibrated().profile.params, w);
    expect(r.score).toBeGreaterThan(10);
    const names = r.tests!.filter((t) => t.p < 1e-6).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['distances', 'near-boundary']));
    expect(r.reason).toMatch(
      /^extraction\/probing: .*100 queries in window, .*\/min, 3 grid cells/,
    );
  });

  it('flags an extraction sweep (diverse probes over a wide box) within 500 queries, not benign clients', () => {
    const { profile, thresholds } = calibrated();
    const engine = new GuardEngine(profile, thresholds);
    let at: number | null = null;
    const sweep = attackEvents('extraction', 'thief', 500, 3);
    for (let i = 0; i < sweep.length && at === null; i++)
      if (engine.score(sweep[i]!).clientFlagged) at = i + 1;
    expect(at).not.toBeNull();
    expect(at!).toBeLessThanOrEqual(500);
    const benign = benignEvents({
      clients: 30,
      minQueries: 100,
      maxQueries: 200,
      seed: 5,
      prefix: 'b',
    });
    const extractionFlags = new Set<string>();
    for (const e of benign) {
      const r = engine.score(e);
      if (r.clientState.rules.includes('extraction')) extractionFlags.add(e.clientId);
    }
    expect(extractionFlags.size).toBeLessThanOrEqual(1);
    // The extraction rule alone, per test, catches the sweep too, and says which test.
    const only = {
      statefulDistance: 0,
      flaggedEvents: Infinity,
      prada: Infinity,
      repeats: Infinity,
    };
    const perTest = new GuardEngine(profile, {
      ...thresholds,
      models: { fraud: { ...thresholds.models.fraud!, ...only } },
    });
    const byTest = sweep.map((e) => perTest.score(e)).find((r) => r.clientFlagged);
    expect(byTest?.clientState.rules).toEqual(['extraction']);
    expect(byTest?.clientState.why[0]).toMatch(
      /^extraction\/probing \((distances|near-boundary|out-of-range|rate) test\): .* ≥ threshold [\d.]+$/,
    );
    // A calibration file from before per-test thresholds: the combined score still catches it.
    const { extractionTests, ...combinedOnly } = thresholds.models.fraud!;
    expect(extractionTests).toBeDefined();
    const old = new GuardEngine(profile, {
      ...thresholds,
      models: { fraud: { ...combinedOnly, ...only } },
    });
    const flaggedBy = sweep.map((e) => old.score(e)).find((r) => r.clientFlagged);
    expect(flaggedBy?.clientState.rules).toEqual(['extraction']);
    expect(flaggedBy?.clientState.why[0]).toMatch(/^extraction\/probing: .* ≥ threshold [\d.]+$/);
  });

  it('does not test closer-together queries as extraction (the stateful, PRADA and repeats rules do)', () => {
    const mp = calibrated().profile.models.fraud!;
    const w = windowOf(100, (i) => ({ successive: 0.05, timestamp: i * 60_000 }));
    const r = scoreExtraction(mp, calibrated().profile.params, w);
    const distances = r.tests!.find((t) => t.name === 'distances')!;
    expect(distances.p).toBeGreaterThan(0.99);
  });

  it('one-sided KS: D⁻ against a quantile grid and Smirnov p-value', () => {
    // Reference uniform on [0, 1] (grid of its quantiles); a sample shifted up by 0.5.
    const grid = Array.from({ length: 101 }, (_, i) => i / 100);
    const up = Float64Array.from({ length: 100 }, (_, i) => Math.min(1, 0.5 + i / 200));
    expect(ksLargerThanGrid(up, grid)).toBeCloseTo(0.5, 2);
    const down = Float64Array.from({ length: 100 }, (_, i) => i / 200);
    expect(ksLargerThanGrid(down, grid)).toBeLessThan(0.02);
    expect(ksOneSidedPValue(0, 100)).toBe(1);
    // λ = 1.2239 is the one-sided 5 % critical value: exp(−2λ²) = 0.05.
    expect(ksOneSidedPValue(1.2239 / (10 + 0.12 + 0.011), 100)).toBeCloseTo(0.05, 3);
    expect(ksOneSidedPValue(0.5, 100)).toBeLessThan(1e-20);
  });

  it('per-test thresholds: each test is held to its own; without them, the combined score decides', () => {
    const result = (ps: Record<string, number>): ExtractionResult => {
      const tests = Object.entries(ps).map(([name, p]) => ({
        name: name as 'distances',
        p,
        detail: `${name} detail`,
      }));
      const worst = Math.min(...Object.values(ps));
      return { score: -Math.log10(worst * tests.length), tests, reason: 'combined reason' };
    };
    // near-boundary p = 1e-8 (score 8), out-of-range p = 1e-20 (score 20); combined 20 − log10(3).
    const r = result({ distances: 0.5, 'near-boundary': 1e-8, 'out-of-range': 1e-20 });
    expect(extractionTestScores(r)).toEqual({
      distances: expect.closeTo(0.301, 3),
      'near-boundary': expect.closeTo(8, 9),
      'out-of-range': expect.closeTo(20, 9),
    });
    // A lenient near-boundary threshold fires although out-of-range's strict one does not.
    const per = { distances: 10, 'near-boundary': 6, 'out-of-range': 30 };
    expect(extractionCrossing(r, 100, per)).toMatchObject({ test: 'near-boundary', threshold: 6 });
    expect(extractionCrossing(r, 100, per)!.reason).toBe(
      'extraction/probing (near-boundary test): near-boundary detail, p≈1.00e-8',
    );
    // The same scores under a strict near-boundary threshold: nothing crosses.
    expect(extractionCrossing(r, 100, { ...per, 'near-boundary': 9 })).toBeNull();
    // A test without a threshold never fires.
    expect(extractionCrossing(r, 100, { distances: 10 })).toBeNull();
    // Older calibrations (no per-test thresholds): the combined score against `extraction`.
    expect(extractionCrossing(r, 19, undefined)).toMatchObject({ test: null, threshold: 19 });
    expect(extractionCrossing(r, 20, undefined)).toBeNull();
    // Not scored yet: never.
    expect(extractionCrossing({ score: 0, tests: null, reason: '' }, 0, per)).toBeNull();
  });

  it('runs the tests the profile has data for', () => {
    const mp = calibrated().profile.models.fraud!;
    // The fixture's reference has client ids and enough clients for the rate test.
    expect(mp.rate).not.toBeNull();
    expect(extractionTestsOf(mp)).toEqual(['distances', 'near-boundary', 'out-of-range', 'rate']);
    expect(
      extractionTestsOf({ ...mp, rate: null, successive: { ...mp.successive, n: 0 } }),
    ).toEqual(['near-boundary', 'out-of-range']);
  });
});
