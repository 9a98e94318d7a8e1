import type { Command } from 'commander';
import { loadCommonConfig, type Topics } from '../common/config.js';
import { AvroCodec, listSchemas, readSchema, subjectFor } from '../common/registry.js';

/** Which topic each record type is published on (its subject is `<topic>-value`). */
export const SCHEMA_TOPICS: Readonly<Record<string, keyof Topics>> = {
  InferenceEvent: 'inference',
  DeadLetter: 'dlq',
  WindowMetrics: 'windowMetrics',
  DriftReport: 'drift',
  Score: 'scores',
  QuarantineRecord: 'quarantine',
  Alert: 'alerts',
  RollbackCommand: 'rollback',
};

export function registerSchemas(program: Command): void {
  const schemas = program
    .command('schemas')
    .description('Manage the Avro schemas in the schema registry.');
  schemas
    .command('register')
    .description(
      "Register every schemas/*.avsc under its topic's subject (<topic>-value), compatibility BACKWARD.",
    )
    .action(async () => {
      const cfg = loadCommonConfig();
      const codec = new AvroCodec(cfg.registryUrl);
      for (const name of listSchemas()) {
        const topicKey = SCHEMA_TOPICS[name];
        if (!topicKey) {
          process.stderr.write(`skipping ${name}: no topic is mapped to it\n`);
          continue;
        }
        const topic = cfg.topics[topicKey];
        const id = await codec.register(topic, readSchema(name));
        process.stdout.write(`${name} -> ${subjectFor(topic)} (id ${id})\n`);
      }
    });
}
