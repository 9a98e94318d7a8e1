/**
 * A calibrated tail probability for one statistic, learned from benign reference values.
 *
 * Inside the observed range the tail probability is the empirical one (from a quantile grid, with
 * the +1 smoothing of permutation p-values so it is never 0). Beyond the tail edge (a high
 * quantile, with at least ~30 reference values above it) it is extrapolated with an exponential
 * tail whose scale is the mean excess over the edge: the peaks-over-threshold model with a
 * generalized Pareto of shape 0 (Pickands 1975; Coles, "An Introduction to Statistical Modeling
 * of Extreme Values", 2001, ch. 4). This lets scores keep ranking beyond the reference's extreme
 * value and lets calibration ask for quantiles rarer than 1/n (a 0.1 % client-level target with
 * a few hundred benign clients) in a stated, conservative way.
 *
 * `direction: 'upper'` means large values are suspicious (P(X ≥ x)); `'lower'`, small values.
 * JSON-serializable as it is.
 */
import { quantileSorted } from './robust-stats.js';

export interface TailModel {
  direction: 'upper' | 'lower';
  /** Reference values the model was fitted on (0 = no information: every p is 1). */
  n: number;
  /** Quantiles of the oriented values (upper: x; lower: −x) at probabilities i/(m−1). */
  grid: number[];
  /** Oriented value where the exponential tail starts. */
  edge: number;
  /** Smoothed empirical tail probability at the edge. */
  pEdge: number;
  /** Mean excess over the edge (scale of the exponential tail), > 0. */
  beta: number;
}

/** Number of grid points kept (the grid is what the JSON profile stores). */
export const TAIL_GRID_POINTS = 257;
/** Smallest p a tail model returns: scores are capped at −log10(1e−300) = 300. */
export const MIN_P = 1e-300;

export function fitTail(values: ArrayLike<number>, direction: 'upper' | 'lower'): TailModel {
  const sign = direction === 'upper' ? 1 : -1;
  const sorted = Float64Array.from(values, (v) => sign * v).sort();
  const n = sorted.length;
  if (n === 0) return { direction, n: 0, grid: [], edge: 0, pEdge: 1, beta: 1 };
  const grid: number[] = [];
  for (let i = 0; i < TAIL_GRID_POINTS; i++)
    grid.push(quantileSorted(sorted, i / (TAIL_GRID_POINTS - 1)));
  // Tail share: about 30 exceedances to estimate the scale, between 1 % and 20 % of the data.
  const share = Math.min(0.2, Math.max(0.01, 30 / n));
  const edge = quantileSorted(sorted, 1 - share);
  let above = 0;
  let excess = 0;
  for (let i = n - 1; i >= 0 && (sorted[i] as number) > edge; i--) {
    above++;
    excess += (sorted[i] as number) - edge;
  }
  const spread = Math.abs((grid[TAIL_GRID_POINTS - 1] as number) - (grid[0] as number));
  // A degenerate tail (all exceedances equal the edge) gets a tiny scale, never 0.
  const floor = 1e-9 * Math.max(1, Math.abs(edge), spread);
  const beta = Math.max(above > 0 ? excess / above : 0, floor);
  const pEdge = (above + 1) / (n + 1);
  return { direction, n, grid, edge, pEdge, beta };
}

/** Tail probability of x: P(X ≥ x) for 'upper', P(X ≤ x) for 'lower'; in [MIN_P, 1]. */
export function tailP(model: TailModel, x: number): number {
  if (model.n === 0) return 1;
  const v = model.direction === 'upper' ? x : -x;
  if (v > model.edge)
    return Math.max(MIN_P, model.pEdge * Math.exp(-(v - model.edge) / model.beta));
  const cdf = gridCdf(model.grid, v);
  return Math.min(1, Math.max(model.pEdge, (model.n * (1 - cdf) + 1) / (model.n + 1)));
}

/** Score of a tail probability: −log10 p, so 2 = "1 in 100", 3 = "1 in 1,000". */
export function tailScore(model: TailModel, x: number): number {
  return pScore(tailP(model, x));
}

/** −log10 p for p clamped to [MIN_P, 1]: in [0, 300], never −0. */
export function pScore(p: number): number {
  return Math.max(0, -Math.log10(Math.min(1, Math.max(MIN_P, p))));
}

/** The value whose tail probability is p (inverse of {@link tailP}), in the original units. */
export function tailQuantile(model: TailModel, p: number): number {
  const sign = model.direction === 'upper' ? 1 : -1;
  if (model.n === 0) return sign * Infinity;
  let v: number;
  if (p < model.pEdge) v = model.edge + model.beta * Math.log(model.pEdge / p);
  else v = gridQuantile(model.grid, 1 - p);
  return sign * v;
}

/** Standard normal 95th percentile. */
const Z95 = 1.6448536269514722;

/**
 * {@link tailQuantile} with the exponential tail's scale at its one-sided 95 % upper confidence
 * bound. The scale is the mean excess of k exceedances, β̂ ~ β·χ²(2k)/(2k), so β ≤ 2k·β̂ /
 * χ²₀.₀₅(2k) with 95 % confidence (χ² quantile by Wilson–Hilferty). Calibration asks for
 * quantiles rarer than its sample, where the threshold moves with β̂ times ln(pEdge/p); a scale
 * underestimated by its sampling error (±1/√k: 18 % with 30 exceedances) is a false-positive
 * rate above target, which is what a threshold must not have. Inside the sample: the empirical
 * quantile, as {@link tailQuantile}.
 */
export function tailQuantileUpper(model: TailModel, p: number): number {
  if (model.n === 0 || !(p < model.pEdge)) return tailQuantile(model, p);
  const sign = model.direction === 'upper' ? 1 : -1;
  const k = Math.max(1, Math.round(model.pEdge * (model.n + 1) - 1));
  const nu = 2 * k;
  const h = 2 / (9 * nu);
  const chi2Lower = nu * Math.max(1e-9, 1 - h - Z95 * Math.sqrt(h)) ** 3;
  const beta = (model.beta * nu) / chi2Lower;
  return sign * (model.edge + beta * Math.log(model.pEdge / p));
}

/** Interpolated CDF of v on a quantile grid (grid[i] = quantile at i/(m−1)). */
export function gridCdf(grid: readonly number[], v: number): number {
  const m = grid.length;
  if (m === 0) return 0.5;
  if (v < (grid[0] as number)) return 0;
  if (v >= (grid[m - 1] as number)) return 1;
  // Last index with grid[i] <= v.
  let lo = 0;
  let hi = m - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((grid[mid] as number) <= v) lo = mid;
    else hi = mid;
  }
  const a = grid[lo] as number;
  const b = grid[hi] as number;
  const frac = b > a ? (v - a) / (b - a) : 1;
  return (lo + frac) / (m - 1);
}

function gridQuantile(grid: readonly number[], q: number): number {
  return quantileSorted(grid, q);
}
