/**
 * Window-metrics rows for the dashboard test: 2 models x 2 versions x N consecutive one-minute
 * windows, shaped like the metrics service's output (vigil.v1.WindowMetrics) and mapped to
 * ClickHouse rows by the sink's own mapping, so every column is present (ClickHouse 18.16 applies
 * no DEFAULTs to omitted JSONEachRow fields). Counts, error counts, the confidence histogram, the
 * low-confidence count and the label counts agree with each other; the latency sketch is left empty
 * (no panel reads it).
 *
 * This is the one place the dashboard test gets its data from: to test the panels on rows produced
 * by the real metrics service instead, replace `syntheticWindowMetrics` (keep the return type).
 */
import { windowMetricsToRow, type WindowMetricsRecord } from '../../../services/sink/rows.js';

export const WINDOW_MS = 60_000;
export const CONFIDENCE_BINS = 20;
export const LOW_CONFIDENCE_THRESHOLD = 0.6;

export interface WindowSpec {
  models: string[];
  versions: string[];
  windows: number;
  /** Start of the first window, epoch ms (a multiple of WINDOW_MS). */
  startMs: number;
}

/** Deterministic PRNG (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One WindowMetrics per (model, version, window), internally consistent. */
export function syntheticWindowMetrics(spec: WindowSpec): WindowMetricsRecord[] {
  const rand = rng(42);
  const out: WindowMetricsRecord[] = [];
  spec.models.forEach((modelId, mi) => {
    spec.versions.forEach((modelVersion, vi) => {
      // The second version of each model is "worse": slower, more errors, less confident.
      const base = {
        qps: 5 + 3 * mi,
        latency: 20 + 15 * vi,
        errors: 0.01 + 0.04 * vi,
        conf: 0.85 - 0.2 * vi,
      };
      for (let w = 0; w < spec.windows; w++) {
        const windowStart = spec.startMs + w * WINDOW_MS;
        const count = Math.round(base.qps * 60 * (0.8 + 0.4 * rand()));
        const errorCount = Math.round(count * base.errors * (0.5 + rand()));
        const ok = count - errorCount;
        // Confidence of OK events: spread around base.conf over the 20 bins.
        const hist = new Array<number>(CONFIDENCE_BINS).fill(0);
        let confSum = 0;
        for (let k = 0; k < ok; k++) {
          const c = Math.min(1, Math.max(0, base.conf + (rand() + rand() + rand() - 1.5) * 0.3));
          confSum += c;
          hist[Math.min(CONFIDENCE_BINS - 1, Math.floor(c * CONFIDENCE_BINS))]! += 1;
        }
        const lowConfidenceCount = hist
          .slice(0, Math.round(LOW_CONFIDENCE_THRESHOLD * CONFIDENCE_BINS))
          .reduce((a, b) => a + b, 0);
        const mean = base.latency * (0.9 + 0.2 * rand());
        const fraudShare = 0.1 + 0.05 * rand();
        const fraud = Math.round(ok * fraudShare);
        out.push({
          modelId,
          modelVersion,
          windowStart,
          windowEnd: windowStart + WINDOW_MS,
          count,
          qps: count / (WINDOW_MS / 1000),
          errorCount,
          errorRate: count > 0 ? errorCount / count : 0,
          latencyMean: count > 0 ? mean : null,
          latencyP50: count > 0 ? mean * 0.9 : null,
          latencyP95: count > 0 ? mean * 2.2 : null,
          latencyP99: count > 0 ? mean * 3.5 : null,
          latencyMin: count > 0 ? mean * 0.2 : null,
          latencyMax: count > 0 ? mean * 5 : null,
          confidenceMean: ok > 0 ? confSum / ok : null,
          confidenceHistogram: hist,
          lowConfidenceCount,
          lowConfidenceThreshold: LOW_CONFIDENCE_THRESHOLD,
          labelCounts: [
            { label: 'ok', count: ok - fraud },
            { label: 'fraud', count: fraud },
          ],
          sketch: { relativeAccuracy: 0.01, maxBins: 2048, indexes: [], counts: [], zeroCount: 0, count: 0, min: null, max: null, sumPartials: [] },
        });
      }
    });
  });
  return out;
}

/** The ClickHouse rows (JSONEachRow objects) for window metrics, as the sink writes them. */
export function windowMetricsRows(
  metrics: WindowMetricsRecord[],
  insertedAtMs = Date.now(),
): Array<Record<string, unknown>> {
  return metrics.map((m) => windowMetricsToRow(m, insertedAtMs));
}
