/**
 * Fixed 20-bin histogram of prediction confidence on [0, 1]. Bin i holds [i/20, (i+1)/20), and the
 * last bin is closed, [0.95, 1], so a confidence of exactly 1 has a home. Fixed edges make the
 * histogram mergeable by adding counts.
 */

export const CONFIDENCE_BINS = 20;

/**
 * Bin of a finite confidence. Computed as ⌊c·20⌋, which puts every decimal edge (0.05, 0.1, … as
 * written in source or JSON) in the bin that starts there. Values outside [0, 1] are clamped to the
 * end bins (validation upstream should have refused them; counting them beats losing them).
 */
export function confidenceBin(confidence: number): number {
  const bin = Math.floor(confidence * CONFIDENCE_BINS);
  return Math.min(CONFIDENCE_BINS - 1, Math.max(0, bin));
}

export function emptyConfidenceHistogram(): number[] {
  return new Array<number>(CONFIDENCE_BINS).fill(0);
}

/** Lower edges of the bins, for labelling charts: 0, 0.05, …, 0.95. */
export function confidenceBinEdges(): number[] {
  return Array.from({ length: CONFIDENCE_BINS }, (_, i) => i / CONFIDENCE_BINS);
}
