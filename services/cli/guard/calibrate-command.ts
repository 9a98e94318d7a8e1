/** `vigil guard calibrate`: reference profile + thresholds for a target false-positive rate, as JSON. */
import { writeFile } from 'node:fs/promises';
import { CommanderError, type Command } from 'commander';
import { errorMessage } from '../../common/errors.js';
import { InputError } from '../../data/input-error.js';
import { BUDGET_DIVISORS, type CalibrateOptions } from '../../guard/calibrate.js';
import {
  EXIT_BAD_INPUT,
  EXIT_OK,
  parseInteger,
  parseRate,
  processIo,
  type CommandIo,
} from './guard-options.js';
import { calibrateFromReference } from './load-calibration.js';

interface CalibrateRawOptions {
  reference: string;
  out: string;
  targetFpr?: string;
  eventFpr?: string;
  extractionFpr?: string;
  k?: string;
  historySize?: string;
}

export const DEFAULT_CALIBRATE_TARGET_FPR = 0.001;

export function registerGuardCalibrate(guard: Command): void {
  guard
    .command('calibrate')
    .description(
      'Build the guard profile from benign reference events and calibrate its thresholds.',
    )
    .requiredOption('--reference <file>', 'benign reference events (.jsonl, the JSON event form)')
    .requiredOption('--out <file>', 'where to write {profile, thresholds} (JSON)')
    .option(
      '--target-fpr <rate>',
      'share of benign clients that may be flagged',
      String(DEFAULT_CALIBRATE_TARGET_FPR),
    )
    .option(
      '--event-fpr <rate>',
      'share of benign events that may be flagged (default: --target-fpr)',
    )
    .option(
      '--extraction-fpr <rate>',
      'share of benign clients the extraction rule alone may flag (default and maximum: --target-fpr / 3)',
    )
    .option('--k <n>', 'neighbours of the query-similarity detector (Chen et al. 2019)', '50')
    .option('--history-size <n>', 'queries remembered per client and model', '1000')
    .exitOverride((err) => {
      if (err.exitCode === 0) throw err;
      throw new CommanderError(EXIT_BAD_INPUT, err.code, err.message);
    })
    .action(async (raw: CalibrateRawOptions) => {
      process.exitCode = await runGuardCalibrateCommand(raw, processIo);
    });
}

export async function runGuardCalibrateCommand(
  raw: CalibrateRawOptions,
  io: CommandIo,
): Promise<number> {
  try {
    const options: CalibrateOptions = {
      targetFpr: parseRate('--target-fpr', raw.targetFpr ?? String(DEFAULT_CALIBRATE_TARGET_FPR)),
    };
    if (raw.eventFpr !== undefined) options.eventFpr = parseRate('--event-fpr', raw.eventFpr);
    if (raw.extractionFpr !== undefined) {
      const x = parseRate('--extraction-fpr', raw.extractionFpr);
      const share = options.targetFpr! / BUDGET_DIVISORS.extraction;
      if (x > share)
        throw new InputError(
          {},
          `--extraction-fpr: expected at most --target-fpr / ${BUDGET_DIVISORS.extraction} (${share}), got ${JSON.stringify(raw.extractionFpr)}`,
        );
      options.extractionFpr = x;
    }
    if (raw.k !== undefined) options.k = parseInteger('--k', raw.k, 1);
    if (raw.historySize !== undefined)
      options.historySize = parseInteger('--history-size', raw.historySize, 1);
    const cal = await calibrateFromReference(raw.reference, options, (t) =>
      io.err(`vigil: ${t}\n`),
    );
    try {
      await writeFile(raw.out, `${JSON.stringify(cal)}\n`);
    } catch (err) {
      throw new InputError({ file: raw.out }, `cannot write: ${errorMessage(err)}`);
    }
    for (const [id, t] of Object.entries(cal.thresholds.models)) {
      const c = t.calibration;
      io.err(
        `vigil guard calibrate: model ${id}: ${cal.profile.models[id]!.events} profile events, ${c.events} held-out events from ${c.pseudoClients} pseudo-clients${c.inSample ? ' (in-sample: reference too small to hold out)' : ''}; held-out event flag rate ${c.eventFlagRate.toFixed(4)}, client flag rate ${c.clientFlagRate.toFixed(4)} (target ${cal.thresholds.targetFpr})\n`,
      );
      for (const w of c.warnings ?? [])
        io.err(`vigil guard calibrate: model ${id}: warning: ${w}\n`);
    }
    io.err(`vigil guard calibrate: wrote ${raw.out}\n`);
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    io.err(`vigil: ${err.message}\n`);
    return EXIT_BAD_INPUT;
  }
}
