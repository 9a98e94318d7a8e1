/**
 * Effectively-once processing of one input topic with in-memory windowed state, for kafkajs
 * (which has no KIP-447).
 *
 * The scheme, per input partition ("task"):
 * - One transactional producer per input partition, `transactionalId = <prefix>-<topic>-<p>`.
 *   Whoever owns the partition owns that id; opening it fences a previous owner (a zombie after a
 *   rebalance or a crash) and aborts its unfinished transaction.
 * - Each batch's outputs (result records and dead letters) and the partition's offset commit go in
 *   ONE transaction. Downstream consumers read committed only.
 * - The committed offset is the *safe* offset: the first record still needed by an open window
 *   (state is in memory only). The commit's metadata holds `next` (one past the last processed
 *   record) and the task's checkpoint (e.g. its watermark).
 * - On (re)start the task re-reads from the safe offset. Records below `next` are *replayed*:
 *   they rebuild state only (no dead letters again), and the task suppresses results it had
 *   already emitted (it knows which from its checkpoint). So a crash at any instant neither loses
 *   nor duplicates an output.
 */
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { DeadLetterPublisher, DeadLetterReason } from './dlq.js';
import { DecodeError, errorMessage } from './errors.js';
import type { Logger } from './log.js';
import type { AvroCodec } from './registry.js';
import { retry } from './retry.js';
import { Counter, Gauge, Histogram, type Registry } from './telemetry.js';

/** A record the task wants published, already encoded. */
export interface OutputRecord {
  topic: string;
  key: string | null;
  value: Buffer;
}

export interface RecordVerdict {
  /** Set when the record cannot be used: it goes to the DLQ (unless replayed). */
  dead?: { reason: DeadLetterReason; detail: string };
}

/** The per-partition processing logic (pure core behind it). */
export interface PartitionTask {
  /** One decoded record. `replay`: processed before the last restart; rebuild state only. */
  onRecord(value: unknown, offset: number, replay: boolean): RecordVerdict;
  /** Collects what became final (after each batch, and on the idle timer). */
  advance(): OutputRecord[];
  /** Lowest offset still needed to rebuild state; `next` when none. */
  safeOffset(next: number): number;
  /** Opaque, small (< 3 KiB) state stored with the commit, handed back to `create` on restart. */
  checkpoint(): unknown;
}

export interface TaskFactory {
  create(topic: string, partition: number, restored: unknown): PartitionTask;
}

export interface RunnerOptions {
  service: string;
  kafka: Kafka;
  consumer: Consumer;
  groupId: string;
  topic: string;
  codec: AvroCodec;
  dlq: DeadLetterPublisher;
  factory: TaskFactory;
  logger: Logger;
  metrics: Registry;
  /** Transactional id prefix. Default `vigil-<service>`. */
  transactionalIdPrefix?: string;
  /** Partitions processed at once. Default 3. */
  concurrency?: number;
  /** How often idle tasks are asked to `advance()`, ms (0 = never). Default 1,000. */
  idleCheckMs?: number;
}

interface Task {
  partition: number;
  producer: Producer;
  logic: PartitionTask;
  /** Records below this offset were processed before a restart. */
  replayBelow: number;
  /** Records below this offset are skipped (before the committed offset). */
  startAt: number;
  /** One past the last processed offset (-1: none yet). */
  next: number;
  /** Highest offset this task instance has processed (-1: none). After a rebalance that keeps the
   * partition here, kafkajs resumes from the committed (safe) offset, below what the task has
   * already folded in: those records must not count twice. */
  seen: number;
  /** The offset of this task's last successful commit (the one read at open, then ours). */
  committed: number;
  /** Serialises batch handling and the idle timer. */
  lock: Promise<void>;
  closed: boolean;
}

/** Bytes of record values per produce call inside a transaction (well under 1 MiB). */
const MAX_SEND_BYTES = 512 * 1024;

