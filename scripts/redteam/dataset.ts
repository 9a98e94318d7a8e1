/**
 * The red-team dataset: a documented synthetic card-fraud dataset (12 numeric features).
 *
 * Generative story, per transaction: a latent standard-normal vector z (12 components) with a
 * fixed correlation structure (a Cholesky-style mix below), mapped to realistic marginals:
 *
 * | # | feature            | marginal                                   | correlated with            |
 * |---|--------------------|--------------------------------------------|----------------------------|
 * | 0 | amount             | log-normal, median ≈ 45 (currency units)   | avg_amount_30d (+0.7)      |
 * | 1 | avg_amount_30d     | log-normal, median ≈ 45, narrower          | amount                     |
 * | 2 | hour               | normal around 14:00, sd 4.5 h, in [0, 24)  | —                          |
 * | 3 | account_age_days   | log-normal, median ≈ 245 days              | device_age_days (+0.5)     |
 * | 4 | tx_count_24h       | rounded log-normal count, median ≈ 3       | velocity_1h (+0.6)         |
 * | 5 | velocity_1h        | rounded log-normal count, mostly 0–2       | tx_count_24h               |
 * | 6 | distance_km        | log-normal, median ≈ 12 km, heavy tail     | —                          |
 * | 7 | merchant_risk      | logistic-normal score in (0, 1), mean ≈ .2 | —                          |
 * | 8 | ip_risk            | logistic-normal score in (0, 1), mean ≈ .15| device_age (−0.4), session |
 * | 9 | device_age_days    | log-normal, median ≈ 55 days               | account_age, ip_risk       |
 * |10 | failed_logins_24h  | floor of a log-normal: mostly 0, some 1–5  | ip_risk (+0.3)             |
 * |11 | session_s          | log-normal, median ≈ 90 s                  | ip_risk (−0.3)             |
 *
 * Label (fraud = 1): a nonlinear rule plus noise. logit = −6
 *   + 3.0·softplus(ln(amount / avg_amount_30d) − 0.3)      (amount unusual for the customer)
 *   + 2.5·σ((5 − hour)·1.5)                                 (night-time)
 *   + 14·ip_risk·σ(−(ln account_age_days − 3.5))            (risky IP on a young account)
 *   + 0.9·velocity_1h + 0.9·failed_logins_24h
 *   + 4·σ(ln distance_km − 4)·σ(−(ln device_age_days − 2.5)) (far from home on a new device)
 *   + 4·(merchant_risk − 0.2);
 * label = [logit + N(0, 0.8²) > 0], then 2 % of the labels are flipped (label noise).
 * Prevalence ≈ 10.5 %; the noiseless rule itself scores ≈ 94 % accuracy (majority class ≈ 89.5 %),
 * which bounds what any model can reach. Deterministic for a seed.
 */
import { gaussian, mulberry32 } from '../../services/guard/prng.js';

export const FEATURE_NAMES = [
  'amount',
  'avg_amount_30d',
  'hour',
  'account_age_days',
  'tx_count_24h',
  'velocity_1h',
  'distance_km',
  'merchant_risk',
  'ip_risk',
  'device_age_days',
  'failed_logins_24h',
  'session_s',
] as const;
export const D = FEATURE_NAMES.length;

export type Rand = () => number;
export type Vec = Float64Array;

export function rng(seed: number): { rand: Rand; norm: Rand } {
  const rand = mulberry32(seed);
  return { rand, norm: gaussian(rand) };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));

/** Correlated latent normals: z = L·e with a fixed sparse mixing (unit variances). */
export function latent(norm: Rand, shift?: Vec, shiftWeight = 0): Vec {
  const e = Float64Array.from({ length: D }, () => norm());
  if (shift) {
    const w = Math.sqrt(1 - shiftWeight * shiftWeight);
    for (let i = 0; i < D; i++) e[i] = shiftWeight * shift[i]! + w * e[i]!;
  }
  const z = new Float64Array(e);
  z[1] = 0.7 * e[0]! + Math.sqrt(1 - 0.49) * e[1]!;
  z[5] = 0.6 * e[4]! + 0.8 * e[5]!;
  z[9] = 0.5 * e[3]! - 0.4 * e[8]! + Math.sqrt(1 - 0.25 - 0.16) * e[9]!;
  z[10] = 0.3 * e[8]! + Math.sqrt(1 - 0.09) * e[10]!;
  z[11] = -0.3 * e[8]! + Math.sqrt(1 - 0.09) * e[11]!;
  return z;
}

/** Latent → raw feature values (realistic marginals, see the table above). */
export function toRaw(z: Vec): Vec {
  const x = new Float64Array(D);
  x[0] = Math.exp(3.8 + 1.0 * z[0]!);
  x[1] = Math.exp(3.8 + 0.6 * z[1]!);
  x[2] = Math.min(23.99, Math.max(0, 14 + 4.5 * z[2]!));
  x[3] = Math.exp(5.5 + 1.1 * z[3]!);
  x[4] = Math.round(Math.exp(1.1 + 0.7 * z[4]!));
  x[5] = Math.round(Math.exp(-0.6 + 0.9 * z[5]!));
  x[6] = Math.exp(2.5 + 1.3 * z[6]!);
  x[7] = sigmoid(-1.5 + 0.9 * z[7]!);
  x[8] = sigmoid(-2.0 + 1.1 * z[8]!);
  x[9] = Math.exp(4.0 + 1.2 * z[9]!);
  x[10] = Math.floor(Math.exp(-1.2 + 1.0 * z[10]!));
  x[11] = Math.exp(4.5 + 0.8 * z[11]!);
  return x;
}

/** The noiseless fraud logit of a raw transaction (the rule; the dataset adds noise). */
export function fraudLogit(x: Vec): number {
  return (
    -6.0 +
    3.0 * softplus(Math.log(x[0]! / x[1]!) - 0.3) +
    2.5 * sigmoid((5 - x[2]!) * 1.5) +
    14 * x[8]! * sigmoid(-(Math.log(x[3]!) - 3.5)) +
    0.9 * x[5]! +
    0.9 * x[10]! +
    4 * sigmoid(Math.log(x[6]!) - 4) * sigmoid(-(Math.log(x[9]!) - 2.5)) +
    4 * (x[7]! - 0.2)
  );
}

export interface Dataset {
  x: Vec[];
  y: Uint8Array;
}

/** n labelled transactions, deterministic for the seed. */
export function makeDataset(n: number, seed: number): Dataset {
  const { rand, norm } = rng(seed);
  const x: Vec[] = [];
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const raw = toRaw(latent(norm));
    let label = fraudLogit(raw) + 0.8 * norm() > 0 ? 1 : 0;
    if (rand() < 0.02) label = 1 - label;
    x.push(raw);
    y[i] = label;
  }
  return { x, y };
}

/** A natural transaction (raw), optionally drawn around a client-specific latent centre. */
export function naturalRaw(norm: Rand, centre?: Vec, centreWeight = 0): Vec {
  return toRaw(latent(norm, centre, centreWeight));
}

/** Features as the event's map. */
export function featureMap(x: Vec): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < D; i++) out[FEATURE_NAMES[i]!] = x[i]!;
  return out;
}
