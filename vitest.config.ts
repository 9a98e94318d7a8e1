import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic, no servers) and `integration` (real Kafka, registry and
// ClickHouse, brought up once by the global setup). `npm test` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts', 'services/**/*.test.ts'],
          environment: 'node',
          // The unit files run beside the integration files, which load both cores: a property
          // test that takes 1 s alone took 11.7 s under that load (timeouts are a safety net,
          // not a speed check).
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          // The integration files share one broker and one ClickHouse: run them one at a time so
          // their figures (and their load on a 2-core machine) do not interfere.
          fileParallelism: false,
        },
      },
    ],
  },
});
