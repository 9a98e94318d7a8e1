/**
 * Double-double arithmetic (≈106-bit significand), a port of the subset of the QD package that
 * scipy's `xsf/cephes/dd_real.h` uses for the one-sided Smirnov distribution. The only deviation
 * is `twoProd`: C uses a fused multiply-add, JavaScript has none, so Dekker's split computes the
 * same exact error term.
 */
import { frexp, ldexp } from './numeric.js';

const SPLITTER = 134217729.0; // 2^27 + 1
const SPLIT_THRESH = 6.69692879491417e299; // 2^996

export class DD {
  constructor(
    readonly hi: number,
    readonly lo: number = 0,
  ) {}
}

function quickTwoSum(a: number, b: number): [number, number] {
  const s = a + b;
  return [s, b - (s - a)];
}

function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const c = s - a;
  const d = b - c;
  const e = s - c;
  return [s, a - e + d];
}

function split(a: number): [number, number] {
  if (a > SPLIT_THRESH || a < -SPLIT_THRESH) {
    const as = a * 3.7252902984619140625e-9; // 2^-28
    const t = SPLITTER * as;
    const hi = t - (t - as);
    const lo = as - hi;
    return [hi * 268435456.0, lo * 268435456.0];
  }
  const t = SPLITTER * a;
  const hi = t - (t - a);
  return [hi, a - hi];
}

function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const err = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, err];
}

export function dd(x: number): DD {
  return new DD(x, 0);
}

export function add(a: DD, b: DD): DD {
  let [s1, s2] = twoSum(a.hi, b.hi);
  const [t1, t2] = twoSum(a.lo, b.lo);
  s2 += t1;
  [s1, s2] = quickTwoSum(s1, s2);
  s2 += t2;
  [s1, s2] = quickTwoSum(s1, s2);
  return new DD(s1, s2);
}

export function addD(a: DD, b: number): DD {
  let [s1, s2] = twoSum(a.hi, b);
  s2 += a.lo;
  [s1, s2] = quickTwoSum(s1, s2);
  return new DD(s1, s2);
}

export function neg(a: DD): DD {
  return new DD(-a.hi, -a.lo);
}

export function sub(a: DD, b: DD): DD {
  return add(a, neg(b));
}

export function subD(a: DD, b: number): DD {
  let [s1, s2] = twoSum(a.hi, -b);
  s2 += a.lo;
  [s1, s2] = quickTwoSum(s1, s2);
  return new DD(s1, s2);
}

export function mul(a: DD, b: DD): DD {
  let [p1, p2] = twoProd(a.hi, b.hi);
  p2 += a.hi * b.lo + a.lo * b.hi;
  [p1, p2] = quickTwoSum(p1, p2);
  return new DD(p1, p2);
}

export function mulD(a: DD, b: number): DD {
  const [p1, e1] = twoProd(a.hi, b);
  const [p2, e2] = twoProd(a.lo, b);
  const [s, e] = quickTwoSum(p1, e2 + p2 + e1);
  return new DD(s, e);
}

export function div(a: DD, b: DD): DD {
  let q1 = a.hi / b.hi;
  let r = sub(a, mulD(b, q1));
  let q2 = r.hi / b.hi;
  r = sub(r, mulD(b, q2));
  const q3 = r.hi / b.hi;
  [q1, q2] = quickTwoSum(q1, q2);
  return addD(new DD(q1, q2), q3);
}

export function divD(a: DD, b: number): DD {
  return div(a, dd(b));
}

export function floorDD(a: DD): DD {
  let hi = Math.floor(a.hi);
  let lo = 0;
  if (hi === a.hi) {
    lo = Math.floor(a.lo);
    [hi, lo] = quickTwoSum(hi, lo);
  }
  return new DD(hi, lo);
}

export function ldexpDD(a: DD, e: number): DD {
  return new DD(ldexp(a.hi, e), ldexp(a.lo, e));
}

/** Returns [b, e] with 0.5 ≤ |b.hi| < 1 (or |b.hi| = 1 with b.hi·b.lo < 0) and a = b·2^e. */
export function frexpDD(a: DD): [DD, number] {
  let [man, exponent] = frexp(a.hi);
  let b1 = ldexp(a.lo, -exponent);
  if (Math.abs(man) === 0.5 && man * b1 < 0) {
    man *= 2;
    b1 *= 2;
    exponent -= 1;
  }
  return [new DD(man, b1), exponent];
}

export function isZero(a: DD): boolean {
  return a.hi === 0 && a.lo === 0;
}
