/**
 * Exact finite-n distribution of the two-sided one-sample Kolmogorov–Smirnov statistic D_n,
 * i.e. `scipy.stats.kstwo` — a port of `scipy/stats/_ksstats.py` (`_kolmogn` with the
 * Simard & L'Ecuyer choice between Ruben–Gambino closed forms, the Durbin matrix (Marsaglia–
 * Tsang–Wang), Pomeranz's recursion, the Pelz–Good expansion and 2·smirnov). `ks2samp` uses its
 * survival function in the asymptotic regime, so the branch structure and thresholds are kept
 * exactly as scipy has them; otherwise p-values near the switch points would disagree.
 *
 * scipy scales some intermediates with long-double constants (2^±128); those scalings are exact
 * powers of two, so float64 reproduces them except for the last bits of a few products.
 */
import { smirnov } from './smirnov.js';
import { ldexp } from './numeric.js';

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const MIN_LOG = -708;
const SQRT3 = Math.sqrt(3);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
// B_{2j}/(2j)/(2j-1) for j = 8..1 (Stirling series), highest order first as for np.polyval.
const STIRLING_COEFFS = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

const clip01 = (p: number): number => (p < 0 ? 0 : p > 1 ? 1 : p);
const pick = (cdfProb: number, sfProb: number, cdf: boolean): number =>
  clip01(cdf ? cdfProb : sfProb);

function polyval(coeffs: readonly number[], x: number): number {
  let y = 0;
  for (const c of coeffs) y = y * x + c;
  return y;
}

/** log(n!/n^n) by Stirling with n·log(n) removed up front (no cancellation). */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1.0 / n;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * polyval(STIRLING_COEFFS, rn / n);
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k] as number;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++)
        out[i * m + j] = (out[i * m + j] as number) + aik * (b[k * m + j] as number);
    }
  }
  return out;
}

/** Durbin's matrix algorithm (MTW form): Pr(D_n ≤ d) via the k-th diagonal entry of H^n. */
function kolmognDMTW(n: number, d: number): number {
  if (d >= 1.0) return 1.0;
  const nd = n * d;
  if (nd <= 0.5) return 0.0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  let H = new Float64Array(m * m);
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  for (let j = 1; j <= m; j++) v[j - 1] = 1.0 - h ** j;
  let fac = 1.0;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j; // may underflow; harmless
    v[j - 1] = (v[j - 1] as number) * fac;
  }
  const tt = Math.max(2 * h - 1.0, 0) ** m - 2 * h ** m;
  v[m - 1] = (1.0 + tt) * fac;

  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)] as number;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r] as number;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c] as number;

  let Hpwr = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let Hexpnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += Hexpnt;
    }
    H = matmul(H, H, m);
    Hexpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)] as number) > EP128) {
      for (let i = 0; i < H.length; i++) H[i] = (H[i] as number) / EP128;
      Hexpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = Hpwr[(k - 1) * m + (k - 1)] as number;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

function pomeranzJ1J2(
  i: number,
  n: number,
  ll: number,
  ceilf: number,
  roundf: number,
): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pomeranz's recursion: Pr(D_n ≤ x). */
function kolmognPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = 1.0 * (t - ll);
  const g = Math.min(f, 1.0 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1.0;
  twogpower[0] = 1.0;
  onem2gpower[0] = 1.0;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = ((gpower[m - 1] as number) * gOverN) / m;
    twogpower[m] = ((twogpower[m - 1] as number) * twoGOverN) / m;
    onem2gpower[m] = ((onem2gpower[m - 1] as number) * oneMinusTwoGOverN) / m;
  }
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0.0);
    const [nextJ1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    j1 = nextJ1;
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // np.convolve(V0[k1-V0s : k1-V0s+ln2], pwrs[:ln2]) with NumPy's slice truncation.
      const aStart = k1 - V0s;
      const aLen = Math.max(0, Math.min(aStart + ln2, npwrs) - aStart);
      const bLen = Math.min(ln2, npwrs);
      const convLen = aLen + bLen - 1;
      const convStart = j1 - k1;
      const outLen = j2 - j1 + 1;
      for (let c = 0; c < outLen; c++) {
        const idx = convStart + c;
        if (idx < 0 || idx >= convLen) continue;
        let s = 0;
        const lo = Math.max(0, idx - bLen + 1);
        const hi = Math.min(idx, aLen - 1);
        for (let a = lo; a <= hi; a++) s += (V0[aStart + a] as number) * (pwrs[idx - a] as number);
        V1[c] = s;
      }
      let mx = -Infinity;
      for (let c = 0; c < npwrs; c++) if ((V1[c] as number) > mx) mx = V1[c] as number;
      if (mx > 0 && mx < EM128) {
        for (let c = 0; c < npwrs; c++) V1[c] = (V1[c] as number) * EP128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s] as number;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128;
      expnt += E128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clip01(ans);
}

