/**
 * Reference profiles (pure, no I/O): what the drift service compares each window against.
 *
 * A profile is built from reference traffic (a file or a stable production window) for one model
 * version and holds, with bounded memory whatever the reference size:
 * - per numeric feature: a uniform sample of at most `reservoirSize` values (seeded Algorithm R,
 *   one independent stream per feature), the reference decile edges for streaming PSI (the stats
 *   core's `referenceDecileEdges` of that sample) and the sample counted into them, count,
 *   missing count, distinct count (exact up to a cap), mean, population std, min and max;
 * - per categorical feature: the `topCategories` most frequent categories with counts and shares,
 *   the rest folded into `__other__`;
 * - the predicted-label distribution (as a categorical feature) and the confidence distribution
 *   (as a numeric one).
 *
 * Decile edges and the sample are exact functions of the reference when it has at most
 * `reservoirSize` values of that feature (the sample then IS the reference); above that they are
 * those of a uniform sample. Counts, mean, std, min and max always cover every value.
 *
 * Each feature's sample only depends on the feature's own value sequence, so feeding a file
 * column by column and feeding it row by row give the same profile. `profileVersion` is a content
 * hash (model, version, settings, statistics; not the creation time or the source's name), so the
 * same reference data always yields the same id.
 */
import { createHash } from 'node:crypto';
import type { InferenceEvent } from '../common/event.js';
import { PsiAccumulator, referenceDecileEdges } from '../stats/binning.js';
import { deriveSeed, Reservoir } from './reservoir.js';

export const PROFILE_FORMAT = 'vigil.reference-profile';
export const PROFILE_FORMAT_VERSION = 1;
/** Default values kept per numeric feature. */
export const DEFAULT_RESERVOIR_SIZE = 5000;
/** Default categories kept per categorical feature before `__other__`. */
export const DEFAULT_TOP_CATEGORIES = 50;
/** Distinct values counted exactly up to this many per feature; beyond, `distinct` is a lower bound. */
export const DEFAULT_DISTINCT_CAP = 10_000;
/** Default cap on features per profile (the event contract allows 1,000 numeric + 1,000 categorical). */
export const DEFAULT_MAX_FEATURES = 2000;
/** The category every value outside a profile's top categories counts as. */
export const OTHER_CATEGORY = '__other__';
/** Column names of the prediction parts (as `vigil drift compare` names them for event files). */
export const LABEL_COLUMN = 'prediction.label';
export const CONFIDENCE_COLUMN = 'prediction.confidence';

export interface NumericProfile {
  /** Finite values seen. */
  count: number;
  /** Missing or non-finite values seen (rows where the feature was absent are not counted). */
  missing: number;
  /** Distinct finite values, exact up to the cap. */
  distinct: number;
  distinctCapped: boolean;
  mean: number;
  /** Population standard deviation. */
  std: number;
  min: number;
  max: number;
  /** The reservoir sample, ascending. */
  sample: number[];
  /** `referenceDecileEdges(sample)`: 9 inner edges of the streaming PSI binning. */
  decileEdges: number[];
  /** The sample counted into the 10 decile bins (the PSI reference side). */
  decileCounts: number[];
}

export interface CategoricalProfile {
  count: number;
  missing: number;
  distinct: number;
  distinctCapped: boolean;
  /** Most frequent categories, by count descending then by code unit order. */
  categories: string[];
  counts: number[];
  shares: number[];
  /** Values outside `categories`. */
  otherCount: number;
  otherShare: number;
}

export interface ReferenceProfile {
  format: typeof PROFILE_FORMAT;
  formatVersion: typeof PROFILE_FORMAT_VERSION;
  /** Content hash; used as the profile id everywhere (ClickHouse `profile_id`, reports). */
  profileVersion: string;
  modelId: string;
  modelVersion: string;
  /** ISO-8601. */
  createdAt: string;
  /** Where the reference came from (informational, not hashed). */
  source: string;
  /** Reference records read. */
  rows: number;
  settings: { reservoirSize: number; seed: number; topCategories: number; distinctCap: number };
  /** Sorted by name. */
  numeric: Record<string, NumericProfile>;
  categorical: Record<string, CategoricalProfile>;
  prediction: { label: CategoricalProfile | null; confidence: NumericProfile | null };
}

