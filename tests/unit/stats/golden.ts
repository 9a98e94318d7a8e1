/** Helpers for the scipy/Evidently golden fixtures in tests/fixtures/stats (see scripts/golden). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { mulberry32 } from '../../../services/common/prng.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/stats/', import.meta.url));

/** A fixture number: JSON has no NaN/Infinity, so the generator writes those as strings. */
export type FixtureNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function num(v: FixtureNumber): number {
  return typeof v === 'number' ? v : Number(v);
}

export function loadFixture<T>(name: string): { cases: T[]; versions: Record<string, string> } {
  return JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as {
    cases: T[];
    versions: Record<string, string>;
  };
}

/** Relative error with an absolute floor (values near 0 compare absolutely). */
export function relErr(actual: number, expected: number, absTol: number): number {
  if (Object.is(actual, expected) || (Number.isNaN(actual) && Number.isNaN(expected))) return 0;
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return Infinity;
  const diff = Math.abs(actual - expected);
  if (diff <= absTol) return 0;
  return diff / Math.abs(expected);
}

/** Asserts |actual − expected| ≤ max(rel·|expected|, abs); NaN matches NaN, ±∞ must be equal. */
export function expectClose(
  actual: number,
  expected: number,
  rel: number,
  abs = 1e-300,
  label = '',
): void {
  const err = relErr(actual, expected, abs);
  expect(
    err,
    `${label}: actual ${actual} expected ${expected} (rel err ${err})`,
  ).toBeLessThanOrEqual(rel);
}

/** Tolerances required by the brief: statistics 1e-9 relative, p-values 1e-6 relative. */
export const STAT_REL = 1e-9;
export const P_REL = 1e-6;
/** p-values closer than this to their reference are treated as equal (underflow region). */
export const P_ABS = 1e-300;

/** Seeded uniform numbers in [0, 1) (mulberry32, services/common/prng.ts). */
export const rng = mulberry32;

/** Standard normal draws by Box–Muller. */
export function normals(next: () => number, n: number, mean = 0, sd = 1): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - next();
    const v = next();
    out.push(mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}
