/**
 * `vigil guard score`: the guard's scorers over an event file, offline. Events are scored in file
 * order as one stream (client state carries over from line to line), with the same GuardEngine
 * the guard service runs, so offline and online answers agree.
 */
import { CommanderError, type Command } from 'commander';
import { InputError } from '../../data/input-error.js';
import { GuardEngine, type GuardScore } from '../../guard/engine.js';
import type { GuardCalibration } from '../../guard/calibrate.js';
import { eventLines, lineError } from './event-lines.js';
import {
  EXIT_BAD_INPUT,
  EXIT_OK,
  oneOf,
  parseInteger,
  parsePositive,
  parseRate,
  processIo,
  type CommandIo,
} from './guard-options.js';
import { calibrateFromReference, readCalibrationFile } from './load-calibration.js';
import { scoreSummaryTable, type ScoreSummary } from './score-summary.js';

interface ScoreRawOptions {
  reference?: string;
  thresholds?: string;
  events: string;
  targetFpr?: string;
  format?: string;
  maxClients?: string;
  idleTimeout?: string;
}

export interface ScoreConfig {
  reference?: string;
  thresholds?: string;
  events: string;
  targetFpr: number;
  format: 'jsonl' | 'table';
  maxClients?: number;
  idleTimeoutMs?: number;
}

export const DEFAULT_SCORE_TARGET_FPR = 0.01;

export function registerGuardScore(guard: Command): void {
  guard
    .command('score')
    .description('Score an event file (JSON Lines) with the guard, in file order, as one stream.')
    .requiredOption('--events <file>', 'events to score (.jsonl, the JSON event form)')
    .option('--reference <file>', 'benign reference events to calibrate on (or use --thresholds)')
    .option(
      '--thresholds <file>',
      'calibration written by `vigil guard calibrate --out` (instead of --reference)',
    )
    .option(
      '--target-fpr <rate>',
      'client- and event-level false-positive target when calibrating on --reference',
      String(DEFAULT_SCORE_TARGET_FPR),
    )
    .option('--format <format>', 'output: table (a summary) or jsonl (one line per event)', 'table')
    .option('--max-clients <n>', 'most client states kept (LRU), default 10000')
    .option(
      '--idle-timeout <seconds>',
      'drop a client state idle this long in event time, default 3600',
    )
    .addHelpText(
      'after',
      `
With --format jsonl, one line per valid input event, in input order:
  {"eventId": s, "clientId": s, "score": n, "flagged": bool, "reasons": [s...], "clientFlagged": bool}
and a summary on stderr. A bad line is reported on stderr with its line number and field and
skipped. score = −log10 of the benign tail probability of the most unusual scorer (confidence
collapse, low margin, out-of-distribution, query similarity); clientFlagged = the client's state is
suspicious (query-similarity attack, extraction/probing pattern, minimum query distances failing
PRADA's normality test, or too many flagged events).`,
    )
    .exitOverride((err) => {
      if (err.exitCode === 0) throw err;
      throw new CommanderError(EXIT_BAD_INPUT, err.code, err.message);
    })
    .action(async (raw: ScoreRawOptions) => {
      process.exitCode = await runGuardScoreCommand(raw, processIo);
    });
}

export function parseScoreOptions(raw: ScoreRawOptions): ScoreConfig {
  if ((raw.reference === undefined) === (raw.thresholds === undefined))
    throw new InputError({}, 'give exactly one of --reference <file> and --thresholds <file>');
  const config: ScoreConfig = {
    events: raw.events,
    targetFpr: parseRate('--target-fpr', raw.targetFpr ?? String(DEFAULT_SCORE_TARGET_FPR)),
    format: oneOf('--format', raw.format ?? 'table', ['table', 'jsonl'] as const),
  };
  if (raw.reference !== undefined) config.reference = raw.reference;
  if (raw.thresholds !== undefined) config.thresholds = raw.thresholds;
  if (raw.maxClients !== undefined)
    config.maxClients = parseInteger('--max-clients', raw.maxClients, 1);
  if (raw.idleTimeout !== undefined)
    config.idleTimeoutMs = 1000 * parsePositive('--idle-timeout', raw.idleTimeout);
  return config;
}

export async function runGuardScoreCommand(raw: ScoreRawOptions, io: CommandIo): Promise<number> {
  try {
    await runGuardScore(parseScoreOptions(raw), io);
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    io.err(`vigil: ${err.message}\n`);
    return EXIT_BAD_INPUT;
  }
}

/** The `--format jsonl` line: exactly these keys, in this order. */
export function scoreLine(r: GuardScore): string {
  return JSON.stringify({
    eventId: r.eventId,
    clientId: r.clientId,
    score: r.score,
    flagged: r.flagged,
    reasons: r.reasons,
    clientFlagged: r.clientFlagged,
  });
}

export async function runGuardScore(config: ScoreConfig, io: CommandIo): Promise<ScoreSummary> {
  const warn = (text: string) => io.err(`vigil: ${text}\n`);
  const calibration: GuardCalibration = config.thresholds
    ? await readCalibrationFile(config.thresholds)
    : await calibrateFromReference(config.reference!, { targetFpr: config.targetFpr }, warn);
  const engine = new GuardEngine(calibration.profile, calibration.thresholds, {
    ...(config.maxClients !== undefined && { maxClients: config.maxClients }),
    ...(config.idleTimeoutMs !== undefined && { idleTimeoutMs: config.idleTimeoutMs }),
  });
  const summary: ScoreSummary = {
    events: 0,
    flagged: 0,
    badLines: 0,
    clients: new Map(),
    thresholds: calibration.thresholds,
  };
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.length > 0) io.out(`${buffer.join('\n')}\n`);
    buffer = [];
  };
  for await (const r of eventLines(config.events)) {
    if (!r.ok) {
      summary.badLines++;
      flush();
      io.err(`vigil: ${lineError(config.events, r)} (skipped)\n`);
      continue;
    }
    const s = engine.score(r.event);
    summary.events++;
    if (s.flagged) summary.flagged++;
    const c = summary.clients.get(s.clientId) ?? { events: 0, flagged: 0, suspicious: null };
    c.events++;
    if (s.flagged) c.flagged++;
    if (s.clientFlagged && c.suspicious === null)
      c.suspicious = {
        modelId: s.modelId,
        since: s.clientState.since!,
        why: s.clientState.why,
        atQuery: c.events,
      };
    summary.clients.set(s.clientId, c);
    if (config.format === 'jsonl') {
      buffer.push(scoreLine(s));
      if (buffer.length >= 500) flush();
    }
  }
  flush();
  const flaggedClients = [...summary.clients.values()].filter((c) => c.suspicious !== null).length;
  if (config.format === 'jsonl') {
    io.err(
      `vigil guard score: ${summary.events} events, ${summary.flagged} flagged, ${flaggedClients} clients flagged (of ${summary.clients.size}), ${summary.badLines} bad lines skipped\n`,
    );
  } else io.out(scoreSummaryTable(summary));
  return summary;
}
