/**
 * Vigil's error hierarchy. Every error carries a `retriable` flag (may the same call succeed if
 * tried again?) and a `context` object naming what it was about, in the manner of kafkajs.
 */
export class VigilError extends Error {
  readonly retriable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    message: string,
    opts: { retriable?: boolean; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.retriable = opts.retriable ?? false;
    this.context = Object.freeze({ ...(opts.context ?? {}) });
  }
}

/** A configuration value is missing or malformed; `key` names it. Raised once, at start. */
export class ConfigError extends VigilError {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`config ${key}: ${message}`, { context: { key } });
  }
}

/** An event or record failed validation; `field` is the dotted path of the offending field. */
export class ValidationError extends VigilError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, { context: { field } });
  }
}

/** Bytes that could not be decoded (not Confluent wire format, unknown schema id, bad Avro). */
export class DecodeError extends VigilError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause, context: {} });
  }
}

/** A remote dependency (Kafka, registry, ClickHouse) failed in a way worth retrying. */
export class ConnectionError extends VigilError {
  constructor(component: string, message: string, cause?: unknown) {
    super(`${component}: ${message}`, { retriable: true, cause, context: { component } });
  }
}

/** The SDK's bounded buffer is full and the overflow policy is `drop`. */
export class BufferFullError extends VigilError {
  constructor(capacity: number) {
    super(`buffer full (${capacity} events)`, { retriable: true, context: { capacity } });
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
