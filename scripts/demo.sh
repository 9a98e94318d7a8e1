#!/usr/bin/env bash
# Vigil's demo: starts the native stack and the services, publishes simulated model traffic and
# shows what Vigil made of it. `bash scripts/demo.sh stop` stops the services and the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=.vigil/demo
mkdir -p "$DEMO"
SERVICES="${VIGIL_DEMO_SERVICES:-metrics drift sink}"
EVENTS="${VIGIL_DEMO_EVENTS:-20000}"
# Short idle timeout so the demo's last windows close soon after the traffic stops.
export VIGIL_METRICS_IDLE_TIMEOUT_MS="${VIGIL_METRICS_IDLE_TIMEOUT_MS:-5000}"
export VIGIL_DRIFT_IDLE_TIMEOUT_MS="${VIGIL_DRIFT_IDLE_TIMEOUT_MS:-5000}"
# 30-second drift windows: the demo's 100 s of traffic gives a few of them.
export VIGIL_DRIFT_WINDOW_MS="${VIGIL_DRIFT_WINDOW_MS:-30000}"
export VIGIL_DRIFT_PROFILE_POLL_MS="${VIGIL_DRIFT_PROFILE_POLL_MS:-5000}"

stop_services() {
  for s in $SERVICES; do
    if [[ -f "$DEMO/$s.pid" ]] && kill -0 "$(cat "$DEMO/$s.pid")" 2>/dev/null; then
      echo "stopping $s"; kill "$(cat "$DEMO/$s.pid")" || true
    fi
    rm -f "$DEMO/$s.pid"
  done
}

if [[ "${1:-}" == stop ]]; then stop_services; bash infra/native/stack.sh down; exit 0; fi

[[ -d node_modules ]] || npm ci --no-audit --no-fund
bash infra/native/stack.sh up
vigil() { node bin/vigil.js "$@"; }
vigil migrate
vigil schemas register
echo "building reference profiles from a stable period (simulated, seed 7)…"
npx tsx scripts/simulate.ts --events 5000 --models 1 --seed 7 --start 2026-01-01T00:00:00Z --out "$DEMO/reference.jsonl"
for m in model-0 model-1; do vigil baseline build --input "$DEMO/reference.jsonl" --model "$m" --version v1 >/dev/null; done
vigil baseline list | head -5
for s in $SERVICES; do
  if [[ -f "$DEMO/$s.pid" ]] && kill -0 "$(cat "$DEMO/$s.pid")" 2>/dev/null; then echo "$s already running"; continue; fi
  nohup node bin/vigil.js run "$s" >"$DEMO/$s.log" 2>&1 &
  echo $! >"$DEMO/$s.pid"
  echo "started $s (pid $!, log $DEMO/$s.log)"
done
RUN_ID="demo-$(date +%s)"
# Feature f3 shifts by one reference standard deviation half-way through: the drift service flags it.
npx tsx scripts/simulate.ts --events "$EVENTS" --seed "$(date +%s)" --start "$(date -u -d '-10 min' +%Y-%m-%dT%H:%M:%SZ)" \
  --shift-feature f3 --shift-at 0.5 --shift-sd 1 --out "$DEMO/events.jsonl"
vigil replay --file "$DEMO/events.jsonl"
echo "three events as they sit on the topic, decoded through the registry:"
vigil tail --from-beginning --max 3 --timeout 20 | cut -c1-200
CH="http://127.0.0.1:${VIGIL_CLICKHOUSE_PORT:-8123}/"
echo "waiting for the sink to write the events to ClickHouse…"
for _ in $(seq 1 120); do
  got="$(curl -fsS "$CH" --data-binary "SELECT count() FROM vigil.inference_events WHERE inserted_at >= now() - 600" 2>/dev/null || echo 0)"
  [[ "$got" -ge "$EVENTS" ]] && break
  for s in $SERVICES; do
    kill -0 "$(cat "$DEMO/$s.pid")" 2>/dev/null || { echo "service $s died; its log:"; tail -20 "$DEMO/$s.log"; exit 1; }
  done
  sleep 1
done
echo "per model, last 15 minutes of event time (from ClickHouse):"
curl -fsS "$CH" --data-binary "
  SELECT model_id, model_version, count() AS events, round(countIf(status = 'ERROR') / count(), 4) AS error_rate,
         round(quantile(0.95)(latency_ms), 2) AS p95_latency_ms, round(avg(confidence), 3) AS mean_confidence
  FROM vigil.inference_events_final WHERE event_time >= now() - 900
  GROUP BY model_id, model_version ORDER BY model_id FORMAT PrettyCompact"
echo "window metrics from the metrics service (waiting for the last windows to close)…"
for _ in $(seq 1 90); do
  w="$(curl -fsS "$CH" --data-binary "SELECT count() FROM vigil.window_metrics_final WHERE window_end >= now() - 120" 2>/dev/null || echo 0)"
  [[ "$w" -ge 2 ]] && break
  sleep 1
done
curl -fsS "$CH" --data-binary "
  SELECT model_id, model_version, window_start, count, round(qps, 1) AS qps, round(error_rate, 4) AS error_rate,
         round(latency_p95, 2) AS p95_ms, round(confidence_mean, 3) AS confidence, low_confidence_count AS low_conf
  FROM vigil.window_metrics_final WHERE window_end >= now() - 900
  ORDER BY window_start DESC, model_id LIMIT 8 FORMAT PrettyCompact"
echo "drift reports (feature f3 shifts half-way through the traffic):"
for _ in $(seq 1 60); do
  d="$(curl -fsS "$CH" --data-binary "SELECT count() FROM vigil.drift_reports_final WHERE window_end >= now() - 900" 2>/dev/null || echo 0)"
  [[ "$d" -ge 4 ]] && break
  sleep 1
done
curl -fsS "$CH" --data-binary "
  SELECT model_id, window_start, count, drifted_count, round(drifted_share, 2) AS drifted_share,
         arrayStringConcat(arrayMap((f, s) -> concat(f, '=', toString(round(s, 3))), arraySlice(top_features, 1, 3), arraySlice(top_scores, 1, 3)), ' ') AS top_drifted
  FROM vigil.drift_reports_final WHERE window_end >= now() - 900
  ORDER BY model_id, window_start LIMIT 12 FORMAT PrettyCompact"
echo
echo "services: $SERVICES (logs in $DEMO/); Prometheus http://127.0.0.1:${VIGIL_PROMETHEUS_PORT:-9090}; stop everything with: bash scripts/demo.sh stop"
