/**
 * Model extraction campaigns: label queries chosen to train a surrogate, then the surrogate's
 * agreement with the victim on natural data.
 *
 * - Latin hypercube probing (Tramèr et al., 2016 style): N points stratified over a box of ±3
 *   training sd per feature in u-space, sent in random order.
 * - Jacobian-based dataset augmentation (Papernot et al., "Practical Black-Box Attacks against
 *   Machine Learning", 2017): a small seed set of natural transactions the attacker holds; each
 *   round labels the new points with the victim, trains the surrogate on all labelled points and
 *   adds x + λ·sign(∂F_surrogate[label(x)]/∂x) for every new point (so the set doubles).
 */
import { D, type Rand, type Vec } from '../dataset.js';
import { DEFAULT_TRAIN, Model, trainMlp } from '../model.js';
import type { LabelOracle } from './types.js';

export interface LhsOptions {
  queries: number;
  /** Half-width of the probed box, in training sd. */
  halfWidth: number;
}

export const DEFAULT_LHS: LhsOptions = { queries: 1500, halfWidth: 3 };

export interface JbdaOptions {
  seed: number;
  rounds: number;
  lambda: number;
}

export const DEFAULT_JBDA: JbdaOptions = { seed: 100, rounds: 5, lambda: 0.5 };

/** Latin hypercube sample of n points in [−w, w]^D, in random order. */
export function latinHypercube(n: number, w: number, rand: Rand): Vec[] {
  const perms = Array.from({ length: D }, () => {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  });
  return Array.from({ length: n }, (_, k) => {
    const v = new Float64Array(D);
    for (let i = 0; i < D; i++) v[i] = -w + (2 * w * (perms[i]![k]! + rand())) / n;
    return v;
  });
}

/** A surrogate in u-space: same architecture as the victim, identity preprocessing. */
export function trainSurrogate(xs: readonly Vec[], ys: readonly number[], seed: number): Model {
  const w = trainMlp(xs, ys, { ...DEFAULT_TRAIN, epochs: 60, batch: 32, seed });
  return new Model({ mean: new Array<number>(D).fill(0), sd: new Array<number>(D).fill(1) }, w);
}

export interface ExtractionResult {
  surrogate: Model;
  labelled: number;
}

export function lhsExtraction(
  oracle: LabelOracle,
  o: LhsOptions,
  rand: Rand,
  seed: number,
): ExtractionResult {
  const xs = latinHypercube(o.queries, o.halfWidth, rand);
  const ys = xs.map((x) => oracle.label(x));
  const qs = oracle.queries.slice(-xs.length); // the clipped points the victim labelled
  return { surrogate: trainSurrogate(qs, ys, seed), labelled: xs.length };
}

export function jbdaExtraction(
  oracle: LabelOracle,
  seedSet: readonly Vec[],
  clip: (u: Vec) => Vec,
  o: JbdaOptions,
  seed: number,
): ExtractionResult {
  const xs: Vec[] = [];
  const ys: number[] = [];
  let fresh: Vec[] = seedSet.map((x) => clip(x));
  let surrogate: Model | null = null;
  for (let r = 0; r < o.rounds; r++) {
    for (const x of fresh) {
      ys.push(oracle.label(x));
      xs.push(x);
    }
    surrogate = trainSurrogate(xs, ys, seed + r);
    if (r === o.rounds - 1) break;
    // Papernot's periodic step size: λ alternates sign every 3 rounds.
    const lambda = o.lambda * (Math.floor(r / 3) % 2 === 0 ? 1 : -1);
    fresh = xs.map((x, k) => {
      const label = ys[k]!;
      const g = surrogate!.gradU(x); // ∂p(fraud)/∂u; the label's own direction
      const s = label === 1 ? 1 : -1;
      const out = new Float64Array(D);
      for (let i = 0; i < D; i++) out[i] = x[i]! + lambda * s * Math.sign(g[i]!);
      return clip(out);
    });
    // S ← S ∪ {augmented copies of every point of S}: the labelled set doubles each round.
  }
  return { surrogate: surrogate!, labelled: xs.length };
}

/** Share of inputs on which two predictors agree (labels at 0.5). */
export function agreement(
  a: (u: Vec) => number,
  b: (u: Vec) => number,
  us: readonly Vec[],
): number {
  let same = 0;
  for (const u of us) if (a(u) >= 0.5 === b(u) >= 0.5) same++;
  return same / us.length;
}
