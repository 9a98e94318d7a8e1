/**
 * Low margin: the top-1 and top-2 class probabilities are unusually close. Decision-based and
 * gradient attacks end right at the decision boundary (Brendel, Rauber & Bethge, "Decision-Based
 * Adversarial Attacks", ICLR 2018; Chen, Jordan & Wainwright, "HopSkipJumpAttack", 2020), where
 * the margin is near 0.
 */
import type { Prediction } from '../common/event.js';
import { predictionMargin } from './margin.js';
import type { ModelProfile } from './profile-types.js';
import { fmt, fmtP, type ScorerResult } from './scorer-result.js';
import { tailQuantile, tailScore } from './tail-model.js';

export function scoreMargin(
  profile: ModelProfile,
  prediction: Prediction,
): ScorerResult & { margin: number } {
  const margin = predictionMargin(prediction);
  const score = tailScore(profile.margin, margin);
  return {
    score,
    margin,
    get reason() {
      return `low margin: top-1 − top-2 probability ${fmt(margin)} vs reference 1st percentile ${fmt(tailQuantile(profile.margin, 0.01))}, ${fmtP(score)}`;
    },
  };
}
