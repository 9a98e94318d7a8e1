/**
 * The victim model: a small MLP (12 → 16 tanh → 1 sigmoid) trained in TypeScript by full-batch
 * gradient descent (Adam, L2) on the synthetic fraud dataset. It sees the features through a
 * fixed preprocessing: log1p of the heavy-tailed positive features, then standardization with the
 * training mean and sd. Attacks work in that standardized space ("u-space"); `epsilon` values are
 * in its units (training standard deviations of the transformed features).
 *
 * Exposes predict_proba (`proba`, `probaU`) and the input gradient of p(fraud) and of the
 * cross-entropy loss in u-space (`gradU`, `lossGradU`), for white-box attacks.
 */
import { D, rng, type Vec } from './dataset.js';

/** Features fed through log1p (the counts, amounts, ages, distances, durations). */
export const LOG_FEATURES = new Set([0, 1, 3, 4, 5, 6, 9, 10, 11]);
/** Features bounded to [0, 1] (risk scores), and the hour of day in [0, 24). */
const UNIT_FEATURES = new Set([7, 8]);
const HOUR = 2;

export interface Preprocessing {
  mean: number[];
  sd: number[];
}

export interface MlpWeights {
  hidden: number;
  w1: number[]; // hidden × D, row-major
  b1: number[];
  w2: number[];
  b2: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function transform(x: Vec): Vec {
  const v = new Float64Array(D);
  for (let i = 0; i < D; i++) v[i] = LOG_FEATURES.has(i) ? Math.log1p(Math.max(0, x[i]!)) : x[i]!;
  return v;
}

export function fitPreprocessing(xs: readonly Vec[]): Preprocessing {
  const mean = new Array<number>(D).fill(0);
  const sd = new Array<number>(D).fill(0);
  const vs = xs.map(transform);
  for (const v of vs) for (let i = 0; i < D; i++) mean[i]! += v[i]! / vs.length;
  for (const v of vs) for (let i = 0; i < D; i++) sd[i]! += (v[i]! - mean[i]!) ** 2 / vs.length;
  return { mean, sd: sd.map((s) => Math.sqrt(Math.max(s, 1e-12))) };
}

export class Model {
  /** Valid input box in u-space: raw ≥ 0, scores in [0, 1], hour in [0, 24). */
  readonly lo: Float64Array;
  readonly hi: Float64Array;

  /** `box`: a u-space box to use instead of the one implied by the raw features' ranges. */
  constructor(
    readonly pre: Preprocessing,
    readonly w: MlpWeights,
    box?: { lo: number; hi: number },
  ) {
    this.lo = new Float64Array(D);
    this.hi = new Float64Array(D);
    if (box) {
      this.lo.fill(box.lo);
      this.hi.fill(box.hi);
      return;
    }
    for (let i = 0; i < D; i++) {
      const m = pre.mean[i]!;
      const s = pre.sd[i]!;
      if (LOG_FEATURES.has(i)) {
        this.lo[i] = (0 - m) / s;
        this.hi[i] = 8; // generous: far beyond anything natural
      } else if (UNIT_FEATURES.has(i)) {
        this.lo[i] = (0 - m) / s;
        this.hi[i] = (1 - m) / s;
      } else if (i === HOUR) {
        this.lo[i] = (0 - m) / s;
        this.hi[i] = (23.99 - m) / s;
      } else {
        this.lo[i] = -8;
        this.hi[i] = 8;
      }
    }
  }

  toU(x: Vec): Vec {
    const v = transform(x);
    for (let i = 0; i < D; i++) v[i] = (v[i]! - this.pre.mean[i]!) / this.pre.sd[i]!;
    return v;
  }

  /** u-space → raw features (clipped into the valid box first). */
  fromU(u: Vec): Vec {
    const x = new Float64Array(D);
    for (let i = 0; i < D; i++) {
      const ui = Math.min(this.hi[i]!, Math.max(this.lo[i]!, u[i]!));
      const v = this.pre.mean[i]! + this.pre.sd[i]! * ui;
      x[i] = LOG_FEATURES.has(i) ? Math.max(0, Math.expm1(v)) : v;
    }
    return x;
  }