/** Splits messages into runs whose values add up to at most `maxBytes` (a bigger single one alone). */
export function chunkBySize<M extends { value: Buffer }>(
  messages: readonly M[],
  maxBytes: number,
): M[][] {
  const chunks: M[][] = [];
  let cur: M[] = [];
  let size = 0;
  for (const m of messages) {
    if (cur.length > 0 && size + m.value.length > maxBytes) {
      chunks.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(m);
    size += m.value.length;
  }
  if (cur.length) chunks.push(cur);
  return chunks;
}

/** kafkajs's error for CONCURRENT_TRANSACTIONS, possibly wrapped by its own retrier. */
export function isConcurrentTransactions(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const o = e as { type?: unknown; originalError?: unknown; cause?: unknown };
    if (o.type === 'CONCURRENT_TRANSACTIONS') return true;
    e = o.originalError ?? o.cause;
  }
  return false;
}

interface CommitMetadata {
  v: 1;
  next: number;
  task: unknown;
}

export class TransactionalRunner {
  private readonly tasks = new Map<number, Task>();
  /** This member's partitions of the input topic, as of the last rebalance. */
  private assigned = new Set<number>();
  private readonly prefix: string;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly m;

  constructor(private readonly o: RunnerOptions) {
    this.prefix = o.transactionalIdPrefix ?? `vigil-${o.service}`;
    const reg = [o.metrics];
    this.m = {
      recordsIn: new Counter({
        name: 'vigil_records_in_total',
        help: 'Records consumed',
        registers: reg,
      }),
      decodeFailures: new Counter({
        name: 'vigil_decode_failures_total',
        help: 'Undecodable records',
        registers: reg,
      }),
      dlq: new Counter({
        name: 'vigil_dlq_records_total',
        help: 'Records sent to the DLQ',
        labelNames: ['reason'],
        registers: reg,
      }),
      replayed: new Counter({
        name: 'vigil_replayed_records_total',
        help: 'Records re-read after a restart to rebuild state',
        registers: reg,
      }),
      outputs: new Counter({
        name: 'vigil_output_records_total',
        help: 'Result records published',
        labelNames: ['topic'],
        registers: reg,
      }),
      txSeconds: new Histogram({
        name: 'vigil_transaction_seconds',
        help: 'Transaction (outputs + offsets) commit latency',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
        registers: reg,
      }),
      txFailures: new Counter({
        name: 'vigil_transaction_failures_total',
        help: 'Aborted or failed transactions (the task restarts from its commit)',
        registers: reg,
      }),
      lag: new Gauge({
        name: 'vigil_consumer_lag',
        help: 'High watermark minus next offset, per partition',
        labelNames: ['topic', 'partition'],
        registers: reg,
      }),
      tasks: new Gauge({
        name: 'vigil_partition_tasks',
        help: 'Input partitions owned by this instance',
        registers: reg,
      }),
    };
  }

