import { describe, expect, it } from 'vitest';
import type { Aggregate, StateCodec } from '../../../services/stream/aggregate.js';
import { hopping, tumbling } from '../../../services/stream/window-spec.js';
import {
  WindowedAggregator,
  type WindowedAggregatorOptions,
  type WindowResult,
} from '../../../services/stream/windowed-aggregator.js';

interface Ev {
  key: string;
  ts: number;
  v: number;
}

/** Sum of v and list of ts per window: enough to see exactly which records landed where. */
interface SumState {
  sum: number;
  ts: number[];
}

const sumAggregate: Aggregate<SumState, Ev> = {
  create: () => ({ sum: 0, ts: [] }),
  add: (s, e) => {
    s.sum += e.v;
    s.ts.push(e.ts);
  },
  merge: (a, b) => ({ sum: a.sum + b.sum, ts: [...a.ts, ...b.ts].sort((x, y) => x - y) }),
};

const sumCodec: StateCodec<SumState> = {
  encode: (s) => ({ sum: s.sum, ts: [...s.ts] }),
  decode: (j) => {
    const o = j as SumState;
    return { sum: o.sum, ts: [...o.ts] };
  },
};

function make(overrides: Partial<WindowedAggregatorOptions<string, SumState, Ev>> = {}) {
  return new WindowedAggregator<string, SumState, Ev>({
    spec: tumbling(60_000),
    graceMs: 10_000,
    aggregate: sumAggregate,
    keyOf: (e) => e.key,
    keyId: (k) => k,
    timestampOf: (e) => e.ts,
    stateCodec: sumCodec,
    ...overrides,
  });
}

const ev = (key: string, ts: number, v = 1): Ev => ({ key, ts, v });

/** Compact view of results: "key@start=sum". */
const view = (rs: WindowResult<string, SumState>[]) =>
  rs.map((r) => `${r.key}@${r.windowStart}-${r.windowEnd}=${r.state.sum}`);

describe('WindowedAggregator: lateness (window 60 s, grace 10 s, out-of-orderness 0)', () => {
  // After a record at `leadTs` has set the watermark, is a record at `ts` accepted or late?
  const cases: { name: string; leadTs: number; ts: number; kind: 'accepted' | 'late' }[] = [
    { name: 'in order', leadTs: 30_000, ts: 40_000, kind: 'accepted' },
    { name: 'out of order, same window', leadTs: 50_000, ts: 10_000, kind: 'accepted' },
    {
      name: 'out of order, window ended, within grace',
      leadTs: 65_000,
      ts: 59_999,
      kind: 'accepted',
    },
    {
      name: 'last ms of grace (watermark = end + grace − 1)',
      leadTs: 69_999,
      ts: 0,
      kind: 'accepted',
    },
    { name: 'watermark = end + grace: closed', leadTs: 70_000, ts: 59_999, kind: 'late' },
    { name: 'far behind', leadTs: 600_000, ts: 1_000, kind: 'late' },
    { name: 'negative time, within grace', leadTs: 9_999, ts: -1, kind: 'accepted' },
    { name: 'negative time, after grace', leadTs: 10_000, ts: -1, kind: 'late' },
  ];
  it.each(cases)('$name → $kind', ({ leadTs, ts, kind }) => {
    const agg = make();
    expect(agg.add(ev('a', leadTs)).kind).toBe('accepted');
    const outcome = agg.add(ev('a', ts));
    expect(outcome.kind).toBe(kind);
    const stats = agg.stats();
    expect(stats.late).toBe(kind === 'late' ? 1 : 0);
    expect(stats.accepted).toBe(kind === 'late' ? 1 : 2);
  });

  it('counts out-of-order records within grace in their window', () => {
    const agg = make();
    agg.add(ev('a', 50_000, 1));
    agg.add(ev('a', 61_000, 10)); // next window; watermark 61 000
    agg.add(ev('a', 5_000, 100)); // window [0, 60 000) still open until 70 000
    expect(agg.advance()).toEqual([]);
    agg.add(ev('a', 70_000, 1000));
    expect(view(agg.advance())).toEqual(['a@0-60000=101']);
    expect(agg.stats()).toMatchObject({ accepted: 4, late: 0, emitted: 1 });
  });

  it('reports late records with the watermark and their windows, never dropping them silently', () => {
    const agg = make();
    agg.add(ev('a', 1_000));
    agg.add(ev('a', 200_000));
    const late = agg.add(ev('a', 2_000));
    expect(late).toMatchObject({ kind: 'late', watermark: 200_000, windowStarts: [0] });
    if (late.kind === 'late') expect(late.detail).toMatch(/behind watermark 200000/);
    expect(view(agg.advance())).toEqual(['a@0-60000=1']);
    expect(agg.stats()).toMatchObject({ accepted: 2, late: 1 });
  });

  it('hopping: accepts into open windows and counts closed assignments', () => {
    const agg = make({ spec: hopping(60_000, 20_000), graceMs: 0 });
    agg.add(ev('a', 70_000)); // windows 20k, 40k, 60k; watermark 70 000
    // 45 000 belongs to [0,60k) (closed: 60 000 ≤ 70 000), [20k,80k) and [40k,100k) (open).
    expect(agg.add(ev('a', 45_000))).toEqual({ kind: 'accepted', windows: 2, lateWindows: 1 });
    expect(agg.stats().lateWindowAssignments).toBe(1);
    // 30 000 belongs to [-20k,40k), [0,60k) closed and [20k,80k) open.
    expect(agg.add(ev('a', 30_000))).toEqual({ kind: 'accepted', windows: 1, lateWindows: 2 });
    // 10 000: all of [-40k,20k), [-20k,40k), [0,60k) closed → late.
    expect(agg.add(ev('a', 10_000)).kind).toBe('late');
    expect(view(agg.flush())).toEqual(['a@20000-80000=3', 'a@40000-100000=2', 'a@60000-120000=1']);
  });
});

