/**
 * The sensitivity test on simulated traffic (pure, no servers): 20 features, windows of
 * 1,000 events through the drift task (event-time windows of 10 s at 100 events/s).
 * - A mean shift of 0.5 reference standard deviations in ONE feature must be flagged (that
 *   feature's verdict) in the first full window after the shift.
 * - Over 100 stationary windows at most 5 % may be flagged as dataset drift.
 * Both regimes of Evidently's default method choice are run: a reference of 20,000 events (the
 * profile keeps a 5,000-value sample → normalized Wasserstein ≥ 0.1) and a reference of 1,000
 * events (→ KS, p ≤ 0.05). The measured rates are printed.
 *
 * Note on the dataset level: one drifted feature out of 20 is a share of 0.05, far below
 * Evidently's 0.5, so a single shifted feature never makes the window a *dataset* drift; the
 * issue's "flagged" is the feature verdict (and its place at the top of `topDrifted`).
 */
import { describe, expect, it } from 'vitest';
import type { InferenceEvent } from '../../../services/common/event.js';
import { ProfileCache } from '../../../services/drift/profile-cache.js';
import { buildProfile } from '../../../services/drift/profile.js';
import type { DriftReport } from '../../../services/drift/report.js';
import { DriftTask } from '../../../services/drift/task.js';
import { tumbling } from '../../../services/stream/window-spec.js';
import { traffic } from './traffic.js';

const T0 = Date.UTC(2026, 10, 26, 0, 0, 0);
const FEATURES = 20;
const WINDOW_EVENTS = 1000;
const WINDOW_MS = 10_000; // 1,000 events at 10 ms spacing
const SHIFTED = 7;
const SHIFTED_NAME = 'f07';

function runWindows(
  referenceRows: number,
  seed: number,
  windows: number,
  shiftFromEvent: number | null,
): DriftReport[] {
  const profile = buildProfile(
    traffic({ n: referenceRows, seed, features: FEATURES, idPrefix: 'ref' }),
    {
      modelId: 'fraud',
      modelVersion: 'v1',
      seed,
      clock: () => 0,
    },
  );
  const reports: DriftReport[] = [];
  const cache = new ProfileCache({ maxModels: 1, maxFeatures: 100 });
  cache.replace([profile]);
  const task = new DriftTask(
    {
      mode: {
        kind: 'time',
        spec: tumbling(WINDOW_MS),
        graceMs: 0,
        idleTimeoutMs: 3_600_000,
        maxOpenWindows: 10,
      },
      reservoirSize: WINDOW_EVENTS,
      maxModels: 1,
      profiles: cache,
      outputTopic: 'drift',
      encode: () => Buffer.alloc(0),
      clock: () => 0,
      onEmit: (r) => reports.push(r),
    },
    null,
  );
  const n = windows * WINDOW_EVENTS;
  const before = traffic({
    n: shiftFromEvent ?? n,
    seed: seed + 1,
    features: FEATURES,
    startMs: T0,
    stepMs: 10,
  });
  const after =
    shiftFromEvent === null
      ? []
      : traffic({
          n: n - shiftFromEvent,
          seed: seed + 2,
          features: FEATURES,
          startMs: T0 + shiftFromEvent * 10,
          stepMs: 10,
          shift: { [SHIFTED]: 0.5 },
        });
  const closer: InferenceEvent = { ...before[0]!, eventId: 'closer', timestamp: T0 + n * 10 };
  const events = [...before, ...after, closer];
  events.forEach((e, i) => {
    task.onRecord(e, i, false);
    if (i % 1000 === 999 || i === events.length - 1) task.advance();
  });
  expect(reports).toHaveLength(windows);
  expect(reports.every((r) => r.count === WINDOW_EVENTS)).toBe(true);
  return reports;
}

describe('sensitivity on simulated traffic (20 features, windows of 1,000 events)', () => {
  for (const [regime, referenceRows, method] of [
    ['large reference (20,000 events → 5,000-value sample)', 20_000, 'wasserstein'],
    ['small reference (1,000 events)', 1_000, 'ks'],
  ] as const) {
    it(`${regime}: 100 stationary windows ≤ 5 % dataset drift; a 0.5 σ shift is flagged in the first full window`, () => {
      const stationary = runWindows(referenceRows, 11, 100, null);
      expect(stationary[0]!.features.find((f) => f.feature === 'f00')!.method).toBe(method);
      const datasetRate = stationary.filter((r) => r.datasetDrifted).length / stationary.length;
      const tested = stationary.flatMap((r) => r.features.filter((f) => f.feature.startsWith('f')));
      const featureRate = tested.filter((f) => f.drifted).length / tested.length;
      const anyFeatureRate =
        stationary.filter((r) => r.driftedCount > 0).length / stationary.length;

      // Shift half-way through window 3 (events 3,500…): window 4 is the first full window after it.
      const trials = 10;
      let detectedFirstFull = 0;
      let detectedPartial = 0;
      let topFirst = 0;
      for (let t = 0; t < trials; t++) {
        const reports = runWindows(referenceRows, 100 + t, 6, 3500);
        const f = (w: number) => reports[w]!.features.find((x) => x.feature === SHIFTED_NAME)!;
        if (f(4).drifted) detectedFirstFull++;
        if (f(3).drifted) detectedPartial++;
        if (reports[4]!.topDrifted[0]?.feature === SHIFTED_NAME) topFirst++;
      }
      console.log(
        `[sensitivity] ${regime}, method ${method}: stationary dataset-drift rate ${(100 * datasetRate).toFixed(1)} % (100 windows), ` +
          `per-feature false-positive rate ${(100 * featureRate).toFixed(2)} % (${tested.length} feature tests), ` +
          `windows with ≥ 1 drifted feature ${(100 * anyFeatureRate).toFixed(0)} %; ` +
          `0.5 σ shift flagged in the first full window: ${detectedFirstFull}/${trials} (top drifted: ${topFirst}/${trials}); ` +
          `already in the half-shifted window: ${detectedPartial}/${trials}`,
      );
      expect(datasetRate).toBeLessThanOrEqual(0.05);
      expect(detectedFirstFull).toBe(trials);
      expect(topFirst).toBe(trials);
    }, 180_000);
  }
});
