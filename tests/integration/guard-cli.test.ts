/**
 * `vigil guard score` / `vigil guard calibrate` as a user runs them: a spawned CLI over files.
 * Needs no servers (it runs in the integration project because it spawns the real command).
 * VIGIL_TEST_BIN may name another entry point of the same CLI (default bin/vigil.js).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventLine } from '../../services/common/event-json.js';
import type { InferenceEvent } from '../../services/common/event.js';
import { scoreLine } from '../../services/cli/guard/score-command.js';
import { calibrateGuard, GuardEngine } from '../../services/guard/index.js';
import { attackEvents, benignEvents, mergeByTime, START_MS } from '../fixtures/guard/synthetic.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = process.env.VIGIL_TEST_BIN ?? join(root, 'bin/vigil.js');
const KEYS = ['eventId', 'clientId', 'score', 'flagged', 'reasons', 'clientFlagged'];

let dir: string;
let refFile: string;
let eventsFile: string;
let eventLines: string[];

function vigil(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the library says for the same files: parse like the CLI, calibrate, score in order. */
function library(
  calibration = calibrateGuard(parseFile(refFile), { targetFpr: 0.01 }),
): Array<Record<string, unknown>> {
  const engine = new GuardEngine(calibration.profile, calibration.thresholds);
  return parseFile(eventsFile).map(
    (e) => JSON.parse(scoreLine(engine.score(e))) as Record<string, unknown>,
  );
}

function parseFile(file: string): InferenceEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((t, i) => {
      const r = parseEventLine(t, i + 1);
      return r?.ok ? [r.event] : [];
    });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-guard-'));
  refFile = join(dir, 'ref.jsonl');
  eventsFile = join(dir, 'events.jsonl');
  const ref = benignEvents({ clients: 200, minQueries: 20, maxQueries: 80, seed: 31 });
  writeFileSync(refFile, `${ref.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const events = mergeByTime(
    benignEvents({ clients: 60, minQueries: 20, maxQueries: 80, seed: 32, prefix: 'user' }),
    attackEvents('repeat', 'attacker-1', 120, 33, START_MS + 120_000, 2000),
  );
  eventLines = events.map((e) => JSON.stringify(e));
  // Bad lines at known places: 1-based lines 11 (not JSON) and 21 (confidence out of range).
  eventLines.splice(10, 0, '{"eventId": "broken", ');
  const bad = {
    ...events[0]!,
    eventId: 'bad-conf',
    prediction: { ...events[0]!.prediction, confidence: 2 },
  };
  eventLines.splice(20, 0, JSON.stringify(bad));
  writeFileSync(eventsFile, `${eventLines.join('\n')}\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil guard score --format jsonl', () => {
  let lines: Array<Record<string, unknown>>;
  let stderr: string;

  beforeAll(() => {
    const r = vigil(
      'guard',
      'score',
      '--reference',
      refFile,
      '--events',
      eventsFile,
      '--format',
      'jsonl',
      '--target-fpr',
      '0.01',
    );
    expect(r.stderr).not.toMatch(/Error|at .*\.ts:\d+/);
    expect(r.code).toBe(0);
    stderr = r.stderr;
    lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }, 120_000);

  it('writes one line per valid event with exactly the documented keys, in order', () => {
    expect(lines.length).toBe(eventLines.length - 2);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(KEYS);
      expect(typeof l.eventId).toBe('string');
      expect(typeof l.clientId).toBe('string');
      expect(Number.isFinite(l.score)).toBe(true);
      expect(typeof l.flagged).toBe('boolean');
      expect(
        Array.isArray(l.reasons) && (l.reasons as unknown[]).every((x) => typeof x === 'string'),
      ).toBe(true);
      expect(typeof l.clientFlagged).toBe('boolean');
    }
    expect(lines.map((l) => l.eventId)).not.toContain('bad-conf');
  });

  it('flags the attacker within 50 of its queries, and few benign clients', () => {
    const attacker = lines.filter((l) => l.clientId === 'attacker-1');
    const at = attacker.findIndex((l) => l.clientFlagged) + 1;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(50);
    const flaggedLine = attacker[at - 1]!;
    expect((flaggedLine.reasons as string[]).join(' ')).toMatch(
      /client suspicious since event attacker-1-\d+ .*similar-query attack/,
    );
    const benign = new Set(lines.filter((l) => l.clientId !== 'attacker-1').map((l) => l.clientId));
    const benignFlagged = new Set(
      lines.filter((l) => l.clientId !== 'attacker-1' && l.clientFlagged).map((l) => l.clientId),
    );
    expect(benign.size).toBe(60);
    expect(benignFlagged.size).toBeLessThanOrEqual(3);
  });

  it('reports bad lines on stderr with line number and field, skips them, and summarises', () => {
    expect(stderr).toMatch(/events\.jsonl: line 11: invalid JSON: .*\(skipped\)/);
    expect(stderr).toMatch(
      /events\.jsonl: line 21: prediction\.confidence: must be in \[0, 1\], got 2 \(skipped\)/,
    );
    const flagged = lines.filter((l) => l.flagged).length;
    const clients = new Set(lines.filter((l) => l.clientFlagged).map((l) => l.clientId)).size;
    expect(stderr).toContain(
      `vigil guard score: ${lines.length} events, ${flagged} flagged, ${clients} clients flagged (of 61), 2 bad lines skipped`,
    );
  });

  it('offline == library: the same lines as GuardEngine called directly', () => {
    expect(lines).toEqual(library());
  });
});