describe('WindowedAggregator: emission', () => {
  it('emits closed windows in (windowStart, keyId) order, once', () => {
    const agg = make();
    for (const e of [ev('b', 1), ev('a', 2), ev('c', 61_000), ev('b', 62_000), ev('a', 59_000)]) {
      agg.add(e);
    }
    agg.add(ev('z', 130_000)); // watermark 130 000: windows ending ≤ 120 000 close
    expect(view(agg.advance())).toEqual([
      'a@0-60000=2',
      'b@0-60000=1',
      'b@60000-120000=1',
      'c@60000-120000=1',
    ]);
    expect(agg.advance()).toEqual([]);
    expect(agg.openWindows).toBe(1);
    expect(view(agg.flush())).toEqual(['z@120000-180000=1']);
    expect(agg.openWindows).toBe(0);
  });

  it('gives the same results however often advance() runs', () => {
    const records: Ev[] = [];
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      // Drifting event time with up to 40 s of disorder, so some records are late.
      records.push(ev(`k${Math.floor(rnd() * 5)}`, i * 500 - Math.floor(rnd() * 40_000), i));
    }
    const opts = { spec: hopping(20_000, 5_000), graceMs: 2_000 };
    const once = make(opts);
    const every = make(opts);
    const outcomesOnce = records.map((r) => once.add(r).kind);
    const resultsEvery: WindowResult<string, SumState>[] = [];
    const outcomesEvery = records.map((r) => {
      const kind = every.add(r).kind;
      resultsEvery.push(...every.advance());
      return kind;
    });
    const resultsOnce = [...once.advance(), ...once.flush()];
    resultsEvery.push(...every.flush());
    expect(outcomesEvery).toEqual(outcomesOnce);
    expect(outcomesOnce.filter((k) => k === 'late').length).toBeGreaterThan(0);
    expect(view(resultsEvery)).toEqual(view(resultsOnce));
    // Every accepted record is in some result: nothing vanished.
    const accepted = records.filter((_, i) => outcomesOnce[i] === 'accepted');
    const seen = new Set(resultsOnce.flatMap((r) => r.state.ts));
    for (const r of accepted) expect(seen.has(r.ts)).toBe(true);
  });

  it('flush closes everything and later records for those windows are late', () => {
    const agg = make();
    agg.add(ev('a', 1_000));
    agg.add(ev('a', 61_000));
    expect(view(agg.flush())).toEqual(['a@0-60000=1', 'a@60000-120000=1']);
    expect(agg.watermark).toBe(130_000);
    expect(agg.add(ev('a', 119_999)).kind).toBe('late');
    expect(agg.add(ev('a', 120_000)).kind).toBe('accepted');
  });

  it('holds windows open for the slowest partition with data', () => {
    const agg = make({ graceMs: 0 });
    agg.assignPartitions([0, 1, 2]); // partition 2 never delivers: it must not stall output
    agg.add(ev('a', 10_000), 0);
    agg.add(ev('a', 20_000), 1);
    agg.add(ev('a', 200_000), 0);
    expect(agg.advance()).toEqual([]); // partition 1 is still at 20 000
    agg.add(ev('a', 59_000), 1);
    agg.add(ev('a', 60_000), 1);
    expect(view(agg.advance())).toEqual(['a@0-60000=3']);
  });
});

