/**
 * Avro over the Confluent wire format (magic byte 0, 4-byte schema id, Avro body), with schemas
 * held in a Confluent-compatible registry. Subjects follow the TopicNameStrategy: `<topic>-value`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { DecodeError, VigilError, errorMessage } from './errors.js';
import { retry } from './retry.js';

export const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');

/** Reads `schemas/<Name>.avsc` as a string. */
export function readSchema(name: string): string {
  return readFileSync(join(SCHEMAS_DIR, `${name}.avsc`), 'utf8');
}

export function listSchemas(): string[] {
  return readdirSync(SCHEMAS_DIR)
    .filter((f) => f.endsWith('.avsc'))
    .map((f) => f.slice(0, -'.avsc'.length))
    .sort();
}

export function subjectFor(topic: string): string {
  return `${topic}-value`;
}

interface AvscType {
  toBuffer(v: unknown): Buffer;
  isValid(v: unknown, opts: { errorHook: (path: string[]) => void }): boolean;
}

export class RegistryError extends VigilError {}

export class AvroCodec {
  readonly registry: SchemaRegistry;

  constructor(readonly url: string) {
    this.registry = new SchemaRegistry({ host: url, retry: { retries: 5 } });
  }

  /**
   * Registers `schema` (an .avsc string) under `<topic>-value` and returns its id, with the
   * subject's compatibility set to BACKWARD so that an incompatible change is refused.
   *
   * Done with plain HTTP rather than the client library's `register`: the library insists that
   * the subject's level already equals BACKWARD, and Apicurio reports NONE for a subject whose
   * level was never set (e.g. a process died between registering and setting it), which would
   * lock every later registration out. Setting the level before and after is idempotent.
   */
  async register(topic: string, schema: string): Promise<number> {
    return retry(() => this.registerOnce(topic, schema), {
      retries: 6,
      initialDelayMs: 100,
      isRetriable: (err) => err instanceof RegistryError && err.retriable,
    });
  }

  private async registerOnce(topic: string, schema: string): Promise<number> {
    const subject = subjectFor(topic);
    const base = `${this.url}/subjects/${encodeURIComponent(subject)}`;
    const headers = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    const setLevel = async (mustExist: boolean): Promise<void> => {
      const res = await fetch(`${this.url}/config/${encodeURIComponent(subject)}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ compatibility: 'BACKWARD' }),
      });
      if (!res.ok && (mustExist || res.status !== 404))
        throw new RegistryError(
          `setting BACKWARD compatibility on ${subject} at ${this.url} failed: HTTP ${res.status} ${await res.text()}`,
          {
            // 409 "A rule named 'COMPATIBILITY' already exists": Apicurio's answer when another
            // process created the subject's rule at the same moment (seen when two services
            // start together); the next PUT updates the rule that now exists.
            retriable: res.status >= 500 || res.status === 409,
            context: { subject },
          },
        );
    };
    try {
      await setLevel(false);
      const res = await fetch(`${base}/versions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ schema }),
      });
      const body = await res.text();
      if (!res.ok)
        throw new RegistryError(
          `registering ${subject} at ${this.url} failed: HTTP ${res.status} ${body}`,
          {
            // A 409 is an incompatible schema (final) unless it is a concurrent creation race.
            retriable: res.status >= 500 || (res.status === 409 && /already exists/i.test(body)),
            context: { subject, status: res.status },
          },
        );
      await setLevel(true);
      return (JSON.parse(body) as { id: number }).id;
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw new RegistryError(
        `registering ${subject} at ${this.url} failed: ${errorMessage(err)}`,
        {
          retriable: true,
          cause: err,
          context: { subject },
        },
      );
    }
  }

  async latestId(topic: string): Promise<number> {
    return this.registry.getLatestSchemaId(subjectFor(topic));
  }

  /** Encodes a value with the registered schema `id`; throws a VigilError naming invalid paths. */
  async encode(id: number, value: unknown): Promise<Buffer> {
    try {
      return await this.registry.encode(id, value);
    } catch (err) {
      const paths = (err as { paths?: string[][] }).paths;
      const where = paths && paths.length ? ` at ${paths.map((p) => p.join('.')).join(', ')}` : '';
      throw new VigilError(`cannot encode with schema ${id}${where}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  /**
   * A synchronous encoder for schema `id` (the schema is fetched once): the hot path of the SDK
   * avoids a promise per record. Throws a VigilError naming the invalid paths.
   */
  async encoderFor(id: number): Promise<(value: unknown) => Buffer> {
    const type = (await this.registry.getSchema(id)) as unknown as AvscType;
    const header = Buffer.alloc(5);
    header.writeUInt32BE(id, 1);
    return (value) => {
      try {
        return Buffer.concat([header, type.toBuffer(value)]);
      } catch (err) {
        const paths: string[] = [];
        type.isValid(value, { errorHook: (p: string[]) => paths.push(p.join('.')) });
        throw new VigilError(
          `cannot encode with schema ${id}${paths.length ? ` at ${paths.join(', ')}` : ''}: ${errorMessage(err)}`,
        );
      }
    };
  }

  /** Decodes Confluent-wire-format bytes; throws {@link DecodeError} with the reason. */
  async decode<T>(bytes: Buffer | null): Promise<T> {
    if (!bytes || bytes.length === 0) throw new DecodeError('empty payload');
    if (bytes.length < 5 || bytes[0] !== 0)
      throw new DecodeError(
        `not Confluent wire format (magic byte ${bytes[0] ?? 'missing'}, ${bytes.length} bytes)`,
      );
    try {
      return (await this.registry.decode(bytes)) as T;
    } catch (err) {
      const msg = errorMessage(err);
      // A registry that cannot be reached is not the record's fault: let the caller retry.
      const status = (err as { status?: number }).status;
      const code = (err as { code?: string }).code;
      if (
        (status !== undefined && status >= 500) ||
        /^E(CONNREFUSED|TIMEDOUT|CONNRESET)$/.test(code ?? '') ||
        /ECONNREFUSED|socket hang up/.test(msg)
      )
        throw new VigilError(`schema registry unavailable: ${msg}`, {
          retriable: true,
          cause: err,
        });
      throw new DecodeError(
        `undecodable Avro payload (schema id ${bytes.readUInt32BE(1)}): ${msg}`,
        err,
      );
    }
  }
}
