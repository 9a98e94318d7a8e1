/**
 * Avro schema of {@link WindowMetrics} (`vigil.v1.WindowMetrics`), to be copied verbatim to
 * schemas/WindowMetrics.avsc. Field names and order follow the TypeScript type; nullable figures
 * are unions with null first and a null default, so later additions stay backward compatible.
 */
import { CONFIDENCE_BINS } from './confidence-histogram.js';

const timestampMillis = { type: 'long', logicalType: 'timestamp-millis' } as const;
const nullableDouble = (name: string, doc: string) =>
  ({ name, type: ['null', 'double'], default: null, doc }) as const;

export const WINDOW_METRICS_SCHEMA = {
  type: 'record',
  name: 'WindowMetrics',
  namespace: 'vigil.v1',
  doc: 'Health metrics of one model version over one event-time window [windowStart, windowEnd).',
  fields: [
    { name: 'modelId', type: 'string' },
    { name: 'modelVersion', type: 'string' },
    { name: 'windowStart', type: timestampMillis, doc: 'Inclusive window start, epoch ms.' },
    { name: 'windowEnd', type: timestampMillis, doc: 'Exclusive window end, epoch ms.' },
    { name: 'count', type: 'long', doc: 'Events in the window, OK and ERROR.' },
    { name: 'qps', type: 'double', doc: 'count / window length in seconds.' },
    { name: 'errorCount', type: 'long', doc: 'Events with status ERROR.' },
    { name: 'errorRate', type: 'double', doc: 'errorCount / count.' },
    nullableDouble('latencyMean', 'Exact mean latency in ms; null if no valid latency.'),
    nullableDouble(
      'latencyP50',
      'Median latency in ms (lower order statistic, within sketch relative accuracy).',
    ),
    nullableDouble(
      'latencyP95',
      '95th percentile latency in ms (lower order statistic, within sketch relative accuracy).',
    ),
    nullableDouble(
      'latencyP99',
      '99th percentile latency in ms (lower order statistic, within sketch relative accuracy).',
    ),
    nullableDouble('latencyMin', 'Exact minimum latency in ms.'),
    nullableDouble('latencyMax', 'Exact maximum latency in ms.'),
    nullableDouble('confidenceMean', 'Mean confidence of OK events; null if none.'),
    {
      name: 'confidenceHistogram',
      type: { type: 'array', items: 'long' },
      doc: `${CONFIDENCE_BINS} bins over [0, 1] of OK-event confidence: bin i = [i/${CONFIDENCE_BINS}, (i+1)/${CONFIDENCE_BINS}), last bin closed at 1.`,
    },
    {
      name: 'lowConfidenceCount',
      type: 'long',
      doc: 'OK events with confidence < lowConfidenceThreshold.',
    },
    { name: 'lowConfidenceThreshold', type: 'double' },
    {
      name: 'labelCounts',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'LabelCount',
          fields: [
            { name: 'label', type: 'string' },
            { name: 'count', type: 'long' },
          ],
        },
      },
      doc: 'Top predicted labels of OK events by count (desc, then label), then __other__ with the rest.',
    },
    {
      name: 'sketch',
      doc: 'Latency quantile sketch (log buckets, DDSketch scheme), mergeable downstream.',
      type: {
        type: 'record',
        name: 'LatencySketch',
        fields: [
          {
            name: 'relativeAccuracy',
            type: 'double',
            doc: 'alpha; gamma = (1 + alpha) / (1 - alpha).',
          },
          { name: 'maxBins', type: 'int' },
          {
            name: 'indexes',
            type: { type: 'array', items: 'int' },
            doc: 'Ascending bin indexes; bin i covers (gamma^(i-1), gamma^i].',
          },
          {
            name: 'counts',
            type: { type: 'array', items: 'long' },
            doc: 'Count per bin, parallel to indexes.',
          },
          { name: 'zeroCount', type: 'long' },
          { name: 'count', type: 'long' },
          { name: 'min', type: ['null', 'double'], default: null },
          { name: 'max', type: ['null', 'double'], default: null },
          {
            name: 'sumPartials',
            type: { type: 'array', items: 'double' },
            doc: 'Exact sum of values as non-overlapping partials; the sum is their total.',
          },
        ],
      },
    },
  ],
};

/** The schema as .avsc text. */
export const WINDOW_METRICS_SCHEMA_JSON = JSON.stringify(WINDOW_METRICS_SCHEMA, null, 2);
