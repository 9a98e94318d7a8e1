/**
 * PRADA's model-extraction signal (Juuti, Szyller, Marchal & Asokan, "PRADA: Protecting Against
 * DNN Model Stealing Attacks", EuroS&P 2019): for each new query of a client, its minimum distance
 * to that client's earlier queries; the set D of these minimum distances is tested for normality
 * with Shapiro–Wilk. Natural queries scattered over the data distribution give minimum distances
 * that look roughly normal; synthetic extraction queries do not — Papernot's Jacobian-based
 * dataset augmentation (JBDA) adds x + λ·sign(∇) for every labelled x, so the new queries sit at
 * a few fixed distances (λ·√(changed coordinates)) from their parents, and D collapses onto a few
 * atoms next to the natural spread of the seeds.
 *
 * What differs from the paper, and why (measured on the red-team traffic of `npm run redteam`,
 * seed 1; see README):
 *
 * - The space. PRADA measures distances in the model's input space (pixels). The guard sees raw
 *   features only; its similarity space (feature-space.ts: raw values over median/MAD) is not the
 *   space the model — and so the attacker's λ-steps — live in when the model log-transforms
 *   heavy-tailed features, and there neither benign nor JBDA minimum distances are normal
 *   (on 200 distances, benign batch clients reach −log10 p ≈ 29, JBDA campaigns 12–28 within 500
 *   queries; with the log scale and repeats left out as below, benign ≈ 16, JBDA 5–13: no
 *   threshold separates them). So each numeric feature is first mapped with a Yeo–Johnson power
 *   transform fitted to the reference by maximum likelihood (Yeo & Johnson, Biometrika 2000;
 *   λ = 0 is log1p, the usual preprocessing of such features), then standardized with the
 *   reference median and 1.4826·MAD; embeddings stay standardized as in the similarity space, and
 *   the same random projection bounds the width. This is a learned, model-agnostic stand-in for
 *   the model's input space.
 * - D holds ln(minimum distance), exact repeats (distance 0: client retries, a benign habit)
 *   left out. Benign minimum distances are right-skewed (local density varies), and ~2 % retries
 *   are extreme outliers for a normality test; on the log scale without repeats benign D is close
 *   to normal, while JBDA's atoms (and its near-duplicates, very negative logs) stay non-normal.
 * - D is winsorized before the test: values beyond median ± 3·1.4826·MAD of D are set to those
 *   bounds. A single extreme ln(distance) otherwise stays in D for `pradaWindow` queries and
 *   Shapiro–Wilk, which weighs the extremes most, reacts to it strongly: a benign client that
 *   resends one query with one value edited (a near-duplicate, ln d ≪ the rest) or mistypes one
 *   value ×10 (ln d ≫ the rest) was flagged by this rule 40 times in 40 and 39 in 40 on the unit
 *   test traffic. Winsorizing keeps the rank of such a value (it is still the most extreme) but
 *   bounds its weight; JBDA's signature — most of D on a few atoms — is in the bulk, not in one
 *   extreme, and survives it (JBDA-like campaigns, seeds 1–5: −log10 p 10.3–11.8 against a
 *   threshold of 4.6; the worst benign client with a near-duplicate 19.4 → 2.0). Median and MAD
 *   are of D itself, so the transform is deterministic and needs no reference statistic.
 * - D and the compared history are bounded rings (`pradaWindow` distances, `pradaHistory`
 *   queries) instead of PRADA's unbounded growing set, so state is bounded; and distances are to
 *   all the client's earlier queries, not per predicted class as in the paper (per class made no
 *   measurable difference there: benign worst −log10 p 5.25 vs 5.34, JBDA the same).
 * - The decision: PRADA flags when W < δ with δ tuned per model; here the statistic is
 *   −log10 of Royston's p for W, and the threshold is calibrated like the other client rules, on
 *   the worst value benign pseudo-clients of the reference reach over their lives (calibrate.ts).
 *   Why p and not 1 − W: p accounts for |D|, so rings of different sizes share one scale. With
 *   1 − W the benign worst values come from short rings (~30 distances, where W varies most) and
 *   push the threshold up: on the red-team traffic JBDA was then caught at a median of ~315
 *   queries and 27–28 of 30 campaigns within 500, against ~165 and 30 of 30 with −log10 p.
 *   W itself is reported in the reason.
 */
