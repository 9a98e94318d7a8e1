/**
 * What the sink writes where: one route per input topic, naming the table and the pure function
 * that turns a decoded record into rows. New result topics (window metrics, drift, scores, alerts)
 * join by adding a route here.
 */
import type { Topics } from '../common/config.js';
import { validateEvent } from '../common/validate.js';
import {
  driftReportToRow,
  eventToRow,
  guardScoreToRow,
  quarantineToRow,
  sampled,
  windowMetricsToRow,
  type DriftReportRecord,
  type GuardScoreRecord,
  type QuarantineRecordRow,
  type SourcePosition,
  type WindowMetricsRecord,
} from './rows.js';

export interface Route {
  topic: string;
  table: string;
  /** Rows for one decoded record; [] to skip it (e.g. not sampled). Throws ValidationError for
   * a record that decodes but is not acceptable: it goes to the DLQ as `invalid`. */
  toRows(value: unknown, pos: SourcePosition, nowMs: number): Array<Record<string, unknown>>;
}

export interface RouteOptions {
  /** Share of raw inference events written to `inference_events`, 0..1. */
  rawSampleRate: number;
}

export function defaultRoutes(topics: Topics, o: RouteOptions): Route[] {
  return [
    {
      topic: topics.inference,
      table: 'inference_events',
      toRows(value, pos, now) {
        const e = validateEvent(value);
        return sampled(e.eventId, o.rawSampleRate) ? [eventToRow(e, pos, now)] : [];
      },
    },
    {
      topic: topics.windowMetrics,
      table: 'window_metrics',
      toRows: (value, _pos, now) => [windowMetricsToRow(value as WindowMetricsRecord, now)],
    },
    {
      topic: topics.drift,
      table: 'drift_reports',
      toRows: (value, _pos, now) => [driftReportToRow(value as DriftReportRecord, now)],
    },
    {
      topic: topics.scores,
      table: 'guard_scores',
      toRows: (value, _pos, now) => [guardScoreToRow(value as GuardScoreRecord, now)],
    },
    {
      topic: topics.quarantine,
      table: 'quarantine',
      toRows: (value, _pos, now) => [quarantineToRow(value as QuarantineRecordRow, now)],
    },
  ];
}
