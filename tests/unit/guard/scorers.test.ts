/** The event scorers on constructed cases, against a profile of the synthetic benign traffic. */
import { beforeAll, describe, expect, it } from 'vitest';
import { validateEvent } from '../../../services/common/validate.js';
import { parseEventLine } from '../../../services/common/event-json.js';
import { ValidationError } from '../../../services/common/errors.js';
import { standardize } from '../../../services/guard/feature-space.js';
import { scoreConfidence, scoreMargin, scoreOod } from '../../../services/guard/index.js';
import { makeEvent, naturalZ } from '../../fixtures/guard/synthetic.js';
import { gaussian, mulberry32 } from '../../../services/guard/prng.js';
import { calibrated } from './helpers.js';

const mp = () => calibrated().profile.models.fraud!;
beforeAll(() => void calibrated(), 120_000);
const prediction = (label: string, confidence: number, probabilities: Record<string, number>) => ({
  label,
  confidence,
  probabilities,
  score: null,
});

describe('confidence collapse', () => {
  it('scores a confidence far below the label baseline high, a usual one low', () => {
    const low = scoreConfidence(mp(), prediction('ok', 0.5, { ok: 0.5, fraud: 0.5 }));
    const usual = scoreConfidence(mp(), prediction('ok', 0.95, { ok: 0.95, fraud: 0.05 }));
    expect(low.score).toBeGreaterThan(1);
    expect(usual.score).toBeLessThan(0.5);
    expect(low.reason).toMatch(
      /confidence collapse: confidence 0\.5 vs reference median 0\.\d+ for label "ok"/,
    );
  });

  it('uses the pooled baseline for a label the reference does not know, and says so', () => {
    const r = scoreConfidence(mp(), prediction('chargeback', 0.51, { chargeback: 0.51 }));
    expect(r.reason).toContain('rare or unknown in the reference');
    expect(r.score).toBeGreaterThan(1);
  });
});

describe('low margin', () => {
  it('flags a near-tie between the top two classes, not a clear decision', () => {
    const tie = scoreMargin(mp(), prediction('fraud', 0.5005, { fraud: 0.5005, ok: 0.4995 }));
    const clear = scoreMargin(mp(), prediction('fraud', 0.9, { fraud: 0.9, ok: 0.1 }));
    expect(tie.margin).toBeCloseTo(0.001, 6);
    expect(tie.score).toBeGreaterThan(2);
    expect(clear.score).toBeLessThan(0.5);
    expect(tie.reason).toMatch(
      /^low margin: top-1 − top-2 probability 0\.001 vs reference 1st percentile/,
    );
  });

  it('falls back to 2·confidence − 1 without class probabilities', () => {
    expect(scoreMargin(mp(), prediction('fraud', 0.75, {})).margin).toBeCloseTo(0.5, 12);
  });
});

describe('out of distribution', () => {
  const norm = gaussian(mulberry32(11));

  it('typical inputs score low, inputs far from the reference high', () => {
    const scores = Array.from(
      { length: 200 },
      (_, i) =>
        scoreOod(mp(), standardize(mp().space, makeEvent(`t${i}`, 'c', 0, naturalZ(norm)))).score,
    );
    expect(scores.filter((s) => s >= 2).length).toBeLessThan(10);
    const far = scoreOod(
      mp(),
      standardize(mp().space, makeEvent('far', 'c', 0, [6, -6, 0, 0, 0, 0, 0, 0])),
    );
    expect(far.score).toBeGreaterThan(5);
    expect(far.reason).toMatch(
      /squared Mahalanobis distance .* over 8 features .*largest: f[01] z=/,
    );
  });

  it('catches a broken correlation even when each feature is within range (Mahalanobis, not per-feature z)', () => {
    // f1 follows f0 in the reference (ρ = 0.6): both at +2.5σ is plausible, opposite signs not.
    const along = scoreOod(
      mp(),
      standardize(
        mp().space,
        makeEvent('a', 'c', 0, [2.5, 2.5 * 0.6 + 0.8 * 1.2, 0, 0, 0, 0, 0, 0]),
      ),
    );
    const against = scoreOod(
      mp(),
      standardize(mp().space, makeEvent('b', 'c', 0, [2.5, -2.5, 0, 0, 0, 0, 0, 0])),
    );
    expect(against.score).toBeGreaterThan(along.score + 1);
  });

  it('imputes missing features with the reference median and says so', () => {
    const e = makeEvent('m', 'c', 0, [0, 0, 0, 0, 0, 0, 0, 0]);
    delete e.features.f3;
    delete e.features.f6;
    const q = standardize(mp().space, e);
    expect(q.imputed).toEqual(['f3', 'f6']);
    expect(q.z[3]).toBe(0);
    const r = scoreOod(mp(), q);
    expect(r.imputed).toEqual(['f3', 'f6']);
    expect(r.reason).toMatch(
      /missing features imputed with the reference median: f3=3(\.\d+)?, f6=[67](\.\d+)?/,
    );
    expect(r.score).toBeLessThan(2);
  });
});

describe('NaN and other non-finite values are rejected upstream, before any scorer', () => {
  it('validateEvent throws a ValidationError naming the feature', () => {
    const e = { ...makeEvent('n', 'c', Date.UTC(2026, 0, 1), [0, 0, 0, 0, 0, 0, 0, 0]) } as Record<
      string,
      unknown
    >;
    e.features = { f0: Number.NaN };
    expect(() => validateEvent(e)).toThrow(ValidationError);
    expect(() => validateEvent(e)).toThrow(/features\.f0: must be a finite number, got NaN/);
    e.features = { f0: Infinity };
    expect(() => validateEvent(e)).toThrow(/features\.f0/);
  });

  it('a JSON line with NaN is an error naming the line, not an event', () => {
    const r = parseEventLine('{"eventId":"x","features":{"f0":NaN}}', 12);
    expect(r).toMatchObject({ ok: false, line: 12 });
    const line = JSON.stringify({
      ...makeEvent('n', 'c', Date.UTC(2026, 0, 1), [0, 0, 0, 0, 0, 0, 0, 0]),
      prediction: { label: 'ok', confidence: 1.5, probabilities: {} },
    });
    expect(parseEventLine(line, 3)).toMatchObject({
      ok: false,
      line: 3,
      field: 'prediction.confidence',
    });
  });
});
