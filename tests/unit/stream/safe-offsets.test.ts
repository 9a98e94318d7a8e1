import { describe, expect, it } from 'vitest';
import { SafeOffsetTracker } from '../../../services/stream/safe-offsets.js';

describe('SafeOffsetTracker', () => {
  it('commits up to next when nothing is open', () => {
    expect(new SafeOffsetTracker().safe(42)).toBe(42);
  });
  it('holds the offset at the first record of the oldest open window', () => {
    const t = new SafeOffsetTracker();
    t.note([0], 10);
    t.note([0], 11);
    t.note([60_000], 12);
    t.note([0], 13); // out of order within grace: window 0 still starts at 10
    expect(t.safe(14)).toBe(10);
    t.closed(0);
    expect(t.safe(14)).toBe(12);
    t.closed(60_000);
    expect(t.safe(14)).toBe(14);
  });
  it('hopping: a record in several windows holds all of them', () => {
    const t = new SafeOffsetTracker();
    t.note([0, 30_000], 5);
    t.note([30_000, 60_000], 6);
    t.closed(0);
    expect(t.safe(7)).toBe(5);
    t.closed(30_000);
    expect(t.safe(7)).toBe(6);
    expect(t.openWindows).toBe(1);
  });
});
