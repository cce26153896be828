#!/usr/bin/env bash
# Make Debian's PostgreSQL server available for the `pg` state backend tests (test/integration/pg-state.test.ts,
# `kafka-tenancy local state-db up`) and print its bin folder, /usr/lib/postgresql/<N>/bin (the Debian package
# keeps initdb, postgres and pg_ctl there, off PATH). Installs `postgresql` with apt only when no server is there;
# that needs root (CI runs as root; a developer without root installs `postgresql` once by hand). Quick when it is
# installed: no apt call at all. `KAFKA_TENANCY_PG_BIN` overrides the folder (another distribution, a build of
# one's own). The package's own `main` cluster (which its install may create and start on port 5432) is not used:
# the harness runs throwaway instances with their own data folders and ports (src/local/state-db.ts).
# PostgreSQL refuses to run as root; as root the harness runs the server as the `postgres` user the package
# creates (setpriv, which execs, so the started pid is the postmaster), checked below.
set -euo pipefail

server_bin() {
  # the newest installed major version with a server binary (by number: 9 < 10)
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && echo "$d"
  done | sort -t/ -k4,4n | tail -n1
}

if [ -n "${KAFKA_TENANCY_PG_BIN:-}" ]; then
  for tool in postgres initdb pg_ctl psql pg_isready; do
    [ -x "$KAFKA_TENANCY_PG_BIN/$tool" ] || {
      echo "ensure-postgres: KAFKA_TENANCY_PG_BIN=$KAFKA_TENANCY_PG_BIN has no executable $tool" >&2
      exit 1
    }
  done
  echo "$KAFKA_TENANCY_PG_BIN"
  exit 0
fi

bin="$(server_bin)"
if [ -z "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-postgres: the PostgreSQL server is not installed and installing it needs root: sudo apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "ensure-postgres: installing postgresql (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || { echo "ensure-postgres: apt-get update failed" >&2; exit 1; }
  apt-get install -y -qq --no-install-recommends postgresql >&2 ||
    { echo "ensure-postgres: apt-get install postgresql failed (see above)" >&2; exit 1; }
  bin="$(server_bin)"
  [ -n "$bin" ] || { echo "ensure-postgres: postgresql installed but no /usr/lib/postgresql/<N>/bin/postgres found" >&2; exit 1; }
fi
for tool in psql pg_isready pg_ctl; do
  [ -x "$bin/$tool" ] || { echo "ensure-postgres: $bin has no $tool (is postgresql-client installed?)" >&2; exit 1; }
done
# As root, the server runs as an unprivileged user (initdb and postgres refuse root); the package creates `postgres`.
if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then
  echo "ensure-postgres: running as root, but there is no 'postgres' user to run the server as (the postgresql package creates it)" >&2
  exit 1
fi
echo "$bin"
