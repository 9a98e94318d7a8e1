import { describe, expect, it } from 'vitest';
import { PsiAccumulator, referenceDecileEdges } from '../../../services/stats/binning.js';
import {
  buildProfile,
  OTHER_CATEGORY,
  parseProfile,
  ProfileBuilder,
  type ReferenceProfile,
} from '../../../services/drift/profile.js';
import { traffic } from './traffic.js';

const opts = { modelId: 'fraud', modelVersion: 'v1', clock: () => Date.UTC(2026, 0, 1) };

describe('buildProfile', () => {
  it('is deterministic: same data and seed, same profile and profileVersion; another seed, another sample', () => {
    const events = traffic({ n: 12_000, seed: 1, features: 3, categorical: true });
    const a = buildProfile(events, { ...opts, seed: 5 });
    const b = buildProfile(events, { ...opts, seed: 5, clock: () => 0, source: 'elsewhere' });
    expect(b.profileVersion).toBe(a.profileVersion);
    expect(JSON.stringify({ ...b, createdAt: a.createdAt, source: a.source })).toBe(
      JSON.stringify(a),
    );
    const c = buildProfile(events, { ...opts, seed: 6 });
    expect(c.profileVersion).not.toBe(a.profileVersion);
    expect(c.numeric.f00!.sample).not.toEqual(a.numeric.f00!.sample);
    expect(c.numeric.f00!.count).toBe(a.numeric.f00!.count);
  });

  it('small reference: the sample is the data and the deciles are the stats core deciles of all values', () => {
    const events = traffic({ n: 800, seed: 2, features: 2 });
    const p = buildProfile(events, opts);
    const all = events.map((e) => e.features.f01!);
    const f = p.numeric.f01!;
    expect(f.sample).toEqual([...all].sort((x, y) => x - y));
    expect(f.decileEdges).toEqual(referenceDecileEdges(all));
    expect(f.decileCounts).toEqual(
      new PsiAccumulator(referenceDecileEdges(all)).addAll(all).counts,
    );
    expect(f.count).toBe(800);
    expect(f.distinct).toBe(new Set(all).size);
    const mean = all.reduce((s, x) => s + x, 0) / all.length;
    expect(f.mean).toBeCloseTo(mean, 12);
    expect(f.std).toBeCloseTo(
      Math.sqrt(all.reduce((s, x) => s + (x - mean) ** 2, 0) / all.length),
      12,
    );
    expect(f.min).toBe(Math.min(...all));
    expect(f.max).toBe(Math.max(...all));
  });

  it('large reference: bounded sample (reservoir size), deciles of that sample, close to the true deciles', () => {
    const events = traffic({ n: 50_000, seed: 3, features: 1 });
    const p = buildProfile(events, { ...opts, reservoirSize: 2000 });
    const f = p.numeric.f00!;
    expect(f.sample).toHaveLength(2000);
    expect(f.count).toBe(50_000);
    expect(f.decileEdges).toEqual(referenceDecileEdges(f.sample));
    expect(f.decileCounts.reduce((a, b) => a + b, 0)).toBe(2000);
    const exact = referenceDecileEdges(events.map((e) => e.features.f00!));
    f.decileEdges.forEach((e, i) => expect(Math.abs(e - exact[i]!)).toBeLessThan(0.1));
  });

  it('feeding column by column equals feeding row by row', () => {
    const events = traffic({ n: 9000, seed: 4, features: 4, categorical: true });
    const rows = buildProfile(events, opts);
    const b = new ProfileBuilder(opts);
    b.addRecord(events.length);
    for (const name of ['f03', 'f01', 'f00', 'f02'])
      for (const e of events) b.addNumeric(name, e.features[name]);
    for (const e of events) b.addCategorical('country', e.categorical.country);
    for (const e of events) b.addConfidence(e.prediction.confidence);
    for (const e of events) b.addLabel(e.prediction.label);
    expect(b.finish()).toEqual(rows);
  });

  it('categorical: top-N categories with shares, the rest in __other__; labels and confidence profiled', () => {
    const events = traffic({ n: 10_000, seed: 5, features: 1, categorical: true });
    const p = buildProfile(events, { ...opts, topCategories: 3 });
    const c = p.categorical.country!;
    expect(c.categories).toEqual(['DE', 'FR', 'IT']);
    const de = events.filter((e) => e.categorical.country === 'DE').length;
    expect(c.counts[0]).toBe(de);
    expect(c.shares[0]).toBe(de / 10_000);
    expect(c.otherCount).toBe(events.filter((e) => e.categorical.country!.startsWith('X')).length);
    expect(c.counts.reduce((a, b) => a + b, 0) + c.otherCount).toBe(10_000);
    expect(c.categories).not.toContain(OTHER_CATEGORY);
    expect(p.prediction.label!.categories.sort()).toEqual(['fraud', 'ok']);
    expect(p.prediction.confidence!.count).toBe(10_000);
  });

  it('caps the number of features and ignores the rest', () => {
    const events = traffic({ n: 100, seed: 6, features: 10 });
    const b = new ProfileBuilder({ ...opts, maxFeatures: 4 });
    for (const e of events) b.addEvent(e);
    const p = b.finish();
    expect(Object.keys(p.numeric)).toHaveLength(4);
    expect(b.ignoredValues).toBe(600);
  });

  it('parseProfile accepts its own JSON and refuses edited or foreign files', () => {
    const p = buildProfile(traffic({ n: 500, seed: 7, features: 2 }), opts);
    const round = parseProfile(JSON.parse(JSON.stringify(p)));
    expect(round).toEqual(p);
    const edited = JSON.parse(JSON.stringify(p)) as ReferenceProfile;
    edited.numeric.f00!.sample[0] = 99;
    expect(() => parseProfile(edited)).toThrow(/does not match its content/);
    expect(() => parseProfile({ format: 'x' })).toThrow(/format/);
    expect(() => parseProfile(null)).toThrow(/object/);
  });
});
