/** `vigil drift …`: drift detection commands. Each sub-command lives in services/cli/drift/. */
import type { Command } from 'commander';
import { registerDriftCompare } from './drift/compare-command.js';

export function registerDrift(program: Command): void {
  const drift = program.command('drift').description('Drift detection commands (compare).');
  registerDriftCompare(drift);
}
