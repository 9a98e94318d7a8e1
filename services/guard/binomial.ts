/** Binomial upper tail P(X ≥ x) for X ~ Bin(n, p), summed in log space (n is a window size). */
import { lgamma } from '../stats/special.js';

export function binomialSf(x: number, n: number, p: number): number {
  if (x <= 0) return 1;
  if (x > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const lnC = lgamma(n + 1);
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let s = 0;
  for (let k = x; k <= n; k++) {
    const term = Math.exp(lnC - lgamma(k + 1) - lgamma(n - k + 1) + k * lp + (n - k) * lq);
    s += term;
    if (term < s * 1e-17 && k > n * p) break;
  }
  return Math.min(1, s);
}
