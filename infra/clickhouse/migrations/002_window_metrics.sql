-- One row per (model, version, event-time window): the metrics service's final WindowMetrics.
-- ReplacingMergeTree on (model, version, window): a redelivered record collapses into one row.
-- Times: epoch ms as Int64 plus DateTime columns for Grafana and time functions (no DateTime64 on
-- 18.16). Label counts and the latency sketch are parallel arrays (no Map, no nested records).
CREATE TABLE IF NOT EXISTS {db}.window_metrics
(
    model_id String,
    model_version String,
    window_start_ms Int64,
    window_end_ms Int64,
    window_start DateTime,
    window_end DateTime,
    window_date Date,
    count UInt64,
    qps Float64,
    error_count UInt64,
    error_rate Float64,
    latency_mean Nullable(Float64),
    latency_p50 Nullable(Float64),
    latency_p95 Nullable(Float64),
    latency_p99 Nullable(Float64),
    latency_min Nullable(Float64),
    latency_max Nullable(Float64),
    confidence_mean Nullable(Float64),
    confidence_histogram Array(UInt64),
    low_confidence_count UInt64,
    low_confidence_threshold Float64,
    label_names Array(String),
    label_counts Array(UInt64),
    sketch_relative_accuracy Float64,
    sketch_indexes Array(Int32),
    sketch_counts Array(UInt64),
    sketch_zero_count UInt64,
    inserted_at DateTime
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(window_date)
ORDER BY (model_id, model_version, window_start_ms);

CREATE VIEW IF NOT EXISTS {db}.window_metrics_final AS
SELECT * FROM {db}.window_metrics FINAL;
