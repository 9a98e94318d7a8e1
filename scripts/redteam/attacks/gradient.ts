/**
 * White-box evasion: FGSM (Goodfellow et al., 2015) and PGD (Madry et al., 2018), L∞, in the
 * model's standardized input space (epsilon in training standard deviations). The attacker is a
 * fraudster: it starts from fraud transactions and raises the loss of the true label (fraud), so
 * the model says "ok". Both stay inside the valid input box (raw ≥ 0, scores in [0, 1], ...).
 */
import type { Rand, Vec } from '../dataset.js';
import type { Model } from '../model.js';

export function fgsm(model: Model, u: Vec, y: number, eps: number): Vec {
  const { grad } = model.lossGradU(u, y);
  const out = new Float64Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = u[i]! + eps * Math.sign(grad[i]!);
  return model.clip(out);
}

export interface PgdOptions {
  eps: number;
  /** Step size; default eps / 4. */
  alpha?: number;
  steps: number;
  /** Uniform random start in the eps-ball (Madry et al.). */
  randomStart: boolean;
}

/** Projected gradient ascent on the loss; keeps the iterate with the highest loss. */
export function pgd(model: Model, u: Vec, y: number, o: PgdOptions, rand: Rand): Vec {
  const alpha = o.alpha ?? o.eps / 4;
  const project = (x: Vec): Vec => {
    const p = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++)
      p[i] = Math.min(u[i]! + o.eps, Math.max(u[i]! - o.eps, x[i]!));
    return model.clip(p);
  };
  let x: Vec = new Float64Array(u);
  if (o.randomStart) for (let i = 0; i < x.length; i++) x[i] = u[i]! + o.eps * (2 * rand() - 1);
  x = project(x);
  let best: Vec = x;
  let bestLoss = model.lossGradU(x, y).loss;
  for (let s = 0; s < o.steps; s++) {
    const { grad } = model.lossGradU(x, y);
    const next = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) next[i] = x[i]! + alpha * Math.sign(grad[i]!);
    x = project(next);
    const loss = model.lossGradU(x, y).loss;
    if (loss > bestLoss) {
      bestLoss = loss;
      best = x;
    }
  }
  return best;
}
