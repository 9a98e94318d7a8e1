/**
 * The guard service's per-partition task for the generic effectively-once runner
 * (services/common/transactional-runner.ts). One GuardEngine per input partition: the SDK keys
 * events by modelId, so all of a model's events — hence all of a (client, model)'s queries — are
 * in one partition, in order, and the engine sees each client's whole stream.
 *
 * Per record: validate (invalid → DLQ), score with the engine, fold into the window summaries
 * (window-summaries.ts) and, when the event is flagged or its client is suspicious, publish a
 * `Score` (kind EVENT) to the scores topic and a `QuarantineRecord` to the quarantine topic.
 * Closed windows publish their summaries (kinds MODEL_WINDOW and CLIENT_WINDOW) to the scores
 * topic. Everything goes out in the runner's transaction together with the offset commit.
 * A record this task has already folded in is never folded in again: one below the last commit's
 * `next` (the consumer re-reads from the safe offset when a rebalance leaves the partition with the
 * same instance) is skipped outright; one of a batch retried after an error is skipped too, but
 * an invalid one is dead-lettered again (the failed batch's dead letters were never sent).
 *
 * Crash safety — a BOUNDED replay. Client state is in memory only and could depend on the whole
 * history of the partition, so it is not rebuilt exactly; instead the committed (safe) offset is
 *
 *   safeOffset(next) = min( max(first, next − replayRecords), first offset of the oldest open summary window )
 *
 * where `first` is the first offset this task processed (a task never asks to go back before
 * where it started) and `next` is one past the last processed record. After a crash or a
 * rebalance the new owner re-reads from that offset; records below the previous owner's `next`
 * (the runner's `replayBelow`) are REPLAYED: scored to rebuild client state and folded into
 * summary windows not yet emitted, but they publish nothing (no Score, no QuarantineRecord, no
 * dead letter). What this guarantees:
 * - Score and QuarantineRecord outputs are published effectively once: each input record's outputs
 *   are in the transaction that commits past it, and replayed records publish nothing. No
 *   duplicate, no loss, whatever the instant of the crash.
 * - Each summary window is published once (the checkpoint holds the end of the last emitted
 *   window; replay never emits those again), and it counts every scored event of its window: the
 *   safe offset never passes the first record of an open window.
 * - Client state after a restart is the state built from the replayed records — at least the last
 *   `replayRecords` offsets of the partition (≈ records; fewer at its start), or more when an open
 *   summary window reaches further back. For a client whose history in the partition is older or
 *   longer than that, the state differs from an uninterrupted run: older queries are forgotten, so
 *   its query-similarity, extraction and PRADA statistics restart from the replayed part, and a suspicion
 *   raised by a record before the replayed range is lost until the client trips a rule again. The
 *   EVENT records of replayed events are not re-evaluated or re-published (they were published
 *   once, by the first pass); a window summary open at the crash counts its replayed events by their
 *   re-scored verdicts, which can differ from the first pass for such clients.
 * With the default 20,000 records and a 1,000-query history per client, a client sending at least
 * 1/20 of a partition's traffic gets its whole history back.
 */
import type { InferenceEvent } from '../common/event.js';
import { ValidationError } from '../common/errors.js';
import type {
  OutputRecord,
  PartitionTask,
  RecordVerdict,
  TaskFactory,
} from '../common/transactional-runner.js';
import { validateEvent } from '../common/validate.js';
import type { GuardCalibration } from './calibrate.js';
import type { GuardEngineOptions } from './engine-options.js';
import { GuardEngine, type GuardScoreDetail } from './engine.js';
import {
  eventScoreRecord,
  isPublished,
  quarantineRecord,
  type QuarantineRecord,
  type ScoreRecord,
} from './records.js';
import { WindowSummaries, type SummaryOptions } from './window-summaries.js';

export interface GuardTaskObserver {
  /** Every scored (or unscored: no profile) event; `replay` when it only rebuilt state. */
  scored?(d: GuardScoreDetail, replay: boolean): void;
  /** A client became suspicious with this (not replayed) event. */
  clientFlagged?(d: GuardScoreDetail): void;
  /** An event (not replayed) whose summary window had already closed. */
  late?(): void;
  /** Window summary records published. */
  summaries?(n: number): void;
  /** Client states dropped since the last call (LRU cap, idle expiry). */
  evicted?(lru: number, idle: number): void;
}

export interface GuardTaskOptions {
  calibration: GuardCalibration;
  engine: Partial<GuardEngineOptions>;
  /** Records (offsets) replayed to rebuild client state after a restart. */
  replayRecords: number;
  summary: Omit<SummaryOptions, 'clock'>;
  scoresTopic: string;
  quarantineTopic: string;
  encodeScore: (r: ScoreRecord) => Buffer;
  encodeQuarantine: (r: QuarantineRecord) => Buffer;
  clock: () => number;
  observer?: GuardTaskObserver;
}

interface Checkpoint {
  /** End of the last emitted summary window. */
  ct: number | null;
  /** Highest event time seen. */
  wm: number | null;
}

