import type { Command } from 'commander';

/** Long-running services, each its own process and consumer group. */
export const SERVICES = ['metrics', 'drift', 'guard', 'sink'] as const;

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      `Run one Vigil service in the foreground (${SERVICES.join(', ')}). Stop it with SIGINT/SIGTERM.`,
    )
    .argument('<service>', `one of: ${SERVICES.join(', ')}`)
    .action(async (service: string) => {
      if (!(SERVICES as readonly string[]).includes(service))
        throw new Error(`unknown service "${service}"; choose one of ${SERVICES.join(', ')}`);
      const mod = (await import(`../${service}/main.js`)) as { main(): Promise<void> };
      await mod.main();
    });
}
