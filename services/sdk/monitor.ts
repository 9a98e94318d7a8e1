/**
 * The producer SDK for model services: `createMonitor(...)`, then `record(event)` per prediction.
 *
 * Design: validation is synchronous and strict (a bad event is the caller's bug and is reported
 * with the field's name); everything after that is asynchronous and never fails the caller's
 * request: events wait in a bounded buffer, a background loop encodes them (Confluent Avro via the
 * registry) and sends batches with an idempotent producer, retrying with backoff while Kafka is
 * away. When the buffer is full the overflow policy decides: `wait` (backpressure: `record`
 * resolves once there is room) or `drop` (the event is dropped and counted).
 */
import type { Producer } from 'kafkajs';
import type { InferenceEvent } from '../common/event.js';
import { ValidationError, errorMessage } from '../common/errors.js';
import { createKafka } from '../common/kafka.js';
import { type Logger, createLogger } from '../common/log.js';
import { AvroCodec, readSchema } from '../common/registry.js';
import { backoffDelay, sleep } from '../common/retry.js';
import { DEFAULT_LIMITS, type EventLimits, validateEvent } from '../common/validate.js';

/** Options of {@link createMonitor}; every field but `brokers` and `registryUrl` has a default. */
export interface MonitorOptions {
  /** Kafka bootstrap brokers, host:port. */
  brokers: readonly string[];
  /** Confluent-compatible registry API root, e.g. `http://127.0.0.1:8081/apis/ccompat/v7`. */
  registryUrl: string;
  /** Topic to publish to. Default `vigil.inference.v1`. */
  topic?: string;
  /** Kafka client id. Default `vigil-sdk`. */
  clientId?: string;
  /** Most events per produce request. Default 1,000. */
  batchSize?: number;
  /** How long a partial batch may wait for more events, ms. Default 50. */
  lingerMs?: number;
  /** Events held in memory (queued + in flight) at most. Default 100,000. */
  bufferCapacity?: number;
  /** What `record` does when the buffer is full: `wait` for room, or `drop` and count. Default `wait`. */
  overflow?: 'wait' | 'drop';
  /** What `record` does with an invalid event: `reject` its promise with a ValidationError, or
   * `count` it and resolve (for callers that never await). Default `reject`. */
  onInvalid?: 'reject' | 'count';
  /** Register the InferenceEvent schema on connect (else use the subject's latest). Default true. */
  autoRegister?: boolean;
  /** Validation limits. Default {@link DEFAULT_LIMITS}. */
  limits?: Partial<EventLimits>;
  logger?: Logger;
}

export interface MonitorStats {
  /** Accepted into the buffer. */
  accepted: number;
  /** Acknowledged by Kafka. */
  sent: number;
  /** Refused by validation. */
  rejected: number;
  /** Dropped because the buffer was full (overflow `drop`). */
  dropped: number;
  /** Produce requests that failed (and were retried). */
  sendFailures: number;
  /** Events that could not be encoded (a bug or schema mismatch; logged, not retried). */
  encodeFailures: number;
  /** Events in memory now. */
  buffered: number;
}

export type RecordOutcome = 'queued' | 'dropped' | 'rejected';

export interface Monitor {
  /** Validates and enqueues one event. See {@link MonitorOptions.overflow} and `onInvalid`. */
  record(event: unknown): Promise<RecordOutcome>;
  /** Resolves when everything recorded so far has been acknowledged by Kafka. */
  flush(): Promise<void>;
  /** Flushes, then disconnects. */
  close(): Promise<void>;
  stats(): MonitorStats;
}

interface Resolved {
  topic: string;
  batchSize: number;
  lingerMs: number;
  bufferCapacity: number;
  overflow: 'wait' | 'drop';
  onInvalid: 'reject' | 'count';
  autoRegister: boolean;
  limits: EventLimits;
}

function resolve(o: MonitorOptions): Readonly<Resolved> {
  const r: Resolved = {
    topic: o.topic ?? 'vigil.inference.v1',
    batchSize: o.batchSize ?? 1000,
    lingerMs: o.lingerMs ?? 50,
    bufferCapacity: o.bufferCapacity ?? 100_000,
    overflow: o.overflow ?? 'wait',
    onInvalid: o.onInvalid ?? 'reject',
    autoRegister: o.autoRegister ?? true,
    limits: { ...DEFAULT_LIMITS, ...o.limits },
  };
  if (!Array.isArray(o.brokers) || o.brokers.length === 0)
    throw new ValidationError('brokers', 'at least one broker is required');
  if (!o.registryUrl) throw new ValidationError('registryUrl', 'is required');
  if (!Number.isInteger(r.batchSize) || r.batchSize < 1)
    throw new ValidationError('batchSize', 'must be a positive integer');
  if (!(r.lingerMs >= 0)) throw new ValidationError('lingerMs', 'must be >= 0');
  if (!Number.isInteger(r.bufferCapacity) || r.bufferCapacity < r.batchSize)
    throw new ValidationError('bufferCapacity', 'must be an integer >= batchSize');
  if (r.overflow !== 'wait' && r.overflow !== 'drop')
    throw new ValidationError('overflow', 'must be "wait" or "drop"');
  return Object.freeze(r);
}