import type { InferenceEvent } from '../common/event.js';
import { goldenSectionMax } from '../stats/golden-section.js';
import { shapiroWilkSorted } from '../stats/shapiro-wilk.js';
import {
  COORDINATE_CLIP,
  type FeatureSpace,
  type SimilarityMap,
  type StandardizedQuery,
} from './feature-space.js';
import type { GuardParams } from './guard-params.js';
import { QueryHistory } from './query-history.js';
import { robustCenterScale } from './robust-stats.js';
import { ScalarRing } from './scalar-ring.js';
import { fmt, fmtP, type ScorerResult } from './scorer-result.js';
import { pScore } from './tail-model.js';

/** Per numeric feature (in `FeatureSpace.names` order): Yeo–Johnson λ, then center and scale. */
export interface PradaSpace {
  lambda: number[];
  center: number[];
  scale: number[];
}

/** λ is searched in this interval (wider buys nothing on real features and risks overflow). */
export const YJ_LAMBDA_RANGE: readonly [number, number] = [-3, 3];
/** Standardized transformed values are clipped here (an absurd input must not become ±∞). */
const CLIP = COORDINATE_CLIP;
/** D is winsorized at median ± WINSOR_K · 1.4826 · MAD of D (see the module comment). */
export const WINSOR_K = 3;
const MAD_TO_SIGMA = 1.4826;

/** The Yeo–Johnson transform of x with parameter λ (expm1/log1p forms: exact near λ = 0, 2). */
export function yeoJohnson(x: number, lambda: number): number {
  if (x >= 0) {
    if (lambda === 0) return Math.log1p(x);
    return Math.expm1(lambda * Math.log1p(x)) / lambda;
  }
  if (lambda === 2) return -Math.log1p(-x);
  return -Math.expm1((2 - lambda) * Math.log1p(-x)) / (2 - lambda);
}

/** Profile log-likelihood of λ under normality of the transformed values (Yeo & Johnson 2000). */
export function yeoJohnsonLogLik(xs: ArrayLike<number>, lambda: number): number {
  const n = xs.length;
  let mean = 0;
  let m2 = 0;
  let jac = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const t = yeoJohnson(x, lambda);
    const d = t - mean;
    mean += d / (i + 1);
    m2 += d * (t - mean);
    jac += Math.sign(x) * Math.log1p(Math.abs(x));
  }
  const v = m2 / n;
  const ll = -0.5 * n * Math.log(v) + (lambda - 1) * jac;
  return Number.isFinite(ll) ? ll : -Infinity;
}

/**
 * Maximum-likelihood λ by golden-section search over {@link YJ_LAMBDA_RANGE} (a fixed number of
 * steps: deterministic). A constant sample gets λ = 1 (the identity, shifted).
 */
export function fitYeoJohnson(xs: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    lo = Math.min(lo, xs[i]!);
    hi = Math.max(hi, xs[i]!);
  }
  if (!(hi > lo)) return 1;
  return goldenSectionMax((l) => yeoJohnsonLogLik(xs, l), ...YJ_LAMBDA_RANGE, 60);
}

/**
 * The PRADA space of a model, from reference events: per numeric feature, the Yeo–Johnson λ of
 * its values (evenly spaced rows, at most `sample`) and the median / 1.4826·MAD of the
 * transformed values.
 */
export function buildPradaSpace(
  space: FeatureSpace,
  events: readonly InferenceEvent[],
  sample: number,
): PradaSpace {
  const stride = Math.max(1, Math.ceil(events.length / sample));
  const rows: InferenceEvent[] = [];
  for (let i = 0; i < events.length; i += stride) rows.push(events[i]!);
  const out: PradaSpace = { lambda: [], center: [], scale: [] };
  for (const name of space.names) {
    const xs = rows.flatMap((e) => {
      const v = e.features[name];
      return v === undefined || !Number.isFinite(v) ? [] : [v];
    });
    const lambda = xs.length > 0 ? fitYeoJohnson(xs) : 1;
    const cs = robustCenterScale(xs.map((x) => yeoJohnson(x, lambda)));
    out.lambda.push(lambda);
    out.center.push(cs.center);
    out.scale.push(cs.scale);
  }
  return out;
}

