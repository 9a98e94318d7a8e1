/**
 * Bounded per-client state: an LRU map with a hard cap on entries and an idle expiry in event
 * time. A Map keeps insertion order, so re-inserting on each access makes its first entry the
 * least recently used; eviction and expiry pop from the front in O(1). A flood of new client ids
 * therefore costs at most `maxClients` entries, whatever its size.
 */
export interface Expirable {
  /** Event time of the client's last query (epoch ms). */
  lastSeen: number;
}

export class ClientTable<V extends Expirable> {
  private readonly map = new Map<string, V>();
  /** Entries dropped because the table was full. */
  evictedLru = 0;
  /** Entries dropped because they were idle longer than the expiry. */
  evictedIdle = 0;

  constructor(
    readonly maxClients: number,
    readonly idleTimeoutMs: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The entry (made most recently used), or undefined. */
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** The entry, without touching the LRU order. */
  peek(key: string): V | undefined {
    return this.map.get(key);
  }

  /** Inserts as most recently used, evicting the least recently used entries beyond the cap. */
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxClients) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.evictedLru++;
    }
  }

  /** Drops entries idle since before `now − idleTimeoutMs` (front of the LRU order). */
  expire(now: number): void {
    const cutoff = now - this.idleTimeoutMs;
    for (const [key, v] of this.map) {
      if (v.lastSeen >= cutoff) break;
      this.map.delete(key);
      this.evictedIdle++;
    }
  }

  /** Entries, least recently used first. */
  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
}
