/**
 * `vigil.v1.DriftReport`: one model version's drift verdict over one window, and its Avro schema
 * (kept verbatim in schemas/DriftReport.avsc; a unit test checks that the two agree). Nullable
 * figures are unions with null first and a null default, so later additions stay backward
 * compatible.
 */
import type { FeatureDrift } from './compare.js';

export interface DriftReport {
  modelId: string;
  modelVersion: string;
  /** Time windows: [start, end) of the event-time window. Count windows: first and last event time (+1 ms). */
  windowStart: number;
  windowEnd: number;
  windowKind: 'TIME' | 'COUNT';
  /** Events in the window. */
  count: number;
  /** The reference profile's id (its profileVersion). */
  profileId: string;
  /** Input features (numeric, then categorical, by name), then `prediction.label` and `prediction.confidence`. */
  features: FeatureDrift[];
  /** Profile features without any value in this window (not tested). */
  missingFeatures: string[];
  driftedCount: number;
  driftedShare: number;
  driftShareThreshold: number;
  datasetDrifted: boolean;
  topDrifted: Array<{ feature: string; score: number }>;
}

const timestampMillis = { type: 'long', logicalType: 'timestamp-millis' } as const;
const nullableDouble = (name: string, doc: string) =>
  ({ name, type: ['null', 'double'], default: null, doc }) as const;

export const DRIFT_REPORT_SCHEMA = {
  type: 'record',
  name: 'DriftReport',
  namespace: 'vigil.v1',
  doc: 'Drift of one model version over one window, against its active reference profile.',
  fields: [
    { name: 'modelId', type: 'string' },
    { name: 'modelVersion', type: 'string' },
    {
      name: 'windowStart',
      type: timestampMillis,
      doc: 'Inclusive window start, epoch ms (count windows: first event time).',
    },
    {
      name: 'windowEnd',
      type: timestampMillis,
      doc: 'Exclusive window end, epoch ms (count windows: last event time + 1).',
    },
    {
      name: 'windowKind',
      type: { type: 'enum', name: 'DriftWindowKind', symbols: ['TIME', 'COUNT'] },
      doc: 'Event-time window or count window.',
    },
    { name: 'count', type: 'long', doc: 'Events in the window.' },
    {
      name: 'profileId',
      type: 'string',
      doc: 'Reference profile compared against (its profileVersion).',
    },
    {
      name: 'features',
      doc: 'Input features (numeric then categorical, by name), then prediction.label and prediction.confidence.',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'FeatureDrift',
          fields: [
            { name: 'feature', type: 'string' },
            { name: 'kind', type: 'string', doc: 'numeric or categorical.' },
            {
              name: 'method',
              type: 'string',
              doc: 'ks, chiSquare, z, wasserstein, jensenShannon or psi (Evidently default choice).',
            },
            { name: 'score', type: 'double', doc: 'p-value (ks, chiSquare, z) or distance.' },
            { name: 'threshold', type: 'double' },
            { name: 'drifted', type: 'boolean' },
            nullableDouble('ksPValue', 'Two-sample KS p-value, when the method is ks.'),
            nullableDouble(
              'psi',
              'PSI on the reference deciles over every value of the window (numeric).',
            ),
            nullableDouble(
              'wasserstein',
              'Normalized Wasserstein W1 / max(std(reference), 0.001) (numeric).',
            ),
            nullableDouble(
              'jensenShannon',
              'Jensen-Shannon distance, when computed (method jensenShannon, categorical).',
            ),
            {
              name: 'referenceSize',
              type: 'long',
              doc: 'Reference values compared (the profile sample).',
            },
            {
              name: 'currentSize',
              type: 'long',
              doc: 'Window values compared (the window sample).',
            },
          ],
        },
      },
    },
    {
      name: 'missingFeatures',
      type: { type: 'array', items: 'string' },
      doc: 'Profile features with no value in the window.',
    },
    { name: 'driftedCount', type: 'int', doc: 'Drifted input features.' },
    {
      name: 'driftedShare',
      type: 'double',
      doc: 'Drifted input features / tested input features (prediction columns excluded).',
    },
    { name: 'driftShareThreshold', type: 'double' },
    { name: 'datasetDrifted', type: 'boolean', doc: 'driftedShare >= driftShareThreshold.' },
    {
      name: 'topDrifted',
      doc: 'Drifted columns, most severe first (at most 5).',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'DriftedFeature',
          fields: [
            { name: 'feature', type: 'string' },
            { name: 'score', type: 'double' },
          ],
        },
      },
    },
  ],
} as const;
