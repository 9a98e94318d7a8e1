/**
 * Builds a profile from a CSV or JSON Lines file (services/data readers). Columns are fed one by
 * one into the streaming builder; each feature's sample depends only on its own value sequence, so
 * this equals feeding the file row by row. The label and confidence columns (by default the names
 * the event form gives them: `prediction.label`, `prediction.confidence`) become the prediction
 * parts of the profile; excluded columns (ids, timestamps) are left out.
 */
import { InputError } from '../../data/input-error.js';
import { readTable, type DataFormat } from '../../data/read-table.js';
import {
  CONFIDENCE_COLUMN,
  LABEL_COLUMN,
  ProfileBuilder,
  type ProfileOptions,
  type ReferenceProfile,
} from '../../drift/profile.js';

export interface FileProfileRequest extends ProfileOptions {
  input: string;
  formatIn?: DataFormat;
  labelColumn?: string;
  confidenceColumn?: string;
  exclude?: readonly string[];
}

export async function profileFromFile(r: FileProfileRequest): Promise<ReferenceProfile> {
  const labelColumn = r.labelColumn ?? LABEL_COLUMN;
  const confidenceColumn = r.confidenceColumn ?? CONFIDENCE_COLUMN;
  const fixedKinds = new Map([
    [labelColumn, 'categorical' as const],
    [confidenceColumn, 'numeric' as const],
  ]);
  const table = await readTable(r.input, {
    ...(r.formatIn ? { format: r.formatIn } : {}),
    fixedKinds,
  });
  const exclude = new Set(r.exclude ?? []);
  for (const name of exclude)
    if (!table.names.includes(name))
      throw new InputError(
        { file: r.input },
        `column ${JSON.stringify(name)} (from --exclude) is not in this file`,
      );
  if (table.records === 0) throw new InputError({ file: r.input }, 'no data records');
  const b = new ProfileBuilder({ ...r, source: r.source ?? `file:${r.input}` });
  b.addRecord(table.records);
  for (const name of table.names) {
    const col = table.columns.get(name);
    if (col === undefined || exclude.has(name)) continue;
    const values = col.values();
    if (name === labelColumn) for (const v of values) b.addLabel(String(v));
    else if (name === confidenceColumn) for (const v of values as number[]) b.addConfidence(v);
    else if (col.kind === 'numeric') for (const v of values as number[]) b.addNumeric(name, v);
    else for (const v of values as string[]) b.addCategorical(name, v);
  }
  return b.finish();
}