  clip(u: Vec): Vec {
    const out = new Float64Array(D);
    for (let i = 0; i < D; i++) out[i] = Math.min(this.hi[i]!, Math.max(this.lo[i]!, u[i]!));
    return out;
  }

  /** Hidden activations and p(fraud) for u. */
  private forward(u: Vec): { h: Float64Array; p: number } {
    const { hidden, w1, b1, w2, b2 } = this.w;
    const h = new Float64Array(hidden);
    let s = b2;
    for (let j = 0; j < hidden; j++) {
      let a = b1[j]!;
      for (let i = 0; i < D; i++) a += w1[j * D + i]! * u[i]!;
      h[j] = Math.tanh(a);
      s += w2[j]! * h[j]!;
    }
    return { h, p: sigmoid(s) };
  }

  /** p(fraud) of a standardized input. */
  probaU(u: Vec): number {
    return this.forward(u).p;
  }

  /** predict_proba of raw features: [p(ok), p(fraud)]. */
  proba(x: Vec): [number, number] {
    const p = this.probaU(this.toU(x));
    return [1 - p, p];
  }

  /** ∂p(fraud)/∂u. */
  gradU(u: Vec): Vec {
    const { h, p } = this.forward(u);
    const { hidden, w1, w2 } = this.w;
    const g = new Float64Array(D);
    const dp = p * (1 - p);
    for (let j = 0; j < hidden; j++) {
      const c = dp * w2[j]! * (1 - h[j]! * h[j]!);
      for (let i = 0; i < D; i++) g[i]! += c * w1[j * D + i]!;
    }
    return g;
  }

