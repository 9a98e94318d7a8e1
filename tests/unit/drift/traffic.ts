/** Simulated model traffic for the drift tests (pure, seeded). */
import type { InferenceEvent } from '../../../services/common/event.js';
import { mulberry32 } from '../../../services/common/prng.js';

/** Seeded uniform numbers in [0, 1) (mulberry32, services/common/prng.ts). */
export const rng = mulberry32;

export function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export interface TrafficOptions {
  n: number;
  seed: number;
  features?: number;
  /** Feature index → mean shift in reference standard deviations (all features have std 1, mean f). */
  shift?: Record<number, number>;
  startMs?: number;
  /** Event spacing in ms. Default 10. */
  stepMs?: number;
  modelId?: string;
  modelVersion?: string;
  idPrefix?: string;
  categorical?: boolean;
}

/** Events with features f0..f{k-1} ~ N(i, 1), optional categorical `country`, labels and confidence. */
export function traffic(o: TrafficOptions): InferenceEvent[] {
  const r = rng(o.seed);
  const k = o.features ?? 20;
  const out: InferenceEvent[] = [];
  for (let i = 0; i < o.n; i++) {
    const features: Record<string, number> = {};
    for (let f = 0; f < k; f++)
      features[`f${String(f).padStart(2, '0')}`] = f + normal(r) + (o.shift?.[f] ?? 0);
    const conf = 0.5 + 0.5 * r();
    const u = r();
    out.push({
      eventId: `${o.idPrefix ?? 'e'}-${o.seed}-${i}`,
      timestamp: (o.startMs ?? Date.UTC(2026, 10, 26)) + i * (o.stepMs ?? 10),
      modelId: o.modelId ?? 'fraud',
      modelVersion: o.modelVersion ?? 'v1',
      clientId: 'c',
      features,
      categorical: o.categorical
        ? {
            country:
              u < 0.5 ? 'DE' : u < 0.8 ? 'FR' : u < 0.95 ? 'IT' : `X${Math.floor(r() * 100)}`,
          }
        : {},
      embedding: null,
      prediction: {
        label: conf > 0.8 ? 'fraud' : 'ok',
        confidence: conf,
        probabilities: {},
        score: null,
      },
      latencyMs: 1,
      status: 'OK',
      errorCode: null,
      metadata: {},
    });
  }
  return out;
}
