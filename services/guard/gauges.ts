/**
 * Prometheus figures of the guard service: events scored / flagged / published, clients that
 * became suspicious, client states held (a gauge read from the live partition tasks at scrape
 * time), evictions, late events, summaries, and the scoring rate over the last interval.
 * No per-client or per-model labels: a flood of ids cannot blow up the scrape.
 */
import { Counter, Gauge, type Registry } from '../common/telemetry.js';
import type { GuardScoreDetail } from './engine.js';
import type { GuardTask, GuardTaskObserver } from './task.js';

export class GuardGauges implements GuardTaskObserver {
  private readonly scoredC: Counter;
  private readonly unscoredC: Counter;
  private readonly replayedC: Counter;
  private readonly flaggedC: Counter;
  private readonly publishedC: Counter;
  private readonly clientsFlaggedC: Counter;
  private readonly rulesC: Counter;
  private readonly evictionsC: Counter;
  private readonly lateC: Counter;
  private readonly summariesC: Counter;
  private readonly rate: Gauge;
  private scoredTotal = 0;
  private lastTotal = 0;
  private lastAt: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    registry: Registry,
    tasks: () => Iterable<GuardTask>,
    private readonly clock: () => number = Date.now,
  ) {
    const registers = [registry];
    this.scoredC = new Counter({
      name: 'vigil_guard_events_scored_total',
      help: 'Events scored (not counting replayed ones)',
      registers,
    });
    this.unscoredC = new Counter({
      name: 'vigil_guard_events_unscored_total',
      help: 'Events of models without a reference profile (not scored)',
      registers,
    });
    this.replayedC = new Counter({
      name: 'vigil_guard_events_replayed_total',
      help: 'Events re-scored after a restart to rebuild client state (nothing published)',
      registers,
    });
    this.flaggedC = new Counter({
      name: 'vigil_guard_events_flagged_total',
      help: 'Events whose combined score reached the calibrated event threshold',
      registers,
    });
    this.publishedC = new Counter({
      name: 'vigil_guard_events_published_total',
      help: 'Events published as Score + QuarantineRecord (flagged, or their client is suspicious)',
      registers,
    });
    this.clientsFlaggedC = new Counter({
      name: 'vigil_guard_clients_flagged_total',
      help: 'Times a (client, model) became suspicious',
      registers,
    });
    this.rulesC = new Counter({
      name: 'vigil_guard_client_rules_total',
      help: 'Client rules behind new suspicions (stateful, extraction, prada, flaggedEvents, repeats)',
      labelNames: ['rule'],
      registers,
    });
    this.evictionsC = new Counter({
      name: 'vigil_guard_client_evictions_total',
      help: 'Client states dropped: lru (the cap was reached) or idle (expired)',
      labelNames: ['reason'],
      registers,
    });
    this.lateC = new Counter({
      name: 'vigil_guard_summary_late_events_total',
      help: 'Events scored after their summary window had closed (not in any summary)',
      registers,
    });
    this.summariesC = new Counter({
      name: 'vigil_guard_window_summaries_total',
      help: 'Window summary records published (MODEL_WINDOW + CLIENT_WINDOW)',
      registers,
    });
    new Gauge({
      name: 'vigil_guard_tracked_clients',
      help: 'Client states held, over the partitions this instance owns (each capped by VIGIL_GUARD_MAX_CLIENTS)',
      registers,
      collect() {
        let n = 0;
        for (const t of tasks()) n += t.trackedClients;
        this.set(n);
      },
    });
    new Gauge({
      name: 'vigil_guard_open_summary_windows',
      help: 'Summary windows open, over the partitions this instance owns',
      registers,
      collect() {
        let n = 0;
        for (const t of tasks()) n += t.openWindows;
        this.set(n);
      },
    });
    this.rate = new Gauge({
      name: 'vigil_guard_events_per_second',
      help: 'Events scored per second over the last rate interval (replayed ones included)',
      registers,
    });
    this.lastAt = clock();
  }

  /** Updates the events/s gauge every `everyMs`. */
  startRate(everyMs = 5000): void {
    this.timer = setInterval(() => this.tickRate(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  tickRate(): void {
    const now = this.clock();
    const secs = (now - this.lastAt) / 1000;
    if (secs > 0) this.rate.set((this.scoredTotal - this.lastTotal) / secs);
    this.lastAt = now;
    this.lastTotal = this.scoredTotal;
  }

  scored(d: GuardScoreDetail, replay: boolean): void {
    this.scoredTotal++;
    if (replay) {
      this.replayedC.inc();
      return;
    }
    if (!d.scored) {
      this.unscoredC.inc();
      return;
    }
    this.scoredC.inc();
    if (d.flagged) this.flaggedC.inc();
    if (d.flagged || d.clientFlagged) this.publishedC.inc();
  }

  clientFlagged(d: GuardScoreDetail): void {
    this.clientsFlaggedC.inc();
    for (const rule of d.clientState.rules) this.rulesC.inc({ rule });
  }

  late(): void {
    this.lateC.inc();
  }

  summaries(n: number): void {
    this.summariesC.inc(n);
  }

  evicted(lru: number, idle: number): void {
    if (lru > 0) this.evictionsC.inc({ reason: 'lru' }, lru);
    if (idle > 0) this.evictionsC.inc({ reason: 'idle' }, idle);
  }
}
