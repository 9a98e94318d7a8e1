/**
 * Benchmark: `vigil drift compare --format json` against Evidently's DataDriftPreset on the same
 * two CSV files (100 numeric columns × 100,000 rows each by default; seeded, some columns shifted),
 * in one run on the same machine. Prints both times, their ratio and how many per-column verdicts
 * agree. Not a test: figures only.
 *
 *   npm run bench:drift [-- --rows 100000 --columns 100 --ks-always]
 *
 * The CLI is timed as a user runs it (spawned: node start-up, TypeScript load, CSV parse, stats).
 * Evidently runs in a venv under .vigil/venv-bench, created on first use from
 * scripts/golden/requirements.txt (evidently 0.7.23, pandas 2.3.3, numpy, scipy); its report time
 * and its CSV load + report time are measured inside Python (imports excluded), and the wall time
 * of the Python process is printed too. `--ks-always` also times the CLI with `--ks always`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../services/common/prng.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    columns: { type: 'string', default: '100' },
    seed: { type: 'string', default: '20251126' },
    'ks-always': { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const columns = Number(values.columns);
const seed = Number(values.seed);
const root = join(import.meta.dirname, '..');
const dir = join(root, '.vigil', 'bench');
mkdirSync(dir, { recursive: true });

/**
 * Column j's value for one row. Four base shapes (normal, lognormal, uniform, exponential) so the
 * binning paths differ; the current side is shifted by `shift` reference standard deviations or
 * scaled by `scale`.
 */
function sample(j: number, random: () => number, shift: number, scale: number): number {
  const u = 1 - random();
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  switch (j % 4) {
    case 0:
      return (z + shift) * scale; // N(0, 1): std 1
    case 1:
      return (Math.exp(0.5 * z) + shift * 0.6) * scale; // lognormal(0, 0.5): std ≈ 0.6
    case 2:
      return (u * 10 + shift * 2.89) * scale; // U(0, 10): std ≈ 2.89
    default:
      return (-Math.log(u) + shift) * scale; // Exp(1): std 1
  }
}

/**
 * Drift plan by j mod 10: clear shifts (0.5σ, 0.3σ, 0.2σ), a spread change (×1.3), near-threshold
 * shifts (0.12σ, 0.08σ) and a small one (0.03σ); the rest unchanged. Normalized Wasserstein is
 * about the shift in σ, against a threshold of 0.1.
 */
function plan(j: number): { shift: number; scale: number } {
  const shifts = [0.5, 0.3, 0.2, 0, 0.12, 0.08, 0.03, 0, 0, 0];
  return { shift: shifts[j % 10] as number, scale: j % 10 === 3 ? 1.3 : 1 };
}

async function writeCsv(file: string, side: 'reference' | 'current'): Promise<void> {
  if (existsSync(file)) return;
  const random = mulberry32(seed + (side === 'reference' ? 0 : 1));
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  const header = Array.from({ length: columns }, (_, j) => `f${String(j).padStart(3, '0')}`);
  out.write(`${header.join(',')}\n`);
  const plans = header.map((_, j) => (side === 'reference' ? { shift: 0, scale: 1 } : plan(j)));
  let buffer: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells = plans.map((p, j) => sample(j, random, p.shift, p.scale).toPrecision(6));
    buffer.push(cells.join(','));
    if (buffer.length === 2000 || r === rows - 1) {
      if (!out.write(`${buffer.join('\n')}\n`))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = [];
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  renameSync(tmp, file);
}

interface CliReport {
  features: Record<string, { verdict: { method: string; score: number | null; drifted: boolean } }>;
  dataset: { driftedShare: number; drifted: boolean; driftedCount: number };
}

interface EvidentlyReport {
  evidently: string;
  pandas: string;
  loadSeconds: number;
  reportSeconds: number;
  totalSeconds: number;
  columns: Record<string, { drifted?: boolean; score: number | null; method: string }>;
  dataset: { driftedCount: number; driftedShare: number };
}

function timeCli(
  reference: string,
  current: string,
  extra: string[],
): { seconds: number; report: CliReport } {
  const start = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'bin/vigil.js'),
      'drift',
      'compare',
      '--reference',
      reference,
      '--current',
      current,
      '--format',
      'json',
      ...extra,
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`vigil drift compare failed (exit ${r.status})`);
  return { seconds, report: JSON.parse(r.stdout) as CliReport };
}