describe('vigil guard calibrate + score --thresholds', () => {
  /** `vigil guard calibrate` on the reference at target 0.01, writing `out`. */
  const calibrateTo = (out: string, ...extra: string[]) =>
    vigil(
      'guard',
      'calibrate',
      '--reference',
      refFile,
      '--target-fpr',
      '0.01',
      ...extra,
      '--out',
      out,
    );

  it('writes profile + thresholds that score exactly like calibrating in place', () => {
    const out = join(dir, 'thresholds.json');
    const c = calibrateTo(out);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(
      /model fraud: \d+ profile events, \d+ held-out events from \d+ pseudo-clients; held-out event flag rate 0\.0\d+, client flag rate/,
    );
    const saved = JSON.parse(readFileSync(out, 'utf8')) as {
      profile: unknown;
      thresholds: { targetFpr: number };
    };
    expect(saved.thresholds.targetFpr).toBe(0.01);
    const s = vigil(
      'guard',
      'score',
      '--thresholds',
      out,
      '--events',
      eventsFile,
      '--format',
      'jsonl',
    );
    expect(s.code).toBe(0);
    const lines = s.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual(library());
    // The extraction rule's own target: recorded, and never above its share of --target-fpr.
    const strict = join(dir, 'strict.json');
    const x = calibrateTo(strict, '--extraction-fpr', '0.0005');
    expect(x.code).toBe(0);
    const st = JSON.parse(readFileSync(strict, 'utf8')) as {
      thresholds: {
        extractionFpr: number;
        models: Record<string, { extraction: number; extractionTests: Record<string, number> }>;
      };
    };
    const loose = JSON.parse(readFileSync(out, 'utf8')) as typeof st;
    expect(st.thresholds.extractionFpr).toBe(0.0005);
    expect(loose.thresholds.extractionFpr).toBeCloseTo(0.01 / 3, 12);
    expect(st.thresholds.models.fraud!.extraction).toBeGreaterThan(
      loose.thresholds.models.fraud!.extraction,
    );
    // Every test's own threshold rises with it (the rule decides per test).
    const looseTests = loose.thresholds.models.fraud!.extractionTests;
    expect(Object.keys(looseTests).length).toBeGreaterThanOrEqual(3);
    for (const [name, v] of Object.entries(looseTests))
      expect(st.thresholds.models.fraud!.extractionTests[name]).toBeGreaterThan(v);
    const over = calibrateTo(strict, '--extraction-fpr', '0.005');
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('--extraction-fpr: expected at most --target-fpr / 3');
  }, 180_000);

  it('prints a readable table without --format jsonl; bad options exit 2 naming the option', () => {
    const t = vigil('guard', 'score', '--reference', refFile, '--events', eventsFile);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/flagged clients: \d+ of 61/);
    expect(t.stdout).toMatch(
      /client\s+model\s+events\s+flagged\s+at query\s+suspicious since\s+why/,
    );
    expect(t.stdout).toMatch(/attacker-1\s+fraud\s+120\s+/);
    const bad = vigil(
      'guard',
      'score',
      '--reference',
      refFile,
      '--events',
      eventsFile,
      '--target-fpr',
      '2',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--target-fpr: expected a number in (0, 0.5], got "2"');
    const neither = vigil('guard', 'score', '--events', eventsFile);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('exactly one of --reference');
    const missing = vigil(
      'guard',
      'score',
      '--reference',
      join(dir, 'nope.jsonl'),
      '--events',
      eventsFile,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl: cannot read the file/);
  }, 120_000);
});
