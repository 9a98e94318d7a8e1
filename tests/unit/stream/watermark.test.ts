import { describe, expect, it } from 'vitest';
import { WatermarkTracker } from '../../../services/stream/watermark.js';

/** A hand-driven clock. */
function manualClock(start = 0) {
  let now = start;
  return {
    read: () => now,
    set: (t: number) => {
      now = t;
    },
  };
}

describe('WatermarkTracker: progression', () => {
  // Each step: a record from `partition` at event time `ts`, then the expected watermark.
  const cases: {
    name: string;
    assigned: number[];
    ooo?: number;
    steps: [partition: number, ts: number, watermark: number][];
  }[] = [
    {
      name: 'one partition: highest event time seen',
      assigned: [0],
      steps: [
        [0, 100, 100],
        [0, 50, 100], // out of order: never goes back
        [0, 250, 250],
      ],
    },
    {
      name: 'two partitions: min over partitions with data',
      assigned: [0, 1],
      steps: [
        [0, 100, 100], // partition 1 has no data yet: left out
        [1, 40, 100], // partition 1 behind: the watermark does not go back
        [1, 300, 100], // min(100, 300)
        [0, 500, 300], // min(500, 300)
        [1, 900, 500],
      ],
    },
    {
      name: 'out-of-orderness is subtracted',
      assigned: [0],
      ooo: 30,
      steps: [
        [0, 100, 70],
        [0, 90, 70],
        [0, 200, 170],
      ],
    },
    {
      name: 'unassigned partition is tracked on first record',
      assigned: [],
      steps: [
        [3, 10, 10],
        [4, 5, 10],
        [4, 50, 10],
        [3, 60, 50],
      ],
    },
  ];
  it.each(cases)('$name', ({ assigned, ooo, steps }) => {
    const t = new WatermarkTracker({ maxOutOfOrdernessMs: ooo ?? 0 });
    t.assign(assigned);
    expect(t.watermark).toBe(-Infinity);
    for (const [partition, ts, expected] of steps) {
      t.observe(partition, ts);
      expect(t.watermark).toBe(expected);
    }
  });

  it('on revoke: never moves back, and moves on when the laggard leaves', () => {
    const t = new WatermarkTracker();
    t.assign([0, 1, 2]);
    t.observe(1, 400);
    t.observe(0, 1000);
    t.observe(2, 700);
    expect(t.watermark).toBe(400);
    t.revoke([0]); // the leader leaves: min(400, 700) is still 400
    expect(t.watermark).toBe(400);
    t.revoke([1]); // the laggard leaves: only partition 2 remains
    expect(t.watermark).toBe(700);
    expect(t.assigned()).toEqual([2]);
    t.observe(2, 650);
    expect(t.watermark).toBe(700);
  });

  it('refuses idle handling without a clock, and bad values', () => {
    expect(() => new WatermarkTracker({ idleTimeoutMs: 1000 })).toThrow(/clock/);
    expect(() => new WatermarkTracker({ maxOutOfOrdernessMs: -1 })).toThrow(RangeError);
  });
});

describe('WatermarkTracker: idle rule', () => {
  it('leaves an idle partition out of the min', () => {
    const clock = manualClock(10_000);
    const t = new WatermarkTracker({ idleTimeoutMs: 5_000, clock: clock.read });
    t.observe(0, 1_000);
    t.observe(1, 9_000);
    expect(t.watermark).toBe(1_000);
    clock.set(14_999); // partition 0 quiet for 4 999 ms: still active
    t.observe(1, 12_000);
    expect(t.advance()).toBe(1_000);
    clock.set(15_000); // partition 0 quiet for 5 000 ms: idle
    expect(t.advance()).toBe(12_000);
    // When it speaks again it rejoins the min, but the watermark never goes back.
    t.observe(0, 2_000);
    expect(t.watermark).toBe(12_000);
  });

  it('when all partitions are idle, follows the clock on the event-time axis', () => {
    const clock = manualClock(1_000_000);
    // Event time 40 s behind the clock (a replay or a lagging producer).
    const t = new WatermarkTracker({
      idleTimeoutMs: 5_000,
      clock: clock.read,
      maxOutOfOrdernessMs: 100,
    });
    t.observe(0, 960_000);
    expect(t.watermark).toBe(959_900);
    clock.set(1_004_999);
    expect(t.advance()).toBe(959_900); // not idle yet
    clock.set(1_005_000);
    expect(t.advance()).toBe(959_900); // idle: maxTs + 5 000 − 5 000 − 100
    clock.set(1_020_000);
    expect(t.advance()).toBe(974_900); // + 15 s of quiet
    // observe() alone never applies the clock-driven advance, only advance() does.
    clock.set(1_030_000);
    t.observe(1, 100);
    expect(t.watermark).toBe(974_900);
  });

  it('without idle handling, a quiet stream keeps its watermark', () => {
    const clock = manualClock(0);
    const t = new WatermarkTracker({ clock: clock.read });
    t.observe(0, 500);
    clock.set(1e12);
    expect(t.advance()).toBe(500);
  });

  it('snapshots and restores', () => {
    const clock = manualClock(7);
    const t = new WatermarkTracker({ idleTimeoutMs: 10, clock: clock.read });
    t.assign([0, 1, 2]);
    t.observe(1, 42);
    const snap = JSON.parse(JSON.stringify(t.toJSON()));
    expect(snap).toEqual({
      watermark: 42,
      partitions: [
        { partition: 0, maxTs: null, lastArrivalMs: null },
        { partition: 1, maxTs: 42, lastArrivalMs: 7 },
        { partition: 2, maxTs: null, lastArrivalMs: null },
      ],
    });
    const r = WatermarkTracker.fromJSON(snap, { idleTimeoutMs: 10, clock: clock.read });
    expect(r.toJSON()).toEqual(snap);
    expect(new WatermarkTracker().toJSON()).toEqual({ watermark: null, partitions: [] });
    expect(() =>
      WatermarkTracker.fromJSON({ watermark: 'x' as unknown as number, partitions: [] }),
    ).toThrow();
  });
});
