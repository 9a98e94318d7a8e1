/**
 * Makes sure the real stack is up before any integration test runs:
 * - if VIGIL_KAFKA_BROKERS, VIGIL_REGISTRY_URL and VIGIL_CLICKHOUSE_URL are all set, those
 *   servers are used as they are (a stack you run yourself, or docker-compose);
 * - otherwise `infra/native/stack.sh up` starts the native stack (idempotent: a running stack is
 *   reused and left running afterwards, so repeated test runs are fast).
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const given = ['VIGIL_KAFKA_BROKERS', 'VIGIL_REGISTRY_URL', 'VIGIL_CLICKHOUSE_URL'].filter(
    (k) => process.env[k],
  );
  if (given.length === 3) return;
  if (given.length > 0)
    throw new Error(
      `set all of VIGIL_KAFKA_BROKERS, VIGIL_REGISTRY_URL, VIGIL_CLICKHOUSE_URL or none (got only ${given.join(', ')})`,
    );
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  execFileSync('bash', [join(root, 'infra/native/stack.sh'), 'up'], { stdio: 'inherit' });
}
