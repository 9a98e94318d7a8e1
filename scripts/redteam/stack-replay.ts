/**
 * Replays the red-team traffic through the real stack and recomputes the figures from what the
 * guard service published:
 *
 * 1. fresh topics `vigil.redteam.<run>.{inference,scores,quarantine,dlq}` (3 partitions; the SDK
 *    keys by modelId, so the single model's events stay in one partition, in order);
 * 2. starts the guard service as a child process — `node bin/vigil.js run guard` when `vigil run`
 *    lists it, else `tsx services/guard/main.ts` — with VIGIL_TOPIC_INFERENCE / _SCORES /
 *    _QUARANTINE / _DLQ set to the fresh topics, VIGIL_GUARD_GROUP unique, VIGIL_GUARD_CALIBRATION
 *    the offline calibration file, VIGIL_GUARD_PORT a free port (its /metrics gives RSS);
 * 3. publishes every event with the SDK (`createMonitor`), in event-time order, paced at
 *    `--stack-rate` events/s (default 3,000) while the guard consumes. Pacing is a workaround:
 *    with the whole backlog published first (`--stack-rate 0`) the guard's consumer batches are
 *    large, the transactional runner sends one batch's outputs (full quarantine records for a
 *    run of attack events) in ONE produce request, the broker refuses it ("message larger than
 *    the max message size") and the guard's consumer crashes (found 2026-11-26; reported, not
 *    fixed here: services/** belong to others);
 * 4. waits until the guard's group has committed the end of the inference topic — `next` in the
 *    commit metadata of services/common/transactional-runner.ts, since the committed offset itself
 *    trails by the replay window — (outputs and offsets commit in one transaction, so everything
 *    it will publish is then visible), reads the
 *    scores and quarantine topics read-committed (Avro via the registry, AvroCodec) and rebuilds,
 *    per event, {flagged, clientFlagged}: the service publishes an EVENT score exactly for the
 *    events that were flagged or whose client was suspicious, so every other event is neither;
 * 5. stops the child (SIGTERM to its pid) and deletes the fresh topics.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { InferenceEvent } from '../../services/common/event.js';
import { loadCommonConfig } from '../../services/common/config.js';
import { createKafka, ensureTopics } from '../../services/common/kafka.js';
import { createLogger } from '../../services/common/log.js';
import { AvroCodec } from '../../services/common/registry.js';
import { createMonitor } from '../../services/sdk/monitor.js';
import type { ClientRule } from '../../services/guard/client-state.js';
import { figures, type Figures, type Observation } from './evaluate.js';
import type { BenignClient, Campaign } from './traffic.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface StackReplayOptions {
  events: readonly InferenceEvent[];
  calibrationFile: string;
  campaigns: readonly Campaign[];
  benignClients: readonly BenignClient[];
  timeoutMs: number;
  /**
   * Publishing rate, events/s, with the guard already consuming (0: publish everything first,
   * then start the guard on the backlog).
   */
  rate: number;
  log: (s: string) => void;
  /** Where the guard's log goes (default: next to the calibration file). */
  guardLog?: string;
}

export interface StackReplayResult {
  figures: Figures | null;
  status: string;
  detail: Record<string, unknown>;
}

/** How to start the guard service, or null when it does not exist. */
export function guardCommand(): { cmd: string; args: string[]; how: string } | null {
  const help = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'run', '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (/\bguard\b/.test(`${help.stdout}`))
    return {
      cmd: process.execPath,
      args: [join(ROOT, 'bin/vigil.js'), 'run', 'guard'],
      how: 'node bin/vigil.js run guard',
    };
  if (existsSync(join(ROOT, 'services/guard/main.ts')))
    return {
      cmd: process.execPath,
      args: [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'services/guard/main.ts')],
      how: 'tsx services/guard/main.ts (`vigil run` does not list guard yet)',
    };
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function metric(port: number, name: string): Promise<number | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let sum: number | null = null;
    for (const line of text.split('\n'))
      if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{'))
        sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    return sum;
  } catch {
    return null;
  }
}

interface ScoreRecord {
  kind: string;
  eventId: string;
  clientId: string;
  flagged: boolean;
  clientFlagged: boolean;
  score: number;
  rules: string[];
}

