import { describe, expect, it } from 'vitest';
import { D, makeDataset } from '../../../scripts/redteam/dataset.js';
import {
  fitPreprocessing,
  Model,
  trainMlp,
  type MlpWeights,
} from '../../../scripts/redteam/model.js';
import { gaussian, mulberry32 } from '../../../services/guard/prng.js';

function randomModel(seed: number): Model {
  const norm = gaussian(mulberry32(seed));
  const H = 8;
  const w: MlpWeights = {
    hidden: H,
    w1: Array.from({ length: H * D }, () => norm() * 0.5),
    b1: Array.from({ length: H }, () => norm() * 0.1),
    w2: Array.from({ length: H }, () => norm()),
    b2: -0.5,
  };
  return new Model({ mean: new Array<number>(D).fill(0), sd: new Array<number>(D).fill(1) }, w, {
    lo: -8,
    hi: 8,
  });
}

describe('red-team victim model', () => {
  it('input gradient of p(fraud) and of the loss match central finite differences', () => {
    const model = randomModel(3);
    const norm = gaussian(mulberry32(4));
    for (let trial = 0; trial < 5; trial++) {
      const u = Float64Array.from({ length: D }, () => norm());
      const g = model.gradU(u);
      const { grad: lg } = model.lossGradU(u, 1);
      const h = 1e-5;
      for (let i = 0; i < D; i++) {
        const up = new Float64Array(u);
        const dn = new Float64Array(u);
        up[i]! += h;
        dn[i]! -= h;
        const fd = (model.probaU(up) - model.probaU(dn)) / (2 * h);
        expect(g[i]!).toBeCloseTo(fd, 7);
        const lfd = (model.lossGradU(up, 1).loss - model.lossGradU(dn, 1).loss) / (2 * h);
        expect(lg[i]!).toBeCloseTo(lfd, 6);
      }
    }
  });

  it('learns the synthetic fraud rule well above the majority baseline', () => {
    const train = makeDataset(3000, 21);
    const test = makeDataset(1000, 22);
    const pre = fitPreprocessing(train.x);
    const stub = new Model(pre, { hidden: 0, w1: [], b1: [], w2: [], b2: 0 });
    const us = train.x.map((x) => stub.toU(x));
    const w = trainMlp(us, train.y, {
      hidden: 8,
      epochs: 20,
      batch: 64,
      lr: 0.01,
      l2: 1e-4,
      seed: 1,
    });
    const model = new Model(pre, w);
    let correct = 0;
    let positives = 0;
    test.x.forEach((x, i) => {
      if ((model.proba(x)[1] >= 0.5 ? 1 : 0) === test.y[i]) correct++;
      positives += test.y[i]!;
    });
    const majority = Math.max(positives, test.x.length - positives) / test.x.length;
    expect(correct / test.x.length).toBeGreaterThan(majority + 0.02);
  });

  it('fromU inverts toU inside the valid box', () => {
    const { x } = makeDataset(50, 5);
    const pre = fitPreprocessing(x);
    const model = new Model(pre, { hidden: 0, w1: [], b1: [], w2: [], b2: 0 });
    for (const raw of x) {
      const back = model.fromU(model.toU(raw));
      for (let i = 0; i < D; i++) expect(back[i]!).toBeCloseTo(raw[i]!, 6);
    }
  });
});

describe('red-team dataset', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = makeDataset(200, 9);
    const b = makeDataset(200, 9);
    const c = makeDataset(200, 10);
    expect(a.x.map((v) => Array.from(v))).toEqual(b.x.map((v) => Array.from(v)));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    expect(a.x.map((v) => Array.from(v))).not.toEqual(c.x.map((v) => Array.from(v)));
  });

  it('has the documented shape: 12 finite features, ~10 % fraud, valid ranges', () => {
    const { x, y } = makeDataset(5000, 1);
    let pos = 0;
    for (let r = 0; r < x.length; r++) {
      const v = x[r]!;
      expect(v.length).toBe(12);
      for (const f of v) expect(Number.isFinite(f)).toBe(true);
      expect(v[0]!).toBeGreaterThan(0);
      expect(v[2]!).toBeGreaterThanOrEqual(0);
      expect(v[2]!).toBeLessThan(24);
      expect(v[7]!).toBeGreaterThan(0);
      expect(v[7]!).toBeLessThan(1);
      pos += y[r]!;
    }
    expect(pos / x.length).toBeGreaterThan(0.07);
    expect(pos / x.length).toBeLessThan(0.15);
  });
});
