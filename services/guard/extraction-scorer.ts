/**
 * Extraction and probing patterns, per client, in the spirit of PRADA (Juuti et al., "PRADA:
 * Protecting Against DNN Model Stealing Attacks", EuroS&P 2019). PRADA tests whether the
 * distances between a client's queries still look like those of natural data (Shapiro–Wilk on the
 * minimum distances). Here, over the client's last `extractionWindow` queries, four tests, each a
 * p-value under benign behaviour learned from the reference:
 *
 * - distances: one-sided one-sample Kolmogorov–Smirnov test of whether the successive-query
 *   distances are larger than the benign successive-distance distribution (a distribution-free
 *   stand-in for PRADA's normality test: probes that cover the input space are more spread than
 *   natural traffic). One-sided because the other side is benign more often than not: a client
 *   whose own traffic is homogeneous (one merchant's alike customers, a batch of similar records)
 *   sends queries closer together than the pooled reference. With the two-sided test such
 *   clients were most of the benign tail of the extraction score and still crossed its threshold
 *   (red-team seeds 3–5: 1, 2 and 5 benign merchants of 2,000, every one with a median distance
 *   below the benign median). Queries closer together than benign are what the stateful rule
 *   (Chen et al.), the PRADA rule and the exact-repeats rule test for;
 * - near-boundary: how many queries have a margin below the reference's `boundaryQuantile`
 *   (Tramèr et al., "Stealing Machine Learning Models via Prediction APIs", USENIX Security 2016,
 *   and active-learning extraction query there);
 * - out of range: how many queries lie outside the reference (OOD p < `outOfRangeP`): coverage of
 *   regions benign users do not visit;
 * - rate: queries per minute over the window against the fastest windows of benign clients
 *   (when the reference has enough clients to learn them).
 *
 * The two counts are tested against a beta-binomial tail (beta-binomial.ts), with the reference's
 * share as the mean and the dispersion of its clients' counts: benign clients have rates of their
 * own (a merchant whose customers sit near the boundary, or outside the bulk of the reference),
 * and under the binomial such clients scored like attackers — on red-team seed 1 a benign
 * merchant with 14 of its first 50 queries out of range (benign 1 %) scored 16 (p ≈ 1e−16),
 * and the benign clients' near-boundary scores reached 26. Under the fitted beta-binomial (same
 * seed) the benign evaluation clients' near-boundary scores reach 2.8 (threshold 7.7) and the
 * boundary and HopSkipJump campaigns' 19.7–23.4 (profiles without a dispersion, older ones, are
 * binomial).
 *
 * The rule's decision (engine.ts, {@link extractionCrossing}): each test against a threshold of
 * its own, calibrated on its own benign tail (calibrate.ts). `score` is −log10 of the smallest p,
 * Bonferroni-corrected for the number of tests: a summary for reports, and the decision for
 * calibrations older than per-test thresholds. Coverage (distinct cells of a coarse grid over the
 * similarity space) and volume are reported, not tested. PRADA's own test (Shapiro–Wilk on the
 * minimum distances) is a separate client rule: prada.ts.
 */
import { betaBinomialSf, isBinomialPhi } from './beta-binomial.js';
import type { GuardParams } from './guard-params.js';
import type { ModelProfile } from './profile-types.js';
import { ScalarRing } from './scalar-ring.js';
import { fmt, fmtP, type ScorerResult } from './scorer-result.js';
import { gridCdf, pScore, tailP, tailQuantile } from './tail-model.js';

export interface ExtractionObservation {
  /** Distance to the client's previous query; null for its first query. */
  successive: number | null;
  nearBoundary: boolean;
  outOfRange: boolean;
  timestamp: number;
  /** Cell of the coarse coverage grid. */
  cell: number;
}

/** The bounded per-client window the extraction tests read. */
export class ExtractionWindow {
  readonly successive: ScalarRing;
  readonly nearBoundary: ScalarRing;
  readonly outOfRange: ScalarRing;
  readonly timestamps: ScalarRing;
  readonly cells: ScalarRing;

  constructor(readonly cap: number) {
    this.successive = new ScalarRing(cap);
    this.nearBoundary = new ScalarRing(cap);
    this.outOfRange = new ScalarRing(cap);
    this.timestamps = new ScalarRing(cap);
    this.cells = new ScalarRing(cap);
  }

  /** Count per coverage cell over the window (kept in step with `cells`). */
  private readonly cellCounts = new Map<number, number>();

  push(o: ExtractionObservation): void {
    if (o.successive !== null) this.successive.push(o.successive);
    this.nearBoundary.push(o.nearBoundary ? 1 : 0);
    this.outOfRange.push(o.outOfRange ? 1 : 0);
    this.timestamps.push(o.timestamp);
    const out = this.cells.push(o.cell);
    this.cellCounts.set(o.cell, (this.cellCounts.get(o.cell) ?? 0) + 1);
    if (out !== undefined) {
      const c = this.cellCounts.get(out)! - 1;
      if (c === 0) this.cellCounts.delete(out);
      else this.cellCounts.set(out, c);
    }
  }

