/**
 * Decision-based boundary attack (Brendel, Rauber & Bethge, 2018), label queries only.
 *
 * The attacker wants its fraud transaction `orig` classified "ok". It starts from a transaction of
 * its own that the model calls "ok" (queried until one is found), binary-searches the segment to
 * the boundary, then random-walks along it: each step is an orthogonal perturbation of relative
 * size δ on the sphere around `orig`, then a step of relative size ε toward `orig`; a candidate
 * is kept when still adversarial. δ and ε adapt to the recent acceptance rate (as in the paper).
 * Every label query is one event.
 */
import type { Rand, Vec } from '../dataset.js';
import { l2, norm2, type LabelOracle } from './types.js';

export interface BoundaryOptions {
  /** Label queries in total (including the start search and the binary search). */
  budget: number;
  /** Initial spherical (orthogonal) step, relative to the distance. */
  delta: number;
  /** Initial step toward the original, relative to the distance. */
  epsilon: number;
  binarySteps: number;
}

export const DEFAULT_BOUNDARY: BoundaryOptions = {
  budget: 300,
  delta: 0.1,
  epsilon: 0.05,
  binarySteps: 10,
};

export interface BoundaryResult {
  /** Best adversarial point found (label 0), or null when none. */
  adversarial: Vec | null;
  /** Distance to the original after each query (Infinity before the first adversarial). */
  distances: number[];
  startDistance: number;
  finalDistance: number;
}

/** Binary search on [adv, orig]: returns the adversarial end after `steps` halvings. */
export function binarySearch(
  oracle: LabelOracle,
  orig: Vec,
  adv: Vec,
  target: number,
  steps: number,
): Vec {
  let lo = 0; // fraction toward orig that is still adversarial
  let hi = 1;
  for (let s = 0; s < steps; s++) {
    const mid = (lo + hi) / 2;
    if (oracle.label(mix(adv, orig, mid)) === target) lo = mid;
    else hi = mid;
  }
  return mix(adv, orig, lo);
}

export function mix(a: Vec, b: Vec, t: number): Vec {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + t * (b[i]! - a[i]!);
  return out;
}

export function boundaryAttack(
  oracle: LabelOracle,
  orig: Vec,
  start: Vec,
  clip: (u: Vec) => Vec,
  o: BoundaryOptions,
  norm: Rand,
): BoundaryResult {
  const target = 0;
  const distances: number[] = [];
  const startDistance = l2(start, orig);
  let x = binarySearch(oracle, orig, start, target, o.binarySteps);
  let delta = o.delta;
  let eps = o.epsilon;
  const recent: number[] = [];
  while (oracle.queries.length < o.budget) {
    const d = l2(x, orig);
    // Orthogonal random direction, scaled to δ·d, then projected back onto the sphere.
    const dir = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) dir[i] = (orig[i]! - x[i]!) / Math.max(d, 1e-12);
    const eta = Float64Array.from({ length: x.length }, () => norm());
    let dot = 0;
    for (let i = 0; i < x.length; i++) dot += eta[i]! * dir[i]!;
    for (let i = 0; i < x.length; i++) eta[i] = eta[i]! - dot * dir[i]!;
    const en = norm2(eta);
    const cand = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++)
      cand[i] = x[i]! + (delta * d * eta[i]!) / Math.max(en, 1e-12);
    const dc = l2(cand, orig);
    for (let i = 0; i < x.length; i++)
      cand[i] = orig[i]! + ((cand[i]! - orig[i]!) * d) / Math.max(dc, 1e-12);
    // Step toward the original.
    for (let i = 0; i < x.length; i++) cand[i] = cand[i]! + eps * (orig[i]! - cand[i]!);
    const c = clip(cand);
    const ok = oracle.label(c) === target;
    if (ok) x = c;
    distances.push(l2(x, orig));
    recent.push(ok ? 1 : 0);
    if (recent.length === 10) {
      const rate = recent.reduce((s, v) => s + v, 0) / 10;
      if (rate > 0.5) {
        eps *= 1.5;
        delta *= 1.2;
      } else if (rate < 0.2) {
        eps *= 0.67;
        delta *= 0.9;
      }
      eps = Math.min(0.5, Math.max(1e-4, eps));
      delta = Math.min(1, Math.max(1e-4, delta));
      recent.length = 0;
    }
  }
  return { adversarial: x, distances, startDistance, finalDistance: l2(x, orig) };
}
