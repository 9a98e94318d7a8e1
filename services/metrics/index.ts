/** Pure logic of the metrics service: mergeable window health metrics and their Avro schema. */
export * from './confidence-histogram.js';
export * from './exact-sum.js';
export * from './label-counts.js';
export * from './metrics-aggregate.js';
export * from './metrics-key.js';
export * from './metrics-windows.js';
export * from './quantile-sketch.js';
export * from './window-metrics.js';
export * from './window-metrics-schema.js';
