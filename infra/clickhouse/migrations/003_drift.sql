-- Drift: reference profiles (written by `vigil baseline`) and drift reports (written by the sink
-- from vigil.drift.v1). Portable to ClickHouse 18.16: no DateTime64, no Map (parallel arrays).

-- One row per (model, version, profile). ReplacingMergeTree on updated_at_ms: activating a profile
-- re-inserts the affected rows with a newer version (see services/drift/profile-store.ts), so FINAL
-- shows one active profile per model version. profile_json is the whole profile file.
CREATE TABLE IF NOT EXISTS {db}.reference_profiles
(
    model_id String,
    model_version String,
    profile_id String,
    created_at DateTime,
    active UInt8,
    updated_at_ms UInt64,
    rows UInt64,
    source String,
    profile_json String
)
ENGINE = ReplacingMergeTree(updated_at_ms)
ORDER BY (model_id, model_version, profile_id);

CREATE VIEW IF NOT EXISTS {db}.reference_profiles_final AS
SELECT * FROM {db}.reference_profiles FINAL;

-- One row per (model, version, window): the drift service's DriftReport. Per-feature figures are
-- parallel arrays in the report's feature order (input features, then prediction.label and
-- prediction.confidence); figures that do not apply to a feature are NULL. ReplacingMergeTree on
-- (model, version, window start): a redelivered report collapses into one row.
CREATE TABLE IF NOT EXISTS {db}.drift_reports
(
    model_id String,
    model_version String,
    window_start_ms Int64,
    window_end_ms Int64,
    window_start DateTime,
    window_end DateTime,
    window_date Date,
    window_kind String,
    count UInt64,
    profile_id String,
    feature_names Array(String),
    feature_kinds Array(String),
    methods Array(String),
    scores Array(Float64),
    thresholds Array(Float64),
    drifted Array(UInt8),
    ks_p_values Array(Nullable(Float64)),
    psi Array(Nullable(Float64)),
    wasserstein Array(Nullable(Float64)),
    jensen_shannon Array(Nullable(Float64)),
    reference_sizes Array(UInt64),
    current_sizes Array(UInt64),
    missing_features Array(String),
    drifted_count UInt32,
    drifted_share Float64,
    drift_share_threshold Float64,
    dataset_drifted UInt8,
    top_features Array(String),
    top_scores Array(Float64),
    inserted_at DateTime
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(window_date)
ORDER BY (model_id, model_version, window_start_ms);

CREATE VIEW IF NOT EXISTS {db}.drift_reports_final AS
SELECT * FROM {db}.drift_reports FINAL;
