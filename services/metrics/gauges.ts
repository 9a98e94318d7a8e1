/**
 * Prometheus gauges of the last closed window per model version, with a cap on label
 * cardinality: past `maxSeries` model versions, new ones are not exported (and counted), so a
 * flood of model ids cannot blow up the scrape.
 */
import { Counter, Gauge, type Registry } from '../common/telemetry.js';
import type { WindowMetrics } from './window-metrics.js';

export class WindowGauges {
  private readonly series = new Set<string>();
  private readonly qps: Gauge;
  private readonly p95: Gauge;
  private readonly errorRate: Gauge;
  private readonly confidence: Gauge;
  private readonly dropped: Counter;
  private readonly emitted: Counter;
  private readonly emitDelay: Gauge;

  constructor(
    registry: Registry,
    private readonly maxSeries: number,
    private readonly clock: () => number = Date.now,
  ) {
    const labelNames = ['model_id', 'model_version'];
    const registers = [registry];
    this.qps = new Gauge({
      name: 'vigil_window_qps',
      help: 'QPS of the last closed window',
      labelNames,
      registers,
    });
    this.p95 = new Gauge({
      name: 'vigil_window_latency_p95_ms',
      help: 'p95 latency (ms) of the last closed window',
      labelNames,
      registers,
    });
    this.errorRate = new Gauge({
      name: 'vigil_window_error_rate',
      help: 'Error rate of the last closed window',
      labelNames,
      registers,
    });
    this.confidence = new Gauge({
      name: 'vigil_window_confidence_mean',
      help: 'Mean confidence of the last closed window',
      labelNames,
      registers,
    });
    this.dropped = new Counter({
      name: 'vigil_window_gauge_series_dropped_total',
      help: 'Windows not exported as gauges because of the series cap',
      registers,
    });
    this.emitted = new Counter({
      name: 'vigil_windows_emitted_total',
      help: 'Final windows emitted',
      registers,
    });
    this.emitDelay = new Gauge({
      name: 'vigil_window_flush_delay_seconds',
      help: 'Wall-clock time between a window end and its emission (last window)',
      registers,
    });
  }

  observe(m: WindowMetrics): void {
    this.emitted.inc();
    this.emitDelay.set(Math.max(0, (this.clock() - m.windowEnd) / 1000));
    const id = `${m.modelId}\u0000${m.modelVersion}`;
    if (!this.series.has(id)) {
      if (this.series.size >= this.maxSeries) {
        this.dropped.inc();
        return;
      }
      this.series.add(id);
    }
    const labels = { model_id: m.modelId, model_version: m.modelVersion };
    this.qps.set(labels, m.qps);
    this.errorRate.set(labels, m.errorRate);
    if (m.latencyP95 !== null) this.p95.set(labels, m.latencyP95);
    if (m.confidenceMean !== null) this.confidence.set(labels, m.confidenceMean);
  }
}
