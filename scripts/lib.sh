# Shared by scripts/test.sh and scripts/main-job.sh: install what is missing, print phase timings.
PHASES=()
phase_start() { PHASE_NAME="$1"; PHASE_T0=$(date +%s); echo "==> $1" >&2; }
phase_end() { PHASES+=("$(printf '%-28s %5ss' "$PHASE_NAME" "$(( $(date +%s) - PHASE_T0 ))")"); }
print_phases() { echo "--- phase timings ---" >&2; for p in "${PHASES[@]}"; do echo "  $p" >&2; done; }

# npm deps: `npm ci` when node_modules is missing or older than the lock file.
ensure_npm_deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

cli() { node dist/src/cli/index.js "$@"; }

# On failure: the tail of each broker log, so a red CI run shows why.
print_broker_logs() {
  for log in .local/clusters/*/*/logs/server.log; do
    [ -f "$log" ] || continue
    echo "--- tail of $log ---" >&2
    tail -n 40 "$log" >&2
  done
}
