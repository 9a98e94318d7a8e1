-- Raw inference events, one row per event (the sink samples them; default: all).
-- Portable to ClickHouse 18.16: no DateTime64 (epoch ms in Int64 plus a DateTime), no Map
-- (parallel arrays), LowCardinality/TTL only on servers that have them (see the @if blocks).
-- ReplacingMergeTree on the full sort key, which ends in event_id, makes a redelivered batch
-- collapse into the same rows: the sink's inserts are idempotent.
CREATE TABLE IF NOT EXISTS {db}.inference_events
(
    event_id String,
    timestamp_ms Int64,
    event_time DateTime DEFAULT toDateTime(intDiv(timestamp_ms, 1000)),
    event_date Date DEFAULT toDate(event_time),
-- @if server >= 20.1
    model_id LowCardinality(String),
    model_version LowCardinality(String),
-- @else
    model_id String,
    model_version String,
-- @endif
    client_id String,
    feature_names Array(String),
    feature_values Array(Float64),
    categorical_names Array(String),
    categorical_values Array(String),
    embedding Array(Float32),
    prediction_label String,
    confidence Float64,
    probability_labels Array(String),
    probability_values Array(Float64),
    prediction_score Nullable(Float64),
    latency_ms Float64,
    status Enum8('OK' = 1, 'ERROR' = 2),
    error_code Nullable(String),
    metadata_keys Array(String),
    metadata_values Array(String),
    kafka_partition Int32 DEFAULT -1,
    kafka_offset Int64 DEFAULT -1,
    inserted_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(event_date)
ORDER BY (model_id, model_version, timestamp_ms, event_id)
-- @if server >= 20.1
TTL event_date + INTERVAL {rawRetentionDays} DAY
-- @endif
;

-- Analysts' view: FINAL hides rows that a redelivery wrote twice and that no merge has folded yet.
CREATE VIEW IF NOT EXISTS {db}.inference_events_final AS
SELECT * FROM {db}.inference_events FINAL;
