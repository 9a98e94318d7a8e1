/**
 * Dead-letter publishing: a record that cannot be decoded, validated or placed goes to the DLQ
 * topic as a `vigil.v1.DeadLetter` with the reason and its original bytes. Callers await the
 * send before committing the source offset, so nothing is lost silently.
 */
import type { Producer } from 'kafkajs';
import { AvroCodec, readSchema } from './registry.js';

export type DeadLetterReason =
  'undecodable' | 'invalid' | 'late' | 'overflow' | 'oversized' | 'unroutable';

export interface DeadLetter {
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
  service: string;
  reason: DeadLetterReason;
  detail: string;
  key: Buffer | null;
  originalBytes: Buffer | null;
  time: number;
}

export class DeadLetterPublisher {
  private encode: ((v: unknown) => Buffer) | null = null;

  constructor(
    private readonly producer: Producer,
    private readonly codec: AvroCodec,
    readonly topic: string,
    private readonly service: string,
  ) {}

  async init(): Promise<void> {
    const id = await this.codec.register(this.topic, readSchema('DeadLetter'));
    this.encode = await this.codec.encoderFor(id);
  }

  /** Encodes dead letters as messages for the DLQ topic (to send inside a transaction). */
  toMessages(
    items: Array<Omit<DeadLetter, 'service' | 'time'>>,
  ): Array<{ key: string; value: Buffer }> {
    if (items.length === 0) return [];
    if (!this.encode) throw new Error('DeadLetterPublisher.init() not called');
    const enc = this.encode;
    const now = Date.now();
    return items.map((d) => ({
      key: `${d.sourceTopic}:${d.sourcePartition}:${d.sourceOffset}`,
      value: enc({ ...d, service: this.service, time: now }),
    }));
  }

  /** Sends dead letters and resolves once Kafka acknowledged them. */
  async publish(items: Array<Omit<DeadLetter, 'service' | 'time'>>): Promise<void> {
    if (items.length === 0) return;
    await this.producer.send({ topic: this.topic, acks: -1, messages: this.toMessages(items) });
  }
}
