#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server and CLEANROOM_TEST_POSTGRES_URL
# pointing at it, so that the metadata suite also runs against PostgreSQL:
#
#   scripts/with-postgres.sh npx vitest run test/metadata-postgres.test.ts
#
# The server listens on 127.0.0.1 only, on a free port, with password (SCRAM) login, in a
# temporary folder; it is stopped and removed when the command ends, however it ends.
# Durability is off (fsync, synchronous_commit): nothing in it outlives the run.
# Debian's postgresql package is installed first if it is missing and we are root.
# Exits with the command's status.
set -euo pipefail

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

bin=$(find_bin)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "with-postgres: PostgreSQL is not installed; run as root, or: apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "with-postgres: installing PostgreSQL (apt-get install postgresql)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bin=$(find_bin)
fi

# initdb refuses to run as root: the cluster then belongs to the postgres user.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# As root the folder is the postgres user's, so it must be somewhere that user can reach.
if [ "$(id -u)" = 0 ]; then base=/tmp; else base=${TMPDIR:-/tmp}; fi
dir=$(mktemp -d "$base/cleanroom-pg.XXXXXX")
cleanup() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
chmod 700 "$dir"

password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$password" >"$dir/password"
[ "$(id -u)" = 0 ] && chown postgres: "$dir/password"
as_owner "$bin/initdb" -D "$dir/data" -U cleanroom --pwfile="$dir/password" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/password"

# A port nobody listens on; the server refuses to start if another process takes it meanwhile.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
  "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null ||
  { cat "$dir/server.log" >&2; exit 1; }

export CLEANROOM_TEST_POSTGRES_URL="postgres://cleanroom:$password@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
set +e
"$@"
status=$?
set -e
exit $status
