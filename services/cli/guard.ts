/** `vigil guard …`: adversarial and abuse detection offline. Sub-commands live in services/cli/guard/. */
import type { Command } from 'commander';
import { registerGuardCalibrate } from './guard/calibrate-command.js';
import { registerGuardScore } from './guard/score-command.js';

export function registerGuard(program: Command): void {
  const guard = program
    .command('guard')
    .description(
      'Adversarial and abuse detection: score event files offline, calibrate thresholds.',
    );
  registerGuardScore(guard);
  registerGuardCalibrate(guard);
}
