#!/usr/bin/env bash
# Vigil's native stack: Apache Kafka (KRaft), Apicurio Registry (Confluent API), ClickHouse and
# Prometheus, run as plain processes with no Docker engine.
#
#   bash infra/native/stack.sh up|down|status|install|logs
#
# `up` is idempotent: a component whose process is alive and answering is left alone. `down` stops
# only the processes that `up` started (their pids are recorded in the state folder). Everything
# is configurable by environment; see README.md "Native stack" for the table.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${VIGIL_STACK_DIR:-$ROOT/.vigil/stack}"
CACHE="${VIGIL_CACHE_DIR:-$HOME/.cache/vigil}"
HOST=127.0.0.1
KAFKA_PORT="${VIGIL_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${VIGIL_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${VIGIL_KAFKA_HEAP:--Xms256m -Xmx512m}"
REGISTRY_PORT="${VIGIL_REGISTRY_PORT:-8081}"
REGISTRY_HEAP="${VIGIL_REGISTRY_HEAP:--Xms64m -Xmx384m}"
CH_HTTP_PORT="${VIGIL_CLICKHOUSE_PORT:-8123}"
CH_TCP_PORT="${VIGIL_CLICKHOUSE_TCP_PORT:-9000}"
PROM_PORT="${VIGIL_PROMETHEUS_PORT:-9090}"
COMPONENTS="${VIGIL_STACK_COMPONENTS:-kafka registry clickhouse prometheus}"
READY_TIMEOUT="${VIGIL_STACK_READY_TIMEOUT:-180}"

mkdir -p "$STATE/logs" "$STATE/pids" "$CACHE"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

