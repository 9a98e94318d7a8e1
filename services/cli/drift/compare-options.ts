/**
 * Turns `vigil drift compare`'s raw option strings into a checked configuration. Every problem is
 * an InputError, so the command exits with 2 ("bad input") and a message naming the option.
 */
import { DATA_FORMATS, type DataFormat } from '../../data/read-table.js';
import { InputError } from '../../data/input-error.js';
import { DEFAULT_DRIFT_SHARE, type DriftMethod } from '../../stats/index.js';
import { KS_POLICIES, type KsPolicy } from './compare-datasets.js';

/** Options as commander hands them over (strings; booleans for flags). */
export interface CompareRawOptions {
  reference: string;
  current: string;
  numeric?: string;
  categorical?: string;
  columns?: string;
  format?: string;
  formatIn?: string;
  thresholdShare?: string;
  stattest?: string;
  stattestThreshold?: string;
  ks?: string;
  failOnDrift?: boolean;
}

export type OutputFormat = 'table' | 'json';

export interface CompareConfig {
  reference: string;
  current: string;
  numeric: string[];
  categorical: string[];
  /** Restrict the comparison to these columns; undefined = every column in both files. */
  columns?: string[];
  output: OutputFormat;
  formatIn?: DataFormat;
  driftShare: number;
  method?: DriftMethod;
  threshold?: number;
  ks: KsPolicy;
  failOnDrift: boolean;
}

/** --stattest accepts stats' names and Evidently's (`chisquare`, `jensenshannon`), any case. */
const METHODS: readonly DriftMethod[] = [
  'ks',
  'chiSquare',
  'z',
  'wasserstein',
  'jensenShannon',
  'psi',
];

export function parseMethod(text: string): DriftMethod {
  const method = METHODS.find((m) => m.toLowerCase() === text.trim().toLowerCase());
  if (method === undefined) {
    throw new InputError(
      {},
      `--stattest: unknown method ${JSON.stringify(text)} (one of ${METHODS.join(', ')})`,
    );
  }
  return method;
}

/** "a, b,,c" → ["a", "b", "c"]; a repeated name is an error (likely a typo). */
export function parseList(option: string, text: string | undefined): string[] {
  if (text === undefined) return [];
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n))
      throw new InputError({}, `${option}: column ${JSON.stringify(n)} is listed twice`);
    seen.add(n);
  }
  return names;
}

function parseNumber(option: string, text: string, min: number, max: number): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || x < min || x > max) {
    throw new InputError(
      {},
      `${option}: expected a number in [${min}, ${max}], got ${JSON.stringify(text)}`,
    );
  }
  return x;
}

function oneOf<T extends string>(option: string, text: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === text);
  if (found === undefined) {
    throw new InputError(
      {},
      `${option}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`,
    );
  }
  return found;
}

export function parseCompareOptions(raw: CompareRawOptions): CompareConfig {
  const numeric = parseList('--numeric', raw.numeric);
  const categorical = parseList('--categorical', raw.categorical);
  const both = numeric.filter((n) => categorical.includes(n));
  if (both.length > 0) {
    throw new InputError(
      {},
      `column ${JSON.stringify(both[0])} is given to both --numeric and --categorical`,
    );
  }
  const config: CompareConfig = {
    reference: raw.reference,
    current: raw.current,
    numeric,
    categorical,
    output: oneOf('--format', raw.format ?? 'table', ['table', 'json'] as const),
    driftShare:
      raw.thresholdShare === undefined
        ? DEFAULT_DRIFT_SHARE
        : parseNumber('--threshold-share', raw.thresholdShare, 0, 1),
    ks: oneOf('--ks', raw.ks ?? 'auto', KS_POLICIES),
    failOnDrift: raw.failOnDrift === true,
  };
  if (raw.columns !== undefined) {
    config.columns = parseList('--columns', raw.columns);
    if (config.columns.length === 0) throw new InputError({}, '--columns: no column named');
  }
  if (raw.formatIn !== undefined)
    config.formatIn = oneOf('--format-in', raw.formatIn, DATA_FORMATS);
  if (raw.stattest !== undefined) config.method = parseMethod(raw.stattest);
  if (raw.stattestThreshold !== undefined) {
    // p-value thresholds live in [0, 1]; distances (PSI) can exceed 1, so only the sign is checked.
    config.threshold = parseNumber(
      '--stattest-threshold',
      raw.stattestThreshold,
      0,
      Number.MAX_VALUE,
    );
  }
  return config;
}
