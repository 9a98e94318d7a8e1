/** What every attack shares: vectors in the model's standardized input space ("u-space"). */
import type { Vec } from '../dataset.js';

/** Label-only access to the victim: each call is one query the guard sees. */
export interface LabelOracle {
  /** 1 = fraud, 0 = ok. The input is clipped into the valid box first; the clipped input is the query. */
  label(u: Vec): number;
  /** Queries made so far, in order (clipped inputs). */
  readonly queries: Vec[];
}

export function makeOracle(clip: (u: Vec) => Vec, probaU: (u: Vec) => number): LabelOracle {
  const queries: Vec[] = [];
  return {
    queries,
    label(u: Vec): number {
      const q = clip(u);
      queries.push(q);
      return probaU(q) >= 0.5 ? 1 : 0;
    },
  };
}

export function l2(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

export function linf(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i]! - b[i]!));
  return s;
}

export function norm2(a: Vec): number {
  let s = 0;
  for (const x of a) s += x * x;
  return Math.sqrt(s);
}