  /** Cross-entropy loss of label y at u, and its gradient in u. */
  lossGradU(u: Vec, y: number): { loss: number; grad: Vec } {
    const { h, p } = this.forward(u);
    const { hidden, w1, w2 } = this.w;
    const eps = 1e-12;
    const loss = -(y * Math.log(p + eps) + (1 - y) * Math.log(1 - p + eps));
    const ds = p - y; // ∂loss/∂logit
    const grad = new Float64Array(D);
    for (let j = 0; j < hidden; j++) {
      const c = ds * w2[j]! * (1 - h[j]! * h[j]!);
      for (let i = 0; i < D; i++) grad[i]! += c * w1[j * D + i]!;
    }
    return { loss, grad };
  }
}

export interface TrainOptions {
  hidden: number;
  epochs: number;
  batch: number;
  lr: number;
  l2: number;
  seed: number;
}

export const DEFAULT_TRAIN: TrainOptions = {
  hidden: 16,
  epochs: 40,
  batch: 128,
  lr: 0.005,
  l2: 1e-4,
  seed: 7,
};

/** Mini-batch Adam (shuffled each epoch) on the mean cross-entropy + l2/2·‖W‖². `us` are standardized inputs. */
export function trainMlp(us: readonly Vec[], y: ArrayLike<number>, o: TrainOptions): MlpWeights {
  const { rand, norm } = rng(o.seed);
  const H = o.hidden;
  const n = us.length;
  const P = H * D + H + H + 1; // w1, b1, w2, b2
  const theta = new Float64Array(P);
  for (let k = 0; k < H * D; k++) theta[k] = norm() / Math.sqrt(D);
  for (let j = 0; j < H; j++) theta[H * D + H + j] = norm() / Math.sqrt(H);
  const m = new Float64Array(P);
  const v = new Float64Array(P);
  const g = new Float64Array(P);
  const h = new Float64Array(H);
  const b1o = H * D;
  const w2o = H * D + H;
  const b2o = P - 1;
  const order = Array.from({ length: n }, (_, i) => i);
  let t = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < n; start += o.batch) {
      const rows = order.slice(start, start + o.batch);
      g.fill(0);
      for (const r of rows) {
        const u = us[r]!;
        let s = theta[b2o]!;
        for (let j = 0; j < H; j++) {
          let a = theta[b1o + j]!;
          for (let i = 0; i < D; i++) a += theta[j * D + i]! * u[i]!;
          h[j] = Math.tanh(a);
          s += theta[w2o + j]! * h[j]!;
        }
        const ds = (sigmoid(s) - y[r]!) / rows.length;
        g[b2o]! += ds;
        for (let j = 0; j < H; j++) {
          g[w2o + j]! += ds * h[j]!;
          const da = ds * theta[w2o + j]! * (1 - h[j]! * h[j]!);
          g[b1o + j]! += da;
          for (let i = 0; i < D; i++) g[j * D + i]! += da * u[i]!;
        }
      }
      for (let k = 0; k < H * D; k++) g[k]! += o.l2 * theta[k]!;
      for (let j = 0; j < H; j++) g[w2o + j]! += o.l2 * theta[w2o + j]!;
      t++;
      const beta1 = 0.9;
      const beta2 = 0.999;
      for (let k = 0; k < P; k++) {
        m[k] = beta1 * m[k]! + (1 - beta1) * g[k]!;
        v[k] = beta2 * v[k]! + (1 - beta2) * g[k]! * g[k]!;
        const mh = m[k]! / (1 - beta1 ** t);
        const vh = v[k]! / (1 - beta2 ** t);
        theta[k]! -= (o.lr * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
  }
  return {
    hidden: H,
    w1: Array.from(theta.subarray(0, H * D)),
    b1: Array.from(theta.subarray(b1o, b1o + H)),
    w2: Array.from(theta.subarray(w2o, w2o + H)),
    b2: theta[b2o]!,
  };
}

export interface Metrics {
  accuracy: number;
  /** Accuracy of always predicting the majority class (the baseline to beat). */
  majority: number;
  auc: number;
  precision: number;
  recall: number;
}

export function evaluateModel(
  predict: (u: Vec) => number,
  us: readonly Vec[],
  y: ArrayLike<number>,
): Metrics {
  const ps = us.map(predict);
  let correct = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let pos = 0;
  for (let i = 0; i < ps.length; i++) {
    const pred = ps[i]! >= 0.5 ? 1 : 0;
    if (pred === y[i]) correct++;
    if (pred === 1 && y[i] === 1) tp++;
    if (pred === 1 && y[i] === 0) fp++;
    if (pred === 0 && y[i] === 1) fn++;
    if (y[i] === 1) pos++;
  }
  return {
    accuracy: correct / ps.length,
    majority: Math.max(pos, ps.length - pos) / ps.length,
    auc: auc(ps, y),
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: tp + fn > 0 ? tp / (tp + fn) : 0,
  };
}

/** ROC AUC by the rank-sum (ties averaged). */
export function auc(scores: readonly number[], y: ArrayLike<number>): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  let pos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (y[idx[k]!] === 1) {
        rankSum += rank;
        pos++;
      }
    i = j + 1;
  }
  const neg = idx.length - pos;
  return pos > 0 && neg > 0 ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : 0.5;
}

export interface TrainedVictim {
  model: Model;
  train: Metrics;
  test: Metrics;
  trainSize: number;
  testSize: number;
  prevalence: number;
  seconds: number;
}

/** Trains the victim on a dataset split. */
export function trainVictim(
  train: { x: Vec[]; y: Uint8Array },
  test: { x: Vec[]; y: Uint8Array },
  o: TrainOptions = DEFAULT_TRAIN,
): TrainedVictim {
  const t0 = performance.now();
  const pre = fitPreprocessing(train.x);
  const stub = new Model(pre, { hidden: 0, w1: [], b1: [], w2: [], b2: 0 });
  const uTrain = train.x.map((x) => stub.toU(x));
  const uTest = test.x.map((x) => stub.toU(x));
  const weights = trainMlp(uTrain, train.y, o);
  const model = new Model(pre, weights);
  const f = (u: Vec) => model.probaU(u);
  let pos = 0;
  for (const v of train.y) pos += v;
  return {
    model,
    train: evaluateModel(f, uTrain, train.y),
    test: evaluateModel(f, uTest, test.y),
    trainSize: train.x.length,
    testSize: test.x.length,
    prevalence: pos / train.x.length,
    seconds: (performance.now() - t0) / 1000,
  };
}
