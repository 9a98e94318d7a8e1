import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../services/data/input-error.js';
import { isBlank, parseNumberCell } from '../../../services/data/number-cell.js';
import { detectFormat, readTable, type DataTable } from '../../../services/data/read-table.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-read-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function column(table: DataTable, name: string): { kind: string; values: Array<number | string> } {
  const c = table.columns.get(name);
  if (c === undefined) throw new Error(`no column ${name}`);
  return { kind: c.kind, values: [...c.values()] };
}

/** The InputError message thrown by `read`, with the temp dir removed from it. */
async function errorOf(read: Promise<unknown>): Promise<string> {
  try {
    await read;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message.replaceAll(`${dir}/`, '');
  }
  throw new Error('expected an InputError');
}

describe('numbers and blanks', () => {
  it('parses finite decimal numbers only', () => {
    expect(parseNumberCell('12')).toBe(12);
    expect(parseNumberCell('-1.5e3')).toBe(-1500);
    expect(parseNumberCell(' 0.25 ')).toBe(0.25);
    expect(parseNumberCell('.5')).toBe(0.5);
    for (const text of [
      'abc',
      '1,5',
      'Infinity',
      '-Infinity',
      'NaN',
      '1e999',
      '0x1F',
      '0b101',
      '0o17',
      '1_000',
    ])
      expect(parseNumberCell(text), text).toBeUndefined();
  });

  it('treats empty and whitespace-only cells as blank', () => {
    expect(isBlank('')).toBe(true);
    expect(isBlank('  \t')).toBe(true);
    expect(isBlank(' a ')).toBe(false);
    expect(isBlank('0')).toBe(false);
  });
});

describe('readTable: CSV', () => {
  it('infers numeric and categorical columns and drops empty cells', async () => {
    const t = await readTable(
      file('kinds.csv', 'amount,country,code\n1.5,DE,7\n,FR,8\n2,"Côte d\'Ivoire",\n'),
    );
    expect(t.format).toBe('csv');
    expect(t.names).toEqual(['amount', 'country', 'code']);
    expect(t.records).toBe(3);
    expect(column(t, 'amount')).toEqual({ kind: 'numeric', values: [1.5, 2] });
    expect(column(t, 'country')).toEqual({
      kind: 'categorical',
      values: ['DE', 'FR', "Côte d'Ivoire"],
    });
    expect(column(t, 'code')).toEqual({ kind: 'numeric', values: [7, 8] });
  });

  it('keeps the original text of numbers in a column that turns categorical late', async () => {
    // "007" and "1.50" were stored as numbers before "x" was seen; the second read restores them.
    const t = await readTable(file('late.csv', 'zip,n\n007,1\n1.50,2\nx,3\n,4\n'));
    expect(column(t, 'zip')).toEqual({ kind: 'categorical', values: ['007', '1.50', 'x'] });
    expect(column(t, 'n')).toEqual({ kind: 'numeric', values: [1, 2, 3, 4] });
  });

  it('applies fixed kinds: numbers as categories, and an error for a non-number', async () => {
    const t = await readTable(file('fixed.csv', 'a,b\n1,2\n1.0,3\n'), {
      fixedKinds: new Map([['a', 'categorical']]),
    });
    expect(column(t, 'a')).toEqual({ kind: 'categorical', values: ['1', '1.0'] });
    const lines = [
      'id,amount',
      ...Array.from({ length: 40 }, (_, i) => `${i},${i * 1.5}`),
      '40,abc',
    ];
    const cur = file('cur.csv', `${lines.join('\n')}\n`);
    expect(await errorOf(readTable(cur, { fixedKinds: new Map([['amount', 'numeric']]) }))).toBe(
      'cur.csv:42: column amount: "abc" is not a number',
    );
  });

  it('rejects ragged rows with the line and both field counts', async () => {
    const rows = ['a,b,c,d,e', ...Array.from({ length: 15 }, () => '1,2,3,4,5'), '1,2,3,4'];
    expect(await errorOf(readTable(file('file.csv', rows.join('\n'))))).toBe(
      'file.csv:17: expected 5 fields, got 4',
    );
    expect(await errorOf(readTable(file('long.csv', 'a,b\n1,2,3\n')))).toBe(
      'long.csv:2: expected 2 fields, got 3',
    );
  });

  it('counts lines inside quoted fields when naming the ragged row', async () => {
    expect(await errorOf(readTable(file('q.csv', 'a,b\n"x\ny",1\n2\n')))).toBe(
      'q.csv:4: expected 2 fields, got 1',
    );
  });

  it('rejects empty files and bad headers', async () => {
    expect(await errorOf(readTable(file('empty.csv', '')))).toBe(
      'empty.csv: empty file (no header row)',
    );
    expect(await errorOf(readTable(file('dup.csv', 'a,b,a\n1,2,3\n')))).toBe(
      'dup.csv:1: column "a" appears twice in the header',
    );
    expect(await errorOf(readTable(file('noname.csv', ',b\n1,2\n')))).toMatch(
      /^noname\.csv:1: header field 1 is empty/,
    );
  });

  it('collects only the columns asked for but lists every name', async () => {
    const t = await readTable(file('only.csv', 'a,b,c\n1,x,3\n'), { only: new Set(['c']) });
    expect(t.names).toEqual(['a', 'b', 'c']);
    expect([...t.columns.keys()]).toEqual(['c']);
  });

  it('names a missing file', async () => {
    expect(await errorOf(readTable(join(dir, 'missing.csv')))).toBe('missing.csv: no such file');
  });
});

