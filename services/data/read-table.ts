/**
 * Reads a CSV or JSON Lines file into columns (see column-builder.ts for kinds and missing values).
 * Files are streamed, so their size is bounded by the columns' memory, not by string limits.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { ColumnKind } from '../stats/verdict.js';
import { ColumnBuilder } from './column-builder.js';
import { CsvParser } from './csv-parser.js';
import { InputError } from './input-error.js';
import { flattenJsonRecord } from './jsonl-record.js';

export type DataFormat = 'csv' | 'jsonl';

export const DATA_FORMATS: readonly DataFormat[] = ['csv', 'jsonl'];

const EXTENSIONS: Readonly<Record<string, DataFormat>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.jsonlines': 'jsonl',
};

/** The format implied by the file name, or an InputError asking for `--format-in`. */
export function detectFormat(file: string): DataFormat {
  const format = EXTENSIONS[extname(file).toLowerCase()];
  if (format === undefined) {
    throw new InputError(
      { file },
      `cannot tell the format from the extension (expected ${Object.keys(EXTENSIONS).join(', ')}); use --format-in csv|jsonl`,
    );
  }
  return format;
}

export interface ReadTableOptions {
  /** Default: from the extension ({@link detectFormat}). */
  format?: DataFormat;
  /** Kinds imposed on these columns; a non-number in a numeric one is an error. */
  fixedKinds?: ReadonlyMap<string, ColumnKind>;
  /** Collect only these columns (the others are still listed in `names`). Default: all. */
  only?: ReadonlySet<string>;
}

/** A file read into columns. */
export interface DataTable {
  file: string;
  format: DataFormat;
  /** Every column seen, in order of first appearance (the header order for CSV). */
  names: string[];
  /** The collected columns. */
  columns: Map<string, ColumnBuilder>;
  /** Data records (CSV rows after the header, non-blank JSON lines). */
  records: number;
}

/**
 * Reads `file`. Columns that turned categorical after numbers were stored are recovered by a
 * second, narrower read (see column-builder.ts), so their categories keep their original text.
 */
export async function readTable(file: string, options: ReadTableOptions = {}): Promise<DataTable> {
  const table = await readOnce(file, options);
  const recover = [...table.columns.values()].filter((c) => c.needsRecovery).map((c) => c.name);
  if (recover.length === 0) return table;
  const fixedKinds = new Map(options.fixedKinds);
  for (const name of recover) fixedKinds.set(name, 'categorical');
  const again = await readOnce(file, { ...options, fixedKinds, only: new Set(recover) });
  for (const name of recover) {
    const column = again.columns.get(name);
    if (column !== undefined) table.columns.set(name, column);
  }
  return table;
}

/** Collects columns for one read: registers names, hands out builders for collected columns. */
class TableSink {
  readonly names: string[] = [];
  readonly columns = new Map<string, ColumnBuilder>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly options: ReadTableOptions,
  ) {}

  column(name: string): ColumnBuilder | undefined {
    if (!this.seen.has(name)) {
      this.seen.add(name);
      this.names.push(name);
      if (this.options.only === undefined || this.options.only.has(name)) {
        this.columns.set(
          name,
          new ColumnBuilder(name, this.file, this.options.fixedKinds?.get(name)),
        );
      }
    }
    return this.columns.get(name);
  }
}

async function readOnce(file: string, options: ReadTableOptions): Promise<DataTable> {
  const format = options.format ?? detectFormat(file);
  const sink = new TableSink(file, options);
  const records = format === 'csv' ? await readCsv(file, sink) : await readJsonl(file, sink);
  return { file, format, names: sink.names, columns: sink.columns, records };
}

/** Opens `file` for streaming in 1 MiB chunks (fewer, larger pushes into the parser). */
function open(file: string): ReturnType<typeof createReadStream> {
  return createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
}

/** Runs a read, turning file-system failures into InputErrors that name the file. */
async function withFileErrors<T>(file: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError({ file }, 'no such file');
    if (code === 'EISDIR') throw new InputError({ file }, 'is a directory');
    if (code === 'EACCES') throw new InputError({ file }, 'permission denied');
    throw err;
  }
}

async function readCsv(file: string, sink: TableSink): Promise<number> {
  return withFileErrors(file, async () => {
    let header: string[] | undefined;
    let builders: Array<ColumnBuilder | undefined> = [];
    let records = 0;
    const parser = new CsvParser((fields, line) => {
      if (header === undefined) {
        header = checkHeader(fields, file, line);
        builders = header.map((name) => sink.column(name));
        return;
      }
      if (fields.length !== header.length) {
        throw new InputError(
          { file, line },
          `expected ${header.length} fields, got ${fields.length}`,
        );
      }
      records++;
      for (let i = 0; i < fields.length; i++) builders[i]?.addText(fields[i] as string, line);
    }, file);
    for await (const chunk of open(file)) parser.push(chunk as string);
    parser.end();
    if (header === undefined) throw new InputError({ file }, 'empty file (no header row)');
    return records;
  });
}

function checkHeader(fields: string[], file: string, line: number): string[] {
  const seen = new Set<string>();
  fields.forEach((name, i) => {
    if (name.trim() === '') {
      throw new InputError(
        { file, line },
        `header field ${i + 1} is empty (every column needs a name)`,
      );
    }
    if (seen.has(name))
      throw new InputError(
        { file, line },
        `column ${JSON.stringify(name)} appears twice in the header`,
      );
    seen.add(name);
  });
  return fields;
}

async function readJsonl(file: string, sink: TableSink): Promise<number> {
  return withFileErrors(file, async () => {
    let line = 0;
    let records = 0;
    const input = open(file);
    const lines = createInterface({ input, crlfDelay: Infinity });
    try {
      for await (const text of lines) {
        line++;
        if (text.trim() === '') continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          throw new InputError({ file, line }, `invalid JSON: ${(err as Error).message}`);
        }
        records++;
        const here = line;
        flattenJsonRecord(parsed, file, here, (name, value, declared) => {
          const column = sink.column(name);
          if (column === undefined) return;
          if (declared !== undefined) column.declare(declared.kind, here, declared.what);
          if (value === null) return;
          if (typeof value === 'number') column.addNumber(value, here);
          else column.addText(typeof value === 'string' ? value : String(value), here);
        });
      }
    } finally {
      // readline leaves its input open when the loop is left by an error.
      input.destroy();
    }
    return records;
  });
}