/** The bench venv's python, created on first use (dev-only dependencies, never in package.json). */
function benchPython(): string {
  const venv = join(root, '.vigil', 'venv-bench');
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) {
    console.log(`creating ${venv} (pip install -r scripts/golden/requirements.txt) …`);
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(
      python,
      ['-m', 'pip', 'install', '-q', '-r', join(root, 'scripts/golden/requirements.txt')],
      {
        stdio: 'inherit',
      },
    );
  }
  return python;
}

function timeEvidently(
  reference: string,
  current: string,
): { wallSeconds: number; report: EvidentlyReport } {
  const python = benchPython();
  const start = performance.now();
  const r = spawnSync(
    python,
    [join(root, 'scripts/bench_drift_evidently.py'), reference, current],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const wallSeconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`bench_drift_evidently.py failed (exit ${r.status})`);
  return { wallSeconds, report: JSON.parse(r.stdout) as EvidentlyReport };
}

const fmt = (s: number): string => `${s.toFixed(2)} s`;

const reference = join(dir, `drift-ref-${columns}x${rows}-${seed}.csv`);
const current = join(dir, `drift-cur-${columns}x${rows}-${seed}.csv`);
const t = performance.now();
await writeCsv(reference, 'reference');
await writeCsv(current, 'current');
console.log(
  `data: ${columns} numeric columns × ${rows} rows per side (${((performance.now() - t) / 1000).toFixed(1)} s to prepare)`,
);
console.log(`  ${reference}\n  ${current}`);

const cli = timeCli(reference, current, []);
const cliKsAlways = values['ks-always']
  ? timeCli(reference, current, ['--ks', 'always'])
  : undefined;
const ev = timeEvidently(reference, current);

let agree = 0;
let maxScoreDiff = 0;
const disagreements: string[] = [];
for (const [name, c] of Object.entries(cli.report.features)) {
  const e = ev.report.columns[name];
  if (e === undefined) {
    disagreements.push(`${name}: missing from Evidently`);
    continue;
  }
  if (e.drifted === c.verdict.drifted) agree++;
  else
    disagreements.push(
      `${name}: vigil ${c.verdict.drifted} (${c.verdict.score}) vs Evidently ${e.drifted} (${e.score})`,
    );
  if (c.verdict.score !== null && e.score !== null)
    maxScoreDiff = Math.max(maxScoreDiff, Math.abs(c.verdict.score - e.score));
}
const total = Object.keys(cli.report.features).length;

const cpu = cpus();
console.log(
  `machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, node ${process.version}`,
);
console.log(`vigil drift compare (spawned, --ks auto):       ${fmt(cli.seconds)}`);
if (cliKsAlways)
  console.log(`vigil drift compare (spawned, --ks always):     ${fmt(cliKsAlways.seconds)}`);
console.log(
  `Evidently ${ev.report.evidently} DataDriftPreset, report only: ${fmt(ev.report.reportSeconds)}`,
);
console.log(
  `Evidently CSV load (pandas ${ev.report.pandas}) + report:   ${fmt(ev.report.totalSeconds)}`,
);
console.log(`Evidently python process (wall, incl. imports): ${fmt(ev.wallSeconds)}`);
console.log(
  `ratio vigil / Evidently load+report: ${(cli.seconds / ev.report.totalSeconds).toFixed(2)}`,
);
console.log(
  `ratio vigil / Evidently report only: ${(cli.seconds / ev.report.reportSeconds).toFixed(2)}`,
);
console.log(
  `verdicts agree: ${agree} of ${total} columns; max |score difference| ${maxScoreDiff.toExponential(2)}`,
);
console.log(
  `dataset: vigil ${cli.report.dataset.driftedCount} drifted (drifted=${cli.report.dataset.drifted}), ` +
    `Evidently ${ev.report.dataset.driftedCount} drifted`,
);
for (const d of disagreements.slice(0, 20)) console.log(`  disagree ${d}`);
