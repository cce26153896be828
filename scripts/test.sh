#!/usr/bin/env bash
# The one test command (`npm test`): sets everything up from nothing — npm deps, Kafka jars (Maven), the Mongey
# provider (Go), terraform/tofu, Debian's chromium (apt, for the HTML report's browser test) and postgresql (apt,
# for the pg state backend test), the two local clusters — runs unit, browser and integration tests, and stops the
# clusters it started. Caches live under ~/.cache/kafka-tenancy, so a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
mkdir -p reports

phase_start "npm dependencies"; ensure_npm_deps; phase_end
phase_start "build (tsc)"; npm run -s build; npx tsc -p tsconfig.test.json; phase_end
phase_start "lint"; npx eslint --max-warnings=0 . ; npx prettier --check . ; phase_end
phase_start "toolchain (jars, provider, cli)"; cli local install; phase_end
phase_start "toolchain (actionlint)"; bash scripts/actionlint.sh >/dev/null; phase_end
phase_start "toolchain (chromium)"; CHROMIUM="$(bash scripts/ensure-chromium.sh)"; export CHROMIUM; phase_end
# the pg state backend test needs a PostgreSQL server; no server, no green run (the test fails loudly too)
phase_start "toolchain (postgresql)"; KAFKA_TENANCY_PG_BIN="$(bash scripts/ensure-postgres.sh)"; export KAFKA_TENANCY_PG_BIN; phase_end

STARTED_CLUSTERS=0
cleanup() {
  rc=$?
  if [ "$rc" -ne 0 ]; then print_broker_logs; fi
  if [ "$STARTED_CLUSTERS" = 1 ]; then cli local down || true; fi
  print_phases
  if [ "$rc" -ne 0 ]; then
    echo "--- failed tests ---"
    node scripts/summarize-jest.js --failures reports/jest-unit.json reports/jest-browser.json \
      reports/jest-integration.json || true
  fi
  exit "$rc"
}
trap cleanup EXIT

# Stop the clusters afterwards unless every one of them was already running (a developer's own session).
if cli local status --json | grep -q '"ready": false'; then STARTED_CLUSTERS=1; fi
phase_start "local clusters up"; cli local up >/dev/null; phase_end

status=0
phase_start "unit tests"
npx jest --selectProjects unit --json --outputFile=reports/jest-unit.json || status=1
phase_end
phase_start "browser tests"
npx jest --selectProjects browser --json --outputFile=reports/jest-browser.json || status=1
phase_end
phase_start "integration tests"
# --forceExit: a suite that leaves a kafkajs socket or loop behind after a failure must not hang the run (each
# suite stops its own clusters and loops in afterAll; this is the safety net, and the failure is still reported)
npx jest --selectProjects integration --runInBand --forceExit --json --outputFile=reports/jest-integration.json || status=1
phase_end

node scripts/summarize-jest.js reports/jest-unit.json reports/jest-browser.json reports/jest-integration.json || status=1
exit "$status"
