import type { Command } from 'commander';

/** `vigil drift …` — placeholder until the drift commands land. */
export function registerDrift(program: Command): void {
  program.command('drift').description('Drift detection commands (compare).');
}
