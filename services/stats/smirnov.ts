/**
 * One-sided Kolmogorov–Smirnov (Smirnov) survival function `scipy.special.smirnov(n, x)`: a port
 * of `_smirnov` in scipy's `xsf/cephes/kolmogorov.h` (van Mulbregt's Birnbaum–Tingey summation in
 * double-double arithmetic with separately tracked binary exponents). `kstwo.sf` relies on it for
 * small p-values, which are exactly the ones a drift alert hinges on, so it is ported rather than
 * approximated. Only the sf/cdf are computed; the pdf bookkeeping of the original is dropped
 * because it never influences them.
 */
import {
  DD,
  add,
  addD,
  dd,
  div,
  divD,
  floorDD,
  frexpDD,
  isZero,
  ldexpDD,
  mul,
  mulD,
  sub,
  subD,
} from './doubledouble.js';
import { ldexp } from './numeric.js';

const SMIRNOV_MAX_COMPUTE_N = 1000000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;
const SM_MAX_EXPONENT = 960;
const MINLOG = -745.1332191019412;
const EPS = Number.EPSILON;

function modNX(n: number, x: number): { alpha: number; nxfloor: number; nx: number } {
  const nxD = mulD(dd(x), n);
  const nxfloorD = floorDD(nxD);
  let alpha = sub(nxD, nxfloorD).hi;
  let nxfloor = Math.trunc(nxfloorD.hi);
  if (alpha === 1) {
    nxfloor += 1;
    alpha = 0;
  }
  return { alpha, nxfloor, nx: nxD.hi };
}

function updateBinomial(c: { man: DD; expt: number }, n: number, j: number): void {
  const rat = divD(dd(n - j), j + 1.0);
  const [man2, expt] = frexpDD(mul(c.man, rat));
  c.expt += expt;
  c.man = man2;
}

function powD(a: DD, m: number): DD {
  if (m <= 0) {
    if (m === 0) return dd(1);
    return div(dd(1), powD(a, -m));
  }
  if (isZero(a)) return dd(0);
  const ans = Math.pow(a.hi, m);
  const r = a.lo / a.hi;
  let adj = m * r;
  if (Math.abs(adj) > 1e-8) {
    if (Math.abs(adj) < 1e-4) adj += m * r * (((m - 1) / 2.0) * r);
    else adj = Math.expm1(m * Math.log1p(r));
  }
  return addD(dd(ans), ans * adj);
}

function pow2(a: number, b: number, m: number): number {
  return powD(addD(dd(a), b), m).hi;
}

function nextPowerOf2(x: number): number {
  const q = ldexp(x, 1 - 53);
  let L = Math.abs(q + x);
  if (L === 0) L = Math.abs(x);
  else {
    const Lint = Math.trunc(L);
    if (Lint === L) L = Lint;
  }
  return L;
}

/** a^m as (significand, exponent) so that huge/tiny intermediate powers never over/underflow. */
function pow2ScaledD(a: DD, m: number): [DD, number] {
  let maxExpt = SM_MAX_EXPONENT;
  if (m <= 0) {
    if (m === 0) return [dd(1), 0];
    const [ans0, aE1] = pow2ScaledD(a, -m);
    const [ans, aE2] = frexpDD(div(dd(1), ans0));
    return [ans, -aE1 + aE2];
  }
  const [y, yE] = frexpDD(a);
  if (m === 1) return [y, yE];
  if ((m * (y.hi - 1)) / y.hi < -SM_MAX_EXPONENT * Math.LN2) {
    const lg2y = Math.log(y.hi) / Math.LN2;
    const lgAns = m * lg2y;
    if (lgAns <= -SM_MAX_EXPONENT) {
      maxExpt = Math.trunc(nextPowerOf2(-SM_MAX_EXPONENT / lg2y + 1) / 2);
    }
  }
  if (m <= maxExpt) {
    const ans1 = powD(y, m);
    const [ans, ansE0] = frexpDD(ans1);
    return [ans, ansE0 + m * yE];
  }
  const q = Math.trunc(m / maxExpt);
  const r = m % maxExpt;
  const [y2r, y2rE] = pow2ScaledD(y, r);
  const [y2m, y2mE] = pow2ScaledD(y, maxExpt);
  const [y2mq, y2mqE0] = pow2ScaledD(y2m, q);
  const [ans, ansE0] = frexpDD(mul(y2r, y2mq));
  const y2mqE = y2mqE0 + y2mE * q;
  return [ans, ansE0 + y2mqE + y2rE + m * yE];
}

