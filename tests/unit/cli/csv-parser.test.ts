import { describe, expect, it } from 'vitest';
import { CsvParser, parseCsv } from '../../../services/data/csv-parser.js';
import { InputError } from '../../../services/data/input-error.js';

const fieldsOf = (text: string): string[][] => parseCsv(text).map((r) => r.fields);

/** Feeds `text` in pieces of `size` characters, to cross every chunk boundary. */
function parseInChunks(text: string, size: number): Array<{ fields: string[]; line: number }> {
  const out: Array<{ fields: string[]; line: number }> = [];
  const parser = new CsvParser((fields, line) => out.push({ fields, line }));
  for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
  parser.end();
  return out;
}

describe('CsvParser (RFC 4180)', () => {
  it('splits plain fields and records, with or without a final line break', () => {
    expect(fieldsOf('a,b,c\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    expect(fieldsOf('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(fieldsOf('a,b,c\n,,\n1,,\n')).toEqual([
      ['a', 'b', 'c'],
      ['', '', ''],
      ['1', '', ''],
    ]);
  });

  it('unquotes fields holding commas, doubled quotes and line breaks', () => {
    const text = 'name,note\n"Doe, Jane","she said ""hi"""\n"multi\nline",""\n';
    expect(fieldsOf(text)).toEqual([
      ['name', 'note'],
      ['Doe, Jane', 'she said "hi"'],
      ['multi\nline', ''],
    ]);
  });

  it('reports the line on which each record starts, counting quoted line breaks', () => {
    const records = parseCsv('h1,h2\n"a\nb\nc",1\nx,2\n');
    expect(records.map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it('accepts CRLF, lone CR and LF line ends alike', () => {
    expect(fieldsOf('a,b\r\n1,2\r\n3,4\r5,6\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
    expect(parseCsv('a\r\n1\r\n2').map((r) => r.line)).toEqual([1, 2, 3]);
  });

  it('keeps CRLF inside a quoted field', () => {
    expect(fieldsOf('a\n"x\r\ny"\n')).toEqual([['a'], ['x\r\ny']]);
  });

  it('drops a leading BOM and skips blank lines', () => {
    const records = parseCsv('\uFEFFa,b\n\n1,2\n\n');
    expect(records).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1', '2'], line: 3 },
    ]);
  });

  it('keeps a quote in the middle of an unquoted field literally (as pandas does)', () => {
    expect(fieldsOf('a\n5"x\n')).toEqual([['a'], ['5"x']]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = '\uFEFFid,"quoted, field",x\r\n1,"a ""b""\r\nc",2.5\n\n3,,"z"\r\n4,"",\n';
    const whole = parseCsv(text);
    for (const size of [1, 2, 3, 5, 7, 13]) expect(parseInChunks(text, size)).toEqual(whole);
  });

  it('rejects text after a closing quote, naming the line', () => {
    expect(() => parseCsv('a,b\n1,2\n"x"y,3\n', 'f.csv')).toThrow(InputError);
    expect(() => parseCsv('a,b\n1,2\n"x"y,3\n', 'f.csv')).toThrow(
      /^f\.csv:3: unexpected "y" after the closing quote/,
    );
  });

  it('rejects a quoted field left open, naming the line where it starts', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3\n', 'f.csv')).toThrow(
      'f.csv:2: quoted field is never closed',
    );
  });
});
