/** Top-1 minus top-2 class probability of a prediction. */
import type { Prediction } from '../common/event.js';

/**
 * The margin between the two most probable classes. With fewer than two class probabilities the
 * margin of a two-class model is assumed: 2·confidence − 1 (documented, because a model that
 * reports only its confidence is most often binary).
 */
export function predictionMargin(p: Prediction): number {
  let first = -Infinity;
  let second = -Infinity;
  let count = 0;
  for (const v of Object.values(p.probabilities)) {
    count++;
    if (v > first) [first, second] = [v, first];
    else if (v > second) second = v;
  }
  if (count < 2) return Math.max(0, 2 * p.confidence - 1);
  return first - second;
}
