/**
 * Prometheus figures of the drift service: per model version the last window's drifted share and
 * dataset verdict (capped like the metrics gauges, so a flood of model ids cannot blow up the
 * scrape), plus counters of windows, skipped events and profile reloads.
 */
import { Counter, Gauge, type Registry } from '../common/telemetry.js';
import type { DriftReport } from './report.js';
import type { SkipReason } from './task.js';

export class DriftGauges {
  private readonly series = new Set<string>();
  private readonly share: Gauge;
  private readonly datasetDrifted: Gauge;
  private readonly emitted: Counter;
  private readonly driftedWindows: Counter;
  private readonly dropped: Counter;
  readonly skipped: Counter;
  readonly profiles: Gauge;
  readonly reloads: Counter;
  readonly reloadFailures: Counter;

  constructor(
    registry: Registry,
    private readonly maxSeries: number,
  ) {
    const labelNames = ['model_id', 'model_version'];
    const registers = [registry];
    this.share = new Gauge({
      name: 'vigil_drift_drifted_share',
      help: 'Share of drifted input features in the last window',
      labelNames,
      registers,
    });
    this.datasetDrifted = new Gauge({
      name: 'vigil_drift_dataset_drifted',
      help: '1 when the last window was flagged as dataset drift',
      labelNames,
      registers,
    });
    this.emitted = new Counter({
      name: 'vigil_drift_windows_emitted_total',
      help: 'Drift reports emitted',
      registers,
    });
    this.driftedWindows = new Counter({
      name: 'vigil_drift_dataset_drift_windows_total',
      help: 'Windows flagged as dataset drift',
      registers,
    });
    this.dropped = new Counter({
      name: 'vigil_drift_gauge_series_dropped_total',
      help: 'Reports not exported as gauges because of the series cap',
      registers,
    });
    this.skipped = new Counter({
      name: 'vigil_drift_events_skipped_total',
      help: 'Events not tested: no active profile for their model version, or the model cap',
      labelNames: ['reason'],
      registers,
    });
    this.profiles = new Gauge({
      name: 'vigil_drift_profiles_active',
      help: 'Active reference profiles loaded',
      registers,
    });
    this.reloads = new Counter({
      name: 'vigil_drift_profile_changes_total',
      help: 'Profiles loaded or replaced while running',
      registers,
    });
    this.reloadFailures = new Counter({
      name: 'vigil_drift_profile_poll_failures_total',
      help: 'Failed polls for active profiles (retried at the next poll)',
      registers,
    });
  }

  skip(reason: SkipReason): void {
    this.skipped.inc({ reason });
  }

  observe(r: DriftReport): void {
    this.emitted.inc();
    if (r.datasetDrifted) this.driftedWindows.inc();
    const id = `${r.modelId}\u0000${r.modelVersion}`;
    if (!this.series.has(id)) {
      if (this.series.size >= this.maxSeries) {
        this.dropped.inc();
        return;
      }
      this.series.add(id);
    }
    const labels = { model_id: r.modelId, model_version: r.modelVersion };
    this.share.set(labels, r.driftedShare);
    this.datasetDrifted.set(labels, r.datasetDrifted ? 1 : 0);
  }
}
