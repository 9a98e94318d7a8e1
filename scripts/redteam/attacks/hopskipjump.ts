/**
 * HopSkipJumpAttack (Chen, Jordan & Wainwright, 2020), L2, label queries only.
 *
 * From an adversarial start, binary search to the boundary; then each iteration t estimates the
 * boundary's normal by Monte-Carlo: B_t label queries at x_t + δ_t·u_b (u_b random unit
 * vectors, δ_t = √d·θ·‖x_t − orig‖, baseline-subtracted), takes a geometric step ξ_t = ‖x_t −
 * orig‖/√t along it (halved until adversarial), and binary-searches back to the boundary. The
 * gradient-estimation queries are tightly clustered around one boundary point: exactly what the
 * stateful detector looks for. Every label query is one event.
 */
import type { Rand, Vec } from '../dataset.js';
import { binarySearch } from './boundary.js';
import { l2, norm2, type LabelOracle } from './types.js';

export interface HsjOptions {
  budget: number;
  /** Initial gradient-estimation batch (grows as B0·√t). */
  batch0: number;
  batchMax: number;
  binarySteps: number;
}

export const DEFAULT_HSJ: HsjOptions = { budget: 600, batch0: 20, batchMax: 100, binarySteps: 10 };

export interface HsjResult {
  adversarial: Vec;
  startDistance: number;
  finalDistance: number;
  iterations: number;
}

export function hopSkipJump(
  oracle: LabelOracle,
  orig: Vec,
  start: Vec,
  clip: (u: Vec) => Vec,
  o: HsjOptions,
  norm: Rand,
): HsjResult {
  const target = 0;
  const d = orig.length;
  const theta = 1 / (Math.sqrt(d) * d);
  const startDistance = l2(start, orig);
  let x = binarySearch(oracle, orig, start, target, o.binarySteps);
  let t = 0;
  const left = () => o.budget - oracle.queries.length;
  while (left() > 0) {
    t++;
    const dist = l2(x, orig);
    const deltaT = Math.sqrt(d) * theta * dist;
    const B = Math.min(o.batchMax, Math.round(o.batch0 * Math.sqrt(t)), left());
    if (B < 2) break;
    const us: Vec[] = [];
    const phis: number[] = [];
    for (let b = 0; b < B; b++) {
      const u = Float64Array.from({ length: d }, () => norm());
      const n = norm2(u);
      for (let i = 0; i < d; i++) u[i] = u[i]! / n;
      const q = new Float64Array(d);
      for (let i = 0; i < d; i++) q[i] = x[i]! + deltaT * u[i]!;
      const adv = oracle.label(clip(q)) === target;
      us.push(u);
      phis.push(adv ? 1 : -1);
    }
    const mean = phis.reduce((s, v) => s + v, 0) / B;
    const v = new Float64Array(d);
    for (let b = 0; b < B; b++) {
      const w = Math.abs(mean) === 1 ? phis[b]! : phis[b]! - mean;
      for (let i = 0; i < d; i++) v[i]! += (w * us[b]![i]!) / B;
    }
    const vn = norm2(v);
    if (vn === 0) continue;
    for (let i = 0; i < d; i++) v[i] = v[i]! / vn;
    // Geometric step search along the estimated gradient (toward "more adversarial").
    let xi = dist / Math.sqrt(t);
    let cand = x;
    let found = false;
    while (left() > 0) {
      const c = new Float64Array(d);
      for (let i = 0; i < d; i++) c[i] = x[i]! + xi * v[i]!;
      cand = clip(c);
      if (oracle.label(cand) === target) {
        found = true;
        break;
      }
      xi /= 2;
      if (xi < 1e-6) break;
    }
    if (!found) break;
    if (left() <= 0) {
      x = cand;
      break;
    }
    x = binarySearch(oracle, orig, cand, target, Math.min(o.binarySteps, left()));
  }
  return { adversarial: x, startDistance, finalDistance: l2(x, orig), iterations: t };
}
