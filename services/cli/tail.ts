import type { Command } from 'commander';
import { loadCommonConfig } from '../common/config.js';
import { errorMessage } from '../common/errors.js';
import { createKafka } from '../common/kafka.js';
import { createLogger } from '../common/log.js';
import { AvroCodec } from '../common/registry.js';

interface TailOpts {
  topic?: string;
  fromBeginning: boolean;
  max?: string;
  timeout?: string;
}

/** Buffers (Avro `bytes`) print as base64 so the output stays one JSON object per line. */
function jsonReplacer(_k: string, v: unknown): unknown {
  if (
    v &&
    typeof v === 'object' &&
    (v as { type?: string }).type === 'Buffer' &&
    Array.isArray((v as { data?: unknown }).data)
  )
    return Buffer.from((v as { data: number[] }).data).toString('base64');
  if (typeof v === 'bigint') return Number(v);
  return v;
}

export function registerTail(program: Command): void {
  program
    .command('tail')
    .description(
      'Consume a topic, decode each record through the registry and print it as one JSON line.',
    )
    .option('--topic <topic>', 'topic (default: the inference topic)')
    .option('--from-beginning', 'start at the earliest offset instead of the end', false)
    .option('--max <n>', 'stop after n records')
    .option('--timeout <seconds>', 'stop after this long without a record')
    .action(async (opts: TailOpts) => {
      const cfg = loadCommonConfig();
      const topic = opts.topic ?? cfg.topics.inference;
      const codec = new AvroCodec(cfg.registryUrl);
      const kafka = createKafka({
        brokers: cfg.kafkaBrokers,
        clientId: 'vigil-tail',
        logger: createLogger('vigil-tail', 'error'),
      });
      // A throw-away group: tail never commits, so it never disturbs a service's offsets.
      const consumer = kafka.consumer({ groupId: `vigil-tail-${process.pid}-${Date.now()}` });
      const max = opts.max === undefined ? Infinity : Number(opts.max);
      let seen = 0;
      let last = Date.now();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning });
      let finish: () => void = () => {};
      const done = new Promise<void>((r) => (finish = r));
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (seen >= max) return;
          last = Date.now();
          seen++;
          try {
            const value = await codec.decode<unknown>(message.value);
            process.stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`);
          } catch (err) {
            process.stderr.write(
              `partition ${partition} offset ${message.offset}: ${errorMessage(err)}\n`,
            );
          }
          if (seen >= max) finish();
        },
      });
      const timeoutMs = opts.timeout === undefined ? Infinity : Number(opts.timeout) * 1000;
      const timer = setInterval(() => {
        if (Date.now() - last > timeoutMs) finish();
      }, 200);
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
      await done;
      clearInterval(timer);
      await consumer.disconnect();
    });
}
