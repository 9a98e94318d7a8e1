/**
 * Reads the reference and current files into the columns to compare, with their kinds.
 *
 * The reference defines the schema: kinds are inferred on it (or taken from --numeric /
 * --categorical), and the current file is then read with those kinds fixed, so a non-number in a
 * column the reference says is numeric is an error naming the current file's line — rather than a
 * silent switch of the column to categorical that would hide broken data.
 */
import { InputError } from '../../data/input-error.js';
import { readTable, type DataFormat, type DataTable } from '../../data/read-table.js';
import type { ColumnKind, Dataset } from '../../stats/index.js';

export interface LoadRequest {
  reference: string;
  current: string;
  formatIn?: DataFormat;
  numeric: readonly string[];
  categorical: readonly string[];
  /** Only these columns; undefined = all columns present in both files. */
  columns?: readonly string[];
}

export interface LoadedDatasets {
  reference: Dataset;
  current: Dataset;
  /** Compared columns, in the reference's column order. */
  kinds: Record<string, ColumnKind>;
  /** Human-readable notes for stderr (columns present in one file only). */
  warnings: string[];
}

export async function loadDatasets(request: LoadRequest): Promise<LoadedDatasets> {
  const overrides = new Map<string, ColumnKind>();
  for (const name of request.numeric) overrides.set(name, 'numeric');
  for (const name of request.categorical) overrides.set(name, 'categorical');
  const only = request.columns === undefined ? undefined : new Set(request.columns);

  const ref = await readTable(
    request.reference,
    withFormat({ fixedKinds: overrides, only }, request.formatIn),
  );
  const refKinds = new Map<string, ColumnKind>();
  for (const [name, column] of ref.columns) refKinds.set(name, column.kind);
  const cur = await readTable(
    request.current,
    withFormat({ fixedKinds: refKinds, only: new Set(ref.columns.keys()) }, request.formatIn),
  );

  const inCurrent = new Set(cur.names);
  const inReference = new Set(ref.names);
  for (const name of [...(request.columns ?? []), ...overrides.keys()]) {
    const missing = [ref, cur].filter((t) => !t.names.includes(name)).map((t) => t.file);
    if (missing.length > 0) {
      throw new InputError(
        { file: missing[0] },
        `column ${JSON.stringify(name)} (named in the options) is not in this file`,
      );
    }
  }
  const warnings: string[] = [];
  if (only === undefined) {
    const refOnly = ref.names.filter((n) => !inCurrent.has(n));
    const curOnly = cur.names.filter((n) => !inReference.has(n));
    if (refOnly.length > 0)
      warnings.push(`columns only in the reference, not compared: ${refOnly.join(', ')}`);
    if (curOnly.length > 0)
      warnings.push(`columns only in the current data, not compared: ${curOnly.join(', ')}`);
  }

  const names = ref.names.filter((n) => ref.columns.has(n) && cur.columns.has(n));
  if (names.length === 0) {
    throw new InputError(
      {},
      `${request.reference} and ${request.current} have no column in common`,
    );
  }
  const reference: Record<string, number[] | string[]> = {};
  const current: Record<string, number[] | string[]> = {};
  const kinds: Record<string, ColumnKind> = {};
  for (const name of names) {
    reference[name] = nonEmptyValues(ref, name);
    current[name] = nonEmptyValues(cur, name);
    kinds[name] = refKinds.get(name) as ColumnKind;
  }
  return { reference, current, kinds, warnings };
}

function withFormat<T extends object>(
  options: T,
  format: DataFormat | undefined,
): T & { format?: DataFormat } {
  return format === undefined ? options : { ...options, format };
}

/** A column's values; a column with none (every cell empty) cannot be compared: an error. */
function nonEmptyValues(table: DataTable, name: string): number[] | string[] {
  const column = table.columns.get(name);
  if (column === undefined || column.size === 0) {
    throw new InputError(
      { file: table.file, column: name },
      `no values (every cell is empty${table.records === 0 ? '; the file has no data rows' : ''})`,
    );
  }
  return column.values();
}
