/** Parsing of `vigil baseline` option values (pure, for tests). */
import { VigilError } from '../../common/errors.js';

/** Epoch milliseconds or an ISO-8601 date/time. */
export function parseTime(flag: string, text: string): number {
  if (/^-?\d+$/.test(text.trim())) return Number(text.trim());
  const ms = Date.parse(text);
  if (!Number.isFinite(ms))
    throw new VigilError(`${flag}: "${text}" is neither epoch milliseconds nor an ISO-8601 time`);
  return ms;
}

export function parsePositiveInt(flag: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new VigilError(`${flag}: must be a positive integer, got "${text}"`);
  return n;
}

export function parseList(text: string | undefined): string[] {
  return text === undefined
    ? []
    : text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}
