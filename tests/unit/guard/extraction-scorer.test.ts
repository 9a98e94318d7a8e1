/** Extraction / probing patterns (PRADA-style) per client. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ExtractionWindow, GuardEngine, scoreExtraction } from '../../../services/guard/index.js';
import { ksLargerThanGrid, ksOneSidedPValue } from '../../../services/guard/extraction-scorer.js';
import { attackEvents, benignEvents } from '../../fixtures/guard/synthetic.js';
import { calibrated } from './helpers.js';

beforeAll(() => void calibrated(), 120_000);

describe('extraction scorer', () => {
  it('is not scored before the minimum number of queries', () => {
    const mp = calibrated().profile.models.fraud!;
    const w = new ExtractionWindow(200);
    for (let i = 0; i < 10; i++)
      w.push({
        successive: 1,
        nearBoundary: false,
        outOfRange: false,
        timestamp: i * 1000,
        cell: 1,
      });
    const r = scoreExtraction(mp, calibrated().profile.params, w);
    expect(r).toMatchObject({ score: 0, tests: null });
    expect(r.reason).toContain('50 queries needed (not scored)');
  });

  it('flags many near-boundary queries and successive distances more spread than benign ones', () => {
    const mp = calibrated().profile.models.fraud!;
    const w = new ExtractionWindow(200);
    for (let i = 0; i < 100; i++)
      w.push({
        successive: 50,
        nearBoundary: i % 2 === 0,
        outOfRange: false,
        timestamp: i * 1000,
        cell: i % 3,
      });
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
  });

  it('does not test closer-together queries as extraction (the stateful, PRADA and repeats rules do)', () => {
    const mp = calibrated().profile.models.fraud!;
    const w = new ExtractionWindow(200);
    for (let i = 0; i < 100; i++)
      w.push({
        successive: 0.05,
        nearBoundary: false,
        outOfRange: false,
        timestamp: i * 60_000,
        cell: 1,
      });
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
});
