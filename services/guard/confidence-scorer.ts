/**
 * Confidence collapse: the model is far less sure than it usually is about this label. Adversarial
 * examples near the boundary, and out-of-distribution inputs, typically get unusual confidence
 * (Hendrycks & Gimpel, "A Baseline for Detecting Misclassified and Out-of-Distribution Examples
 * in Neural Networks", ICLR 2017). The baseline is per predicted label because labels differ in
 * their usual confidence; labels with too few reference events share the pooled baseline.
 */
import type { Prediction } from '../common/event.js';
import type { ModelProfile } from './profile-types.js';
import { fmt, fmtP, type ScorerResult } from './scorer-result.js';
import { tailQuantile, tailScore } from './tail-model.js';

export function scoreConfidence(profile: ModelProfile, prediction: Prediction): ScorerResult {
  const own = profile.confidence.byLabel[prediction.label];
  const tail = own ?? profile.confidence.pooled;
  const score = tailScore(tail, prediction.confidence);
  const baseline = () =>
    own
      ? `label ${JSON.stringify(prediction.label)}`
      : `all labels (label ${JSON.stringify(prediction.label)} is rare or unknown in the reference)`;
  return {
    score,
    get reason() {
      return `confidence collapse: confidence ${fmt(prediction.confidence)} vs reference median ${fmt(tailQuantile(tail, 0.5))} for ${baseline()}, ${fmtP(score)}`;
    },
  };
}
