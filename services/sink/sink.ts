/**
 * The sink: the only writer to ClickHouse. For each fetched batch of one partition it decodes the
 * records, writes their rows to ClickHouse, sends undecodable/invalid ones to the DLQ, and only
 * then commits the batch's offsets. A crash between insert and commit re-delivers the batch; the
 * tables are ReplacingMergeTree keyed by deterministic ids, so the second insert changes nothing
 * that a `FINAL` query or a background merge can see. While ClickHouse is down the insert is
 * retried with backoff, the partition's consumption waits (nothing new is fetched for it), and the
 * group membership is kept alive with heartbeats.
 */
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { ClickHouseClient } from '../common/clickhouse.js';
import { type DeadLetter, DeadLetterPublisher } from '../common/dlq.js';
import { DecodeError, ValidationError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { AvroCodec } from '../common/registry.js';
import { backoffDelay, sleep } from '../common/retry.js';
import { Counter, Gauge, Histogram, type Registry } from '../common/telemetry.js';
import type { Route } from './tables.js';

export interface SinkDeps {
  consumer: Consumer;
  clickhouse: ClickHouseClient;
  codec: AvroCodec;
  dlq: DeadLetterPublisher;
  database: string;
  routes: Route[];
  logger: Logger;
  metrics: Registry;
  /** Partitions processed at once. Default 3. */
  concurrency?: number;
}

export class Sink {
  private readonly byTopic: Map<string, Route>;
  private readonly m;
  private stopping = false;

  constructor(private readonly d: SinkDeps) {
    this.byTopic = new Map(d.routes.map((r) => [r.topic, r]));
    const reg = [d.metrics];
    this.m = {
      recordsIn: new Counter({
        name: 'vigil_sink_records_in_total',
        help: 'Records consumed',
        labelNames: ['topic'],
        registers: reg,
      }),
      rowsOut: new Counter({
        name: 'vigil_sink_rows_inserted_total',
        help: 'Rows inserted',
        labelNames: ['table'],
        registers: reg,
      }),
      decodeFailures: new Counter({
        name: 'vigil_sink_decode_failures_total',
        help: 'Undecodable records',
        labelNames: ['topic'],
        registers: reg,
      }),
      dlq: new Counter({
        name: 'vigil_sink_dlq_total',
        help: 'Records sent to the DLQ',
        labelNames: ['topic', 'reason'],
        registers: reg,
      }),
      insertErrors: new Counter({
        name: 'vigil_sink_insert_errors_total',
        help: 'Failed ClickHouse inserts (retried)',
        labelNames: ['table'],
        registers: reg,
      }),
      batchSize: new Histogram({
        name: 'vigil_sink_batch_rows',
        help: 'Rows per insert',
        labelNames: ['table'],
        buckets: [1, 10, 100, 500, 1000, 5000, 20000],
        registers: reg,
      }),
      insertSeconds: new Histogram({
        name: 'vigil_sink_insert_seconds',
        help: 'ClickHouse insert latency',
        labelNames: ['table'],
        buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
        registers: reg,
      }),
      lag: new Gauge({
        name: 'vigil_consumer_lag',
        help: 'High watermark minus next offset, per partition',
        labelNames: ['topic', 'partition'],
        registers: reg,
      }),
    };
  }

  async start(): Promise<void> {
    for (const r of this.d.routes)
      await this.d.consumer.subscribe({ topic: r.topic, fromBeginning: true });
    await this.d.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.d.concurrency ?? 3,
      eachBatch: (p) => this.handleBatch(p),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.d.consumer.disconnect();
  }

  private async handleBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const route = this.byTopic.get(batch.topic);
    if (!route || batch.messages.length === 0) return;
    const rows: Array<Record<string, unknown>> = [];
    const dead: Array<Omit<DeadLetter, 'service' | 'time'>> = [];
    const now = Date.now();
    for (const msg of batch.messages) {
      const offset = Number(msg.offset);
      this.m.recordsIn.inc({ topic: batch.topic });
      try {
        const value = await this.d.codec.decode<unknown>(msg.value);
        rows.push(...route.toRows(value, { partition: batch.partition, offset }, now));
      } catch (err) {
        if (!(err instanceof DecodeError) && !(err instanceof ValidationError)) throw err; // retriable: redeliver
        const reason = err instanceof DecodeError ? 'undecodable' : 'invalid';
        if (reason === 'undecodable') this.m.decodeFailures.inc({ topic: batch.topic });
        this.m.dlq.inc({ topic: batch.topic, reason });
        dead.push({
          sourceTopic: batch.topic,
          sourcePartition: batch.partition,
          sourceOffset: offset,
          reason,
          detail: errorMessage(err),
          key: msg.key ?? null,
          originalBytes: msg.value ?? null,
        });
      }
    }
    await this.insertWithRetry(route.table, rows, p);
    await this.withRetry('dlq', () => this.d.dlq.publish(dead), p);
    const last = batch.messages[batch.messages.length - 1]!.offset;
    p.resolveOffset(last);
    await this.d.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: String(Number(last) + 1) },
    ]);
    this.m.lag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(batch.highWatermark) - Number(last) - 1),
    );
  }

  private async insertWithRetry(
    table: string,
    rows: Array<Record<string, unknown>>,
    p: EachBatchPayload,
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.withRetry(
      table,
      async () => {
        const end = this.m.insertSeconds.startTimer({ table });
        try {
          await this.d.clickhouse.insert({
            table: `${this.d.database}.${table}`,
            values: rows,
            format: 'JSONEachRow',
          });
        } catch (err) {
          this.m.insertErrors.inc({ table });
          throw err;
        } finally {
          end();
        }
        this.m.rowsOut.inc({ table }, rows.length);
        this.m.batchSize.observe({ table }, rows.length);
      },
      p,
    );
  }

  /** Retries until it works or the sink stops; keeps the group session alive meanwhile. */
  private async withRetry(
    what: string,
    fn: () => Promise<void>,
    p: EachBatchPayload,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.stopping || !p.isRunning() || p.isStale()) throw err;
        const delay = backoffDelay(
          attempt,
          { initialDelayMs: 250, maxDelayMs: 5_000, factor: 2, jitter: 0.2 },
          Math.random,
        );
        this.d.logger.warn(`${what} failed; retrying`, {
          attempt,
          delayMs: delay,
          error: errorMessage(err),
        });
        const until = Date.now() + delay;
        while (Date.now() < until) {
          await p.heartbeat();
          await sleep(Math.min(1000, until - Date.now()));
        }
      }
    }
  }
}
