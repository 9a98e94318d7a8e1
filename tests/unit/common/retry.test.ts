import { describe, expect, it } from 'vitest';
import { VigilError } from '../../../services/common/errors.js';
import { backoffDelay, retry } from '../../../services/common/retry.js';

describe('retry', () => {
  it('retries retriable errors with growing, capped delays, then succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const v = await retry(
      async () => {
        calls++;
        if (calls < 4) throw new VigilError('flaky', { retriable: true });
        return 'done';
      },
      { initialDelayMs: 100, maxDelayMs: 300, jitter: 0, sleep: async (ms) => void waits.push(ms) },
    );
    expect(v).toBe('done');
    expect(waits).toEqual([100, 200, 300]);
  });

  it('does not retry a non-retriable VigilError', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new VigilError('bad input');
        },
        { sleep: async () => {} },
      ),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('gives up after `retries` attempts', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('down');
        },
        { retries: 3, sleep: async () => {} },
      ),
    ).rejects.toThrow('down');
    expect(calls).toBe(3);
  });

  it('jitter stays within its share of the delay', () => {
    const o = { initialDelayMs: 1000, maxDelayMs: 10_000, factor: 2, jitter: 0.2 };
    expect(backoffDelay(1, o, () => 0)).toBe(800);
    expect(backoffDelay(1, o, () => 1)).toBe(1000);
    expect(backoffDelay(10, o, () => 1)).toBe(10_000);
  });
});
