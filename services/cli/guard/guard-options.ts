/**
 * Turns `vigil guard …` option strings into checked values. Every problem is an InputError naming
 * the option, so the command exits with 2 ("bad input").
 */
import { InputError } from '../../data/input-error.js';

export function parseRate(option: string, text: string): number {
  const x = Number(text);
  if (text.trim() === '' || !(x > 0 && x <= 0.5))
    throw new InputError(
      {},
      `${option}: expected a number in (0, 0.5], got ${JSON.stringify(text)}`,
    );
  return x;
}

export function parseInteger(option: string, text: string, min: number): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isInteger(x) || x < min)
    throw new InputError(
      {},
      `${option}: expected an integer >= ${min}, got ${JSON.stringify(text)}`,
    );
  return x;
}

export function parsePositive(option: string, text: string): number {
  const x = Number(text);
  if (text.trim() === '' || !(x > 0))
    throw new InputError({}, `${option}: expected a number > 0, got ${JSON.stringify(text)}`);
  return x;
}

export function oneOf<T extends string>(option: string, text: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === text);
  if (found === undefined)
    throw new InputError(
      {},
      `${option}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`,
    );
  return found;
}

/** Where a command writes; a seam for tests. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 2;
