/**
 * `vigil drift compare`: offline drift report between a reference and a current file, with the
 * same statistics core (services/stats) the streaming drift service uses.
 */
import { CommanderError, type Command } from 'commander';
import { InputError } from '../../data/input-error.js';
import { compareDatasetsWithKsPolicy } from './compare-datasets.js';
import { COMPARE_HELP_EPILOG } from './compare-help.js';
import {
  parseCompareOptions,
  type CompareConfig,
  type CompareRawOptions,
} from './compare-options.js';
import { driftReport } from './json-report.js';
import { loadDatasets } from './load-datasets.js';
import { tableReport } from './table-report.js';

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 2;
export const EXIT_DRIFT = 3;

/** Where the command writes; a seam for tests. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export function registerDriftCompare(drift: Command): void {
  drift
    .command('compare')
    .description(
      'Compare a current data file with a reference file, column by column (CSV or JSON Lines).',
    )
    .requiredOption('--reference <file>', 'reference data (.csv, .jsonl, .ndjson)')
    .requiredOption('--current <file>', 'current data to check against the reference')
    .option('--numeric <columns>', 'comma-separated columns to treat as numeric')
    .option('--categorical <columns>', 'comma-separated columns to treat as categorical')
    .option('--columns <columns>', 'compare only these columns (comma-separated)')
    .option('--format <format>', 'output: table or json', 'table')
    .option(
      '--format-in <format>',
      'input format for both files, csv or jsonl (default: by extension)',
    )
    .option('--threshold-share <share>', 'dataset drifts when this share of columns drifts', '0.5')
    .option(
      '--stattest <method>',
      'method for every column (default: Evidently’s choice per column)',
    )
    .option(
      '--stattest-threshold <n>',
      'threshold for the verdict method (default: the method’s default)',
    )
    .option('--ks <when>', 'compute the KS test: auto, always or never (see below)', 'auto')
    .option('--fail-on-drift', 'exit with 3 when the dataset drifted')
    .addHelpText('after', COMPARE_HELP_EPILOG)
    // Usage errors (unknown or missing option) are bad input too: exit 2 like the rest, not
    // commander's 1. Help and version keep their own exit code.
    .exitOverride((err) => {
      if (err.exitCode === 0) throw err;
      throw new CommanderError(EXIT_BAD_INPUT, err.code, err.message);
    })
    .action(async (raw: CompareRawOptions) => {
      process.exitCode = await runDriftCompareCommand(raw, processIo);
    });
}

/** Parses the options, runs the comparison, prints it; returns the exit code. */
export async function runDriftCompareCommand(
  raw: CompareRawOptions,
  io: CommandIo,
): Promise<number> {
  try {
    return await runDriftCompare(parseCompareOptions(raw), io);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    io.err(`vigil: ${err.message}\n`);
    return EXIT_BAD_INPUT;
  }
}

export async function runDriftCompare(config: CompareConfig, io: CommandIo): Promise<number> {
  const loaded = await loadDatasets(config);
  for (const w of loaded.warnings) io.err(`vigil: warning: ${w}\n`);
  if (config.method === 'ks' || config.method === 'wasserstein') {
    const categorical = Object.keys(loaded.kinds).filter((n) => loaded.kinds[n] === 'categorical');
    if (categorical.length > 0) {
      throw new InputError(
        {},
        `--stattest ${config.method} needs numeric columns, but these are categorical: ${categorical.join(', ')} (exclude them with --columns or force --numeric)`,
      );
    }
  }
  const result = compareDatasetsWithKsPolicy(loaded.reference, loaded.current, loaded.kinds, {
    driftShare: config.driftShare,
    ...(config.method !== undefined && { method: config.method }),
    ...(config.threshold !== undefined && { threshold: config.threshold }),
    ks: config.ks,
  });
  io.out(
    config.output === 'json'
      ? `${JSON.stringify(driftReport(result), null, 2)}\n`
      : tableReport(result),
  );
  return config.failOnDrift && result.dataset.drifted ? EXIT_DRIFT : EXIT_OK;
}