export async function replayThroughStack(o: StackReplayOptions): Promise<StackReplayResult> {
  const launcher = guardCommand();
  if (launcher === null)
    return {
      figures: null,
      status:
        'not run: the guard service (services/guard/main.ts) does not exist yet — stack path untested',
      detail: {},
    };
  const cfg = loadCommonConfig();
  const run = `redteam-${Date.now()}`;
  const topics = {
    inference: `vigil.${run}.inference`,
    scores: `vigil.${run}.scores`,
    quarantine: `vigil.${run}.quarantine`,
    dlq: `vigil.${run}.dlq`,
  };
  const logger = createLogger('redteam', 'warn');
  const kafka = createKafka({ brokers: cfg.kafkaBrokers, clientId: `vigil-${run}`, logger });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    Object.values(topics).map((topic) => ({ topic, numPartitions: cfg.topicPartitions })),
  );
  let child = null as ChildProcess | null;
  const consumer = kafka.consumer({ groupId: `vigil-${run}-reader`, readUncommitted: false });
  try {
    // Start the guard.
    const port = await freePort();
    const group = `vigil-${run}-guard`;
    const env = {
      ...process.env,
      VIGIL_TOPIC_INFERENCE: topics.inference,
      VIGIL_TOPIC_SCORES: topics.scores,
      VIGIL_TOPIC_QUARANTINE: topics.quarantine,
      VIGIL_TOPIC_DLQ: topics.dlq,
      VIGIL_GUARD_GROUP: group,
      VIGIL_GUARD_CALIBRATION: resolve(o.calibrationFile),
      VIGIL_GUARD_PORT: String(port),
    };
    const guardLog = o.guardLog ?? join(resolve(o.calibrationFile, '..'), 'guard.log');
    const logStream = createWriteStream(guardLog);
    let exited: number | null = null;
    let crash: string | null = null;
    let running = false;
    const startGuard = (): number => {
      const t = performance.now();
      child = spawn(launcher.cmd, launcher.args, {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.pipe(logStream);
      child.stderr!.pipe(logStream);
      let tail = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        tail = (tail + chunk.toString('utf8')).slice(-20_000);
        if (tail.includes('"msg":"guard running"')) running = true;
        const m = /"msg":"(Crash[^"]*)"/.exec(tail);
        if (m && crash === null) crash = m[1]!;
      });
      child.once('exit', (code) => (exited = code ?? -1));
      o.log(
        `stack: started the guard (${launcher.how}, group ${group}, port ${port}, log ${guardLog})`,
      );
      return t;
    };
    const check = (): void => {
      if (crash !== null)
        throw new Error(`the guard's consumer crashed: ${crash} (see ${guardLog})`);
      if (exited !== null)
        throw new Error(`the guard exited with code ${exited} (see ${guardLog})`);
    };

    // Publish (paced, with the guard already consuming, unless rate = 0: everything first).
    let tGuard = 0;
    if (o.rate > 0) {
      tGuard = startGuard();
      while (!running) {
        check();
        if (performance.now() - tGuard > 120_000)
          throw new Error('the guard did not start within 120 s');
        await sleep(200);
      }
    }
    const tPub = performance.now();
    const monitor = await createMonitor({
      brokers: cfg.kafkaBrokers,
      registryUrl: cfg.registryUrl,
      topic: topics.inference,
      clientId: `vigil-${run}-sdk`,
      logger,
    });
    let rejected = 0;
    const tick = o.rate > 0 ? Math.max(1, Math.round(o.rate / 20)) : Infinity;
    for (let i = 0; i < o.events.length; i++) {
      if ((await monitor.record(o.events[i]!)) !== 'queued') rejected++;
      if ((i + 1) % tick === 0) {
        check();
        const ahead = ((i + 1) / o.rate) * 1000 - (performance.now() - tPub);
        if (ahead > 0) await sleep(ahead);
      }
    }
    await monitor.close();
    const stats = monitor.stats();
    const publishSeconds = (performance.now() - tPub) / 1000;
    o.log(
      `stack: published ${stats.sent} events to ${topics.inference} with the SDK in ${publishSeconds.toFixed(1)} s` +
        `${o.rate > 0 ? ` (paced at ${o.rate}/s)` : ''} (${rejected} rejected, ${stats.sendFailures} send failures)`,
    );
    const tPubEnd = performance.now();
    if (o.rate === 0) tGuard = startGuard();

    // Wait until the guard has committed the end of the input.
    const ends = await admin.fetchTopicOffsets(topics.inference);
    const target = ends.reduce((s, p) => s + Number(p.high), 0);
    let peakRss = 0;
    let committed = 0;
    let progressAt = performance.now();
    for (;;) {
      check();
      if (performance.now() - progressAt > 120_000)
        throw new Error(
          `the guard made no progress for 120 s (${committed}/${target} committed; see ${guardLog})`,
        );
      if (performance.now() - tGuard > o.timeoutMs)
        throw new Error(
          `the guard did not catch up within ${o.timeoutMs / 1000} s (${committed}/${target} committed; see ${guardLog})`,
        );
      const rss = await metric(port, 'process_resident_memory_bytes');
      if (rss !== null) peakRss = Math.max(peakRss, rss);
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [topics.inference] });
      // The committed offset is the runner's *safe* offset (it trails by the replay window by
      // design); one past the last processed record is `next` in the commit's metadata.
      const now = offsets[0]!.partitions.reduce((s, p) => {
        const meta = (p as { metadata?: string | null }).metadata;
        let next = Number(p.offset);
        try {
          if (meta)
            next = Math.max(next, Number((JSON.parse(meta) as { next?: number }).next ?? next));
        } catch {
          // unreadable metadata: the offset itself
        }
        return s + Math.max(0, next);
      }, 0);
      if (now !== committed) progressAt = performance.now();
      committed = now;
      if (committed >= target) break;
      await sleep(1000);
    }
    const guardSeconds = (performance.now() - tGuard) / 1000;
    const catchUpSeconds = (performance.now() - tPubEnd) / 1000;
    const scored = await metric(port, 'vigil_guard_events_scored_total');
    o.log(
      `stack: the guard committed all ${target} events ${guardSeconds.toFixed(1)} s after its start, ${catchUpSeconds.toFixed(1)} s after the last event was published (peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB)`,
    );

    // Read what it published.
    const codec = new AvroCodec(cfg.registryUrl);
    const scores: ScoreRecord[] = [];
    let quarantined = 0;
    let last = performance.now();
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.scores, topics.quarantine], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const v = await codec.decode<Record<string, unknown>>(m.value);
          if (batch.topic === topics.scores) scores.push(v as unknown as ScoreRecord);
          else quarantined++;
        }
        last = performance.now();
      },
    });
    const scoreEnds = await admin.fetchTopicOffsets(topics.scores);
    const quarantineEnds = await admin.fetchTopicOffsets(topics.quarantine);
    const outputOffsets = [...scoreEnds, ...quarantineEnds].reduce((s, p) => s + Number(p.high), 0);
    // Quiet for 5 s and at least as many records as the end offsets minus transaction markers allow.
    while (performance.now() - last < 5000 || scores.length + quarantined === 0) {
      if (performance.now() - tGuard > o.timeoutMs + 120_000) break;
      await sleep(500);
    }
    await consumer.disconnect();

    const obs = new Map<string, Observation>();
    const kinds: Record<string, number> = {};
    for (const s of scores) {
      const kind = String(s.kind);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      if (kind !== 'EVENT') continue;
      obs.set(s.eventId, {
        flagged: s.flagged,
        clientFlagged: s.clientFlagged,
        score: s.score,
        rules: s.rules as ClientRule[],
      });
    }
    o.log(
      `stack: read ${scores.length} score records (${JSON.stringify(kinds)}) and ${quarantined} quarantine records (output end offsets incl. transaction markers: ${outputOffsets})`,
    );
    const f = figures(o.events, obs, o.campaigns, o.benignClients);
    return {
      figures: f,
      status: `ran: ${launcher.how}`,
      detail: {
        topics,
        published: stats.sent,
        publishSeconds,
        publishRate: o.rate,
        guardSeconds,
        catchUpSecondsAfterPublish: catchUpSeconds,
        // Paced: the guard keeps up with the publishing rate, so this is a throughput only for rate 0.
        guardEventsPerSecond: o.rate === 0 ? target / guardSeconds : null,
        guardScoredMetric: scored,
        guardPeakRssMiB: peakRss / 2 ** 20,
        scoreRecords: kinds,
        quarantineRecords: quarantined,
        eventScoreRecords: obs.size,
      },
    };
  } catch (err) {
    return {
      figures: null,
      status: `failed: ${err instanceof Error ? err.message : String(err)}`,
      detail: { topics },
    };
  } finally {
    if (child && child.exitCode === null && child.pid !== undefined) {
      const c = child;
      const done = new Promise((r) => c.once('exit', r));
      process.kill(c.pid!, 'SIGTERM');
      await Promise.race([done, sleep(15_000)]);
      if (c.exitCode === null) process.kill(c.pid!, 'SIGKILL');
    }
    await consumer.disconnect().catch(() => {});
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
    await admin.disconnect();
  }
}
