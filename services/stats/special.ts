/**
 * Special functions needed by the p-values: the normal CDF (a port of cephes `ndtr`/`erf`/`erfc`
 * as used by `scipy.special.ndtr`, so z-test p-values agree to the last bits), log-gamma and the
 * regularized upper incomplete gamma function behind `scipy.stats.chi2.sf`.
 */

const MAXLOG = 709.782712893384;

const ndtrP = [
  2.461969814735305e-10, 0.5641895648310689, 7.463210564422699, 48.63719709856814,
  196.5208329560771, 526.4451949954773, 934.5285271719576, 1027.5518868951572, 557.5353353693994,
];
const ndtrQ = [
  13.228195115474499, 86.70721408859897, 354.9377788878199, 975.7085017432055, 1823.9091668790973,
  2246.3376081871097, 1656.6630919416134, 557.5353408177277,
];
const ndtrR = [
  0.5641895835477551, 1.275366707599781, 5.019050422511805, 6.160210979930536, 7.4097426995044895,
  2.9788666537210022,
];
const ndtrS = [
  2.2605286322011726, 9.396035249380015, 12.048953980809666, 17.08144507475659, 9.608968090632859,
  3.369076451000815,
];
const ndtrT = [
  9.604973739870516, 90.02601972038427, 2232.005345946843, 7003.325141128051, 55592.30130103949,
];
const ndtrU = [
  33.56171416475031, 521.3579497801527, 4594.323829709801, 22629.000061389095, 49267.39426086359,
];

// cephes polevl / p1evl: Horner with (p1evl) an implicit leading coefficient of 1.
function polevl(x: number, c: readonly number[]): number {
  let ans = c[0] as number;
  for (let i = 1; i < c.length; i++) ans = ans * x + (c[i] as number);
  return ans;
}
function p1evl(x: number, c: readonly number[]): number {
  let ans = x + (c[0] as number);
  for (let i = 1; i < c.length; i++) ans = ans * x + (c[i] as number);
  return ans;
}

/** Complementary error function (cephes). */
export function erfc(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = Math.abs(a);
  if (x < 1.0) return 1.0 - erf(a);
  let z = -a * a;
  if (z < -MAXLOG) return a < 0 ? 2.0 : 0.0;
  z = Math.exp(z);
  let p: number;
  let q: number;
  if (x < 8.0) {
    p = polevl(x, ndtrP);
    q = p1evl(x, ndtrQ);
  } else {
    p = polevl(x, ndtrR);
    q = p1evl(x, ndtrS);
  }
  let y = (z * p) / q;
  if (a < 0) y = 2.0 - y;
  if (y !== 0.0) return y;
  return a < 0 ? 2.0 : 0.0;
}

/** Error function (cephes). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0.0) return -erf(-x);
  if (Math.abs(x) > 1.0) return 1.0 - erfc(x);
  const z = x * x;
  return (x * polevl(z, ndtrT)) / p1evl(z, ndtrU);
}

/** Standard normal CDF, `scipy.special.ndtr` / `scipy.stats.norm.cdf`. */
export function ndtr(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = a * Math.SQRT1_2;
  const z = Math.abs(x);
  if (z < 1.0) return 0.5 + 0.5 * erf(x);
  let y = 0.5 * erfc(z);
  if (x > 0) y = 1.0 - y;
  return y;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Stirling-series remainder: lgamma(a) − [(a − ½)ln a − a + ½ln 2π], for a ≥ 10. */
function stirlerr(a: number): number {
  const r = 1 / a;
  const r2 = r * r;
  // Bernoulli-number coefficients B_{2k}/(2k(2k−1)); at a = 10 the last term is < 1e-27.
  return (
    r *
    (1 / 12 +
      r2 *
        (-1 / 360 +
          r2 *
            (1 / 1260 +
              r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156)))))))
  );
}

/** ln Γ(a) for a > 0, accurate to a few ulps of the result's scale. */
export function lgamma(a: number): number {
  if (Number.isNaN(a) || a <= 0) return NaN;
  if (a === 1 || a === 2) return 0;
  // Shift small arguments up into the Stirling range and divide the shift back out.
  let shift = 1;
  let x = a;
  while (x < 10) {
    shift *= x;
    x += 1;
  }
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + stirlerr(x) - Math.log(shift);
}

/** log(1 + u) − u without cancellation for small |u|. */
function log1pmx(u: number): number {
  if (Math.abs(u) > 0.5) return Math.log1p(u) - u;
  // Alternating series −u²/2 + u³/3 − …; |u| ≤ 0.5 converges to double precision in < 55 terms.
  let term = u;
  let sum = 0;
  for (let k = 2; k < 200; k++) {
    term *= -u;
    const t = term / k;
    sum += t;
    if (Math.abs(t) <= 1e-17 * Math.abs(sum)) break;
  }
  return sum;
}

/**
 * x^a e^{−x} / Γ(a). For large a the naive a·ln x − x − lgamma(a) loses digits to cancellation,
 * so it is rewritten as √(a/2π)·exp(a·log1pmx((x−a)/a) − stirlerr(a)) (Temme / Boost style).
 */
function gammaPrefix(a: number, x: number): number {
  if (a < 10) return Math.exp(a * Math.log(x) - x - lgamma(a));
  return Math.sqrt(a / (2 * Math.PI)) * Math.exp(a * log1pmx((x - a) / a) - stirlerr(a));
}

/** Lower regularized incomplete gamma P(a, x) by its power series (x < a + 1). */
function igamSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 100000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
  }
  return sum * gammaPrefix(a, x);
}

/** Upper regularized incomplete gamma Q(a, x) by its continued fraction (modified Lentz). */
function igamcContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return gammaPrefix(a, x) * h;
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a) (`scipy.special.gammaincc`). */
export function gammaincc(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  if (x < a + 1) return 1 - igamSeries(a, x);
  return igamcContinuedFraction(a, x);
}

/** Chi-square survival function `scipy.stats.chi2.sf(x, df)`; NaN when df ≤ 0 (as scipy). */
export function chi2Sf(x: number, df: number): number {
  if (Number.isNaN(x) || Number.isNaN(df) || !(df > 0)) return NaN;
  if (x <= 0) return 1;
  return gammaincc(df / 2, x / 2);
}
