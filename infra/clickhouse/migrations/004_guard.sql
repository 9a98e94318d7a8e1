-- Guard: scores and window summaries (vigil.scores.v1) and quarantined inputs
-- (vigil.quarantine.v1), written by the sink. Portable to ClickHouse 18.16: no DateTime64 (epoch ms
-- in Int64 plus a DateTime), no Map (parallel arrays). ReplacingMergeTree on sort keys that end in
-- the record's deterministic id, so a redelivered batch collapses into the same rows; query the
-- `_final` views.

-- One row per vigil.v1.Score record. kind: EVENT (one flagged event, or one of a suspicious
-- client), CLIENT_WINDOW (one client's flag rate over a window), MODEL_WINDOW (one model
-- version's flag rate over a window). event_id is the event's id, or the summary's deterministic
-- id; timestamp_ms is the event time, or the window start. Scorer scores are NULL for window kinds;
-- window figures are NULL for EVENT.
CREATE TABLE IF NOT EXISTS {db}.guard_scores
(
    kind String,
    event_id String,
    client_id String,
    model_id String,
    model_version String,
    timestamp_ms Int64,
    event_time DateTime,
    event_date Date,
    score Float64,
    flagged UInt8,
    client_flagged UInt8,
    reasons Array(String),
    rules Array(String),
    score_confidence Nullable(Float64),
    score_margin Nullable(Float64),
    score_ood Nullable(Float64),
    score_stateful Nullable(Float64),
    score_extraction Nullable(Float64),
    window_start_ms Nullable(Int64),
    window_end_ms Nullable(Int64),
    events Nullable(UInt64),
    flagged_events Nullable(UInt64),
    flag_rate Nullable(Float64),
    flagged_clients Nullable(UInt64),
    suspicious_clients Nullable(UInt64),
    untracked_events Nullable(UInt64),
    inserted_at DateTime
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(event_date)
ORDER BY (model_id, kind, timestamp_ms, event_id);

CREATE VIEW IF NOT EXISTS {db}.guard_scores_final AS
SELECT * FROM {db}.guard_scores FINAL;

-- The window summaries alone (flag rate per model version and per client).
CREATE VIEW IF NOT EXISTS {db}.guard_window_summaries AS
SELECT * FROM {db}.guard_scores FINAL WHERE kind != 'EVENT';

-- One row per vigil.v1.QuarantineRecord: the whole inference event as received (features,
-- prediction, metadata) and the guard's verdict (scores, reasons, the client's suspicion), for
-- human review. Sorted by client: review goes client by client.
CREATE TABLE IF NOT EXISTS {db}.quarantine
(
    event_id String,
    timestamp_ms Int64,
    event_time DateTime,
    event_date Date,
    model_id String,
    model_version String,
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
    score Float64,
    flagged UInt8,
    client_flagged UInt8,
    reasons Array(String),
    rules Array(String),
    score_confidence Float64,
    score_margin Float64,
    score_ood Float64,
    score_stateful Float64,
    score_extraction Float64,
    mean_knn Nullable(Float64),
    client_queries UInt64,
    suspicious_since_ms Nullable(Int64),
    suspicious_since_event_id Nullable(String),
    source_partition Int32,
    source_offset Int64,
    detected_at_ms Int64,
    detected_at DateTime,
    inserted_at DateTime
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(event_date)
ORDER BY (model_id, client_id, timestamp_ms, event_id);

CREATE VIEW IF NOT EXISTS {db}.quarantine_final AS
SELECT * FROM {db}.quarantine FINAL;