export interface ProfileOptions {
  modelId: string;
  modelVersion: string;
  /** Default 5,000. */
  reservoirSize?: number;
  /** Default 1. */
  seed?: number;
  /** Default 50. */
  topCategories?: number;
  /** Default 10,000. */
  distinctCap?: number;
  /** Cap on distinct feature names (numeric + categorical); extra features are ignored and counted. Default 2,000. */
  maxFeatures?: number;
  /** Informational. */
  source?: string;
  /** Injected clock for `createdAt`. Default Date.now. */
  clock?: () => number;
}

/** A record in the row form: what a CSV row or a flat JSON line becomes. */
export interface ProfileRow {
  features?: Readonly<Record<string, number | null | undefined>>;
  categorical?: Readonly<Record<string, string | null | undefined>>;
  label?: string | null;
  confidence?: number | null;
}

class NumericCollector {
  readonly reservoir: Reservoir<number>;
  count = 0;
  missing = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly distinct = new Set<number>();
  private distinctCapped = false;

  constructor(
    capacity: number,
    seed: number,
    private readonly distinctCap: number,
  ) {
    this.reservoir = new Reservoir<number>(capacity, seed);
  }

  add(v: number | null | undefined): void {
    if (v === null || v === undefined || !Number.isFinite(v)) {
      this.missing++;
      return;
    }
    this.count++;
    const d = v - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (v - this.mean);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (!this.distinctCapped && !this.distinct.has(v)) {
      if (this.distinct.size >= this.distinctCap) this.distinctCapped = true;
      else this.distinct.add(v);
    }
    this.reservoir.add(v);
  }

  finish(): NumericProfile | null {
    if (this.count === 0) return null;
    const sample = Float64Array.from(this.reservoir.items).sort();
    const edges = referenceDecileEdges(sample);
    const acc = new PsiAccumulator(edges).addAll(sample);
    return {
      count: this.count,
      missing: this.missing,
      distinct: this.distinct.size,
      distinctCapped: this.distinctCapped,
      mean: this.mean,
      std: Math.sqrt(this.m2 / this.count),
      min: this.min,
      max: this.max,
      sample: Array.from(sample),
      decileEdges: edges,
      decileCounts: acc.counts,
    };
  }
}

class CategoricalCollector {
  count = 0;
  missing = 0;
  private readonly counts = new Map<string, number>();
  /** Values of categories first seen after the tracking cap: they can only be "other". */
  private untracked = 0;
  private capped = false;

  constructor(private readonly distinctCap: number) {}

  add(v: string | number | boolean | null | undefined): void {
    if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) {
      this.missing++;
      return;
    }
    const s = String(v);
    this.count++;
    const c = this.counts.get(s);
    if (c !== undefined) this.counts.set(s, c + 1);
    else if (this.counts.size < this.distinctCap) this.counts.set(s, 1);
    else {
      this.capped = true;
      this.untracked++;
    }
  }

  finish(top: number): CategoricalProfile | null {
    if (this.count === 0) return null;
    const sorted = [...this.counts].sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
    );
    const kept = sorted.slice(0, top);
    const otherCount = this.count - kept.reduce((s, [, c]) => s + c, 0);
    return {
      count: this.count,
      missing: this.missing,
      distinct: this.counts.size,
      distinctCapped: this.capped,
      categories: kept.map(([k]) => k),
      counts: kept.map(([, c]) => c),
      shares: kept.map(([, c]) => c / this.count),
      otherCount,
      otherShare: otherCount / this.count,
    };
  }

  get untrackedValues(): number {
    return this.untracked;
  }
}

/** Streaming profile builder: feed events, rows or columns, then {@link ProfileBuilder.finish}. */
export class ProfileBuilder {
  readonly reservoirSize: number;
  readonly seed: number;
  readonly topCategories: number;
  readonly distinctCap: number;
  readonly maxFeatures: number;
  private readonly numeric = new Map<string, NumericCollector>();
  private readonly categorical = new Map<string, CategoricalCollector>();
  private readonly label: CategoricalCollector;
  private readonly confidence: NumericCollector;
  private rows = 0;
  /** Values of features beyond `maxFeatures`, ignored. */
  ignoredValues = 0;