function pow4D(a: number, b: number, c: number, d: number, m: number): DD {
  if (m <= 0) {
    if (m === 0) return dd(1);
    return pow4D(c, d, a, b, -m);
  }
  const A = addD(dd(a), b);
  const C = addD(dd(c), d);
  if (isZero(A)) return isZero(C) ? dd(NaN) : dd(0);
  if (isZero(C)) return A.hi < 0 ? dd(-Infinity) : dd(Infinity);
  return powD(div(A, C), m);
}

/** A_v(n, x) = C(n,v) (1-x-v/n)^(n-v) (x+v/n)^(v-1), scaled by the tracked binomial exponent. */
function computeAv(n: number, x: number, v: number, cman: DD, cexpt: number): DD {
  const t2x = subD(divD(dd(n - v), n), x);
  const [t2, t2E] = pow2ScaledD(t2x, n - v);
  const t1x = addD(divD(dd(v), n), x);
  const [t1, t1E] = pow2ScaledD(t1x, v - 1);
  const ans = mul(mul(t1, t2), cman);
  return ldexpDD(ans, cexpt + t1E + t2E);
}

/** {sf, cdf} of the one-sided statistic D_n^+ at x. */
export function smirnovProbs(n: number, x: number): { sf: number; cdf: number } {
  if (!(n > 0 && x >= 0.0 && x <= 1.0)) return { sf: NaN, cdf: NaN };
  if (n === 1) return { sf: 1 - x, cdf: x };
  if (x === 0.0) return { sf: 1.0, cdf: 0.0 };
  if (x === 1.0) return { sf: 0.0, cdf: 1.0 };

  const { alpha, nxfloor: nxfl } = modNX(n, x);
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  // When alpha is 0 the last term belongs to neither summation.
  if (alpha === 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }

  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const t = pow2(1, x, n - 1);
    const cdf = x * t;
    return { sf: 1 - cdf, cdf };
  }
  if (-2 * n * x * x < MINLOG) return { sf: 0, cdf: 1 };
  if (nxfl >= n - 1) {
    const sf = pow2(1, -x, n);
    return { sf, cdf: 1 - sf };
  }
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -Math.pow(6.0 * n * x + 1, 2) / 18.0 / n;
    if (logp < -Math.LN2) {
      const sf = Math.exp(logp);
      return { sf, cdf: 1 - sf };
    }
    const cdf = -Math.expm1(logp);
    return { sf: 1 - cdf, cdf };
  }

  // The upper (alternating) sum is only used when it has very few terms: each term costs bits.
  const nUpperTerms = n - n1mxceil + 1;
  let bUseUpperSum = nUpperTerms <= 1 && x < 0.5;
  bUseUpperSum =
    bUseUpperSum ||
    (n >= SM_UPPERSUM_MIN_N && nUpperTerms <= SM_UPPER_MAX_TERMS && x <= 0.5 / Math.sqrt(n));

  let start = 0;
  let step = 1;
  let nTerms = n1mxfl + 1;
  const vmid = Math.trunc(n / 2);
  const binom = { man: dd(1), expt: 0 };
  let Aj: DD;
  if (bUseUpperSum) {
    start = n;
    step = -1;
    nTerms = n - n1mxceil + 1;
    Aj = pow4D(1, x, 1, 0, n - 1);
  } else {
    const t2 = pow4D(1, -x, 1, 0, n);
    Aj = divD(t2, x);
  }
  let AjSum = add(dd(0), Aj);
  updateBinomial(binom, n, 0);
  for (let j = 1; j < nTerms; j++) {
    const v = start + j * step;
    Aj = computeAv(n, x, v, binom.man, binom.expt);
    const nonZero = !isZero(Aj);
    if (Number.isFinite(Aj.hi) && nonZero) AjSum = add(AjSum, Aj);
    if (nonZero) {
      // Stop once the remaining terms cannot move the sum.
      if (4 * (nTerms - j) * Math.abs(Aj.hi) < EPS * AjSum.hi && j !== nTerms - 1) break;
    } else if (j > vmid) {
      break;
    }
    updateBinomial(binom, n, j);
  }
  const prob = mulD(AjSum, x).hi;
  let sf: number;
  let cdf: number;
  if (step < 0) {
    cdf = prob;
    sf = 1 - prob;
  } else {
    cdf = 1 - prob;
    sf = prob;
  }
  return { sf: Math.min(1, Math.max(0, sf)), cdf: Math.min(1, Math.max(0, cdf)) };
}

/** `scipy.special.smirnov(n, x)`: P(D_n^+ ≥ x). */
export function smirnov(n: number, x: number): number {
  if (Number.isNaN(x)) return NaN;
  return smirnovProbs(n, x).sf;
}
