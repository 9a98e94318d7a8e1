import { describe, expect, it } from 'vitest';
import { LabelCounter, OTHER_LABEL } from '../../../services/metrics/label-counts.js';
import { rng, shuffle } from './random.js';

function counterOf(labels: string[], capacity = 256): LabelCounter {
  const c = new LabelCounter(capacity);
  for (const l of labels) c.add(l);
  return c;
}

describe('LabelCounter', () => {
  it('is exact below capacity and reports top-K then __other__', () => {
    const labels = [
      ...Array(50).fill('cat'),
      ...Array(30).fill('dog'),
      ...Array(30).fill('ant'),
      'eel',
      'fox',
    ];
    const c = counterOf(labels);
    expect(c.entries()).toEqual([
      { label: 'cat', count: 50 },
      { label: 'ant', count: 30 }, // ties: label ascending
      { label: 'dog', count: 30 },
      { label: 'eel', count: 1 },
      { label: 'fox', count: 1 },
    ]);
    expect(c.top(2)).toEqual([
      { label: 'cat', count: 50 },
      { label: 'ant', count: 30 },
      { label: OTHER_LABEL, count: 32 },
    ]);
    expect(c.top(10)).toHaveLength(5); // no __other__ when nothing is left over
    expect(c.top(0)).toEqual([{ label: OTHER_LABEL, count: 112 }]);
  });

  it('stays within capacity under a flood of distinct labels, keeping the heavy ones', () => {
    const random = rng(3);
    const labels: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const r = random();
      labels.push(r < 0.3 ? 'cat' : r < 0.45 ? 'dog' : `junk-${i}`);
    }
    const capacity = 16;
    const c = counterOf(labels, capacity);
    expect(c.tracked).toBeLessThanOrEqual(capacity);
    expect(c.total).toBe(labels.length);
    const trueCat = labels.filter((l) => l === 'cat').length;
    const trueDog = labels.filter((l) => l === 'dog').length;
    const [first, second] = c.top(2);
    expect(first?.label).toBe('cat');
    expect(second?.label).toBe('dog');
    // Misra–Gries: an underestimate by at most n / (capacity + 1).
    const slack = labels.length / (capacity + 1);
    expect(first?.count).toBeLessThanOrEqual(trueCat);
    expect(first?.count).toBeGreaterThanOrEqual(trueCat - slack);
    expect(second?.count).toBeGreaterThanOrEqual(trueDog - slack);
  });

  it('merges exactly and in any order below capacity', () => {
    const random = rng(4);
    const labels = Array.from({ length: 3000 }, () => `l${Math.floor(random() * 40)}`);
    const whole = counterOf(labels, 64).toJSON();
    const parts = Array.from({ length: 6 }, () => new LabelCounter(64));
    for (const l of shuffle(labels, random))
      (parts[Math.floor(random() * 6)] as LabelCounter).add(l);
    const merged = shuffle(parts, random).reduce((a, b) => a.merge(b), new LabelCounter(64));
    expect(merged.toJSON()).toEqual(whole);
  });

  it('merges over capacity within the Misra–Gries bounds', () => {
    const a = counterOf(['x', 'x', 'x', 'y', 'z'], 2);
    const b = counterOf(['x', 'w', 'w', 'v'], 2);
    a.merge(b);
    expect(a.tracked).toBeLessThanOrEqual(2);
    expect(a.total).toBe(9);
    expect(a.top(1)[0]?.label).toBe('x');
  });

  it('folds a literal __other__ label into the other bucket', () => {
    const c = counterOf(['a', OTHER_LABEL, OTHER_LABEL]);
    // __other__ always comes last, even when it is the largest.
    expect(c.top(5)).toEqual([
      { label: 'a', count: 1 },
      { label: OTHER_LABEL, count: 2 },
    ]);
  });

  it('round-trips through plain JSON and validates its input', () => {
    const c = counterOf(['b', 'a', 'b', 'c', 'd'], 3);
    const json = JSON.parse(JSON.stringify(c.toJSON()));
    expect(LabelCounter.fromJSON(json).toJSON()).toEqual(json);
    expect(() => LabelCounter.fromJSON({ ...json, labels: ['a', 'a'], counts: [1, 1] })).toThrow(
      /duplicate/,
    );
    expect(() => new LabelCounter(0)).toThrow(RangeError);
    expect(() => new LabelCounter(2).merge(new LabelCounter(3))).toThrow(/capacity/);
  });
});
