/**
 * Collects one column's non-missing values while a file is read, and settles its kind.
 *
 * Rows are not kept: each column is compared on its own, so a column is just the bag of its
 * non-empty values. Numbers are stored as numbers while the column can still be numeric; text is
 * stored only for categorical columns, which keeps a 100-column numeric file at 8 bytes a cell
 * instead of a string per cell.
 *
 * How the kind is settled, strongest first:
 * 1. `fixed` — given by the caller (`--numeric`/`--categorical`, or the reference's kinds when the
 *    current file is read): a non-number in a numeric column is an error naming file:line.
 * 2. declared by the source — the Vigil event form says `features.*` are numbers and
 *    `categorical.*` are categories.
 * 3. inferred — numeric while every non-empty value parses as a finite number, else categorical.
 *
 * A column inferred numeric that meets a non-number after numbers were stored has lost the text
 * of those numbers ("007" was kept as 7). It is flagged `needsRecovery`; the reader then reads the
 * file a second time for just those columns, as categorical. That is rare (mixed columns), and it
 * keeps memory flat in the common all-numeric case.
 */
import type { ColumnKind } from '../stats/verdict.js';
import { InputError } from './input-error.js';
import { isBlank, parseNumberCell } from './number-cell.js';

/** Where a kind came from, strongest first; used for precedence and for error messages. */
export type KindSource = 'fixed' | 'declared' | 'inferred';

export class ColumnBuilder {
  private numbers: number[] = [];
  private texts: string[] = [];
  private kindNow: ColumnKind = 'numeric';
  private source: KindSource;
  private recovery = false;

  constructor(
    readonly name: string,
    private readonly file: string,
    fixed?: ColumnKind,
  ) {
    this.source = fixed === undefined ? 'inferred' : 'fixed';
    if (fixed !== undefined) this.kindNow = fixed;
  }

  get kind(): ColumnKind {
    return this.kindNow;
  }

  get kindSource(): KindSource {
    return this.source;
  }

  /** True when the column turned categorical after numbers were stored (see the file comment). */
  get needsRecovery(): boolean {
    return this.recovery;
  }

  /** Non-missing values seen so far. */
  get size(): number {
    return this.kindNow === 'numeric' ? this.numbers.length : this.texts.length;
  }

  /** The values: numbers for a numeric column, strings for a categorical one. */
  values(): number[] | string[] {
    return this.kindNow === 'numeric' ? this.numbers : this.texts;
  }

  /**
   * The source declares the kind (Vigil event form). A fixed kind wins silently; a declaration
   * contradicting an earlier one, or numbers declared where non-numbers were already seen, is an
   * error.
   */
  declare(kind: ColumnKind, line: number, what: string): void {
    if (this.source === 'fixed') return;
    if (this.source === 'declared') {
      if (kind !== this.kindNow) {
        throw new InputError(
          { file: this.file, line, column: this.name },
          `${what} makes it ${kind}, but earlier lines declared it ${this.kindNow}`,
        );
      }
      return;
    }
    if (kind === 'numeric' && this.kindNow === 'categorical') {
      throw new InputError(
        { file: this.file, line, column: this.name },
        `${what} makes it numeric, but earlier lines hold values that are not numbers`,
      );
    }
    if (kind === 'categorical') this.becomeCategorical();
    this.source = 'declared';
  }

  /** Adds a text cell; blank text is a missing value. */
  addText(text: string, line: number): void {
    if (isBlank(text)) return;
    if (this.kindNow === 'numeric') {
      const n = parseNumberCell(text);
      if (n !== undefined) {
        this.numbers.push(n);
        return;
      }
      if (this.source !== 'inferred') {
        throw new InputError(
          { file: this.file, line, column: this.name },
          `${JSON.stringify(text)} is not a number`,
        );
      }
      this.becomeCategorical();
    }
    // While recovery is pending the second read rebuilds every value, so none are kept now.
    if (!this.recovery) this.texts.push(text);
  }

  /** Adds a number from a typed source (JSON). In a categorical column it is a category. */
  addNumber(n: number, line: number): void {
    if (this.kindNow === 'numeric' && Number.isFinite(n)) {
      this.numbers.push(n);
      return;
    }
    // JSON's 1e999 arrives as Infinity: not a finite number, handled like its text.
    this.addText(String(n), line);
  }

  private becomeCategorical(): void {
    if (this.kindNow === 'categorical') return;
    if (this.numbers.length > 0) this.recovery = true;
    this.numbers = [];
    this.kindNow = 'categorical';
  }
}