/** Maps an event to its PRADA vector (same width and projection as the similarity vectors). */
export class PradaMap {
  constructor(
    private readonly space: FeatureSpace,
    private readonly prada: PradaSpace,
    private readonly sim: SimilarityMap,
  ) {}

  get dims(): number {
    return this.sim.dims;
  }

  /**
   * `q` is the event's standardized query (its embedding is reused as it is). Every coordinate of
   * the result is finite and within ±{@link COORDINATE_CLIP} (SimilarityMap clamps the embedding
   * and the projected vector: an embedding value of 1e300 would otherwise be ±∞ in Float32, every
   * distance to it ∞, and the test of D NaN — a way to switch the rule off).
   */
  map(event: InferenceEvent, q: StandardizedQuery): Float32Array {
    const n = this.space.names.length;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = event.features[this.space.names[i]!];
      if (v === undefined) continue; // imputed at the reference median: 0
      const t =
        (yeoJohnson(v, this.prada.lambda[i]!) - this.prada.center[i]!) / this.prada.scale[i]!;
      z[i] = Number.isNaN(t) ? 0 : Math.max(-CLIP, Math.min(CLIP, t));
    }
    return this.sim.map({ z, imputed: q.imputed, embedding: q.embedding });
  }
}

/**
 * One client's PRADA state: its recent queries (PRADA space) and the ring D of ln(min distance),
 * kept also sorted (updated in O(|D|) per query, so the test needs no sort and no allocation).
 */
export class PradaState {
  readonly history: QueryHistory;
  /** D in arrival order (oldest first). */
  readonly distances: ScalarRing;
  /** Exact repeats seen (distance 0; not in D). */
  repeats = 0;
  /** Queries whose minimum distance was not finite (not in D; cannot happen with PradaMap). */
  nonFinite = 0;
  private sorted: Float64Array;

  constructor(dims: number, params: Pick<GuardParams, 'pradaHistory' | 'pradaWindow'>) {
    this.history = new QueryHistory(dims, params.pradaHistory);
    this.distances = new ScalarRing(params.pradaWindow);
    this.sorted = new Float64Array(Math.min(params.pradaWindow, 8));
  }

  /** Adds a query: its minimum distance to the earlier ones (null for the first), then the query. */
  observe(v: Float32Array): number | null {
    const d = this.history.nearest(v);
    if (d !== null) {
      // A non-finite distance (a vector with ±∞ or NaN) would make D and the test NaN: left out.
      if (!Number.isFinite(d)) this.nonFinite++;
      else if (d > 0) this.addDistance(Math.log(d));
      else this.repeats++;
    }
    this.history.push(v);
    return d;
  }

  private addDistance(x: number): void {
    const n = this.distances.size;
    const out = this.distances.push(x);
    let m = n;
    if (out !== undefined) {
      const i = lowerBound(this.sorted, m, out);
      this.sorted.copyWithin(i, i + 1, m);
      m--;
    } else if (m === this.sorted.length) {
      const next = new Float64Array(Math.min(this.distances.cap, 2 * m));
      next.set(this.sorted);
      this.sorted = next;
    }
    const j = lowerBound(this.sorted, m, x);
    this.sorted.copyWithin(j + 1, j, m);
    this.sorted[j] = x;
  }

  /** D sorted ascending (a view; valid until the next query). */
  sortedDistances(): Float64Array {
    return this.sorted.subarray(0, this.distances.size);
  }

  get bytes(): number {
    return this.history.bytes + this.distances.bytes + this.sorted.byteLength;
  }

  toJSON(): PradaStateJson {
    return {
      history: this.history.toJSON(),
      distances: this.distances.toArray(),
      repeats: this.repeats,
    };
  }

  static fromJSON(
    dims: number,
    params: Pick<GuardParams, 'pradaHistory' | 'pradaWindow'>,
    j: PradaStateJson | undefined,
  ): PradaState {
    const s = new PradaState(dims, params);
    if (j === undefined) return s;
    for (const row of j.history.slice(-params.pradaHistory)) s.history.push(Float32Array.from(row));
    for (const x of j.distances.slice(-params.pradaWindow))
      if (typeof x === 'number' && Number.isFinite(x)) s.addDistance(x);
    s.repeats = j.repeats;
    return s;
  }
}

