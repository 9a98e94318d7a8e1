/**
 * A problem with a user's data file (or with how the user asked to read it). The message names the
 * file, and where known the line and the column, in the `file:line: column c: …` style of compilers
 * so editors and terminals can jump to it. The CLI maps it to exit code 2 ("bad input").
 */
import { VigilError } from '../common/errors.js';

export interface InputErrorLocation {
  file?: string;
  /** 1-based physical line where the offending record starts. */
  line?: number;
  column?: string;
}

export class InputError extends VigilError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: string | undefined;

  constructor(where: InputErrorLocation, problem: string) {
    super(formatInputError(where, problem), { context: { ...where } });
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

/** `file:line: column c: problem`, leaving out the parts that are unknown. */
export function formatInputError(where: InputErrorLocation, problem: string): string {
  let prefix = '';
  if (where.file !== undefined)
    prefix = where.line === undefined ? where.file : `${where.file}:${where.line}`;
  const parts = [prefix, where.column === undefined ? '' : `column ${where.column}`, problem];
  return parts.filter((p) => p !== '').join(': ');
}
