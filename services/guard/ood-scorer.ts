/**
 * Out-of-distribution: how far the query's numeric features (and its embedding, when the model
 * sends one) are from the reference.
 *
 * Features: squared Mahalanobis distance of the robustly standardized features under a shrinkage
 * covariance (see shrinkage-covariance.ts); Lee et al., "A Simple Unified Framework for Detecting
 * Out-of-Distribution Samples and Adversarial Attacks", NeurIPS 2018, use the same distance on
 * network features. Embedding: mean squared standardized deviation from the reference centroid.
 * Each is turned into a tail probability against the reference; with both, the smaller p is
 * Bonferroni-corrected (×2). Missing features are imputed with the reference median and the reason
 * says which.
 */
import type { FeatureSpace, StandardizedQuery } from './feature-space.js';
import type { ModelProfile } from './profile-types.js';
import { fmt, fmtP, type ScorerResult } from './scorer-result.js';
import { mahalanobis2 } from './shrinkage-covariance.js';
import { pScore, tailP, tailQuantile } from './tail-model.js';

export interface OodResult extends ScorerResult {
  /** Tail probability behind the score. */
  p: number;
  /** Features imputed with the reference median. */
  imputed: string[];
}

/** Mean squared entry of a standardized embedding (its squared distance to the centroid / dims). */
export function embeddingDeviation(e: Float64Array): number {
  let s = 0;
  for (let i = 0; i < e.length; i++) s += e[i]! * e[i]!;
  return e.length > 0 ? s / e.length : 0;
}

export function scoreOod(profile: ModelProfile, q: StandardizedQuery): OodResult {
  // Figures now, wording only when the reason is read (getter): most events never need it.
  const parts: Array<() => string> = [];
  const ps: number[] = [];
  const { space, ood } = profile;
  if (space.names.length > 0) {
    const d2 = mahalanobis2(ood.covariance, q.z);
    ps.push(tailP(ood.distance, d2));
    parts.push(
      () =>
        `squared Mahalanobis distance ${fmt(d2)} over ${space.names.length} features vs reference 99th percentile ${fmt(tailQuantile(ood.distance, 0.01))}${topDeviations(space.names, q.z)}`,
    );
  }
  const embeddingTail = ood.embedding;
  if (embeddingTail) {
    if (q.embedding) {
      const dev = embeddingDeviation(q.embedding);
      ps.push(tailP(embeddingTail, dev));
      parts.push(
        () =>
          `embedding deviation ${fmt(dev)} vs reference 99th percentile ${fmt(tailQuantile(embeddingTail, 0.01))}`,
      );
    } else parts.push(() => 'no embedding of the reference length (not scored)');
  }
  const p = ps.length === 0 ? 1 : Math.min(1, Math.min(...ps) * ps.length);
  const score = pScore(p);
  return {
    score,
    p,
    imputed: q.imputed,
    get reason() {
      const what = parts.map((f) => f()).join('; ') || 'no numeric features in the reference';
      const note = q.imputed.length > 0 ? `; ${imputationNote(space, q.imputed)}` : '';
      return `out of distribution: ${what}, ${fmtP(score)}${note}`;
    },
  };
}

/** "missing features imputed with the reference median: f3=2.98, …" */
export function imputationNote(space: FeatureSpace, imputed: readonly string[]): string {
  const shown = imputed
    .slice(0, 5)
    .map((n) => `${n}=${fmt(space.center[space.names.indexOf(n)]!)}`);
  const more = imputed.length > 5 ? ` and ${imputed.length - 5} more` : '';
  return `missing features imputed with the reference median: ${shown.join(', ')}${more}`;
}

function topDeviations(names: readonly string[], z: Float64Array): string {
  const idx = Array.from(z.keys()).filter((i) => Math.abs(z[i]!) >= 3);
  if (idx.length === 0) return '';
  idx.sort((a, b) => Math.abs(z[b]!) - Math.abs(z[a]!));
  return ` (largest: ${idx
    .slice(0, 3)
    .map((i) => `${names[i]} z=${z[i]! > 0 ? '+' : ''}${fmt(z[i]!)}`)
    .join(', ')})`;
}
