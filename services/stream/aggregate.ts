/**
 * The contract between the window engine and whatever it aggregates. Implementations are plain
 * objects with no I/O, so the same aggregate runs in a streaming service, the CLI and tests.
 */
export interface Aggregate<S, E> {
  /** A fresh, empty state. */
  create(): S;
  /** Folds one event into `state`, in place. */
  add(state: S, event: E): void;
  /**
   * Combines two states into one that equals the state built from both states' events.
   * Must be associative and commutative (up to the finalized result), so results do not depend on
   * how traffic was spread over partitions or instances. May mutate and return `a`; must not mutate
   * `b`.
   */
  merge(a: S, b: S): S;
}

/**
 * Turns a state into a JSON-safe value and back, for checkpoints and snapshots. `decode` must
 * accept exactly what `encode` produced (after a JSON round trip) and should throw a clear error on
 * anything else.
 */
export interface StateCodec<S> {
  encode(state: S): unknown;
  decode(json: unknown): S;
}
