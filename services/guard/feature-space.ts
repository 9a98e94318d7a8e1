/**
 * The reference's coordinate system: which numeric features exist, how each is standardized, and
 * how a query becomes the vector the similarity detectors compare.
 *
 * Features are standardized with the reference median and 1.4826·MAD (robust to outliers in the
 * reference); a missing feature is imputed with the reference median (z = 0) and reported.
 * Chen, Carlini & Wagner (2019) compare queries after a similarity encoder; without one, the
 * standardized features (and the standardized embedding, when the model sends one) are the
 * space, reduced with a fixed Gaussian random projection when wider than `similarityDims`
 * (Johnson–Lindenstrauss: pairwise distances are kept within a small factor) so that per-client
 * history memory is bounded whatever the width of the model's input.
 */
import type { InferenceEvent } from '../common/event.js';
import { gaussian, mulberry32 } from './prng.js';
import { meanStd, robustCenterScale } from './robust-stats.js';

export interface FeatureSpace {
  /** Numeric feature names seen in the reference, sorted. */
  names: string[];
  /** Reference median per feature (the imputation value). */
  center: number[];
  /** Reference 1.4826·MAD per feature (σ, or 1 for a constant feature). */
  scale: number[];
  /** Embedding length in the reference (0: the reference has no embeddings). */
  embeddingDims: number;
  embeddingMean: number[];
  embeddingScale: number[];
  /** Width of the similarity vectors (≤ the profile's `similarityDims`). */
  similarityDims: number;
  /** Seed of the random projection (used only when the input is wider than similarityDims). */
  projectionSeed: number;
}

export function buildFeatureSpace(
  events: readonly InferenceEvent[],
  similarityDims: number,
  seed: number,
): FeatureSpace {
  const names = [...new Set(events.flatMap((e) => Object.keys(e.features)))].sort();
  const center: number[] = [];
  const scale: number[] = [];
  for (const name of names) {
    const values = events.flatMap((e) => (name in e.features ? [e.features[name]!] : []));
    const cs = robustCenterScale(values);
    center.push(cs.center);
    scale.push(cs.scale);
  }
  // The most common embedding length is the reference's; others are treated as absent.
  const lengths = new Map<number, number>();
  for (const e of events)
    if (e.embedding) lengths.set(e.embedding.length, (lengths.get(e.embedding.length) ?? 0) + 1);
  let embeddingDims = 0;
  let best = 0;
  for (const [len, count] of lengths)
    if (count > best || (count === best && len < embeddingDims))
      [embeddingDims, best] = [len, count];
  const embeddingMean: number[] = [];
  const embeddingScale: number[] = [];
  for (let i = 0; i < embeddingDims; i++) {
    const col = events.flatMap((e) =>
      e.embedding?.length === embeddingDims ? [e.embedding[i]!] : [],
    );
    const ms = meanStd(col);
    embeddingMean.push(ms.mean);
    embeddingScale.push(ms.std > 0 ? ms.std : 1);
  }
  const width = names.length + embeddingDims;
  return {
    names,
    center,
    scale,
    embeddingDims,
    embeddingMean,
    embeddingScale,
    similarityDims: Math.max(1, Math.min(width, similarityDims)),
    projectionSeed: seed,
  };
}

export interface StandardizedQuery {
  /** Standardized numeric features, in `names` order (missing ones imputed: 0). */
  z: Float64Array;
  /** Names of the features the event lacked (imputed with the reference median). */
  imputed: string[];
  /** Standardized embedding, or null when the event has none (or of another length). */
  embedding: Float64Array | null;
}

export function standardize(space: FeatureSpace, event: InferenceEvent): StandardizedQuery {
  const n = space.names.length;
  const z = new Float64Array(n);
  const imputed: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = space.names[i]!;
    const v = event.features[name];
    if (v === undefined) imputed.push(name);
    else z[i] = (v - space.center[i]!) / space.scale[i]!;
  }
  let embedding: Float64Array | null = null;
  if (space.embeddingDims > 0 && event.embedding?.length === space.embeddingDims) {
    embedding = new Float64Array(space.embeddingDims);
    for (let i = 0; i < space.embeddingDims; i++)
      embedding[i] = (event.embedding[i]! - space.embeddingMean[i]!) / space.embeddingScale[i]!;
  }
  return { z, imputed, embedding };
}

/**
 * Every coordinate of a similarity (and PRADA) vector is clamped to ±this, and NaN set to 0. An
 * absurd input (a feature or embedding value of 1e300; events are validated finite, not bounded)
 * would otherwise become ±∞ in Float32: every distance to that query ∞ (or NaN against another
 * infinite one), the k-NN mean ∞ for the next k queries, and the PRADA test NaN — a way to
 * switch the client rules off. 1e6 standardized units is far beyond any real value, and squared
 * distances of clamped vectors stay finite.
 */
export const COORDINATE_CLIP = 1e6;

function clamp(x: number): number {
  return x > COORDINATE_CLIP ? COORDINATE_CLIP : x < -COORDINATE_CLIP ? -COORDINATE_CLIP : x || 0;
}

/** Maps standardized queries to similarity vectors (Float32: half the history memory). */
export class SimilarityMap {
  readonly dims: number;
  private readonly width: number;
  private readonly projection: Float64Array | null;

  constructor(private readonly space: FeatureSpace) {
    this.width = space.names.length + space.embeddingDims;
    this.dims = space.similarityDims;
    if (this.width > this.dims) {
      // Entries N(0, 1/dims): squared distances are preserved in expectation.
      const norm = gaussian(mulberry32(space.projectionSeed));
      const s = 1 / Math.sqrt(this.dims);
      this.projection = Float64Array.from({ length: this.dims * this.width }, () => norm() * s);
    } else this.projection = null;
  }

  map(q: StandardizedQuery): Float32Array {
    const full = new Float64Array(this.width);
    full.set(q.z, 0);
    // A missing embedding is imputed at the reference centroid (0 after standardization).
    if (q.embedding) full.set(q.embedding, this.space.names.length);
    for (let c = 0; c < this.width; c++) full[c] = clamp(full[c]!);
    const out = new Float32Array(this.dims);
    if (this.projection === null) {
      out.set(full.subarray(0, this.dims));
      return out;
    }
    for (let r = 0; r < this.dims; r++) {
      let s = 0;
      const row = r * this.width;
      for (let c = 0; c < this.width; c++) s += this.projection[row + c]! * full[c]!;
      out[r] = clamp(s);
    }
    return out;
  }
}
