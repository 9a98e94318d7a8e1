/**
 * Vigil's Prometheus config and alert rules, checked with the real tools:
 * - `promtool check config` / `check rules` accept infra/prometheus;
 * - `promtool test rules` passes the unit tests (infra/prometheus/tests/vigil-rules.test.yml), and
 *   fails them when a threshold in the rules is changed (so the unit tests do pin the thresholds);
 * - a real Prometheus started here on a free port with the repository's config loads every rule
 *   group and evaluates every rule without error. (The stack's Prometheus runs a copy of the config
 *   made when it started, so it may hold older rules; this test does not depend on it.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './harness.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROM_DIR = join(ROOT, 'infra', 'prometheus');
const CONFIG = join(PROM_DIR, 'prometheus.yml');
const RULES = join(PROM_DIR, 'vigil-rules.yml');
const RULE_TESTS = join(PROM_DIR, 'tests', 'vigil-rules.test.yml');

const ALERTS = [
  'VigilServiceDown',
  'VigilDLQGrowing',
  'VigilConsumerLagHigh',
  'VigilLowConfidence',
  'VigilHighLatencyP95',
  'VigilHighErrorRate',
];

function promtool(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: ROOT, timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Replaces the first occurrence of `from` outside comments (in an expr or a for). */
function mutateRules(rules: string, from: string, to: string): string {
  const lines = rules.split('\n');
  const i = lines.findIndex((l) => !/^\s*#/.test(l) && l.includes(from));
  if (i < 0) throw new Error(`the rules contain no "${from}" outside comments`);
  lines[i] = lines[i]!.replace(from, to);
  return lines.join('\n');
}

describe('promtool', () => {
  it('check config accepts infra/prometheus/prometheus.yml and its rule file', () => {
    const r = promtool('check', 'config', CONFIG);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
    expect(r.out).toContain('SUCCESS: 1 rule files found');
  });

  it(`check rules finds the ${ALERTS.length} rules`, () => {
    const r = promtool('check', 'rules', RULES);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`SUCCESS: ${ALERTS.length} rules found`);
  });

  it('test rules: the unit tests pass', () => {
    const r = promtool('test', 'rules', RULE_TESTS);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
    expect(r.out).not.toMatch(/FAILED/);
  });

  it('test rules: the unit tests fail when a threshold or a duration is changed', () => {
    const rules = readFileSync(RULES, 'utf8');
    // Each threshold moved a little either way, and each `for` changed (first occurrence).
    const mutations: Array<[string, string]> = [
      ['< 0.6', '< 0.58'],
      ['< 0.6', '<= 0.6'],
      ['> 500', '> 520'],
      ['> 500', '>= 500'],
      ['> 0.05', '> 0.07'],
      ['> 0.05', '>= 0.05'],
      ['> 10000', '> 10002'],
      ['> 10000', '>= 10000'],
      ['vigil_dlq_records_total[5m])) > 0', 'vigil_dlq_records_total[5m])) > 0.2'],
      ['for: 2m', 'for: 3m'],
      ['for: 5m', 'for: 4m'],
      ['for: 10m', 'for: 9m'],
    ];
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
    try {
      mkdirSync(join(dir, 'tests'));
      copyFileSync(RULE_TESTS, join(dir, 'tests', 'vigil-rules.test.yml'));
      for (const [from, to] of mutations) {
        writeFileSync(join(dir, 'vigil-rules.yml'), mutateRules(rules, from, to));
        const r = promtool('test', 'rules', join(dir, 'tests', 'vigil-rules.test.yml'));
        expect(r.code, `with "${from}" -> "${to}" the unit tests should fail:\n${r.out}`).not.toBe(
          0,
        );
        expect(r.out).toMatch(/FAILED/);
      }
      // And the unchanged rules, copied the same way, pass (the copy itself is sound).
      writeFileSync(join(dir, 'vigil-rules.yml'), rules);
      expect(promtool('test', 'rules', join(dir, 'tests', 'vigil-rules.test.yml')).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface RuleGroup {
  name: string;
  file: string;
  rules: Array<{
    name: string;
    type: string;
    health: string;
    lastError?: string;
    query: string;
    duration?: number;
  }>;
}

describe('a real Prometheus with the repository config', () => {
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let dataDir = '';
  let base = '';
  let log = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-prom-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = spawn(
      'prometheus',
      [
        `--config.file=${CONFIG}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    exited = new Promise((resolve) => proc!.once('exit', () => resolve()));
    try {
      await waitFor(
        'Prometheus ready',
        async () => proc!.exitCode === null && (await fetch(`${base}/-/ready`)).ok,
        60_000,
        250,
      );
    } catch (err) {
      throw new Error(`${String(err)}\n--- prometheus log ---\n${log.slice(-4000)}`, {
        cause: err,
      });
    }
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function groups(): Promise<RuleGroup[]> {
    const res = await fetch(`${base}/api/v1/rules`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; data: { groups: RuleGroup[] } };
    expect(body.status).toBe('success');
    return body.data.groups;
  }

  it('loads both rule groups from vigil-rules.yml with every alert', async () => {
    const gs = await groups();
    expect(gs.map((g) => g.name).sort()).toEqual(['vigil-model-health', 'vigil-services']);
    for (const g of gs) expect(g.file).toBe(RULES);
    const alerts = gs.flatMap((g) =>
      g.rules.filter((r) => r.type === 'alerting').map((r) => r.name),
    );
    expect(alerts.sort()).toEqual([...ALERTS].sort());
    const low = gs.flatMap((g) => g.rules).find((r) => r.name === 'VigilLowConfidence')!;
    expect(low.query).toContain('< 0.6');
    expect(low.duration).toBe(300);
  });

  it('evaluates every rule without error', async () => {
    const gs = await waitFor(
      'every rule evaluated',
      async () => {
        const g = await groups();
        return g.flatMap((x) => x.rules).every((r) => r.health !== 'unknown') ? g : undefined;
      },
      60_000,
      500,
    );
    for (const r of gs.flatMap((x) => x.rules)) {
      expect(r.lastError ?? '', r.name).toBe('');
      expect(r.health, r.name).toBe('ok');
    }
  });
});