  get size(): number {
    return this.timestamps.size;
  }

  get bytes(): number {
    return (
      this.successive.bytes +
      this.nearBoundary.bytes +
      this.outOfRange.bytes +
      this.timestamps.bytes +
      this.cells.bytes
    );
  }

  /** Queries per minute over the window (event time). */
  ratePerMinute(): number {
    return ratePerMinute(this.timestamps);
  }

  distinctCells(): number {
    return this.cellCounts.size;
  }

  toJSON(): Record<string, number[]> {
    return {
      successive: this.successive.toArray(),
      nearBoundary: this.nearBoundary.toArray(),
      outOfRange: this.outOfRange.toArray(),
      timestamps: this.timestamps.toArray(),
      cells: this.cells.toArray(),
    };
  }

  static fromJSON(cap: number, o: Record<string, number[] | undefined>): ExtractionWindow {
    const w = new ExtractionWindow(cap);
    const fill = (ring: ScalarRing, values: number[] | undefined) => {
      for (const v of (values ?? []).slice(-cap)) ring.push(v);
    };
    fill(w.successive, o.successive);
    fill(w.nearBoundary, o.nearBoundary);
    fill(w.outOfRange, o.outOfRange);
    fill(w.timestamps, o.timestamps);
    fill(w.cells, o.cells);
    for (const c of w.cells.toArray()) w.cellCounts.set(c, (w.cellCounts.get(c) ?? 0) + 1);
    return w;
  }
}

/** Queries per minute spanned by a ring of event times (a zero span counts as 1 ms). */
export function ratePerMinute(times: ScalarRing): number {
  const n = times.size;
  if (n < 2) return 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = times.at(i);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return ((n - 1) * 60_000) / Math.max(1, hi - lo);
}

/**
 * Asymptotic p-value of a one-sided one-sample KS statistic (D⁺ or D⁻): Smirnov's exp(−2λ²), with
 * Stephens' small-sample correction λ = (√n + 0.12 + 0.11/√n)·D (Press et al., Numerical Recipes,
 * 3rd ed., §14.3.3). Fast enough to run on every query; the extraction threshold is calibrated
 * empirically on top of it.
 */
export function ksOneSidedPValue(d: number, n: number): number {
  if (!(d > 0)) return 1;
  const sn = Math.sqrt(n);
  const lambda = (sn + 0.12 + 0.11 / sn) * d;
  return Math.min(1, Math.exp(-2 * lambda * lambda));
}

/**
 * Cell of a coarse grid over the similarity vector: each of the first 16 coordinates in three
 * bins (below −1, within ±1, above +1 reference σ), hashed to 32 bits (FNV-1a).
 */
export function coverageCell(v: Float32Array): number {
  let h = 0x811c9dc5;
  const n = Math.min(16, v.length);
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    const bin = x < -1 ? 0 : x > 1 ? 2 : 1;
    h = Math.imul(h ^ bin, 0x01000193) >>> 0;
  }
  return h;
}

/** The extraction tests, in the order they are run and reported. */
export const EXTRACTION_TESTS = ['distances', 'near-boundary', 'out-of-range', 'rate'] as const;
export type ExtractionTestName = (typeof EXTRACTION_TESTS)[number];

/** A value per extraction test (thresholds, per-test scores); a test absent is not run. */
export type PerExtractionTest = Partial<Record<ExtractionTestName, number>>;

export interface ExtractionTest {
  name: ExtractionTestName;
  p: number;
  detail: string;
}

export interface ExtractionResult extends ScorerResult {
  /** Null when the client has fewer than `minExtractionQueries` queries in its window. */
  tests: ExtractionTest[] | null;
}

/**
 * The tests the profile lets the extraction rule run (the distances test needs benign successive
 * distances, the rate test benign rates), whatever a client's window holds.
 */
export function extractionTestsOf(profile: ModelProfile): ExtractionTestName[] {
  return EXTRACTION_TESTS.filter(
    (t) => (t !== 'distances' || profile.successive.n > 0) && (t !== 'rate' || !!profile.rate),
  );
}

/** Each test's own score, −log10 of its p-value (not corrected for the number of tests). */
export function extractionTestScores(r: ExtractionResult): PerExtractionTest {
  const out: PerExtractionTest = {};
  for (const t of r.tests ?? []) out[t.name] = pScore(t.p);
  return out;
}

/** Which threshold an extraction result crossed, if any (see {@link extractionCrossing}). */
export interface ExtractionCrossing {
  /** The test whose own threshold was crossed; null: the combined score's. */
  test: ExtractionTestName | null;
  score: number;
  threshold: number;
  reason: string;
}

/**
 * The extraction rule's decision. With per-test thresholds (calibrations since they exist), a
 * client is flagged when any test's own score reaches that test's threshold: each test is held to
 * its own benign tail. Without them (older calibration files), when the combined score reaches
 * `combined`.
 */
