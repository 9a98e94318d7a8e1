import { VigilError } from './errors.js';

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 8. `Infinity` retries until `signal` aborts. */
  retries?: number;
  /** Delay before the second attempt, ms. Default 200. */
  initialDelayMs?: number;
  /** Cap on any one delay, ms. Default 10,000. */
  maxDelayMs?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /** Share of each delay that is randomised (full jitter on that share), 0..1. Default 0.2. */
  jitter?: number;
  /** Decides whether an error is worth another attempt. Default: `retriable` errors and
   * anything that is not a VigilError (network errors from clients). */
  isRetriable?: (err: unknown) => boolean;
  /** Called before each wait, e.g. to log or count. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  /** Injected for tests. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function defaultIsRetriable(err: unknown): boolean {
  if (err instanceof VigilError) return err.retriable;
  return true;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Delay before attempt `attempt + 1` (attempt counts from 1): exponential, capped, jittered. */
export function backoffDelay(
  attempt: number,
  o: Required<Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter'>>,
  random: () => number,
): number {
  const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** (attempt - 1));
  return Math.round(base * (1 - o.jitter) + base * o.jitter * random());
}

/** The one retry helper: runs `fn` until it succeeds, the error is not retriable, or attempts run out. */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const o = {
    retries: opts.retries ?? 8,
    initialDelayMs: opts.initialDelayMs ?? 200,
    maxDelayMs: opts.maxDelayMs ?? 10_000,
    factor: opts.factor ?? 2,
    jitter: opts.jitter ?? 0.2,
  };
  const isRetriable = opts.isRetriable ?? defaultIsRetriable;
  const random = opts.random ?? Math.random;
  const wait = opts.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= o.retries || !isRetriable(err) || opts.signal?.aborted) throw err;
      const delay = backoffDelay(attempt, o, random);
      opts.onRetry?.(err, attempt, delay);
      await wait(delay, opts.signal);
    }
  }
}
