#!/usr/bin/env bash
# Runs Vigil's whole test suite on this machine, installing what it lacks first:
# Debian packages (ClickHouse, Prometheus), Kafka jars and the schema registry (Maven Central),
# npm packages. The integration tests start the native stack if it is not running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/native/stack.sh install
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
npm test
