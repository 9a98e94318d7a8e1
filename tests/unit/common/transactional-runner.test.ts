/**
 * The runner's recovery when an idle flush fails: the failed transaction drops the task, and
 * since no batch will come for a quiet partition, the runner must seek back to its last commit
 * (or the partition's last windows would stay open forever). Kafka is replaced by small fakes:
 * this checks the runner's own bookkeeping, the real protocol is covered by the integration tests.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { DeadLetterPublisher } from '../../../services/common/dlq.js';
import { silentLogger } from '../../../services/common/log.js';
import type { AvroCodec } from '../../../services/common/registry.js';
import { Registry } from '../../../services/common/telemetry.js';
import {
  isConcurrentTransactions,
  type OutputRecord,
  type PartitionTask,
  TransactionalRunner,
} from '../../../services/common/transactional-runner.js';

interface Harness {
  runner: TransactionalRunner;
  seeks: Array<{ partition: number; offset: string }>;
  commits: number;
  failNextCommit: boolean;
  /** Errors thrown by the next sendOffsets calls, one per call. */
  offsetErrors: Error[];
  aborts: number;
  pending: OutputRecord[];
  join(partitions: number[]): void;
  batch(partition: number, offsets: number[]): Promise<void>;
}

async function harness(): Promise<Harness> {
  const joinHandlers: Array<
    (e: { payload: { memberAssignment: Record<string, number[]> } }) => void
  > = [];
  let eachBatch: ((p: EachBatchPayload) => Promise<void>) | null = null;
  const h = {
    seeks: [] as Array<{ partition: number; offset: string }>,
    commits: 0,
    failNextCommit: false,
    offsetErrors: [] as Error[],
    aborts: 0,
    pending: [] as OutputRecord[],
  } as Harness;
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join' },
    on: (_ev: string, fn: (typeof joinHandlers)[number]) => joinHandlers.push(fn),
    subscribe: async () => {},
    run: async (o: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => {
      eachBatch = o.eachBatch;
    },
    seek: (s: { topic: string; partition: number; offset: string }) =>
      h.seeks.push({ partition: s.partition, offset: s.offset }),
    disconnect: async () => {},
  } as unknown as Consumer;
  const kafka = {
    producer: () => ({
      connect: async () => {},
      disconnect: async () => {},
      transaction: async () => ({
        send: async () => {},
        sendOffsets: async () => {
          const e = h.offsetErrors.shift();
          if (e) throw e;
        },
        abort: async () => {
          h.aborts++;
        },
        commit: async () => {
          if (h.failNextCommit) {
            h.failNextCommit = false;
            throw new Error('broker said no');
          }
          h.commits++;
        },
      }),
    }),
    admin: () => ({
      connect: async () => {},
      disconnect: async () => {},
      fetchOffsets: async () => [{ topic: 'in', partitions: [] }],
    }),
  } as unknown as Kafka;
  // A task whose safe offset is its first record: everything stays "needed" until flushed.
  const factory = {
    create: (): PartitionTask => {
      let first = -1;
      return {
        onRecord: (_v, offset) => {
          if (first < 0) first = offset;
          return {};
        },
        advance: () => h.pending.splice(0),
        safeOffset: (next) => (first < 0 ? next : first),
        checkpoint: () => null,
      };
    },
  };
  h.runner = new TransactionalRunner({
    service: 'test',
    kafka,
    consumer,
    groupId: 'g',
    topic: 'in',
    codec: { decode: async (b: Buffer) => b.toString() } as unknown as AvroCodec,
    dlq: { topic: 'dlq', toMessages: () => [] } as unknown as DeadLetterPublisher,
    factory,
    logger: silentLogger,
    metrics: new Registry(),
    idleCheckMs: 10,
  });
  await h.runner.start();
  h.join = (partitions) => {
    for (const fn of joinHandlers) fn({ payload: { memberAssignment: { in: partitions } } });
  };
  h.batch = async (partition, offsets) => {
    await eachBatch!({
      batch: {
        topic: 'in',
        partition,
        highWatermark: String(offsets[offsets.length - 1]! + 1),
        messages: offsets.map((o) => ({ offset: String(o), key: null, value: Buffer.from('x') })),
      },
      isStale: () => false,
      heartbeat: async () => {},
      resolveOffset: () => {},
    } as unknown as EachBatchPayload);
  };
  return h;
}

const tick = () => new Promise((r) => setTimeout(r, 40));

describe('TransactionalRunner idle flush failure', () => {
  it('seeks the partition back to its last commit so a new task can flush the windows', async () => {
    const h = await harness();
    h.join([0]);
    await h.batch(0, [5, 6, 7]);
    expect(h.commits).toBe(1);
    h.pending.push({ topic: 'out', key: null, value: Buffer.from('w') });
    h.failNextCommit = true;
    await tick();
    expect(h.seeks).toEqual([{ partition: 0, offset: '5' }]);
    await h.runner.stop();
  });

  it('does not seek a partition this member no longer owns', async () => {
    const h = await harness();
    h.join([0]);
    await h.batch(0, [5, 6, 7]);
    h.join([1]);
    h.pending.push({ topic: 'out', key: null, value: Buffer.from('w') });
    h.failNextCommit = true;
    await tick();
    expect(h.seeks).toEqual([]);
    await h.runner.stop();
  });

  it('a successful idle flush needs no seek', async () => {
    const h = await harness();
    h.join([0]);
    await h.batch(0, [5, 6, 7]);
    h.pending.push({ topic: 'out', key: null, value: Buffer.from('w') });
    await tick();
    expect(h.commits).toBe(2);
    expect(h.seeks).toEqual([]);
    await h.runner.stop();
  });
});

/** Shaped like kafkajs's KafkaJSProtocolError (and its retrier's wrapper, which sets `cause`). */
function protocolError(type: string): Error {
  return Object.assign(new Error(type), { type });
}

describe('TransactionalRunner CONCURRENT_TRANSACTIONS', () => {
  it('recognises the error, also wrapped', () => {
    const e = protocolError('CONCURRENT_TRANSACTIONS');
    expect(isConcurrentTransactions(e)).toBe(true);
    expect(isConcurrentTransactions(new Error('retries exceeded', { cause: e }))).toBe(true);
    expect(isConcurrentTransactions(protocolError('PRODUCER_FENCED'))).toBe(false);
    expect(isConcurrentTransactions(undefined)).toBe(false);
  });

  it('aborts and runs the transaction again instead of dropping the task', async () => {
    const h = await harness();
    h.join([0]);
    h.offsetErrors.push(protocolError('CONCURRENT_TRANSACTIONS'));
    await h.batch(0, [5, 6, 7]);
    // One abort fences the previous owner when the task opens, one is the retry's.
    expect(h.aborts).toBe(2);
    expect(h.commits).toBe(1);
    // The task survived: an idle flush commits on it without any seek.
    h.pending.push({ topic: 'out', key: null, value: Buffer.from('w') });
    await tick();
    expect(h.commits).toBe(2);
    expect(h.seeks).toEqual([]);
    await h.runner.stop();
  });

  it('any other transaction error fails the batch (kafkajs retries it from the last commit)', async () => {
    const h = await harness();
    h.join([0]);
    h.offsetErrors.push(protocolError('PRODUCER_FENCED'));
    await expect(h.batch(0, [5, 6, 7])).rejects.toThrow('PRODUCER_FENCED');
    expect(h.commits).toBe(0);
    await h.runner.stop();
  });
});
