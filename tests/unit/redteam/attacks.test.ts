import { describe, expect, it } from 'vitest';
import { D } from '../../../scripts/redteam/dataset.js';
import { Model, type MlpWeights } from '../../../scripts/redteam/model.js';
import { boundaryAttack } from '../../../scripts/redteam/attacks/boundary.js';
import {
  agreement,
  latinHypercube,
  jbdaExtraction,
} from '../../../scripts/redteam/attacks/extraction.js';
import { fgsm, pgd } from '../../../scripts/redteam/attacks/gradient.js';
import { hopSkipJump } from '../../../scripts/redteam/attacks/hopskipjump.js';
import { l2, linf, makeOracle } from '../../../scripts/redteam/attacks/types.js';
import { gaussian, mulberry32 } from '../../../services/guard/prng.js';

/** A small nonlinear model in u-space (identity preprocessing, box ±8). */
function model(seed = 3): Model {
  const norm = gaussian(mulberry32(seed));
  const H = 8;
  const w: MlpWeights = {
    hidden: H,
    w1: Array.from({ length: H * D }, () => norm() * 0.6),
    b1: Array.from({ length: H }, () => norm() * 0.2),
    w2: Array.from({ length: H }, () => norm() * 2),
    b2: 0,
  };
  return new Model({ mean: new Array<number>(D).fill(0), sd: new Array<number>(D).fill(1) }, w, {
    lo: -8,
    hi: 8,
  });
}

function pointWithLabel(m: Model, label: number, seed: number): Float64Array {
  const norm = gaussian(mulberry32(seed));
  for (;;) {
    const u = Float64Array.from({ length: D }, () => norm());
    if ((m.probaU(u) >= 0.5 ? 1 : 0) === label) return u;
  }
}

describe('white-box attacks', () => {
  const m = model();
  it('FGSM stays within epsilon (L∞) and raises the loss', () => {
    for (let s = 0; s < 20; s++) {
      const u = pointWithLabel(m, 1, 100 + s);
      const eps = 0.1;
      const adv = fgsm(m, u, 1, eps);
      expect(linf(adv, u)).toBeLessThanOrEqual(eps + 1e-12);
      expect(m.lossGradU(adv, 1).loss).toBeGreaterThan(m.lossGradU(u, 1).loss);
    }
  });

  it('PGD stays within epsilon, raises the loss at least as much as FGSM on average', () => {
    const rand = mulberry32(7);
    let fg = 0;
    let pg = 0;
    for (let s = 0; s < 20; s++) {
      const u = pointWithLabel(m, 1, 200 + s);
      const eps = 0.3;
      const a = pgd(m, u, 1, { eps, steps: 20, randomStart: true }, rand);
      expect(linf(a, u)).toBeLessThanOrEqual(eps + 1e-12);
      const base = m.lossGradU(u, 1).loss;
      expect(m.lossGradU(a, 1).loss).toBeGreaterThan(base);
      fg += m.lossGradU(fgsm(m, u, 1, eps), 1).loss;
      pg += m.lossGradU(a, 1).loss;
    }
    expect(pg).toBeGreaterThanOrEqual(fg * 0.99);
  });

  it('respects the valid input box', () => {
    const u = pointWithLabel(m, 1, 300);
    u[0] = 7.95;
    const adv = pgd(m, u, 1, { eps: 0.5, steps: 10, randomStart: false }, mulberry32(1));
    for (let i = 0; i < D; i++) expect(Math.abs(adv[i]!)).toBeLessThanOrEqual(8);
  });
});

describe('decision-based attacks', () => {
  const m = model();
  const clip = (u: Float64Array) => m.clip(u);

  it('boundary attack: queries approach the original while staying adversarial', () => {
    const orig = pointWithLabel(m, 1, 400);
    const start = pointWithLabel(m, 0, 401);
    const oracle = makeOracle(clip, (u) => m.probaU(u));
    const r = boundaryAttack(
      oracle,
      orig,
      start,
      clip,
      { budget: 400, delta: 0.1, epsilon: 0.05, binarySteps: 10 },
      gaussian(mulberry32(2)),
    );
    expect(oracle.queries.length).toBe(400);
    expect(r.adversarial).not.toBeNull();
    expect(m.probaU(r.adversarial!)).toBeLessThan(0.5);
    expect(r.finalDistance).toBeLessThan(0.5 * r.startDistance);
    // Later queries are closer to the original than the early ones (walking toward it) and
    // close to the decision boundary.
    const early = oracle.queries.slice(10, 60).reduce((s, q) => s + l2(q, orig), 0) / 50;
    const late = oracle.queries.slice(-50).reduce((s, q) => s + l2(q, orig), 0) / 50;
    expect(late).toBeLessThan(early);
    const nearBoundary = oracle.queries
      .slice(-50)
      .filter((q) => Math.abs(m.probaU(q) - 0.5) < 0.2).length;
    expect(nearBoundary).toBeGreaterThan(25);
  });

  it('HopSkipJump: reduces the distance and keeps its queries clustered near the boundary', () => {
    const orig = pointWithLabel(m, 1, 500);
    const start = pointWithLabel(m, 0, 501);
    const oracle = makeOracle(clip, (u) => m.probaU(u));
    const r = hopSkipJump(
      oracle,
      orig,
      start,
      clip,
      { budget: 300, batch0: 20, batchMax: 60, binarySteps: 10 },
      gaussian(mulberry32(3)),
    );
    expect(oracle.queries.length).toBeLessThanOrEqual(300);
    expect(m.probaU(r.adversarial)).toBeLessThan(0.5);
    expect(r.finalDistance).toBeLessThan(r.startDistance);
    const late = oracle.queries.slice(-50);
    const nearBoundary = late.filter((q) => Math.abs(m.probaU(q) - 0.5) < 0.2).length;
    expect(nearBoundary).toBeGreaterThan(25);
  });
});

describe('extraction', () => {
  it('Latin hypercube: one point per stratum in every dimension', () => {
    const pts = latinHypercube(50, 3, mulberry32(1));
    for (let i = 0; i < D; i++) {
      const strata = new Set(pts.map((p) => Math.floor(((p[i]! + 3) / 6) * 50)));
      expect(strata.size).toBe(50);
    }
  });

  it('JBDA doubles the labelled set each round and yields an agreeing surrogate', () => {
    const m = model(5);
    const norm = gaussian(mulberry32(9));
    const seedSet = Array.from({ length: 20 }, () =>
      Float64Array.from({ length: D }, () => norm()),
    );
    const oracle = makeOracle(
      (u) => m.clip(u),
      (u) => m.probaU(u),
    );
    const r = jbdaExtraction(
      oracle,
      seedSet,
      (u) => m.clip(u),
      { seed: 20, rounds: 4, lambda: 0.5 },
      1,
    );
    expect(oracle.queries.length).toBe(20 + 20 + 40 + 80);
    expect(r.labelled).toBe(160);
    const test = Array.from({ length: 500 }, () => Float64Array.from({ length: D }, () => norm()));
    expect(
      agreement(
        (u) => m.probaU(u),
        (u) => r.surrogate.probaU(u),
        test,
      ),
    ).toBeGreaterThan(0.6);
  });
});