export class GuardTask implements PartitionTask {
  readonly engine: GuardEngine;
  private readonly summaries: WindowSummaries;
  private pending: OutputRecord[] = [];
  /** First offset this task processed (null: none yet). */
  private first: number | null = null;
  /** Last offset folded into the state (a retried batch is not folded twice). */
  private last = -1;
  private evictedLru = 0;
  private evictedIdle = 0;
  /** `next` of the last commit (the runner asks for the safe offset when it commits). */
  private committedNext = -1;

  constructor(
    private readonly o: GuardTaskOptions,
    readonly partition: number,
    restored: unknown,
  ) {
    if (!(Number.isInteger(o.replayRecords) && o.replayRecords >= 0))
      throw new RangeError('replayRecords must be an integer >= 0');
    this.engine = new GuardEngine(o.calibration.profile, o.calibration.thresholds, o.engine);
    const cp = (restored ?? {}) as Partial<Checkpoint>;
    this.summaries = new WindowSummaries(
      { ...o.summary, clock: o.clock },
      { closedThrough: cp.ct ?? null, maxTs: cp.wm ?? null },
    );
  }

  onRecord(value: unknown, offset: number, replay: boolean): RecordVerdict {
    // Already folded in and committed (the consumer re-read from the safe offset after a
    // rebalance that left this partition here): nothing to do, not even a dead letter.
    if (offset < this.committedNext) return {};
    let e: InferenceEvent;
    try {
      e = validateEvent(value);
    } catch (err) {
      if (err instanceof ValidationError)
        return { dead: { reason: 'invalid', detail: err.message } };
      throw err;
    }
    // A batch retried after an error: already in the state and the pending outputs (its dead
    // letters were not sent, hence the verdict above).
    if (offset <= this.last) return {};
    this.last = offset;
    if (this.first === null) this.first = offset;
    const d = this.engine.scoreDetailed(e);
    this.o.observer?.scored?.(d, replay);
    if (!d.scored) return {};
    const inWindow = this.summaries.add(
      {
        modelId: e.modelId,
        modelVersion: e.modelVersion,
        clientId: e.clientId,
        timestamp: e.timestamp,
        score: d.score,
        flagged: d.flagged,
        clientFlagged: d.clientFlagged,
        rules: d.clientState.rules,
        why: d.clientState.why,
      },
      offset,
    );
    if (replay) return {};
    if (!inWindow) this.o.observer?.late?.();
    if (d.clientFlagged && d.clientState.since?.eventId === e.eventId)
      this.o.observer?.clientFlagged?.(d);
    if (isPublished(d)) {
      this.pending.push({
        topic: this.o.scoresTopic,
        key: e.modelId,
        value: this.o.encodeScore(eventScoreRecord(d, e.timestamp)),
      });
      this.pending.push({
        topic: this.o.quarantineTopic,
        key: e.modelId,
        value: this.o.encodeQuarantine(
          quarantineRecord(e, d, { partition: this.partition, offset }, this.o.clock()),
        ),
      });
    }
    return {};
  }

  advance(): OutputRecord[] {
    const windows = this.summaries.advance();
    if (windows.length > 0) this.o.observer?.summaries?.(windows.length);
    const out = this.pending;
    this.pending = [];
    for (const r of windows)
      out.push({ topic: this.o.scoresTopic, key: r.modelId, value: this.o.encodeScore(r) });
    const s = this.engine.stats();
    if (s.evictedLru !== this.evictedLru || s.evictedIdle !== this.evictedIdle) {
      this.o.observer?.evicted?.(s.evictedLru - this.evictedLru, s.evictedIdle - this.evictedIdle);
      this.evictedLru = s.evictedLru;
      this.evictedIdle = s.evictedIdle;
    }
    return out;
  }

  safeOffset(next: number): number {
    this.committedNext = next;
    const floor = this.first === null ? next : Math.max(this.first, next - this.o.replayRecords);
    return Math.min(floor, this.summaries.safe(next));
  }

  checkpoint(): Checkpoint {
    return { ct: this.summaries.closedThrough, wm: this.summaries.watermark };
  }

  /** Client states held now. */
  get trackedClients(): number {
    return this.engine.stats().clients;
  }

  get openWindows(): number {
    return this.summaries.openWindows;
  }
}

/** A factory that also knows the live task of each partition (for the gauges). */
export class GuardTaskFactory implements TaskFactory {
  readonly tasks = new Map<number, GuardTask>();

  constructor(private readonly o: GuardTaskOptions) {}

  create(_topic: string, partition: number, restored: unknown): GuardTask {
    const t = new GuardTask(this.o, partition, restored);
    this.tasks.set(partition, t);
    return t;
  }

  /** Forgets the tasks of partitions this instance no longer owns. */
  retain(owned: ReadonlySet<number>): void {
    for (const p of [...this.tasks.keys()]) if (!owned.has(p)) this.tasks.delete(p);
  }
}