  constructor(private readonly o: ProfileOptions) {
    this.reservoirSize = o.reservoirSize ?? DEFAULT_RESERVOIR_SIZE;
    this.seed = (o.seed ?? 1) >>> 0;
    this.topCategories = o.topCategories ?? DEFAULT_TOP_CATEGORIES;
    this.distinctCap = o.distinctCap ?? DEFAULT_DISTINCT_CAP;
    this.maxFeatures = o.maxFeatures ?? DEFAULT_MAX_FEATURES;
    for (const [k, v] of Object.entries({
      reservoirSize: this.reservoirSize,
      topCategories: this.topCategories,
      distinctCap: this.distinctCap,
      maxFeatures: this.maxFeatures,
    })) {
      if (!Number.isSafeInteger(v) || v < 1)
        throw new RangeError(`${k} must be a positive integer, got ${v}`);
    }
    if (!o.modelId || !o.modelVersion)
      throw new RangeError('a profile needs modelId and modelVersion');
    this.label = new CategoricalCollector(this.distinctCap);
    this.confidence = new NumericCollector(
      this.reservoirSize,
      deriveSeed(this.seed, 'prediction', CONFIDENCE_COLUMN),
      this.distinctCap,
    );
  }

  private featureCount(): number {
    return this.numeric.size + this.categorical.size;
  }

  /** Counts one reference record (call once per row/event, whatever its columns). */
  addRecord(n = 1): void {
    this.rows += n;
  }

  addNumeric(name: string, value: number | null | undefined): void {
    let c = this.numeric.get(name);
    if (c === undefined) {
      if (this.categorical.has(name))
        throw new RangeError(`feature ${JSON.stringify(name)} is both numeric and categorical`);
      if (this.featureCount() >= this.maxFeatures) {
        this.ignoredValues++;
        return;
      }
      c = new NumericCollector(
        this.reservoirSize,
        deriveSeed(this.seed, 'numeric', name),
        this.distinctCap,
      );
      this.numeric.set(name, c);
    }
    c.add(value);
  }

  addCategorical(name: string, value: string | number | boolean | null | undefined): void {
    let c = this.categorical.get(name);
    if (c === undefined) {
      if (this.numeric.has(name))
        throw new RangeError(`feature ${JSON.stringify(name)} is both numeric and categorical`);
      if (this.featureCount() >= this.maxFeatures) {
        this.ignoredValues++;
        return;
      }
      c = new CategoricalCollector(this.distinctCap);
      this.categorical.set(name, c);
    }
    c.add(value);
  }

  addLabel(value: string | number | boolean | null | undefined): void {
    this.label.add(value);
  }

  addConfidence(value: number | null | undefined): void {
    this.confidence.add(value);
  }

  /** One inference event. The prediction parts count only for OK events. */
  addEvent(e: InferenceEvent): void {
    this.addRecord();
    for (const [k, v] of Object.entries(e.features)) this.addNumeric(k, v);
    for (const [k, v] of Object.entries(e.categorical)) this.addCategorical(k, v);
    if (e.status === 'OK') {
      this.addLabel(e.prediction.label);
      this.addConfidence(e.prediction.confidence);
    }
  }

  addRow(r: ProfileRow): void {
    this.addRecord();
    for (const [k, v] of Object.entries(r.features ?? {})) this.addNumeric(k, v);
    for (const [k, v] of Object.entries(r.categorical ?? {})) this.addCategorical(k, v);
    if (r.label !== undefined) this.addLabel(r.label);
    if (r.confidence !== undefined) this.addConfidence(r.confidence);
  }

  finish(): ReferenceProfile {
    const numeric: Record<string, NumericProfile> = {};
    for (const name of [...this.numeric.keys()].sort(byCodeUnit)) {
      const p = this.numeric.get(name)!.finish();
      if (p !== null) numeric[name] = p;
    }
    const categorical: Record<string, CategoricalProfile> = {};
    for (const name of [...this.categorical.keys()].sort(byCodeUnit)) {
      const p = this.categorical.get(name)!.finish(this.topCategories);
      if (p !== null) categorical[name] = p;
    }
    const body = {
      modelId: this.o.modelId,
      modelVersion: this.o.modelVersion,
      rows: this.rows,
      settings: {
        reservoirSize: this.reservoirSize,
        seed: this.seed,
        topCategories: this.topCategories,
        distinctCap: this.distinctCap,
      },
      numeric,
      categorical,
      prediction: {
        label: this.label.finish(this.topCategories),
        confidence: this.confidence.finish(),
      },
    };
    return {
      format: PROFILE_FORMAT,
      formatVersion: PROFILE_FORMAT_VERSION,
      profileVersion: contentHash(body),
      modelId: body.modelId,
      modelVersion: body.modelVersion,
      createdAt: new Date((this.o.clock ?? Date.now)()).toISOString(),
      source: this.o.source ?? '',
      rows: body.rows,
      settings: body.settings,
      numeric: body.numeric,
      categorical: body.categorical,
      prediction: body.prediction,
    };
  }
}

