#!/usr/bin/env bash
# actionlint (the GitHub Actions workflow linter), built from the Go module proxy into the cache like the Mongey
# provider (src/toolchain/toolchain.ts): a wrapper module, `go mod tidy`, `go build`, with the module and build caches
# under the cache folder. Idempotent: a second run only prints the path.
#   bash scripts/actionlint.sh               build if missing, print the binary's path
#   bash scripts/actionlint.sh --print-path  print the path only (test/unit/pipeline/workflows.test.ts)
set -euo pipefail

VERSION=1.7.12 # github.com/rhysd/actionlint; change it here only (the path below carries it)
CACHE="${KAFKA_TENANCY_CACHE:-$HOME/.cache/kafka-tenancy}"
BIN="$CACHE/actionlint/$VERSION/actionlint"

if [ "${1:-}" = "--print-path" ] || [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { echo "actionlint.sh: go is not on PATH (actionlint needs Go >= 1.25)" >&2; exit 1; }
export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

work="$CACHE/build/actionlint-$VERSION"
rm -rf "$work"
mkdir -p "$work" "$(dirname "$BIN")"
printf 'module local.kafka-tenancy/actionlint\n\ngo 1.24\n\nrequire github.com/rhysd/actionlint v%s\n' "$VERSION" > "$work/go.mod"
# Importing the main package keeps `go mod tidy` from dropping the requirement.
printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/rhysd/actionlint/cmd/actionlint"\n' > "$work/tools.go"
echo "building rhysd/actionlint v$VERSION from the Go module proxy" >&2
(
  cd "$work"
  go mod tidy
  go build -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$VERSION" -o "$BIN.tmp" \
    github.com/rhysd/actionlint/cmd/actionlint
)
mv "$BIN.tmp" "$BIN"
echo "$BIN"
