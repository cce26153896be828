#!/usr/bin/env bash
# The main job (`npm start`), end to end on a fresh machine: install everything, start the two local Kafka
# clusters, validate + synthesize the tenants, deploy every stack, verify isolation on the live clusters, and
# write the reports to reports/. The clusters keep running afterwards (stop them with
# `npx kafka-tenancy local down`), so you can explore what was deployed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
mkdir -p reports

phase_start "npm dependencies"; ensure_npm_deps; phase_end
phase_start "build (tsc)"; npm run -s build; phase_end
phase_start "toolchain (jars, provider, cli)"; cli local install; phase_end
trap 'rc=$?; [ $rc -ne 0 ] && print_broker_logs; print_phases; exit $rc' EXIT
phase_start "local clusters up"; cli local up; phase_end
phase_start "validate + synth"; cli validate; cli synth; phase_end
phase_start "deploy"; cli deploy; phase_end
phase_start "verify"
cli verify --junit reports/verify-junit.xml --markdown reports/verify-summary.md --json > reports/verify.json || {
  echo "verification FAILED: see reports/verify-summary.md" >&2; exit 1; }
phase_end
phase_start "report"
cat reports/verify-summary.md
echo "reports: reports/verify-summary.md, reports/verify-junit.xml, reports/verify.json" >&2
phase_end
