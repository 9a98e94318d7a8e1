import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadCommonConfig } from '../common/config.js';
import { parseEventLine } from '../common/event-json.js';
import { createLogger } from '../common/log.js';
import { sleep } from '../common/retry.js';
import { createMonitor } from '../sdk/monitor.js';

export interface ReplaySummary {
  file: string;
  topic: string;
  lines: number;
  sent: number;
  rejected: number;
  rejections: Array<{ line: number; error: string }>;
  seconds: number;
  eventsPerSecond: number;
}

interface ReplayOpts {
  file: string;
  rate?: string;
  topic?: string;
  batchSize: string;
  progress: boolean;
  json: boolean;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('Publish a JSONL file of events (the JSON event form) to Kafka through the SDK.')
    .requiredOption('--file <path>', 'JSONL file, one event per line')
    .option('--rate <n>', 'events per second at most (default: as fast as possible)')
    .option('--topic <topic>', 'topic (default: VIGIL_TOPIC_INFERENCE or vigil.inference.v1)')
    .option('--batch-size <n>', 'events per produce request', '1000')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (opts: ReplayOpts) => {
      const s = await replay(opts);
      if (opts.json) process.stdout.write(`${JSON.stringify(s)}\n`);
      else {
        process.stdout.write(
          `replayed ${s.file} -> ${s.topic}: ${s.sent} sent, ${s.rejected} rejected of ${s.lines} lines in ${s.seconds.toFixed(2)} s (${Math.round(s.eventsPerSecond)} events/s)\n`,
        );
        for (const r of s.rejections.slice(0, 50)) process.stdout.write(`  rejected ${r.error}\n`);
        if (s.rejections.length > 50)
          process.stdout.write(`  … and ${s.rejections.length - 50} more rejected lines\n`);
      }
      if (s.sent === 0 && s.lines > 0) process.exitCode = 1;
    });
}

export async function replay(opts: ReplayOpts): Promise<ReplaySummary> {
  const cfg = loadCommonConfig();
  const topic = opts.topic ?? cfg.topics.inference;
  const rate = opts.rate === undefined ? Infinity : Number(opts.rate);
  if (!(rate > 0)) throw new Error(`--rate must be a positive number, got ${opts.rate}`);
  const size = statSync(opts.file).size;
  const monitor = await createMonitor({
    brokers: cfg.kafkaBrokers,
    registryUrl: cfg.registryUrl,
    topic,
    clientId: 'vigil-replay',
    batchSize: Number(opts.batchSize),
    onInvalid: 'count',
    logger: createLogger('vigil-replay', 'warn'),
  });
  const bar =
    opts.progress && process.stderr.isTTY !== undefined
      ? new SingleBar({
          format: 'replay [{bar}] {percentage}% | {sent} sent | {rejected} rejected | {rate} ev/s',
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 2000,
          hideCursor: true,
        })
      : null;
  bar?.start(size, 0, { sent: 0, rejected: 0, rate: 0 });
  const rejections: ReplaySummary['rejections'] = [];
  const start = performance.now();
  let lines = 0;
  let bytes = 0;
  let queued = 0;
  const rl = createInterface({ input: createReadStream(opts.file), crlfDelay: Infinity });
  for await (const text of rl) {
    lines++;
    bytes += Buffer.byteLength(text) + 1;
    const r = parseEventLine(text, lines);
    if (r === null) continue;
    if (!r.ok) {
      rejections.push({ line: r.line, error: r.error });
      continue;
    }
    await monitor.record(r.event);
    queued++;
    if (rate !== Infinity) {
      const due = start + (queued / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
    if (bar && lines % 2000 === 0) {
      const secs = (performance.now() - start) / 1000;
      bar.update(bytes, {
        sent: monitor.stats().sent,
        rejected: rejections.length,
        rate: Math.round(monitor.stats().sent / secs),
      });
    }
  }
  await monitor.flush();
  const seconds = (performance.now() - start) / 1000;
  const st = monitor.stats();
  bar?.update(size, {
    sent: st.sent,
    rejected: rejections.length,
    rate: Math.round(st.sent / seconds),
  });
  bar?.stop();
  await monitor.close();
  return {
    file: opts.file,
    topic,
    lines,
    sent: st.sent,
    rejected: rejections.length,
    rejections,
    seconds,
    eventsPerSecond: st.sent / seconds,
  };
}