/** Creates a connected monitor. Throws if options are invalid or the registry/Kafka cannot be reached at start. */
export async function createMonitor(options: MonitorOptions): Promise<Monitor> {
  const cfg = resolve(options);
  const log = options.logger ?? createLogger('vigil-sdk');
  const kafka = createKafka({
    brokers: options.brokers,
    clientId: options.clientId ?? 'vigil-sdk',
    logger: log,
  });
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: true,
  });
  const codec = new AvroCodec(options.registryUrl);
  const schemaId = cfg.autoRegister
    ? await codec.register(cfg.topic, readSchema('InferenceEvent'))
    : await codec.latestId(cfg.topic);
  const encode = await codec.encoderFor(schemaId);
  await producer.connect();

  const queue: InferenceEvent[] = [];
  let inFlight = 0;
  let closed = false;
  const stats = {
    accepted: 0,
    sent: 0,
    rejected: 0,
    dropped: 0,
    sendFailures: 0,
    encodeFailures: 0,
  };
  let spaceWaiters: Array<() => void> = [];
  let idleWaiters: Array<() => void> = [];
  let wake: (() => void) | null = null;
  let lingerTimer: NodeJS.Timeout | null = null;

  const buffered = (): number => queue.length + inFlight;
  const notify = (): void => {
    if (wake) {
      const w = wake;
      wake = null;
      w();
    }
  };

  async function sendBatch(batch: InferenceEvent[]): Promise<void> {
    const messages = [];
    for (const e of batch) {
      try {
        // No Kafka timestamp of our own: the broker's CreateTime (now) drives retention. Event time
        // lives in the record; stamping it on the message would let time-based retention delete a
        // replay of historical traffic (older than retention.ms) as soon as it is written.
        messages.push({ key: e.modelId, value: encode(e) });
      } catch (err) {
        stats.encodeFailures++;
        log.error('event could not be encoded; dropped', {
          eventId: e.eventId,
          error: errorMessage(err),
        });
      }
    }
    for (let attempt = 1; messages.length > 0; attempt++) {
      try {
        await producer.send({ topic: cfg.topic, messages });
        stats.sent += messages.length;
        return;
      } catch (err) {
        stats.sendFailures++;
        const delay = backoffDelay(
          attempt,
          { initialDelayMs: 200, maxDelayMs: 10_000, factor: 2, jitter: 0.2 },
          Math.random,
        );
        log.warn('send failed; retrying', {
          attempt,
          delayMs: delay,
          events: messages.length,
          error: errorMessage(err),
        });
        await sleep(delay);
      }
    }
  }

  // The background loop: one batch in flight at a time keeps per-key order without relying on
  // several in-flight requests.
  const loop = (async () => {
    for (;;) {
      if (queue.length === 0) {
        if (closed) return;
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      if (queue.length < cfg.batchSize && !closed && cfg.lingerMs > 0 && idleWaiters.length === 0) {
        await new Promise<void>((r) => {
          wake = r;
          lingerTimer = setTimeout(r, cfg.lingerMs);
        });
        if (lingerTimer) clearTimeout(lingerTimer);
        lingerTimer = null;
        wake = null;
      }
      const batch = queue.splice(0, cfg.batchSize);
      inFlight += batch.length;
      try {
        await sendBatch(batch);
      } finally {
        inFlight -= batch.length;
      }
      const ws = spaceWaiters;
      spaceWaiters = [];
      ws.forEach((w) => w());
      if (buffered() === 0) {
        const iw = idleWaiters;
        idleWaiters = [];
        iw.forEach((w) => w());
      }
    }
  })();
  loop.catch((err: unknown) => log.error('sdk send loop crashed', { error: errorMessage(err) }));

  async function record(input: unknown): Promise<RecordOutcome> {
    let event: InferenceEvent;
    try {
      event = validateEvent(input, cfg.limits);
    } catch (err) {
      stats.rejected++;
      if (cfg.onInvalid === 'reject') throw err;
      return 'rejected';
    }
    if (closed) throw new ValidationError('monitor', 'is closed');
    while (buffered() >= cfg.bufferCapacity) {
      if (cfg.overflow === 'drop') {
        stats.dropped++;
        return 'dropped';
      }
      await new Promise<void>((r) => spaceWaiters.push(r));
    }
    queue.push(event);
    stats.accepted++;
    if (queue.length >= cfg.batchSize) notify();
    else if (queue.length === 1) notify();
    return 'queued';
  }

  async function flush(): Promise<void> {
    if (buffered() === 0) return;
    const done = new Promise<void>((r) => idleWaiters.push(r));
    notify();
    await done;
  }

  async function close(): Promise<void> {
    if (closed) return;
    await flush();
    closed = true;
    notify();
    await loop;
    await producer.disconnect();
  }

  return { record, flush, close, stats: () => ({ ...stats, buffered: buffered() }) };
}
