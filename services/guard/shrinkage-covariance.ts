/**
 * Shrinkage covariance for the out-of-distribution score: a well-conditioned inverse even with
 * more features than a small reference supports.
 *
 * The off-diagonal correlations are shrunk toward 0 (target "D" — diagonal, unequal variances —
 * of Schäfer & Strimmer, "A Shrinkage Approach to Large-Scale Covariance Matrix Estimation",
 * Stat. Appl. Genet. Mol. Biol. 4(1), 2005), with the analytic Ledoit–Wolf-type optimal intensity
 *   λ* = Σ_{i≠j} Var̂(r_ij) / Σ_{i≠j} r_ij²   (clamped to [0, 1]).
 * Inputs are already robustly standardized and winsorized by the caller, which makes the estimate
 * robust to a few gross outliers in the reference.
 */

export interface ShrinkageCovariance {
  dims: number;
  /** Column means of the estimation data. */
  mean: number[];
  /** Shrinkage intensity λ used (1 = diagonal only). */
  lambda: number;
  /** Lower-triangular Cholesky factor of the shrunk covariance, row-major, dims × dims. */
  cholesky: number[];
}

/** Estimates from rows (each of length dims). `forceDiagonal` skips the correlations (λ = 1). */
export function shrinkageCovariance(
  rows: readonly Float64Array[],
  dims: number,
  forceDiagonal = false,
): ShrinkageCovariance {
  const n = rows.length;
  const mean = new Float64Array(dims);
  for (const r of rows) for (let i = 0; i < dims; i++) mean[i]! += r[i]! / n;
  const sd = new Float64Array(dims);
  for (const r of rows)
    for (let i = 0; i < dims; i++) sd[i]! += (r[i]! - mean[i]!) ** 2 / Math.max(1, n - 1);
  for (let i = 0; i < dims; i++) sd[i] = Math.sqrt(sd[i]!) || 1;
  const corr = new Float64Array(dims * dims);
  let lambda = 1;
  if (!forceDiagonal && n >= 3 && dims > 1) {
    const s1 = new Float64Array(dims * dims);
    const s2 = new Float64Array(dims * dims);
    const x = new Float64Array(dims);
    for (const r of rows) {
      for (let i = 0; i < dims; i++) x[i] = (r[i]! - mean[i]!) / sd[i]!;
      for (let i = 1; i < dims; i++) {
        const xi = x[i]!;
        for (let j = 0; j < i; j++) {
          const w = xi * x[j]!;
          s1[i * dims + j]! += w;
          s2[i * dims + j]! += w * w;
        }
      }
    }
    let num = 0;
    let den = 0;
    for (let i = 1; i < dims; i++) {
      for (let j = 0; j < i; j++) {
        const wbar = s1[i * dims + j]! / n;
        const r = (n / (n - 1)) * wbar;
        const varR = (n / (n - 1) ** 3) * Math.max(0, s2[i * dims + j]! - n * wbar * wbar);
        corr[i * dims + j] = r;
        num += varR;
        den += r * r;
      }
    }
    lambda = den > 0 ? Math.min(1, Math.max(0, num / den)) : 1;
  }
  const cov = new Float64Array(dims * dims);
  for (let i = 0; i < dims; i++) {
    cov[i * dims + i] = sd[i]! * sd[i]!;
    for (let j = 0; j < i; j++) {
      const c = (1 - lambda) * corr[i * dims + j]! * sd[i]! * sd[j]!;
      cov[i * dims + j] = c;
      cov[j * dims + i] = c;
    }
  }
  return { dims, mean: Array.from(mean), lambda, cholesky: Array.from(cholesky(cov, dims)) };
}

/** Cholesky factor L (L·Lᵀ = A) of a symmetric positive-definite matrix; jitters the diagonal if needed. */
function cholesky(a: Float64Array, n: number): Float64Array {
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 : jitter * 10) {
    const l = new Float64Array(n * n);
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = a[i * n + j]! + (i === j ? jitter : 0);
        for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
        if (i === j) {
          if (!(s > 0)) {
            ok = false;
            break;
          }
          l[i * n + i] = Math.sqrt(s);
        } else l[i * n + j] = s / l[j * n + j]!;
      }
    }
    if (ok) return l;
    if (jitter > 1) throw new Error('covariance is not positive definite');
  }
}

/** Squared Mahalanobis distance of x from the mean: ‖L⁻¹(x − μ)‖² by forward substitution. */
export function mahalanobis2(c: ShrinkageCovariance, x: ArrayLike<number>): number {
  const n = c.dims;
  const y = new Float64Array(n);
  let d2 = 0;
  for (let i = 0; i < n; i++) {
    let s = (x[i] as number) - c.mean[i]!;
    for (let k = 0; k < i; k++) s -= c.cholesky[i * n + k]! * y[k]!;
    y[i] = s / c.cholesky[i * n + i]!;
    d2 += y[i]! * y[i]!;
  }
  return d2;
}
