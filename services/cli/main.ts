/**
 * The `vigil` command. Each sub-command lives in its own file and registers itself here.
 */
import { Command, CommanderError } from 'commander';
import { VigilError, errorMessage } from '../common/errors.js';
import { registerBaseline } from './baseline.js';
import { registerDrift } from './drift.js';
import { registerGuard } from './guard.js';
import { registerMigrate } from './migrate.js';
import { registerReplay } from './replay.js';
import { registerRun } from './run.js';
import { registerSchemas } from './schemas.js';
import { registerTail } from './tail.js';

const program = new Command('vigil')
  .description(
    'Vigil: runtime security monitoring for ML models (Kafka + ClickHouse).\nConfiguration comes from VIGIL_* environment variables; see README.md.',
  )
  .version('0.1.0')
  .showHelpAfterError()
  // Sub-commands have their own `--version <v>` (a model version): root options only before them.
  .enablePositionalOptions()
  .exitOverride();

registerMigrate(program);
registerSchemas(program);
registerReplay(program);
registerTail(program);
registerRun(program);
registerDrift(program);
registerBaseline(program);
registerGuard(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const msg = err instanceof VigilError ? err.message : errorMessage(err);
  process.stderr.write(`vigil: ${msg}\n`);
  process.exit(1);
}
