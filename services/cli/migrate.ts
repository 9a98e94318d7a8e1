import type { Command } from 'commander';
import { createClickHouse, migrate } from '../common/clickhouse.js';
import { loadCommonConfig } from '../common/config.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description(
      'Create the ClickHouse database and apply the migrations in infra/clickhouse/migrations (idempotent).',
    )
    .option('--database <name>', 'database (default: VIGIL_CLICKHOUSE_DATABASE or "vigil")')
    .option('--raw-retention-days <days>', 'TTL for raw events, on servers that support TTL', '30')
    .action(async (opts: { database?: string; rawRetentionDays: string }) => {
      const cfg = loadCommonConfig();
      const ch = createClickHouse({
        url: cfg.clickhouseUrl,
        username: cfg.clickhouseUser,
        password: cfg.clickhousePassword,
      });
      try {
        const r = await migrate(ch, {
          database: opts.database ?? cfg.clickhouseDatabase,
          rawRetentionDays: Number(opts.rawRetentionDays),
          log: (m) => process.stderr.write(`${m}\n`),
        });
        process.stdout.write(
          `ClickHouse ${r.server}: ${r.applied.length} applied, ${r.alreadyApplied.length} already applied\n`,
        );
      } finally {
        await ch.close();
      }
    });
}
