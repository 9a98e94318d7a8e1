/** Reads a JSONL event file line by line as a stream (the JSON event form; see README). */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseEventLine, type LineResult } from '../../common/event-json.js';
import type { InferenceEvent } from '../../common/event.js';
import { InputError } from '../../data/input-error.js';

/** Every non-blank line, parsed and validated, in file order; never throws for a bad line. */
export async function* eventLines(file: string): AsyncGenerator<LineResult> {
  try {
    await access(file);
  } catch {
    throw new InputError({ file }, 'cannot read the file');
  }
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    const r = parseEventLine(text, line);
    if (r !== null) yield r;
  }
}

/** "events.jsonl: line 7: prediction.confidence: must be in [0, 1], got 2" */
export function lineError(file: string, r: Extract<LineResult, { ok: false }>): string {
  return `${file}: ${r.error}`;
}

/** Loads a whole reference file; bad lines are reported through `warn` and skipped. */
export async function loadReference(
  file: string,
  warn: (text: string) => void,
): Promise<InferenceEvent[]> {
  const events: InferenceEvent[] = [];
  let bad = 0;
  for await (const r of eventLines(file)) {
    if (r.ok) events.push(r.event);
    else {
      bad++;
      if (bad <= 20) warn(`warning: reference ${lineError(file, r)} (skipped)`);
    }
  }
  if (bad > 20) warn(`warning: reference ${file}: ${bad - 20} more bad lines skipped`);
  if (events.length === 0) throw new InputError({ file }, 'the reference has no valid events');
  return events;
}
