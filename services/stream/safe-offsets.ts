/**
 * Safe offset tracking for windowed state that lives only in memory.
 *
 * A partition's committed offset must never pass a record whose contribution is still in an open
 * window: after a crash, the state of open windows is rebuilt by re-reading from the committed
 * offset. So the offset to commit is the lowest offset that contributed to any open window, or
 * the next offset to read when no window is open.
 */
export class SafeOffsetTracker {
  private readonly firstOffsetByWindow = new Map<number, number>();

  /** Records that the record at `offset` was folded into the windows starting at `windowStarts`. */
  note(windowStarts: readonly number[], offset: number): void {
    for (const w of windowStarts) {
      const cur = this.firstOffsetByWindow.get(w);
      if (cur === undefined || offset < cur) this.firstOffsetByWindow.set(w, offset);
    }
  }

  /** The window starting at `windowStart` was emitted: its records are no longer needed. */
  closed(windowStart: number): void {
    this.firstOffsetByWindow.delete(windowStart);
  }

  /** Offset to commit: the lowest still needed, or `next` (one past the last processed). */
  safe(next: number): number {
    let min = next;
    for (const o of this.firstOffsetByWindow.values()) if (o < min) min = o;
    return min;
  }

  get openWindows(): number {
    return this.firstOffsetByWindow.size;
  }
}