describe('WindowedAggregator: idle flushing', () => {
  it('closes a quiet stream’s windows once it has been idle long enough', () => {
    let now = 1_000_000;
    const agg = make({ idleTimeoutMs: 30_000, clock: () => now });
    agg.add(ev('a', 1_000_000 - 2_000)); // event time ≈ wall clock
    agg.add(ev('b', 1_000_000 - 1_000));
    expect(agg.advance()).toEqual([]);
    // Window of 998 000 is [960 000, 1 020 000); it needs watermark ≥ 1 030 000. Idle from
    // now = 1 030 000, then watermark = 999 000 + (now − 1 000 000) − 30 000.
    now = 1_059_999;
    expect(agg.advance()).toEqual([]);
    now = 1_061_000;
    expect(view(agg.advance())).toEqual(['a@960000-1020000=1', 'b@960000-1020000=1']);
    expect(agg.watermark).toBe(1_030_000);
  });

  it('an idle partition stops holding back the others', () => {
    let now = 0;
    const agg = make({ graceMs: 0, idleTimeoutMs: 5_000, clock: () => now });
    agg.add(ev('a', 1_000), 0);
    agg.add(ev('a', 1_000), 1);
    now = 4_000;
    agg.add(ev('a', 100_000), 1);
    expect(agg.advance()).toEqual([]);
    now = 5_000; // partition 0 idle; partition 1 (last record at 4 000) still active
    expect(view(agg.advance())).toEqual(['a@0-60000=2']);
  });
});

describe('WindowedAggregator: bounded state', () => {
  it('refuses records needing a new pair beyond the cap, and counts them', () => {
    const agg = make({ maxOpenWindows: 2 });
    expect(agg.add(ev('a', 1)).kind).toBe('accepted');
    expect(agg.add(ev('b', 2)).kind).toBe('accepted');
    const refused = agg.add(ev('c', 3));
    expect(refused).toMatchObject({ kind: 'overflow', openWindows: 2, maxOpenWindows: 2 });
    expect(agg.add(ev('a', 4)).kind).toBe('accepted'); // existing pair: fine
    expect(agg.add(ev('a', 60_000)).kind).toBe('overflow'); // new window for an old key: refused
    expect(agg.stats()).toMatchObject({ accepted: 3, overflow: 2 });
    expect(agg.openWindows).toBe(2);
    agg.flush();
    expect(agg.add(ev('c', 200_000)).kind).toBe('accepted');
  });

  it('refuses a hopping record whole rather than in part', () => {
    const agg = make({ spec: hopping(60_000, 20_000), maxOpenWindows: 4 });
    agg.add(ev('a', 0)); // 3 pairs
    const outcome = agg.add(ev('a', 20_000)); // needs [-20k], [0], [20k]: one new → 4, fits
    expect(outcome.kind).toBe('accepted');
    expect(agg.add(ev('b', 0)).kind).toBe('overflow'); // would need 3 new
    expect(agg.openWindows).toBe(4);
  });

  it('reports bad and far-future timestamps as invalid without moving the watermark', () => {
    const now = 1_000_000;
    const agg = make({ clock: () => now, maxFutureMs: 60_000 });
    expect(agg.add(ev('a', 1.5))).toMatchObject({ kind: 'invalid', reason: 'timestamp' });
    expect(agg.add(ev('a', Number.NaN))).toMatchObject({ kind: 'invalid', reason: 'timestamp' });
    expect(agg.add(ev('a', now + 60_001))).toMatchObject({ kind: 'invalid', reason: 'future' });
    expect(agg.add(ev('a', now + 60_000)).kind).toBe('accepted');
    expect(agg.watermark).toBe(now + 60_000);
    expect(agg.stats().invalid).toBe(3);
  });

  it('validates its options', () => {
    expect(() => make({ maxOpenWindows: 0 })).toThrow(RangeError);
    expect(() => make({ graceMs: -1 })).toThrow(RangeError);
    expect(() => make({ maxFutureMs: 10 })).toThrow(/clock/);
    expect(() => make({ idleTimeoutMs: 10 })).toThrow(/clock/);
  });
});

