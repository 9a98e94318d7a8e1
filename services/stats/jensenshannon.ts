/**
 * Jensen–Shannon distance with natural logarithm, as `scipy.spatial.distance.jensenshannon(p, q)`,
 * and Evidently's `jensenshannon` stattest on top of it.
 */
import { evidentlyBinnedShares, type Category } from './binning.js';
import { npSum } from './numeric.js';

/** `scipy.special.rel_entr(x, y)`. */
function relEntr(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/**
 * Jensen–Shannon distance √(JS divergence) of two non-negative weight vectors; each is first
 * normalized by its own sum, exactly as scipy does (so unnormalized counts are accepted).
 * `base` changes the logarithm (default: natural log, distance ≤ √ln 2).
 */
export function jensenShannonDistance(
  p0: readonly number[],
  q0: readonly number[],
  base?: number,
): number {
  if (p0.length !== q0.length) throw new RangeError('jensenShannonDistance: length mismatch');
  const ps = npSum(p0);
  const qs = npSum(q0);
  const p = p0.map((v) => v / ps);
  const q = q0.map((v) => v / qs);
  const m = p.map((v, i) => (v + (q[i] as number)) / 2.0);
  const left = npSum(p.map((v, i) => relEntr(v, m[i] as number)));
  const right = npSum(q.map((v, i) => relEntr(v, m[i] as number)));
  let js = left + right;
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(js / 2.0);
}

/**
 * Evidently's `jensenshannon` stattest value: `get_binned_data(..., feel_zeroes=False)` shares
 * (Sturges histogram for numeric columns with > 20 distinct reference values, else per-value
 * shares), then the JS distance. Inputs must be free of missing values.
 */
export function jensenShannonEvidently(
  reference: readonly Category[],
  current: readonly Category[],
  kind: 'numeric' | 'categorical',
): number {
  const b = evidentlyBinnedShares(reference, current, kind, false);
  return jensenShannonDistance(b.reference, b.current);
}