/** Pelz–Good asymptotic expansion of Pr(D_n ≤ x), suitable for small z = x√n. */
function kolmognPelzGood(n: number, x: number): number {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;
  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < MIN_LOG) return 0.0;
  let q = Math.exp(qlog);

  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;
  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;

  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = Math.pow(q, 8 * k);
    const coeffs = [
      1.0,
      k1a + k1b * msquared,
      k2a + k2b * msquared + k2c * mfour,
      k3a + k3b * msquared + k3c * mfour + k3d * msix,
    ];
    for (let i = 0; i < 4; i++) K[i] = (K[i] as number) * qpower + (coeffs[i] as number);
  }
  const denoms = [z, 6 * zfour, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = ((K[i] as number) * q * SQRT2PI) / (denoms[i] as number);

  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const ksq = k ** 2;
    const qp = Math.pow(q, ksq);
    const kspi = Math.PI * k;
    k2extra += ksq * qp;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp;
  }
  k2extra *= (PI_SQUARED * SQRT2PI) / (-36 * zthree);
  K[2] = (K[2] as number) + k2extra;
  k3extra *= (PI_SQUARED * SQRT2PI) / (216 * zsix);
  K[3] = (K[3] as number) + k3extra;
  for (let i = 0; i < 4; i++) K[i] = (K[i] as number) / Math.pow(n * 1.0, i / 2.0);
  return (K[0] as number) + (K[1] as number) + (K[2] as number) + (K[3] as number);
}

/**
 * CDF (`cdf=true`) or survival function of the two-sided one-sample KS statistic D_n at x,
 * exactly as `scipy.stats._ksstats._kolmogn`.
 */
export function kolmogn(n: number, x: number, cdf = true): number {
  if (Number.isNaN(n) || Number.isNaN(x)) return NaN;
  if (!Number.isInteger(n) || n <= 0) return NaN;
  if (x >= 1.0) return pick(1.0, 0.0, cdf);
  if (x <= 0.0) return pick(0.0, 1.0, cdf);
  const t = n * x;
  if (t <= 1.0) {
    // Ruben–Gambino: 1/2n ≤ x ≤ 1/n
    if (t <= 0.5) return pick(0.0, 1.0, cdf);
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1.0 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return pick(prob, 1.0 - prob, cdf);
  }
  if (t >= n - 1) {
    const prob = 2 * (1.0 - x) ** n;
    return pick(1 - prob, prob, cdf);
  }
  if (x >= 0.5) {
    const prob = 2 * smirnov(n, x);
    return pick(1.0 - prob, prob, cdf);
  }
  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) {
      const prob = kolmognDMTW(n, x);
      return pick(prob, 1.0 - prob, cdf);
    }
    if (nxsquared <= 4) {
      const prob = kolmognPomeranz(n, x);
      return pick(prob, 1.0 - prob, cdf);
    }
    const prob = 2 * smirnov(n, x);
    return pick(1.0 - prob, prob, cdf);
  }
  // The SF has its own cut-offs: beyond them 2·smirnov is accurate and avoids 1 − cdf cancellation.
  if (!cdf) {
    if (nxsquared >= 370.0) return 0.0;
    if (nxsquared >= 2.2) return clip01(2 * smirnov(n, x));
  }
  let cdfprob: number;
  if (nxsquared >= 18.0) cdfprob = 1.0;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdfprob = kolmognDMTW(n, x);
  else cdfprob = kolmognPelzGood(n, x);
  return pick(cdfprob, 1.0 - cdfprob, cdf);
}

/** `scipy.stats.kstwo.sf(x, n)`: P(D_n ≥ x) for the exact finite-n two-sided statistic. */
export function kstwoSf(x: number, n: number): number {
  return kolmogn(n, x, false);
}

/** `scipy.stats.kstwo.cdf(x, n)`. */
export function kstwoCdf(x: number, n: number): number {
  return kolmogn(n, x, true);
}
