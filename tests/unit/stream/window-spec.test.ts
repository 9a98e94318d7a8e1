import { describe, expect, it } from 'vitest';
import {
  assignWindows,
  hopping,
  tumbling,
  windowSpecFrom,
  type WindowSpec,
} from '../../../services/stream/window-spec.js';

describe('assignWindows', () => {
  const cases: { name: string; spec: WindowSpec; ts: number; starts: number[] }[] = [
    { name: 'tumbling: epoch', spec: tumbling(60_000), ts: 0, starts: [0] },
    { name: 'tumbling: last ms of a window', spec: tumbling(60_000), ts: 59_999, starts: [0] },
    { name: 'tumbling: end is exclusive', spec: tumbling(60_000), ts: 60_000, starts: [60_000] },
    {
      name: 'tumbling: a realistic time',
      spec: tumbling(60_000),
      ts: 1_699_999_992_345,
      starts: [1_699_999_980_000],
    },
    {
      name: 'tumbling: -1 ms is in the previous window',
      spec: tumbling(60_000),
      ts: -1,
      starts: [-60_000],
    },
    { name: 'tumbling: negative boundary', spec: tumbling(60_000), ts: -60_000, starts: [-60_000] },
    {
      name: 'tumbling: just below negative boundary',
      spec: tumbling(60_000),
      ts: -60_001,
      starts: [-120_000],
    },
    { name: 'tumbling: -0 is 0', spec: tumbling(60_000), ts: -0, starts: [0] },
    { name: 'tumbling: 1 ms windows', spec: tumbling(1), ts: 7, starts: [7] },
    {
      name: 'hopping 60/20: epoch',
      spec: hopping(60_000, 20_000),
      ts: 0,
      starts: [-40_000, -20_000, 0],
    },
    {
      name: 'hopping 60/20: before an advance edge',
      spec: hopping(60_000, 20_000),
      ts: 19_999,
      starts: [-40_000, -20_000, 0],
    },
    {
      name: 'hopping 60/20: on an advance edge',
      spec: hopping(60_000, 20_000),
      ts: 20_000,
      starts: [-20_000, 0, 20_000],
    },
    {
      name: 'hopping 60/20: -1 ms',
      spec: hopping(60_000, 20_000),
      ts: -1,
      starts: [-60_000, -40_000, -20_000],
    },
    {
      name: 'hopping 10/3 (size not a multiple): 0',
      spec: hopping(10, 3),
      ts: 0,
      starts: [-9, -6, -3, 0],
    },
    { name: 'hopping 10/3: 1', spec: hopping(10, 3), ts: 1, starts: [-6, -3, 0] },
    { name: 'hopping 10/3: 3', spec: hopping(10, 3), ts: 3, starts: [-6, -3, 0, 3] },
    { name: 'hopping 10/3: -4', spec: hopping(10, 3), ts: -4, starts: [-12, -9, -6] },
    {
      name: 'hopping with advance = size is tumbling',
      spec: hopping(60_000, 60_000),
      ts: 59_999,
      starts: [0],
    },
  ];
  it.each(cases)('$name', ({ spec, ts, starts }) => {
    expect(assignWindows(spec, ts)).toEqual(starts);
  });

  it('returns exactly the windows that contain the timestamp (property, many specs)', () => {
    const specs = [
      tumbling(1000),
      hopping(1000, 250),
      hopping(1000, 300),
      hopping(7, 7),
      hopping(7, 1),
    ];
    for (const spec of specs) {
      for (let ts = -3000; ts <= 3000; ts += 37) {
        const starts = assignWindows(spec, ts);
        for (const s of starts) {
          expect(s % spec.advanceMs === 0).toBe(true);
          expect(s <= ts && ts < s + spec.sizeMs).toBe(true);
        }
        // The neighbours just outside the list do not contain ts.
        const first = starts[0] as number;
        const last = starts[starts.length - 1] as number;
        expect(first - spec.advanceMs + spec.sizeMs <= ts).toBe(true);
        expect(last + spec.advanceMs > ts).toBe(true);
        const n = spec.sizeMs / spec.advanceMs;
        expect([Math.floor(n), Math.ceil(n)]).toContain(starts.length);
      }
    }
  });

  it.each([Number.NaN, 1.5, Number.POSITIVE_INFINITY, 2 ** 60])('refuses timestamp %s', (ts) => {
    expect(() => assignWindows(tumbling(), ts)).toThrow(RangeError);
  });
});

describe('window specs', () => {
  it('default to 60 s tumbling and are frozen', () => {
    const spec = tumbling();
    expect(spec).toEqual({ kind: 'tumbling', sizeMs: 60_000, advanceMs: 60_000 });
    expect(Object.isFrozen(spec)).toBe(true);
  });

  it.each([
    ['zero size', () => tumbling(0)],
    ['fractional size', () => tumbling(1.5)],
    ['negative size', () => tumbling(-5)],
    ['advance above size (gaps)', () => hopping(10, 20)],
    ['zero advance', () => hopping(10, 0)],
  ])('refuses %s', (_name, build) => {
    expect(build).toThrow(RangeError);
  });

  it('rebuilds from plain values and rejects inconsistent ones', () => {
    expect(windowSpecFrom({ kind: 'hopping', sizeMs: 10, advanceMs: 5 })).toEqual(hopping(10, 5));
    expect(() => windowSpecFrom({ kind: 'tumbling', sizeMs: 10, advanceMs: 5 })).toThrow();
    expect(() => windowSpecFrom({ kind: 'session', sizeMs: 10, advanceMs: 10 })).toThrow();
  });
});
