/** Runs Vigil services as real child processes (`node bin/vigil.js run <name>`), for tests that kill them. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LOGS = join(ROOT, '.vigil', 'test-logs');

export class ServiceProcess {
  private proc: ChildProcess | null = null;
  private output = '';
  private waiters: Array<{ re: RegExp; from: number; resolve: () => void }> = [];
  private exited: Promise<number | null> = Promise.resolve(null);
  starts = 0;

  constructor(
    readonly name: string,
    readonly env: Record<string, string>,
    readonly label = name,
  ) {}

  start(): void {
    mkdirSync(LOGS, { recursive: true });
    const log = createWriteStream(join(LOGS, `${this.label}.log`), { flags: 'a' });
    this.proc = spawn(process.execPath, [join(ROOT, 'bin/vigil.js'), 'run', this.name], {
      cwd: ROOT,
      env: { ...process.env, VIGIL_LOG_LEVEL: 'info', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.pipe(log);
    this.proc.stderr!.pipe(log);
    this.output = '';
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.output += d.toString();
      this.waiters = this.waiters.filter((w) => {
        if (!w.re.test(this.output)) return true;
        w.resolve();
        return false;
      });
    });
    this.starts++;
    const p = this.proc;
    this.exited = new Promise((r) => p.once('exit', (code) => r(code)));
  }

  /** Resolves when this run of the process has logged a line matching `re`. */
  waitForLog(re: RegExp, timeoutMs = 60_000): Promise<void> {
    if (re.test(this.output)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`${this.label}: no log line matching ${re} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        re,
        from: 0,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }

  /** Everything this run of the process wrote to stderr (its JSON log). */
  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGKILL: no shutdown hook runs, exactly like a crash. */
  async crash(): Promise<void> {
    if (!this.proc) return;
    this.proc.kill('SIGKILL');
    await this.exited;
    this.proc = null;
  }

  async stop(): Promise<void> {
    if (!this.proc || !this.running) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc?.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(t);
    this.proc = null;
  }
}

export const logsDir = LOGS;
