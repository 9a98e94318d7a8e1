/**
 * `vigil baseline …`: reference profiles for the drift service.
 *
 *   build     from a CSV/JSONL file or from a window of stored traffic; writes a file and/or
 *             stores it in ClickHouse (`reference_profiles`) and activates it
 *   list      stored profiles
 *   activate  make a stored profile the active one of its model version
 *   import    store (and activate) a profile file
 *   export    write a stored profile to a file
 *
 * The drift service polls ClickHouse for the active profiles and picks up a change without restart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createClickHouse, type ClickHouseClient } from '../common/clickhouse.js';
import { loadCommonConfig } from '../common/config.js';
import { VigilError, errorMessage } from '../common/errors.js';
import type { DataFormat } from '../data/read-table.js';
import {
  DEFAULT_RESERVOIR_SIZE,
  DEFAULT_TOP_CATEGORIES,
  ProfileBuilder,
  parseProfile,
  type ReferenceProfile,
} from '../drift/profile.js';
import {
  activateProfile,
  feedFromClickHouse,
  listProfiles,
  loadProfile,
  saveProfile,
} from '../drift/profile-store.js';
import { profileFromFile } from './baseline/from-file.js';
import { parseList, parsePositiveInt, parseTime } from './baseline/options.js';

interface BuildOpts {
  input?: string;
  fromClickhouse?: boolean;
  from?: string;
  to?: string;
  model: string;
  version: string;
  out?: string;
  store: boolean;
  activate: boolean;
  reservoir?: string;
  seed?: string;
  topCategories?: string;
  labelColumn?: string;
  confidenceColumn?: string;
  exclude?: string;
  formatIn?: string;
  database?: string;
}

async function withClickHouse<T>(
  database: string | undefined,
  fn: (ch: ClickHouseClient, db: string) => Promise<T>,
): Promise<T> {
  const cfg = loadCommonConfig();
  const ch = createClickHouse({
    url: cfg.clickhouseUrl,
    username: cfg.clickhouseUser,
    password: cfg.clickhousePassword,
  });
  try {
    return await fn(ch, database ?? cfg.clickhouseDatabase);
  } finally {
    await ch.close();
  }
}

function summary(p: ReferenceProfile): string {
  const n = Object.keys(p.numeric).length;
  const c = Object.keys(p.categorical).length;
  return `profile ${p.profileVersion} for ${p.modelId} ${p.modelVersion}: ${p.rows} rows, ${n} numeric and ${c} categorical features, labels ${p.prediction.label ? 'yes' : 'no'}, confidence ${p.prediction.confidence ? 'yes' : 'no'}`;
}

function writeProfile(file: string, p: ReferenceProfile): void {
  writeFileSync(file, `${JSON.stringify(p)}\n`);
}

export async function runBuild(
  o: BuildOpts,
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<ReferenceProfile> {
  if ((o.input === undefined) === (o.fromClickhouse !== true))
    throw new VigilError('give either --input <file> or --from-clickhouse (with --from and --to)');
  if (!o.store && o.out === undefined)
    throw new VigilError('--no-store without --out would throw the profile away; add --out <file>');
  const options = {
    modelId: o.model,
    modelVersion: o.version,
    reservoirSize: parsePositiveInt('--reservoir', o.reservoir, DEFAULT_RESERVOIR_SIZE),
    seed: o.seed === undefined ? 1 : parsePositiveInt('--seed', o.seed, 1),
    topCategories: parsePositiveInt('--top-categories', o.topCategories, DEFAULT_TOP_CATEGORIES),
  };
  let profile: ReferenceProfile;
  if (o.input !== undefined) {
    if (o.formatIn !== undefined && o.formatIn !== 'csv' && o.formatIn !== 'jsonl')
      throw new VigilError(`--format-in: csv or jsonl, got "${o.formatIn}"`);
    profile = await profileFromFile({
      ...options,
      input: o.input,
      ...(o.formatIn ? { formatIn: o.formatIn as DataFormat } : {}),
      ...(o.labelColumn ? { labelColumn: o.labelColumn } : {}),
      ...(o.confidenceColumn ? { confidenceColumn: o.confidenceColumn } : {}),
      exclude: parseList(o.exclude),
    });
  } else {
    if (o.from === undefined || o.to === undefined)
      throw new VigilError('--from-clickhouse needs --from <time> and --to <time>');
    const fromMs = parseTime('--from', o.from);
    const toMs = parseTime('--to', o.to);
    if (!(toMs > fromMs)) throw new VigilError('--to must be after --from');
    profile = await withClickHouse(o.database, async (ch, db) => {
      const b = new ProfileBuilder({
        ...options,
        source: `clickhouse:${db}.inference_events_final[${new Date(fromMs).toISOString()}, ${new Date(toMs).toISOString()})`,
      });
      const n = await feedFromClickHouse(
        ch,
        db,
        { modelId: o.model, modelVersion: o.version, fromMs, toMs },
        b,
      );
      if (n === 0)
        throw new VigilError(
          `no events of ${o.model} ${o.version} in ${db}.inference_events_final between ${o.from} and ${o.to}`,
        );
      return b.finish();
    });
  }
  if (o.out !== undefined) writeProfile(o.out, profile);
  if (o.store)
    await withClickHouse(o.database, (ch, db) =>
      saveProfile(ch, db, profile, { activate: o.activate }),
    );
  out(
    `${summary(profile)}${o.out ? `; written to ${o.out}` : ''}${o.store ? `; stored${o.activate ? ' and active' : ''}` : ''}\n`,
  );
  return profile;
}

export function registerBaseline(program: Command): void {
  // `--version <v>` on the sub-commands must not be taken for the root's `-V, --version`: root
  // options are recognised only before the sub-command name (standard CLI behaviour; the root has
  // no other options than --version and --help).
  const baseline = program
    .command('baseline')
    .description('Reference profiles for drift detection (build, list, activate, import, export).');

  baseline
    .command('build')
    .description(
      'Build a reference profile from a CSV/JSONL file or from stored traffic, store it in ClickHouse and activate it.',
    )
    .option(
      '--input <file>',
      'reference data: .csv, .jsonl or .ndjson (flat rows or the Vigil event form)',
    )
    .option('--from-clickhouse', 'read the reference from inference_events_final instead of a file')
    .option(
      '--from <time>',
      'with --from-clickhouse: window start, epoch ms or ISO-8601 (inclusive)',
    )
    .option('--to <time>', 'with --from-clickhouse: window end, epoch ms or ISO-8601 (exclusive)')
    .requiredOption('--model <id>', 'model id')
    .requiredOption('--version <version>', 'model version')
    .option('--out <file>', 'also write the profile to this JSON file')
    .option('--no-store', 'do not store it in ClickHouse (needs --out)')
    .option('--no-activate', 'store it without making it the active profile')
    .option(
      '--reservoir <n>',
      `values sampled per numeric feature (default ${DEFAULT_RESERVOIR_SIZE})`,
    )
    .option('--seed <n>', 'seed of the reservoir samples (default 1)')
    .option(
      '--top-categories <n>',
      `categories kept per categorical feature before __other__ (default ${DEFAULT_TOP_CATEGORIES})`,
    )
    .option(
      '--label-column <name>',
      'file column with the predicted label (default prediction.label)',
    )
    .option(
      '--confidence-column <name>',
      'file column with the confidence (default prediction.confidence)',
    )
    .option(
      '--exclude <columns>',
      'file columns that are not model inputs (comma-separated, e.g. id,timestamp)',
    )
    .option('--format-in <format>', 'input format, csv or jsonl (default: by extension)')
    .option(
      '--database <name>',
      'ClickHouse database (default: VIGIL_CLICKHOUSE_DATABASE or "vigil")',
    )
    .addHelpText(
      'after',
      `
The profile holds, per numeric feature, a seeded uniform sample (at most --reservoir values),
its decile edges for streaming PSI, count and distinct count; per categorical feature the
category shares (top --top-categories + __other__); the predicted-label shares and the
confidence sample. Its id (profileVersion) is a hash of its content: the same data gives the
same id. Examples:
  vigil baseline build --input ref.csv --model fraud --version v3 --exclude id --out fraud-v3.json
  vigil baseline build --from-clickhouse --model fraud --version v3 \\
      --from 2026-11-01T00:00:00Z --to 2026-11-08T00:00:00Z`,
    )
    .action(async (o: BuildOpts) => {
      await runBuild(o);
    });

  baseline
    .command('list')
    .description('List stored reference profiles (newest first per model version; * = active).')
    .option('--model <id>', 'only this model')
    .option('--json', 'one JSON object per line')
    .option(
      '--database <name>',
      'ClickHouse database (default: VIGIL_CLICKHOUSE_DATABASE or "vigil")',
    )
    .action(async (o: { model?: string; json?: boolean; database?: string }) => {
      const list = await withClickHouse(o.database, (ch, db) => listProfiles(ch, db, o.model));
      if (o.json) {
        for (const p of list) process.stdout.write(`${JSON.stringify(p)}\n`);
        return;
      }
      if (list.length === 0) {
        process.stdout.write('no profiles\n');
        return;
      }
      const rows = [
        ['', 'MODEL', 'VERSION', 'PROFILE', 'CREATED', 'ROWS', 'SOURCE'],
        ...list.map((p) => [
          p.active ? '*' : '',
          p.modelId,
          p.modelVersion,
          p.profileId,
          p.createdAt,
          String(p.rows),
          p.source,
        ]),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows)
        process.stdout.write(
          `${r
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd()}\n`,
        );
    });

  baseline
    .command('activate')
    .description(
      'Make a stored profile the active one of its model version (the drift service picks it up at its next poll).',
    )
    .requiredOption('--model <id>', 'model id')
    .requiredOption('--version <version>', 'model version')
    .requiredOption('--profile-id <id>', 'profile id (see `vigil baseline list`)')
    .option(
      '--database <name>',
      'ClickHouse database (default: VIGIL_CLICKHOUSE_DATABASE or "vigil")',
    )
    .action(async (o: { model: string; version: string; profileId: string; database?: string }) => {
      await withClickHouse(o.database, (ch, db) =>
        activateProfile(ch, db, o.model, o.version, o.profileId),
      );
      process.stdout.write(`profile ${o.profileId} is now active for ${o.model} ${o.version}\n`);
    });

  baseline
    .command('import')
    .description(
      'Store a profile file (from `build --out` or `export`) in ClickHouse and activate it.',
    )
    .requiredOption('--file <file>', 'profile JSON file')
    .option('--no-activate', 'store it without making it the active profile')
    .option(
      '--database <name>',
      'ClickHouse database (default: VIGIL_CLICKHOUSE_DATABASE or "vigil")',
    )
    .action(async (o: { file: string; activate: boolean; database?: string }) => {
      let profile: ReferenceProfile;
      try {
        profile = parseProfile(JSON.parse(readFileSync(o.file, 'utf8')));
      } catch (err) {
        throw new VigilError(`${o.file}: ${errorMessage(err)}`);
      }
      await withClickHouse(o.database, (ch, db) =>
        saveProfile(ch, db, profile, { activate: o.activate }),
      );
      process.stdout.write(`${summary(profile)}; stored${o.activate ? ' and active' : ''}\n`);
    });

  baseline
    .command('export')
    .description('Write a stored profile to a JSON file.')
    .requiredOption('--profile-id <id>', 'profile id (see `vigil baseline list`)')
    .requiredOption('--out <file>', 'output file')
    .option(
      '--database <name>',
      'ClickHouse database (default: VIGIL_CLICKHOUSE_DATABASE or "vigil")',
    )
    .action(async (o: { profileId: string; out: string; database?: string }) => {
      const p = await withClickHouse(o.database, (ch, db) => loadProfile(ch, db, o.profileId));
      writeProfile(o.out, p);
      process.stdout.write(`${summary(p)}; written to ${o.out}\n`);
    });
}
