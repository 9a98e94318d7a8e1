/**
 * Streaming CSV parser (RFC 4180): comma-separated fields, records ended by CRLF, LF or a lone CR,
 * fields optionally enclosed in double quotes, a doubled quote inside a quoted field standing for
 * one quote, line breaks allowed inside quoted fields.
 *
 * Chunks are fed as they come off the stream, so a file never has to fit in one string (V8 caps
 * strings at ~512 MiB). Leniencies, chosen to match what pandas accepts: a quote in the middle of
 * an unquoted field is kept as a literal character, a leading UTF-8 BOM is dropped, and blank lines
 * (no characters at all) are skipped. Strictness, so bad files are not misread silently: text
 * between a closing quote and the next delimiter, and a quoted field left open at the end of the
 * input, are errors naming the line.
 */
import { InputError } from './input-error.js';

/**
 * Receives each record with the 1-based line on which it starts (a record with quoted line breaks
 * spans several lines). The array is the caller's to keep.
 */
export type CsvRecordHandler = (fields: string[], line: number) => void;

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

const enum State {
  /** At the start of a field (or of a record when `fields` is empty). */
  FieldStart,
  Unquoted,
  Quoted,
  /** Just read a quote inside a quoted field: either an escaped quote or the closing one. */
  QuoteInQuoted,
}

export class CsvParser {
  private state = State.FieldStart;
  private fields: string[] = [];
  /** Part of the current field carried over from earlier chunks or quote escapes. */
  private pending = '';
  /** Physical line the parser is on. */
  private line = 1;
  private recordLine = 1;
  /** Line on which the open quoted field started, for the "unterminated" error. */
  private quoteLine = 1;
  /** A CR ended the last record: a following LF belongs to it (CRLF), even across chunks. */
  private skipLf = false;
  private first = true;

  constructor(
    private readonly onRecord: CsvRecordHandler,
    private readonly file?: string,
  ) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const n = text.length;
    // Start of the current field's not-yet-copied text within this chunk.
    let start = 0;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (this.skipLf) {
        this.skipLf = false;
        if (c === LF) {
          i++;
          continue;
        }
      }
      switch (this.state) {
        case State.FieldStart:
          if (c === QUOTE) {
            if (this.fields.length === 0) this.recordLine = this.line;
            this.state = State.Quoted;
            this.quoteLine = this.line;
            start = i + 1;
          } else if (c === COMMA) {
            if (this.fields.length === 0) this.recordLine = this.line;
            this.fields.push('');
          } else if (c === LF || c === CR) {
            // A blank line is skipped; after a trailing comma it ends a record with an empty field.
            if (this.fields.length > 0) {
              this.fields.push('');
              this.emit();
            }
            this.newline(c);
          } else {
            if (this.fields.length === 0) this.recordLine = this.line;
            this.state = State.Unquoted;
            start = i;
          }
          i++;
          break;
        case State.Unquoted: {
          // Tight scan to the end of the field: this loop carries nearly all of the bytes.
          let j = i;
          let d = c;
          while (d !== COMMA && d !== LF && d !== CR) {
            j++;
            if (j === n) break;
            d = text.charCodeAt(j);
          }
          if (j === n) {
            i = n;
            break;
          }
          this.fields.push(this.pending + text.slice(start, j));
          this.pending = '';
          this.state = State.FieldStart;
          if (d === COMMA) {
            i = j + 1;
          } else {
            this.emit();
            this.newline(d);
            i = j + 1;
          }
          break;
        }
        case State.Quoted: {
          const q = text.indexOf('"', i);
          const end = q === -1 ? n : q;
          for (let j = i; j < end; j++) if (text.charCodeAt(j) === LF) this.line++;
          if (q === -1) {
            i = n;
          } else {
            this.pending += text.slice(start, q);
            this.state = State.QuoteInQuoted;
            i = q + 1;
          }
          break;
        }
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            this.pending += '"';
            this.state = State.Quoted;
            start = i + 1;
          } else if (c === COMMA) {
            this.endQuotedField();
          } else if (c === LF || c === CR) {
            this.endQuotedField();
            this.emit();
            this.newline(c);
          } else {
            throw new InputError(
              { file: this.file, line: this.line },
              `unexpected ${JSON.stringify(text[i])} after the closing quote of a field (a quote inside a quoted field must be doubled)`,
            );
          }
          i++;
          break;
      }
    }
    // Keep the unfinished field's text for the next chunk.
    if (this.state === State.Unquoted || this.state === State.Quoted) {
      this.pending += text.slice(start, n);
    }
  }

  /** Signals the end of the input: emits the last record (a final line break is optional). */
  end(): void {
    switch (this.state) {
      case State.Quoted:
        throw new InputError(
          { file: this.file, line: this.quoteLine },
          'quoted field is never closed (missing closing quote)',
        );
      case State.QuoteInQuoted:
        this.endQuotedField();
        this.emit();
        break;
      case State.Unquoted:
        this.fields.push(this.pending);
        this.pending = '';
        this.state = State.FieldStart;
        this.emit();
        break;
      case State.FieldStart:
        if (this.fields.length > 0) {
          this.fields.push('');
          this.emit();
        }
        break;
    }
  }

  private endQuotedField(): void {
    this.fields.push(this.pending);
    this.pending = '';
    this.state = State.FieldStart;
  }

  private emit(): void {
    const fields = this.fields;
    this.fields = [];
    this.onRecord(fields, this.recordLine);
  }

  private newline(c: number): void {
    this.line++;
    if (c === CR) this.skipLf = true;
  }
}

/** Parses a whole CSV text at once (tests, small inputs). */
export function parseCsv(text: string, file?: string): Array<{ fields: string[]; line: number }> {
  const out: Array<{ fields: string[]; line: number }> = [];
  const parser = new CsvParser((fields, line) => out.push({ fields, line }), file);
  parser.push(text);
  parser.end();
  return out;
}
