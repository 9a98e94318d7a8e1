/** What every scorer returns. */
export interface ScorerResult {
  /**
   * −log10 of the calibrated tail probability of what the scorer measured, under the benign
   * reference: 0 = ordinary, 2 = "1 in 100", 3 = "1 in 1,000". Capped at 300.
   */
  score: number;
  /**
   * Human-readable: what was measured, against which baseline. Scorers may implement it as a
   * getter that formats on first read (the figures are fixed when scoring), since most events'
   * reasons are never shown.
   */
  reason: string;
}

/** Short number formatting for reasons. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-4) return x.toExponential(2);
  return Number(x.toPrecision(3)).toString();
}

/** "p ≈ 1e-4" style rendering of a score. */
export function fmtP(score: number): string {
  return `p≈${fmt(10 ** -score)}`;
}