export interface PradaStateJson {
  history: number[][];
  distances: number[];
  repeats: number;
}

export interface PradaResult extends ScorerResult {
  /** Shapiro–Wilk W of the winsorized D (null: fewer than `pradaMinDistances` distances, not scored). */
  w: number | null;
  /** |D|. */
  n: number;
  /** Values of D set to a winsorizing bound before the test. */
  winsorized: number;
}

/** Winsorized D (module scratch: scoring is synchronous, so one buffer serves every client). */
let scratch = new Float64Array(0);

export function scorePrada(
  params: Pick<GuardParams, 'pradaMinDistances'>,
  s: PradaState,
): PradaResult {
  const n = s.distances.size;
  const repeats = s.repeats;
  if (n < params.pradaMinDistances)
    return {
      score: 0,
      w: null,
      n,
      winsorized: 0,
      get reason() {
        return `query-distance normality (PRADA): ${n} minimum distances, ${params.pradaMinDistances} needed (not scored)`;
      },
    };
  const sorted = s.sortedDistances();
  const center = sorted[n >> 1]!;
  const med = Math.exp(center);
  const spread = MAD_TO_SIGMA * madSorted(sorted, n, center);
  if (!(spread > 0)) {
    // More than half of the new queries at exactly the same distance from their nearest
    // predecessor (a lattice): the most degenerate distribution there is, and winsorizing at
    // median ± 3·MAD = the median would leave nothing to test. scipy returns W = 1, p = 1 for a
    // zero range (W is undefined); here it is the strongest evidence, not none.
    return {
      score: pScore(0),
      w: 0,
      n,
      winsorized: 0,
      get reason() {
        return `query-distance normality (PRADA, Juuti et al. 2019): ${sorted[n - 1] === sorted[0] ? 'all' : 'most'} of the last ${n} new queries lie at the same distance ${fmt(med)} from their nearest earlier query (degenerate), ${fmtP(pScore(0))}`;
      },
    };
  }
  const lo = center - WINSOR_K * spread;
  const hi = center + WINSOR_K * spread;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  let winsorized = 0;
  for (let i = 0; i < n; i++) {
    const x = sorted[i]!;
    if (x < lo || x > hi) winsorized++;
    scratch[i] = x < lo ? lo : x > hi ? hi : x; // monotone: stays sorted
  }
  // The shift scipy applies (the middle element in arrival order, winsorized): W and p are
  // exactly those of scipy.stats.shapiro on the winsorized ring, oldest first.
  const mid = s.distances.at(n >> 1);
  const { w, p } = shapiroWilkSorted(scratch, n, mid < lo ? lo : mid > hi ? hi : mid);
  const score = pScore(p);
  return {
    score,
    w,
    n,
    winsorized,
    get reason() {
      return `query-distance normality (PRADA, Juuti et al. 2019): minimum distances of the last ${n} new queries to earlier ones not normal on a log scale (Shapiro–Wilk W=${fmt(w)}, median distance ${fmt(med)}, ${winsorized} winsorized at median ×/÷ ${fmt(Math.exp(WINSOR_K * spread))}, ${repeats} exact repeats left out), ${fmtP(score)}`;
    },
  };
}

/**
 * Median absolute deviation from `m` (the element at n >> 1) of a[0..n) ascending, as the element
 * at n >> 1 of the sorted deviations: the deviations grow outwards from m on both sides, so a
 * merge of the two sides finds it in O(n) without allocating.
 */
export function madSorted(a: ArrayLike<number>, n: number, m: number): number {
  let l = (n >> 1) - 1;
  let r = n >> 1;
  let d = 0;
  for (let step = 0; step <= n >> 1; step++) {
    const dl = l >= 0 ? m - a[l]! : Infinity;
    const dr = r < n ? a[r]! - m : Infinity;
    if (dl < dr) {
      d = dl;
      l--;
    } else {
      d = dr;
      r++;
    }
  }
  return d;
}

/** First index i < n with a[i] >= x (a[0..n) ascending). */
function lowerBound(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
