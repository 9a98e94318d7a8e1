/**
 * The guard's reference profile: what benign traffic looks like, per model. Built once from
 * reference events by {@link buildGuardProfile} (build-profile.ts); plain JSON.
 */
import type { FeatureSpace } from './feature-space.js';
import type { GuardParams } from './guard-params.js';
import type { PradaSpace } from './prada.js';
import type { ShrinkageCovariance } from './shrinkage-covariance.js';
import type { TailModel } from './tail-model.js';

export const GUARD_PROFILE_VERSION = 1;

export interface GuardProfile {
  version: typeof GUARD_PROFILE_VERSION;
  params: GuardParams;
  /** One profile per modelId present in the reference. */
  models: Record<string, ModelProfile>;
}

export interface ModelProfile {
  modelId: string;
  /** Reference events the profile was built from. */
  events: number;
  /** Pseudo-clients the benign per-client statistics come from. */
  pseudoClients: number;
  space: FeatureSpace;
  /** Lower tail of prediction confidence, per predicted label and pooled (successful events). */
  confidence: { pooled: TailModel; byLabel: Record<string, TailModel> };
  /** Lower tail of the top-1 − top-2 probability margin. */
  margin: TailModel;
  /** Margin below which a query counts as near the decision boundary (the `boundaryQuantile`). */
  boundaryMargin: number;
  /** Share of reference queries near the boundary (≈ boundaryQuantile). */
  boundaryShare: number;
  /**
   * Beta-binomial dispersion φ of the reference clients' near-boundary counts (clients have
   * near-boundary rates of their own: beta-binomial.ts); absent (older profiles, or a reference
   * without client ids): the binomial.
   */
  boundaryDispersion?: number;
  ood: {
    /** Shrinkage covariance of the standardized (winsorized) features. */
    covariance: ShrinkageCovariance;
    /** Upper tail of the squared Mahalanobis distance. */
    distance: TailModel;
    /** Upper tail of the mean squared standardized embedding deviation (null: no embeddings). */
    embedding: TailModel | null;
    /** Share of reference queries whose OOD tail probability is below `outOfRangeP`. */
    outOfRangeShare: number;
    /** Beta-binomial dispersion φ of the reference clients' out-of-range counts; as above. */
    outOfRangeDispersion?: number;
  };
  /** Benign ln(mean k-NN distance) of a query to its client's history, by history size. */
  stateful: StatefulBaseline;
  /** Benign successive-query distances (upper tail; its grid is the reference CDF). */
  successive: TailModel;
  /**
   * Upper tail of ln(fastest window rate, queries/minute) per benign client — log scale, so the
   * extrapolated tail is a Pareto one (rates are heavy-tailed); null: too few clients to learn it.
   */
  rate: TailModel | null;
  /**
   * The PRADA rule's space (prada.ts): per-feature Yeo–Johnson λ and robust standardization.
   * Null in profiles written before the rule existed (the rule then never fires).
   */
  prada: PradaSpace | null;
}

/**
 * Benign k-NN distances shrink as a history grows, so their distribution is kept per band of
 * history size (m in [historyEdges[i], historyEdges[i+1])), learned by replaying the reference as
 * pooled clients of `historySize` queries. `pooled` holds every band together.
 */
export interface StatefulBaseline {
  historyEdges: number[];
  /** Lower tails of ln(mean k-NN distance), one per band. */
  tails: TailModel[];
  pooled: TailModel;
}
