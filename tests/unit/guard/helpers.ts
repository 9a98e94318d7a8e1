/** Shared calibrated guard for the unit tests (built once per test file). */
import { calibrateGuard, type GuardCalibration } from '../../../services/guard/index.js';
import { benignEvents } from '../../fixtures/guard/synthetic.js';

const cache = new Map<number, GuardCalibration>();

/** A calibration on 300 benign clients of 20–80 queries (~15,000 events), seed 1. */
export function calibrated(targetFpr = 0.01): GuardCalibration {
  let c = cache.get(targetFpr);
  if (!c) {
    c = calibrateGuard(benignEvents({ clients: 300, minQueries: 20, maxQueries: 80, seed: 1 }), {
      targetFpr,
    });
    cache.set(targetFpr, c);
  }
  return c;
}
