/**
 * The process edges every service shares: a graceful stop on SIGINT/SIGTERM, and running
 * `main()` when the module is the process entry point (`npx tsx services/<name>/main.ts`; the
 * usual way is `vigil run <name>`).
 */
import { errorMessage } from './errors.js';
import type { Logger } from './log.js';

type Closer = () => Promise<unknown> | unknown;

/** On SIGINT/SIGTERM runs `closers` in order (a failing one is logged, the rest still run), then exits 0. */
export function stopOnSignals(service: string, log: Logger, closers: Closer[]): void {
  const shutdown = async (): Promise<void> => {
    log.info(`${service} stopping`);
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        log.warn('error while stopping', { error: errorMessage(err) });
      }
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

/** Runs `main` if `moduleUrl` is the entry point; a start-up failure prints `vigil-<service>: …` and exits 1. */
export function runIfEntryPoint(
  moduleUrl: string,
  service: string,
  main: () => Promise<void>,
): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  main().catch((err: unknown) => {
    process.stderr.write(`vigil-${service}: ${errorMessage(err)}\n`);
    process.exit(1);
  });
}