export function extractionCrossing(
  r: ExtractionResult,
  combined: number,
  perTest: PerExtractionTest | undefined,
): ExtractionCrossing | null {
  if (r.tests === null) return null;
  if (perTest === undefined)
    return r.score >= combined
      ? { test: null, score: r.score, threshold: combined, reason: r.reason }
      : null;
  for (const t of r.tests) {
    const threshold = perTest[t.name];
    const score = pScore(t.p);
    if (threshold !== undefined && score >= threshold)
      return {
        test: t.name,
        score,
        threshold,
        get reason() {
          return `extraction/probing (${t.name} test): ${t.detail}, ${fmtP(score)}`;
        },
      };
  }
  return null;
}

/**
 * One-sided KS statistic D⁻ = sup (F_ref − F_n) of sample values against a reference CDF given as
 * a quantile grid (sorts values): large when the sample is stochastically larger than the
 * reference.
 */
export function ksLargerThanGrid(values: Float64Array, grid: readonly number[]): number {
  const x = values.sort();
  const n = x.length;
  let d = 0;
  for (let i = 0; i < n; i++) d = Math.max(d, gridCdf(grid, x[i]!) - i / n);
  return d;
}

/** The benign near-boundary rate the near-boundary test compares with. */
function boundaryRate(profile: ModelProfile): number {
  return Math.max(profile.boundaryShare, 1e-3);
}

/** The benign out-of-range rate the out-of-range test compares with. */
function outOfRangeRate(profile: ModelProfile, params: Pick<GuardParams, 'outOfRangeP'>) {
  return Math.max(profile.ood.outOfRangeShare, params.outOfRangeP / 10);
}

function dispersionNote(phi: number): string {
  return isBinomialPhi(phi) ? '' : `, clients' own rates vary: beta-binomial φ ${fmt(phi)}`;
}

export function scoreExtraction(
  profile: ModelProfile,
  params: Pick<GuardParams, 'minExtractionQueries' | 'boundaryQuantile' | 'outOfRangeP'>,
  w: ExtractionWindow,
): ExtractionResult {
  const n = w.size;
  // Reasons are formatted only when read (getters): most events never need them. The figures
  // are taken now, so a reason read later still describes this query.
  const rate = w.ratePerMinute();
  const cells = w.distinctCells();
  const volume = () => `${n} queries in window, ${fmt(rate)}/min, ${cells} grid cells`;
  if (n < params.minExtractionQueries) {
    return {
      score: 0,
      tests: null,
      get reason() {
        return `extraction: ${volume()}; ${params.minExtractionQueries} queries needed (not scored)`;
      },
    };
  }
  const tests: ExtractionTest[] = [];
  if (w.successive.size >= 10 && profile.successive.n > 0) {
    const succ = w.successive.copyTo(new Float64Array(w.successive.size));
    const d = ksLargerThanGrid(succ, profile.successive.grid);
    const med = succ[succ.length >> 1]!;
    tests.push({
      name: 'distances',
      p: ksOneSidedPValue(d, succ.length),
      get detail() {
        return `successive-query distances more spread than benign (one-sided KS D=${fmt(d)}, median ${fmt(med)} vs benign ${fmt(tailQuantile(profile.successive, 0.5))})`;
      },
    });
  }
  const nb = w.nearBoundary.sum();
  const p0b = boundaryRate(profile);
  const phiB = profile.boundaryDispersion ?? Infinity;
  tests.push({
    name: 'near-boundary',
    p: betaBinomialSf(nb, n, p0b, phiB),
    get detail() {
      return `${nb}/${n} queries near the decision boundary (benign ${fmt(100 * p0b)}%${dispersionNote(phiB)})`;
    },
  });
  const oor = w.outOfRange.sum();
  const p0o = outOfRangeRate(profile, params);
  const phiO = profile.ood.outOfRangeDispersion ?? Infinity;
  tests.push({
    name: 'out-of-range',
    p: betaBinomialSf(oor, n, p0o, phiO),
    get detail() {
      return `${oor}/${n} queries outside the reference (benign ${fmt(100 * p0o)}%${dispersionNote(phiO)})`;
    },
  });
  const rateTail = profile.rate;
  if (rateTail) {
    tests.push({
      name: 'rate',
      p: rate > 0 ? tailP(rateTail, Math.log(rate)) : 1,
      get detail() {
        return `${fmt(rate)} queries/min (fastest benign clients: 99th percentile ${fmt(Math.exp(tailQuantile(rateTail, 0.01)))})`;
      },
    });
  }
  let worst = tests[0]!;
  for (const t of tests) if (t.p < worst.p) worst = t;
  const score = pScore(worst.p * tests.length);
  return {
    score,
    tests,
    get reason() {
      return `extraction/probing: ${worst.detail}; ${volume()}, ${fmtP(score)}`;
    },
  };
}
