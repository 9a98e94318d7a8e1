import { mulberry32 } from '../../../services/common/prng.js';
/** Seeded uniform numbers in [0, 1) (mulberry32, services/common/prng.ts). */
export const rng = mulberry32;

/** Standard normal via Box–Muller. */
export function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Lognormal with the given log-mean and log-sd. */
export function lognormal(random: () => number, mu: number, sigma: number): number {
  return Math.exp(mu + sigma * normal(random));
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}
