import { describe, expect, it } from 'vitest';
import { chunkBySize } from '../../../services/common/transactional-runner.js';

const m = (n: number) => ({ value: Buffer.alloc(n) });

describe('chunkBySize', () => {
  it('keeps order and splits before a chunk would pass the limit', () => {
    const msgs = [m(300), m(300), m(300), m(100), m(900)];
    const chunks = chunkBySize(msgs, 700);
    expect(chunks.map((c) => c.map((x) => x.value.length))).toEqual([
      [300, 300],
      [300, 100],
      [900],
    ]);
    expect(chunks.flat()).toEqual(msgs);
  });
  it('returns nothing for nothing', () => {
    expect(chunkBySize([], 10)).toEqual([]);
  });
});
