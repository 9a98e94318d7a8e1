/**
 * Traffic simulator: writes inference events in the JSON event form (JSONL) for demos, replay
 * tests and benchmarks. Deterministic for a given --seed.
 *
 *   npx tsx scripts/simulate.ts --events 100000 --out events.jsonl [--features 20] [--models 2]
 *     [--clients 200] [--start 2026-11-26T12:00:00Z] [--qps 200] [--error-rate 0.01] [--seed 1]
 *     [--shift-feature f3 --shift-at 0.5 --shift-sd 0.5]
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { gaussian, mulberry32 } from '../services/common/prng.js';

export { mulberry32, gaussian } from '../services/common/prng.js';

export interface SimOptions {
  events: number;
  features: number;
  models: number;
  clients: number;
  startMs: number;
  qps: number;
  errorRate: number;
  seed: number;
  shiftFeature?: string;
  shiftAt?: number;
  shiftSd?: number;
}

/** Yields events; feature f<i> ~ N(i, 1), a logistic "fraud" model over them. */
export function* simulate(o: SimOptions): Generator<Record<string, unknown>> {
  const rand = mulberry32(o.seed);
  const norm = gaussian(rand);
  const countries = ['DE', 'FR', 'US', 'GB', 'JP'];
  for (let i = 0; i < o.events; i++) {
    const features: Record<string, number> = {};
    let z = -1;
    for (let f = 0; f < o.features; f++) {
      let x = f + norm();
      if (o.shiftFeature === `f${f}` && i >= (o.shiftAt ?? 0.5) * o.events) x += o.shiftSd ?? 0.5;
      features[`f${f}`] = Math.round(x * 1e6) / 1e6;
      z += (f % 3 === 0 ? 0.4 : -0.2) * (x - f);
    }
    const p = 1 / (1 + Math.exp(-z));
    const label = p >= 0.5 ? 'fraud' : 'ok';
    const confidence = Math.max(p, 1 - p);
    const error = rand() < o.errorRate;
    const model = `model-${i % o.models}`;
    yield {
      eventId: `sim-${o.seed}-${i}`,
      timestamp: o.startMs + Math.floor((i * 1000) / o.qps),
      modelId: model,
      modelVersion: 'v1',
      clientId: `client-${Math.floor(rand() * o.clients)}`,
      features,
      categorical: { country: countries[Math.floor(rand() * countries.length)]! },
      prediction: {
        label,
        confidence: Math.round(confidence * 1e6) / 1e6,
        probabilities: { fraud: Math.round(p * 1e6) / 1e6, ok: Math.round((1 - p) * 1e6) / 1e6 },
      },
      latencyMs: Math.round(Math.exp(2 + 0.5 * norm()) * 1000) / 1000,
      status: error ? 'ERROR' : 'OK',
      ...(error ? { errorCode: 'E_UPSTREAM' } : {}),
    };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '10000' },
      out: { type: 'string' },
      features: { type: 'string', default: '20' },
      models: { type: 'string', default: '2' },
      clients: { type: 'string', default: '200' },
      start: { type: 'string', default: '2026-11-26T12:00:00Z' },
      qps: { type: 'string', default: '200' },
      'error-rate': { type: 'string', default: '0.01' },
      seed: { type: 'string', default: '1' },
      'shift-feature': { type: 'string' },
      'shift-at': { type: 'string', default: '0.5' },
      'shift-sd': { type: 'string', default: '0.5' },
    },
  });
  const out: NodeJS.WritableStream = values.out ? createWriteStream(values.out) : process.stdout;
  const opts: SimOptions = {
    events: Number(values.events),
    features: Number(values.features),
    models: Number(values.models),
    clients: Number(values.clients),
    startMs: Date.parse(values.start!),
    qps: Number(values.qps),
    errorRate: Number(values['error-rate']),
    seed: Number(values.seed),
    ...(values['shift-feature']
      ? {
          shiftFeature: values['shift-feature'],
          shiftAt: Number(values['shift-at']),
          shiftSd: Number(values['shift-sd']),
        }
      : {}),
  };
  let buf = '';
  for (const e of simulate(opts)) {
    buf += `${JSON.stringify(e)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  if (out !== process.stdout) await new Promise<void>((r) => out.end(() => r()));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
