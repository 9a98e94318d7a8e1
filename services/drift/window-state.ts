/**
 * What the drift service keeps per (model version, window), and the window verdict (pure).
 *
 * Bounded memory: per tested numeric column a reservoir of at most `reservoirSize` values (seeded
 * from the window's first event id, so a replay of the same records rebuilds the same sample) and
 * 10 PSI bin counts over every value; per categorical column one count per profile category plus
 * `__other__`. The profile caps the columns (`maxFeatures`), so a window's size does not depend on
 * the traffic's cardinality: state ≈ columns × reservoirSize × 8 bytes.
 */
import type { InferenceEvent } from '../common/event.js';
import type { Aggregate } from '../stream/aggregate.js';
import { PsiAccumulator } from '../stats/binning.js';
import {
  summarize,
  testCategorical,
  testNumeric,
  type FeatureDrift,
  type PreparedCategorical,
  type PreparedNumeric,
  type PreparedProfile,
  type VerdictOptions,
} from './compare.js';
import type { DriftReport } from './report.js';
import { deriveSeed, Reservoir, SeededRandom } from './reservoir.js';

interface NumericWindowColumn {
  ref: PreparedNumeric;
  sample: Reservoir<number>;
  psi: PsiAccumulator;
}

interface CategoricalWindowColumn {
  ref: PreparedCategorical;
  counts: number[];
}

type WindowColumn = NumericWindowColumn | CategoricalWindowColumn;

export interface DriftWindowState {
  /** Null until the first event (the profile is resolved from it). */
  profile: PreparedProfile | null;
  count: number;
  /** Event-time range of the events folded in (count windows report it as their bounds). */
  minTs: number;
  maxTs: number;
  columns: WindowColumn[];
  label: CategoricalWindowColumn | null;
  confidence: NumericWindowColumn | null;
}

export interface DriftAggregateOptions {
  /** Values kept per numeric column per window. */
  reservoirSize: number;
  /** Base seed of the window samples. Default 1. */
  seed?: number;
  /** The profile an event is compared against (the caller skips events without one). */
  profileFor: (e: InferenceEvent) => PreparedProfile | undefined;
}

/** The window engine's aggregate for drift (see services/stream/aggregate.ts). */
export class DriftAggregate implements Aggregate<DriftWindowState, InferenceEvent> {
  constructor(private readonly o: DriftAggregateOptions) {
    if (!Number.isSafeInteger(o.reservoirSize) || o.reservoirSize < 1)
      throw new RangeError('reservoirSize must be a positive integer');
  }

  create(): DriftWindowState {
    return {
      profile: null,
      count: 0,
      minTs: Infinity,
      maxTs: -Infinity,
      columns: [],
      label: null,
      confidence: null,
    };
  }

  private init(s: DriftWindowState, e: InferenceEvent): void {
    const p = this.o.profileFor(e);
    if (p === undefined) throw new RangeError(`no profile for ${e.modelId}/${e.modelVersion}`);
    const seed = deriveSeed(this.o.seed ?? 1, e.modelId, e.modelVersion, e.eventId);
    const numeric = (ref: PreparedNumeric): NumericWindowColumn => ({
      ref,
      sample: new Reservoir<number>(this.o.reservoirSize, deriveSeed(seed, ref.name)),
      psi: new PsiAccumulator(ref.edges),
    });
    const categorical = (ref: PreparedCategorical): CategoricalWindowColumn => ({
      ref,
      counts: new Array<number>(ref.categories.length).fill(0),
    });
    s.profile = p;
    s.columns = p.features.map((f) => (f.kind === 'numeric' ? numeric(f) : categorical(f)));
    s.label = p.label ? categorical(p.label) : null;
    s.confidence = p.confidence ? numeric(p.confidence) : null;
  }

  add(s: DriftWindowState, e: InferenceEvent): void {
    if (s.profile === null) this.init(s, e);
    s.count++;
    if (e.timestamp < s.minTs) s.minTs = e.timestamp;
    if (e.timestamp > s.maxTs) s.maxTs = e.timestamp;
    for (const c of s.columns) {
      if (c.ref.kind === 'numeric') {
        const v = e.features[c.ref.name];
        if (v !== undefined && Number.isFinite(v)) addNumber(c as NumericWindowColumn, v);
      } else {
        const v = e.categorical[c.ref.name];
        if (v !== undefined) addCategory(c as CategoricalWindowColumn, v);
      }
    }
    if (e.status === 'OK') {
      if (s.label) addCategory(s.label, e.prediction.label);
      if (s.confidence && Number.isFinite(e.prediction.confidence))
        addNumber(s.confidence, e.prediction.confidence);
    }
  }