describe('WindowedAggregator: snapshots', () => {
  it('resumes from a JSON checkpoint with the same results as an uninterrupted run', () => {
    const records = Array.from({ length: 300 }, (_, i) =>
      ev(`k${i % 3}`, i * 700 - (i % 7) * 3000, i),
    );
    const straight = make({ spec: hopping(60_000, 20_000) });
    const straightResults = records.flatMap((r) => {
      straight.add(r, r.ts % 2);
      return straight.advance();
    });
    straightResults.push(...straight.flush());

    let first = make({ spec: hopping(60_000, 20_000) });
    const resumed: WindowResult<string, SumState>[] = [];
    records.forEach((r, i) => {
      if (i === 150) {
        const text = JSON.stringify(first);
        first = WindowedAggregator.fromJSON(JSON.parse(text), {
          spec: hopping(60_000, 20_000),
          graceMs: 10_000,
          aggregate: sumAggregate,
          keyOf: (e: Ev) => e.key,
          keyId: (k: string) => k,
          timestampOf: (e: Ev) => e.ts,
          stateCodec: sumCodec,
        });
      }
      first.add(r, r.ts % 2);
      resumed.push(...first.advance());
    });
    resumed.push(...first.flush());
    expect(view(resumed)).toEqual(view(straightResults));
    expect(first.stats()).toEqual(straight.stats());
  });

  it('snapshot is plain, ordered data', () => {
    const agg = make();
    agg.add(ev('b', 5));
    agg.add(ev('a', 61_000));
    agg.add(ev('a', 6));
    expect(JSON.parse(JSON.stringify(agg))).toEqual({
      version: 1,
      spec: { kind: 'tumbling', sizeMs: 60_000, advanceMs: 60_000 },
      watermark: {
        watermark: 61_000,
        partitions: [{ partition: 0, maxTs: 61_000, lastArrivalMs: null }],
      },
      windows: [
        { key: 'a', windowStart: 0, state: { sum: 1, ts: [6] } },
        { key: 'b', windowStart: 0, state: { sum: 1, ts: [5] } },
        { key: 'a', windowStart: 60_000, state: { sum: 1, ts: [61_000] } },
      ],
      stats: {
        accepted: 3,
        late: 0,
        overflow: 0,
        invalid: 0,
        lateWindowAssignments: 0,
        emitted: 0,
      },
    });
  });

  it('refuses a snapshot cut into other windows, or without a codec', () => {
    const snap = make().toJSON();
    expect(() =>
      WindowedAggregator.fromJSON(snap, { ...optionsOf(), spec: tumbling(30_000) }),
    ).toThrow(/window spec/);
    expect(() => make({ stateCodec: undefined }).toJSON()).toThrow(/stateCodec/);
    expect(() => WindowedAggregator.fromJSON({ ...snap, version: 2 as 1 }, optionsOf())).toThrow(
      /version/,
    );
  });
});

function optionsOf(): WindowedAggregatorOptions<string, SumState, Ev> {
  return {
    spec: tumbling(60_000),
    aggregate: sumAggregate,
    keyOf: (e) => e.key,
    keyId: (k) => k,
    timestampOf: (e) => e.ts,
    stateCodec: sumCodec,
  };
}