pidfile() { echo "$STATE/pids/$1.pid"; }
alive() { local f; f="$(pidfile "$1")"; [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
http_ok() { curl -fsS -m 3 -o /dev/null "$1" 2>/dev/null; }

# ---------------------------------------------------------------------------------- install
install_apt() {
  local need=()
  command -v clickhouse-server >/dev/null || need+=(clickhouse-server clickhouse-client)
  command -v prometheus >/dev/null || need+=(prometheus)
  command -v promtool >/dev/null || need+=(prometheus)
  command -v curl >/dev/null || need+=(curl)
  command -v java >/dev/null || need+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || need+=(maven)
  if ((${#need[@]})); then
    log "installing Debian packages: ${need[*]}"
    [[ $(id -u) == 0 ]] || die "need root (or sudo) to apt-get install ${need[*]}"
    apt-get update -q >"$STATE/logs/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >>"$STATE/logs/apt.log" 2>&1 \
      || die "apt-get install failed; see $STATE/logs/apt.log"
    # Debian's packages may start system-wide daemons on the default ports; ours run on their own.
    for svc in clickhouse-server prometheus; do
      (service "$svc" stop || true) >/dev/null 2>&1
    done
  fi
}

install_kafka() {
  local dir="$CACHE/kafka-libs" pom="$ROOT/infra/native/kafka/pom.xml"
  local stamp
  stamp="$(sha1sum "$pom" | cut -c1-12)"
  if [[ -f "$dir/.ok-$stamp" ]]; then return; fi
  log "resolving Apache Kafka jars from Maven Central into $dir"
  rm -rf "$dir"
  mvn -B -q -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir" \
    >"$STATE/logs/mvn-kafka.log" 2>&1 || die "Kafka jar resolution failed; see $STATE/logs/mvn-kafka.log"
  touch "$dir/.ok-$stamp"
}

install_registry() {
  bash "$ROOT/infra/native/registry/build.sh" "$CACHE" >"$STATE/logs/registry-build.log" 2>&1 \
    || die "schema registry build failed; see $STATE/logs/registry-build.log"
}

cmd_install() {
  install_apt
  for c in $COMPONENTS; do
    case "$c" in
      kafka) install_kafka ;;
      registry) install_registry ;;
    esac
  done
}

# ------------------------------------------------------------------------------------ kafka
kafka_ready() { port_open "$KAFKA_PORT"; }
kafka_start() {
  local dir="$STATE/kafka" cp="$CACHE/kafka-libs/*"
  mkdir -p "$dir/data"
  sed -e "s#@DATA@#$dir/data#" -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CPORT@#$KAFKA_CONTROLLER_PORT#g" \
    "$ROOT/infra/native/kafka/server.properties" >"$dir/server.properties"
  cp "$ROOT/infra/native/kafka/log4j2.xml" "$dir/log4j2.xml"
  local jopts=(-Dlog4j2.configurationFile="$dir/log4j2.xml" -Dkafka.logs.dir="$STATE/logs")
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local id
    id="$(java -cp "$cp" "${jopts[@]}" kafka.tools.StorageTool random-uuid 2>>"$STATE/logs/kafka-format.log" | tail -1)"
    java -cp "$cp" "${jopts[@]}" kafka.tools.StorageTool format --standalone -t "$id" \
      -c "$dir/server.properties" >>"$STATE/logs/kafka-format.log" 2>&1 \
      || die "kafka storage format failed; see $STATE/logs/kafka-format.log"
  fi
  # shellcheck disable=SC2086
  nohup java $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true "${jopts[@]}" \
    -cp "$cp" kafka.Kafka "$dir/server.properties" >"$STATE/logs/kafka.log" 2>&1 &
  echo $! >"$(pidfile kafka)"
}

# --------------------------------------------------------------------------------- registry
registry_url() { echo "http://$HOST:$REGISTRY_PORT/apis/ccompat/v7"; }
registry_ready() { http_ok "$(registry_url)/subjects"; }
registry_start() {
  local jar dir="$STATE/registry"
  jar="$(cat "$CACHE/registry/RUN")"
  mkdir -p "$dir"
  # Schemas live in an H2 file database in the state folder: an in-memory registry that restarts
  # hands out schema ids again, and records already in Kafka would then decode with the wrong schema.
  # shellcheck disable=SC2086
  nohup java $REGISTRY_HEAP -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.http.host="$HOST" -Dapicurio.ccompat.use-canonical-hash=true \
    -Dapicurio.datasource.url="jdbc:h2:file:$dir/registry" -jar "$jar" >"$STATE/logs/registry.log" 2>&1 &
  echo $! >"$(pidfile registry)"
}

# ------------------------------------------------------------------------------- clickhouse
clickhouse_ready() { [[ "$(curl -fsS -m 3 "http://$HOST:$CH_HTTP_PORT/ping" 2>/dev/null)" == "Ok." ]]; }
clickhouse_start() {
  local dir="$STATE/clickhouse"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
  sed -e "s#@DIR@#$dir#g" -e "s#@LOGS@#$STATE/logs#g" -e "s#@HTTP@#$CH_HTTP_PORT#g" -e "s#@TCP@#$CH_TCP_PORT#g" \
    "$ROOT/infra/native/clickhouse/config.xml" >"$dir/config.xml"
  cp "$ROOT/infra/native/clickhouse/users.xml" "$dir/users.xml"
  nohup clickhouse-server --config-file="$dir/config.xml" >"$STATE/logs/clickhouse.stdout.log" 2>&1 &
  echo $! >"$(pidfile clickhouse)"
}

# ------------------------------------------------------------------------------- prometheus
prometheus_ready() { http_ok "http://$HOST:$PROM_PORT/-/ready"; }
prometheus_start() {
  local dir="$STATE/prometheus"
  mkdir -p "$dir/data"
  cp "$ROOT/infra/prometheus/"*.yml "$dir/"
  nohup prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="$HOST:$PROM_PORT" --web.enable-lifecycle >"$STATE/logs/prometheus.log" 2>&1 &
  echo $! >"$(pidfile prometheus)"
}

component_log() {
  case "$1" in
    clickhouse) echo "$STATE/logs/clickhouse-server.err.log" ;;
    *) echo "$STATE/logs/$1.log" ;;
  esac
}

wait_ready() {
  local c="$1" deadline=$((SECONDS + READY_TIMEOUT))
  until "${c}_ready"; do
    if [[ "$c" != external ]] && ! alive "$c"; then
      die "$c exited during start-up; see $(component_log "$c")"
    fi
    ((SECONDS < deadline)) || die "$c not ready after ${READY_TIMEOUT}s; see $(component_log "$c")"
    sleep 1
  done
}

cmd_up() {
  cmd_install
  for c in $COMPONENTS; do
    if "${c}_ready"; then
      if alive "$c"; then log "$c already running (pid $(cat "$(pidfile "$c")"))"; else log "$c already answering (not started by this stack; left alone)"; fi
      continue
    fi
    if alive "$c"; then
      log "$c process alive but not answering yet; waiting"
    else
      log "starting $c"
      "${c}_start"
    fi
  done
  for c in $COMPONENTS; do wait_ready "$c"; done
  cmd_status
}

cmd_down() {
  for c in $COMPONENTS; do
    local f
    f="$(pidfile "$c")"
    if alive "$c"; then
      local pid
      pid="$(cat "$f")"
      log "stopping $c (pid $pid)"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      if kill -0 "$pid" 2>/dev/null; then log "$c did not stop in 30s; killing"; kill -9 "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$f"
  done
}

cmd_status() {
  local bad=0
  printf '%-11s %-8s %-8s %s\n' COMPONENT PID STATE ADDRESS
  for c in $COMPONENTS; do
    local pid="-" state addr
    alive "$c" && pid="$(cat "$(pidfile "$c")")"
    case "$c" in
      kafka) addr="$HOST:$KAFKA_PORT" ;;
      registry) addr="$(registry_url)" ;;
      clickhouse) addr="http://$HOST:$CH_HTTP_PORT" ;;
      prometheus) addr="http://$HOST:$PROM_PORT" ;;
    esac
    if "${c}_ready"; then state=healthy; else state=down; bad=1; fi
    printf '%-11s %-8s %-8s %s\n' "$c" "$pid" "$state" "$addr"
  done
  return $bad
}

cmd_logs() { ls -1 "$STATE/logs"; }

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  install) cmd_install ;;
  logs) cmd_logs ;;
  *) echo "usage: $0 up|down|status|install|logs" >&2; exit 2 ;;
esac