  async start(): Promise<void> {
    const { consumer } = this.o;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const mine = new Set(e.payload.memberAssignment[this.o.topic] ?? []);
      this.assigned = mine;
      for (const p of [...this.tasks.keys()]) if (!mine.has(p)) void this.closeTask(p, 'revoked');
    });
    await consumer.subscribe({ topic: this.o.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.concurrency ?? 3,
      eachBatch: (p) => this.onBatch(p),
    });
    const every = this.o.idleCheckMs ?? 1000;
    if (every > 0) this.timer = setInterval(() => void this.idleTick(), every);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.o.consumer.disconnect();
    await Promise.all([...this.tasks.keys()].map((p) => this.closeTask(p, 'stopping')));
  }

  private async onBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    if (batch.messages.length === 0) return;
    // A batch fetched before a seek of ours (below) is stale: drop it.
    if (p.isStale()) return;
    let task = this.tasks.get(batch.partition);
    if (!task) {
      task = await this.openTask(batch.partition);
      const first = Number(batch.messages[0]!.offset);
      if (task.startAt >= 0 && first !== task.startAt) {
        // kafkajs's position came from its own read of the commit, which may predate the
        // previous owner's last transaction, or from before a failed transaction of ours:
        // re-read from the safe offset so the open windows are rebuilt completely.
        this.o.consumer.seek({
          topic: this.o.topic,
          partition: batch.partition,
          offset: String(task.startAt),
        });
        return;
      }
    }
    const t = task;
    await this.locked(t, () => this.processBatch(t, p));
  }

  private async processBatch(task: Task, p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const dead: Parameters<DeadLetterPublisher['toMessages']>[0] = [];
    let last = -1;
    let n = 0;
    for (const msg of batch.messages) {
      const offset = Number(msg.offset);
      if (offset < task.startAt || offset <= task.seen) continue;
      last = offset;
      task.seen = offset;
      const replay = offset < task.replayBelow;
      this.m.recordsIn.inc();
      if (replay) this.m.replayed.inc();
      let verdict: RecordVerdict;
      try {
        const value = await this.o.codec.decode<unknown>(msg.value);
        verdict = task.logic.onRecord(value, offset, replay);
      } catch (err) {
        if (!(err instanceof DecodeError)) {
          // Registry down etc.: the records folded in so far were never committed, nor were their
          // dead letters. Drop the task; the retried batch rebuilds it from the last commit.
          await this.closeTask(task.partition, 'batch failed');
          throw err;
        }
        if (!replay) this.m.decodeFailures.inc();
        verdict = { dead: { reason: 'undecodable', detail: errorMessage(err) } };
      }
      if (verdict.dead && !replay) {
        this.m.dlq.inc({ reason: verdict.dead.reason });
        dead.push({
          sourceTopic: batch.topic,
          sourcePartition: batch.partition,
          sourceOffset: offset,
          reason: verdict.dead.reason,
          detail: verdict.dead.detail,
          key: msg.key ?? null,
          originalBytes: msg.value ?? null,
        });
      }
      if (++n % 500 === 0) await p.heartbeat();
    }
    if (last < 0) {
      // Every record was skipped (already processed by this task): still move kafkajs's position
      // past them, or it fetches the same batch again forever.
      p.resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
      return;
    }
    task.next = last + 1;
    const outputs = task.logic.advance();
    await this.commit(task, outputs, this.o.dlq.toMessages(dead));
    p.resolveOffset(String(last));
    this.m.lag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(batch.highWatermark) - task.next),
    );
  }

  private async commit(
    task: Task,
    outputs: OutputRecord[],
    deadMessages: Array<{ key: string; value: Buffer }>,
  ): Promise<void> {
    const end = this.m.txSeconds.startTimer();
    const byTopic = new Map<string, Array<{ key: string | null; value: Buffer }>>();
    for (const r of outputs) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value });
      byTopic.set(r.topic, list);
    }
    if (deadMessages.length)
      byTopic.set(this.o.dlq.topic, [...(byTopic.get(this.o.dlq.topic) ?? []), ...deadMessages]);
    try {
      // CONCURRENT_TRANSACTIONS means the coordinator is still finishing this id's previous
      // transaction (typically the fencing abort of a task just opened) and did not act on our
      // request: abort what we added and run the whole transaction again. Any other failure
      // drops the task (below), which then restarts from its last commit.
      await retry(() => this.commitOnce(task, byTopic), {
        retries: 6,
        initialDelayMs: 100,
        isRetriable: isConcurrentTransactions,
        onRetry: (err, attempt, delayMs) =>
          this.o.logger.info('transaction coordinator busy; retrying the transaction', {
            partition: task.partition,
            attempt,
            delayMs,
            error: errorMessage(err),
          }),
      });
      end();
      for (const [topic, list] of byTopic) this.m.outputs.inc({ topic }, list.length);
    } catch (err) {
      this.m.txFailures.inc();
      this.o.logger.warn('transaction failed; the task restarts from its last commit', {
        partition: task.partition,
        error: errorMessage(err),
      });
      await this.closeTask(task.partition, 'transaction failed');
      throw err;
    }
  }

  /** One transaction: the outputs, the offset commit with its metadata, commit. Aborts on error. */
  private async commitOnce(
    task: Task,
    byTopic: Map<string, Array<{ key: string | null; value: Buffer }>>,
  ): Promise<void> {
    const tx = await task.producer.transaction();
    try {
      // In chunks: one batch's outputs (e.g. full quarantine records) can exceed the broker's
      // message.max.bytes (1 MiB) as a single record batch.
      for (const [topic, messages] of byTopic)
        for (const chunk of chunkBySize(messages, MAX_SEND_BYTES))
          await tx.send({ topic, messages: chunk, acks: -1 });
      const metadata: CommitMetadata = { v: 1, next: task.next, task: task.logic.checkpoint() };
      const safe = task.logic.safeOffset(task.next);
      await tx.sendOffsets({
        consumerGroupId: this.o.groupId,
        topics: [
          {
            topic: this.o.topic,
            // kafkajs passes `metadata` through to TxnOffsetCommit; its typings omit it.
            partitions: [
              {
                partition: task.partition,
                offset: String(safe),
                metadata: JSON.stringify(metadata),
              } as { partition: number; offset: string },
            ],
          },
        ],
      });
      await tx.commit();
      task.committed = safe;
    } catch (err) {
      await tx.abort().catch(() => {});
      throw err;
    }
  }

  private async openTask(partition: number): Promise<Task> {
    const producer = this.o.kafka.producer({
      transactionalId: `${this.prefix}-${this.o.topic}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
    });
    await producer.connect();
    // Opening a transaction runs InitProducerId: it fences any previous owner of this id and
    // completes or aborts its open transaction, so the commit we read next is final.
    const fence = await producer.transaction();
    await fence.abort();
    const admin = this.o.kafka.admin();
    await admin.connect();
    let committed: number;
    let meta: CommitMetadata | null = null;
    try {
      const offsets = await admin.fetchOffsets({ groupId: this.o.groupId, topics: [this.o.topic] });
      const po = offsets[0]?.partitions.find((x) => x.partition === partition) as
        { offset: string; metadata?: string | null } | undefined;
      committed = po ? Number(po.offset) : -1;
      if (po?.metadata) {
        try {
          const parsed = JSON.parse(po.metadata) as CommitMetadata;
          if (parsed.v === 1) meta = parsed;
        } catch {
          this.o.logger.warn('ignoring unreadable commit metadata', {
            partition,
            metadata: po.metadata,
          });
        }
      }
    } finally {
      await admin.disconnect();
    }
    const task: Task = {
      partition,
      producer,
      logic: this.o.factory.create(this.o.topic, partition, meta?.task ?? null),
      replayBelow: meta?.next ?? -1,
      startAt: committed,
      next: meta?.next ?? -1,
      seen: -1,
      committed,
      lock: Promise.resolve(),
      closed: false,
    };
    this.tasks.set(partition, task);
    this.m.tasks.set(this.tasks.size);
    this.o.logger.info('partition task opened', {
      partition,
      committed,
      replayBelow: task.replayBelow,
    });
    return task;
  }

  private async closeTask(partition: number, why: string): Promise<void> {
    const t = this.tasks.get(partition);
    if (!t) return;
    this.tasks.delete(partition);
    t.closed = true;
    this.m.tasks.set(this.tasks.size);
    this.o.logger.info('partition task closed', { partition, why });
    await t.producer.disconnect().catch(() => {});
  }

  private async locked(t: Task, fn: () => Promise<void>): Promise<void> {
    const run = t.lock.then(fn);
    t.lock = run.catch(() => {});
    return run;
  }

  private ownsPartition(partition: number): boolean {
    return this.assigned.has(partition);
  }

  /** Lets idle partitions close their windows (the task's clock-driven idle rule). */
  private async idleTick(): Promise<void> {
    if (this.stopping) return;
    for (const t of this.tasks.values()) {
      if (t.closed || t.next < 0) continue;
      await this.locked(t, async () => {
        if (t.closed) return;
        const outputs = t.logic.advance();
        if (outputs.length === 0) return;
        await this.commit(t, outputs, []);
      }).catch((err: unknown) => {
        this.o.logger.warn('idle flush failed; re-reading the partition from its last commit', {
          partition: t.partition,
          error: errorMessage(err),
        });
        // The failed commit dropped the task. A batch failure is retried by kafkajs, which
        // re-opens the task; an idle flush has no batch behind it, and a partition that receives
        // nothing more would keep its last windows open forever. Seek back to the last commit
        // so the records come again and a new task rebuilds (and then flushes) the windows.
        if (!this.stopping && this.ownsPartition(t.partition))
          this.o.consumer.seek({
            topic: this.o.topic,
            partition: t.partition,
            offset: String(Math.max(0, t.committed)),
          });
      });
    }
  }
}