/** Builds a profile from inference events or rows in one call. */
export function buildProfile(
  input: Iterable<InferenceEvent | ProfileRow>,
  options: ProfileOptions,
): ReferenceProfile {
  const b = new ProfileBuilder(options);
  for (const r of input) {
    if (isEvent(r)) b.addEvent(r);
    else b.addRow(r);
  }
  return b.finish();
}

function isEvent(r: InferenceEvent | ProfileRow): r is InferenceEvent {
  return (
    typeof (r as InferenceEvent).eventId === 'string' &&
    typeof (r as InferenceEvent).prediction === 'object'
  );
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `p` + the first 16 hex digits of SHA-256 over the JSON of the profile's content. */
export function contentHash(body: unknown): string {
  return `p${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16)}`;
}

/** The hash a profile should carry, recomputed from its content (to check an imported file). */
export function expectedProfileVersion(p: ReferenceProfile): string {
  return contentHash({
    modelId: p.modelId,
    modelVersion: p.modelVersion,
    rows: p.rows,
    settings: p.settings,
    numeric: p.numeric,
    categorical: p.categorical,
    prediction: p.prediction,
  });
}

/**
 * Checks that `json` (e.g. a parsed profile file or a ClickHouse `profile_json`) is a profile of
 * this format and that its content matches its `profileVersion`. Throws a RangeError naming the
 * first problem.
 */
export function parseProfile(json: unknown): ReferenceProfile {
  const p = json as Partial<ReferenceProfile> | null;
  if (p === null || typeof p !== 'object') throw new RangeError('profile: not a JSON object');
  if (p.format !== PROFILE_FORMAT)
    throw new RangeError(
      `profile: format must be "${PROFILE_FORMAT}", got ${JSON.stringify(p.format)}`,
    );
  if (p.formatVersion !== PROFILE_FORMAT_VERSION)
    throw new RangeError(`profile: unsupported formatVersion ${JSON.stringify(p.formatVersion)}`);
  for (const k of ['profileVersion', 'modelId', 'modelVersion', 'createdAt'] as const) {
    if (typeof p[k] !== 'string' || p[k] === '')
      throw new RangeError(`profile: ${k} must be a non-empty string`);
  }
  if (typeof p.numeric !== 'object' || p.numeric === null)
    throw new RangeError('profile: numeric must be an object');
  if (typeof p.categorical !== 'object' || p.categorical === null)
    throw new RangeError('profile: categorical must be an object');
  if (typeof p.prediction !== 'object' || p.prediction === null)
    throw new RangeError('profile: prediction must be an object');
  const full = p as ReferenceProfile;
  for (const [name, f] of Object.entries(full.numeric)) {
    if (!Array.isArray(f.sample) || f.sample.length === 0 || !f.sample.every(Number.isFinite))
      throw new RangeError(
        `profile: numeric.${name}.sample must be a non-empty array of finite numbers`,
      );
    if (!Array.isArray(f.decileEdges) || f.decileEdges.length !== 9)
      throw new RangeError(`profile: numeric.${name}.decileEdges must hold 9 numbers`);
    if (!Array.isArray(f.decileCounts) || f.decileCounts.length !== 10)
      throw new RangeError(`profile: numeric.${name}.decileCounts must hold 10 numbers`);
  }
  for (const [name, f] of Object.entries(full.categorical)) {
    if (
      !Array.isArray(f.categories) ||
      !Array.isArray(f.counts) ||
      f.categories.length !== f.counts.length
    )
      throw new RangeError(
        `profile: categorical.${name} needs categories and counts of equal length`,
      );
  }
  const want = expectedProfileVersion(full);
  if (want !== full.profileVersion)
    throw new RangeError(
      `profile: profileVersion ${full.profileVersion} does not match its content (${want}); the file was edited or damaged`,
    );
  return full;
}
