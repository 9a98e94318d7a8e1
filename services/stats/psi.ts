/**
 * Population Stability Index, PSI = Σ (ref% − cur%) · ln(ref% / cur%), on two binnings (see
 * binning.ts): `referenceDeciles` (streamable) and `evidently` (Evidently's `psi` stattest).
 */
import {
  PsiAccumulator,
  evidentlyBinnedShares,
  referenceDecileEdges,
  type Category,
} from './binning.js';
import { npSum } from './numeric.js';

/** PSI of two share vectors of equal length (no zero shares expected). Summed as `np.sum`. */
export function psiFromShares(reference: readonly number[], current: readonly number[]): number {
  if (reference.length !== current.length) throw new RangeError('psiFromShares: length mismatch');
  const terms = reference.map((r, i) => {
    const c = current[i] as number;
    return (r - c) * Math.log(r / c);
  });
  return npSum(terms);
}

/**
 * The reference side of the `referenceDeciles` PSI, computed once and reused for every current
 * window: decile edges and the reference counted into them.
 */
export interface DecileReference {
  edges: number[];
  reference: PsiAccumulator;
}

/** Builds the decile edges from `reference` and counts the reference into them. */
export function buildDecileReference(reference: ArrayLike<number>): DecileReference {
  const edges = referenceDecileEdges(reference);
  const acc = new PsiAccumulator(edges);
  for (let i = 0; i < reference.length; i++) acc.add(reference[i] as number);
  return { edges, reference: acc };
}

/** An empty accumulator for current values on the reference's decile edges. */
export function newCurrentAccumulator(ref: DecileReference): PsiAccumulator {
  return new PsiAccumulator(ref.edges);
}

/** PSI between a decile reference and a (possibly merged) current accumulator. */
export function psiFromAccumulators(reference: PsiAccumulator, current: PsiAccumulator): number {
  return psiFromShares(reference.shares(), current.shares());
}

/** One-shot `referenceDeciles` PSI of two samples (non-finite values ignored). */
export function psiReferenceDeciles(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): number {
  const ref = buildDecileReference(reference);
  const cur = newCurrentAccumulator(ref);
  for (let i = 0; i < current.length; i++) cur.add(current[i] as number);
  return psiFromAccumulators(ref.reference, cur);
}

/**
 * Evidently's `psi` stattest value (`_psi`): shares from `get_binned_data(..., feel_zeroes=True)`.
 * Inputs must be free of missing values.
 */
export function psiEvidently(
  reference: readonly Category[],
  current: readonly Category[],
  kind: 'numeric' | 'categorical' = 'numeric',
): number {
  const b = evidentlyBinnedShares(reference, current, kind, true);
  return psiFromShares(b.reference, b.current);
}