describe('readTable: JSON Lines', () => {
  it('reads flat objects: typed numbers, strings, booleans; null and absent keys are missing', async () => {
    const t = await readTable(
      file(
        'flat.jsonl',
        '{"amount": 1.5, "country": "DE", "vip": true}\n\n{"amount": null, "country": "FR"}\n{"amount": "2", "vip": false, "late": 3}\n',
      ),
    );
    expect(t.format).toBe('jsonl');
    expect(t.records).toBe(3);
    expect(t.names).toEqual(['amount', 'country', 'vip', 'late']);
    expect(column(t, 'amount')).toEqual({ kind: 'numeric', values: [1.5, 2] });
    expect(column(t, 'country')).toEqual({ kind: 'categorical', values: ['DE', 'FR'] });
    expect(column(t, 'vip')).toEqual({ kind: 'categorical', values: ['true', 'false'] });
    expect(column(t, 'late')).toEqual({ kind: 'numeric', values: [3] });
  });

  it('flattens the Vigil event form', async () => {
    const events = [
      {
        eventId: 'e1',
        timestamp: 1764150000000,
        modelId: 'fraud',
        features: { amount: 12.5, age: 40 },
        categorical: { country: 'DE', segment: '7' },
        prediction: { label: 'fraud', confidence: 0.91, probabilities: { fraud: 0.91, ok: 0.09 } },
        latencyMs: 12.3,
        status: 'OK',
      },
      {
        eventId: 'e2',
        features: { amount: 3 },
        categorical: { country: 'FR', segment: '8' },
        prediction: { label: 'ok', confidence: 0.7 },
      },
    ];
    const t = await readTable(
      file('events.ndjson', events.map((e) => JSON.stringify(e)).join('\n')),
    );
    expect(t.names).toEqual([
      'amount',
      'age',
      'country',
      'segment',
      'prediction.label',
      'prediction.confidence',
    ]);
    expect(column(t, 'amount')).toEqual({ kind: 'numeric', values: [12.5, 3] });
    expect(column(t, 'age')).toEqual({ kind: 'numeric', values: [40] });
    expect(column(t, 'country')).toEqual({ kind: 'categorical', values: ['DE', 'FR'] });
    // Declared categorical by the event form, although every value looks like a number.
    expect(column(t, 'segment')).toEqual({ kind: 'categorical', values: ['7', '8'] });
    expect(column(t, 'prediction.label')).toEqual({ kind: 'categorical', values: ['fraud', 'ok'] });
    expect(column(t, 'prediction.confidence')).toEqual({ kind: 'numeric', values: [0.91, 0.7] });
  });

  it('names the file, line and column of bad JSON lines', async () => {
    expect(await errorOf(readTable(file('bad.jsonl', '{"a": 1}\n{"a": 2\n')))).toMatch(
      /^bad\.jsonl:2: invalid JSON: /,
    );
    expect(await errorOf(readTable(file('arr.jsonl', '{"a": 1}\n[1, 2]\n')))).toBe(
      'arr.jsonl:2: expected a JSON object, got an array',
    );
    expect(await errorOf(readTable(file('nested.jsonl', '{"a": {"b": 1}}\n')))).toBe(
      'nested.jsonl:1: column a: an object is not a column value (use flat objects or the Vigil event form)',
    );
    expect(
      await errorOf(
        readTable(
          file('feat.jsonl', '{"features": {"amount": 1}}\n{"features": {"amount": "x"}}\n'),
        ),
      ),
    ).toBe('feat.jsonl:2: column amount: features.amount is "x", expected a number');
  });

  it('rejects a column declared with two kinds', async () => {
    const text = '{"features": {"x": 1}}\n{"categorical": {"x": "a"}}\n';
    expect(await errorOf(readTable(file('conflict.jsonl', text)))).toBe(
      'conflict.jsonl:2: column x: categorical.x makes it categorical, but earlier lines declared it numeric',
    );
  });

  it('checks numbers against a fixed numeric kind', async () => {
    const text = '{"amount": 1}\n{"amount": 2}\n{"amount": "abc"}\n';
    expect(
      await errorOf(
        readTable(file('cur.jsonl', text), { fixedKinds: new Map([['amount', 'numeric']]) }),
      ),
    ).toBe('cur.jsonl:3: column amount: "abc" is not a number');
  });
});

describe('format detection', () => {
  it('goes by extension, case-insensitively', () => {
    expect(detectFormat('a.csv')).toBe('csv');
    expect(detectFormat('a.CSV')).toBe('csv');
    expect(detectFormat('a.jsonl')).toBe('jsonl');
    expect(detectFormat('a.ndjson')).toBe('jsonl');
    expect(detectFormat('a.jsonlines')).toBe('jsonl');
    expect(() => detectFormat('a.txt')).toThrow(/a\.txt: cannot tell the format .*--format-in/);
  });

  it('is overridden by an explicit format', async () => {
    const t = await readTable(file('data.txt', '{"a": 1}\n'), { format: 'jsonl' });
    expect(column(t, 'a')).toEqual({ kind: 'numeric', values: [1] });
  });
});