  /**
   * Combines two partial windows of the same profile: counts add up; samples are merged into a
   * uniform sample of the union (each slot drawn from a side with probability proportional to the
   * values it stands for, deterministically). Used only when states built apart meet.
   */
  merge(a: DriftWindowState, b: DriftWindowState): DriftWindowState {
    if (b.profile === null) return a;
    if (a.profile === null) {
      Object.assign(a, { ...b, columns: b.columns });
      return a;
    }
    if (a.profile.profileId !== b.profile.profileId)
      throw new RangeError('cannot merge drift windows built on different profiles');
    a.count += b.count;
    a.minTs = Math.min(a.minTs, b.minTs);
    a.maxTs = Math.max(a.maxTs, b.maxTs);
    const mergeCol = (x: WindowColumn, y: WindowColumn): void => {
      if ('counts' in x && 'counts' in y)
        y.counts.forEach((c, i) => (x.counts[i] = x.counts[i]! + c));
      else if ('sample' in x && 'sample' in y) {
        x.psi.merge(y.psi);
        x.sample = mergeReservoirs(
          x.sample,
          y.sample,
          this.o.reservoirSize,
          deriveSeed(this.o.seed ?? 1, 'merge', x.ref.name),
        );
      }
    };
    a.columns.forEach((c, i) => mergeCol(c, b.columns[i]!));
    if (a.label && b.label) mergeCol(a.label, b.label);
    if (a.confidence && b.confidence) mergeCol(a.confidence, b.confidence);
    return a;
  }
}

function addNumber(c: NumericWindowColumn, v: number): void {
  c.sample.add(v);
  c.psi.add(v);
}

function addCategory(c: CategoricalWindowColumn, v: string): void {
  const i = c.ref.index.get(v) ?? c.ref.categories.length - 1;
  c.counts[i] = c.counts[i]! + 1;
}

function mergeReservoirs(
  a: Reservoir<number>,
  b: Reservoir<number>,
  capacity: number,
  seed: number,
): Reservoir<number> {
  const rng = new SeededRandom(seed);
  const pa = [...a.items];
  const pb = [...b.items];
  // Each kept value stands for seen/size values of its stream; draw without replacement by weight.
  const wa = a.size === 0 ? 0 : a.seen / a.size;
  const wb = b.size === 0 ? 0 : b.seen / b.size;
  const items: number[] = [];
  const k = Math.min(capacity, pa.length + pb.length);
  while (items.length < k) {
    const fromA =
      pb.length === 0 ||
      (pa.length > 0 && rng.next() * (pa.length * wa + pb.length * wb) < pa.length * wa);
    const src = fromA ? pa : pb;
    const j = Math.floor(rng.next() * src.length);
    items.push(src[j]!);
    src[j] = src[src.length - 1]!;
    src.pop();
  }
  return Reservoir.fromJSON({ capacity, seen: a.seen + b.seen, rng: rng.seedState, items });
}

export interface EvaluateOptions extends VerdictOptions {
  /** Values compared per column per window: the categorical counts are scaled to it. */
  reservoirSize: number;
}

/** Tests every column of a closed window and builds its {@link DriftReport}. */
export function evaluateWindow(
  s: DriftWindowState,
  bounds: {
    modelId: string;
    modelVersion: string;
    windowStart: number;
    windowEnd: number;
    windowKind: 'TIME' | 'COUNT';
  },
  o: EvaluateOptions,
): DriftReport {
  if (s.profile === null) throw new RangeError('evaluateWindow: empty window');
  const features: FeatureDrift[] = [];
  const missing: string[] = [];
  const test = (c: WindowColumn): FeatureDrift | null => {
    if ('sample' in c)
      return c.sample.size === 0 ? null : testNumeric(c.ref, c.sample.items, c.psi, o.thresholds);
    return c.counts.some((x) => x > 0)
      ? testCategorical(c.ref, c.counts, o.reservoirSize, o.thresholds)
      : null;
  };
  for (const c of s.columns) {
    const f = test(c);
    if (f === null) missing.push(c.ref.name);
    else features.push(f);
  }
  for (const c of [s.label, s.confidence]) {
    if (c === null) continue;
    const f = test(c);
    if (f !== null) features.push(f);
  }
  const v = summarize(features, missing, o);
  return {
    modelId: bounds.modelId,
    modelVersion: bounds.modelVersion,
    windowStart: bounds.windowStart,
    windowEnd: bounds.windowEnd,
    windowKind: bounds.windowKind,
    count: s.count,
    profileId: s.profile.profileId,
    features: v.features,
    missingFeatures: v.missingFeatures,
    driftedCount: v.driftedCount,
    driftedShare: v.driftedShare,
    driftShareThreshold: v.driftShareThreshold,
    datasetDrifted: v.datasetDrifted,
    topDrifted: v.topDrifted,
  };
}
