#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup() and forward() are called from traps
# run.sh: THE run command. Builds misc and serves every service on 127.0.0.1:50051 against a
# local PostgreSQL with sample data.
#
#   scripts/run.sh [misc-server flags...]      e.g. scripts/run.sh --log_level=debug
#   scripts/run.sh --rest [misc-rest flags...] the same services over HTTP/JSON on 127.0.0.1:8080
#                                              (misc-rest, docs/rest.md) instead of misc-server
#
#   1. scripts/install-deps.sh
#   2. build the dev preset's misc-server and misc-migrate
#   3. database: $DATABASE_URL when set; otherwise a local PostgreSQL kept in .state/pg
#      (scripts/pg.sh start .state/pg) with a database `misc`
#   4. misc-migrate up; misc-migrate seed when the restaurants table is empty
#   5. a development JWT key pair and JWKS in .state/jwt (misc-devtoken), used by the server
#   6. misc-server in the foreground. Ctrl-C or SIGTERM stops it, then stops the local
#      PostgreSQL if this script started it (its data stays in .state/pg for next time).
#
# Environment: DATABASE_URL (use that database; nothing is started or stopped), MISC_LISTEN
# (default 127.0.0.1:50051; with --rest MISC_HTTP_LISTEN, default 127.0.0.1:8080, and
# MISC_METRICS_LISTEN, default 127.0.0.1:9465, so it can run next to a misc-server), MISC_SHUTDOWN_DELAY (default 0s here: no load balancer to drain),
# MISC_JOBS (build parallelism), and any other MISC_<FLAG> of misc-server.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD
PRESET=dev
BUILD_DIR="build/$PRESET"
PG_DIR=.state/pg
BUF=node_modules/.bin/buf

say() { echo "run.sh: $*"; }
die() {
  echo "run.sh: $*" >&2
  exit 1
}

started_pg=0
server_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if ((started_pg)); then
    say "stopping the local PostgreSQL ($PG_DIR)"
    scripts/pg.sh stop "$PG_DIR" || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

SERVER_NAME=misc-server
SERVER_DIR=misc
if [[ ${1:-} == --rest ]]; then
  shift
  SERVER_NAME=misc-rest
  SERVER_DIR=rest
fi

# ---- 1. dependencies, 2. build ----
bash scripts/install-deps.sh
say "building $SERVER_NAME and misc-migrate (preset $PRESET)"
cmake --preset "$PRESET" >/dev/null || die "cmake --preset $PRESET failed"
cmake --build --preset "$PRESET" -j "${MISC_JOBS:-$(nproc)}" \
  --target "$SERVER_NAME" misc-migrate misc-devtoken || die "build failed"

# Where CMake puts them (cmd/misc, cmd/migrate); searched for in case that changes.
find_binary() {
  local name=$1 expected=$2 found
  if [[ -x $expected ]]; then
    echo "$expected"
    return
  fi
  found=$(find "$BUILD_DIR" -name "$name" -type f -perm -u+x -not -path '*/CMakeFiles/*' |
    head -n 1)
  [[ -n $found ]] || die "built $name, but can't find it under $BUILD_DIR"
  echo "$found"
}
SERVER=$(find_binary "$SERVER_NAME" "$BUILD_DIR/cmd/$SERVER_DIR/$SERVER_NAME")
MIGRATE=$(find_binary misc-migrate "$BUILD_DIR/cmd/migrate/misc-migrate")
DEVTOKEN=$(find_binary misc-devtoken "$BUILD_DIR/cmd/devtoken/misc-devtoken")

# ---- 3. database ----
if [[ -n ${DATABASE_URL:-} ]]; then
  say "using DATABASE_URL (nothing to start)"
else
  if ! scripts/pg.sh status "$PG_DIR"; then
    started_pg=1
  fi
  scripts/pg.sh start "$PG_DIR"
  admin_url=$(scripts/pg.sh url "$PG_DIR")
  if [[ $(psql "$admin_url" -qtAX -c "SELECT 1 FROM pg_database WHERE datname = 'misc'") != 1 ]]; then
    psql "$admin_url" -qX -v ON_ERROR_STOP=1 -c 'CREATE DATABASE misc' >/dev/null
  fi
  DATABASE_URL="${admin_url%/postgres}/misc"
  say "local PostgreSQL: $DATABASE_URL (data in $PG_DIR)"
fi
# misc-migrate and misc-server read the URL from the environment: that keeps a password in it
# out of `ps`.
export DATABASE_URL

# ---- 4. schema and sample data ----
"$MIGRATE" up || die "misc-migrate up failed"
restaurants=$(psql "$DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 -c 'SELECT count(*) FROM restaurants') ||
  die "can't count restaurants in the database"
if [[ $restaurants == 0 ]]; then
  say "no restaurants yet: loading sample data (misc-migrate seed)"
  "$MIGRATE" seed || die "misc-migrate seed failed"
else
  say "database has $restaurants restaurants: not seeding"
fi

# ---- 5. a development key pair, so logged-in calls can be tried ----
JWT_DIR=.state/jwt
"$DEVTOKEN" --generate_jwks_dir="$JWT_DIR" >/dev/null || die "misc-devtoken --generate_jwks_dir failed"
export MISC_JWKS_FILE=${MISC_JWKS_FILE:-$REPO_ROOT/$JWT_DIR/jwks.json}
export MISC_JWT_ISSUER=${MISC_JWT_ISSUER:-misc-dev}
export MISC_JWT_AUDIENCE=${MISC_JWT_AUDIENCE:-misc}

# ---- 6. server ----
export MISC_SHUTDOWN_DELAY=${MISC_SHUTDOWN_DELAY:-0s}
if [[ $SERVER_NAME == misc-rest ]]; then
  export MISC_METRICS_LISTEN=${MISC_METRICS_LISTEN:-127.0.0.1:9465}
  listen_flag=--http_listen
  listen=${MISC_HTTP_LISTEN:-127.0.0.1:8080}
else
  listen_flag=--listen
  listen=${MISC_LISTEN:-127.0.0.1:50051}
fi
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do  # the address the examples should use
  case ${args[i]} in
    "$listen_flag"=*) listen=${args[i]#"$listen_flag"=} ;;
    "$listen_flag") listen=${args[i + 1]:-$listen} ;;
  esac
done
target=$listen
[[ $target == 0.0.0.0:* ]] && target="127.0.0.1:${target##*:}"
[[ $target == "[::]:"* ]] && target="[::1]:${target##*:}"
curl_base=("$BUF" curl --protocol grpc --http2-prior-knowledge)

if [[ $SERVER_NAME == misc-rest ]]; then
  cat <<EOF

misc-rest is starting on $listen. Try, in another terminal:

  curl -s http://$target/readyz
  curl -s http://$target/v1/restaurants/1
  curl -s 'http://$target/v1/restaurants?area_id=1301&page_size=3'
  curl -s -X POST http://$target/v1/restaurants:batchGet -d '{"restaurantIds": ["1", "2"]}'

  # logged in as user 42 (a token signed with the development key in $JWT_DIR)
  TOKEN=\$($DEVTOKEN --key=$JWT_DIR/dev.key.pem --sub=42)
  curl -s -H "Authorization: Bearer \$TOKEN" http://$target/v1/restaurants/1

Ctrl-C stops the server$( ((started_pg)) && echo " and the local PostgreSQL").

EOF
else
  cat <<EOF

misc-server is starting on $listen. Try, from $REPO_ROOT in another terminal:

  # every service and method, through server reflection
  ${curl_base[*]} --list-methods http://$target

  # health
  ${curl_base[*]} http://$target/grpc.health.v1.Health/Check -d '{}'

  # a restaurant
  ${curl_base[*]} http://$target/misc.restaurant.v1.RestaurantService/GetRestaurant -d '{"restaurantId": 1}'

  # the same, logged in as user 42 (a token signed with the development key in $JWT_DIR)
  TOKEN=\$($DEVTOKEN --key=$JWT_DIR/dev.key.pem --sub=42)
  ${curl_base[*]} -H "authorization: Bearer \$TOKEN" \\
    http://$target/misc.restaurant.v1.RestaurantService/GetRestaurant -d '{"restaurantId": 1}'

Ctrl-C stops the server$( ((started_pg)) && echo " and the local PostgreSQL").

EOF
fi

# The server runs in its own process group (set -m), so a Ctrl-C reaches only this script, which
# forwards it: exactly one signal for the server, and one place that then stops the database.
set -m
"$SERVER" "$listen_flag=$listen" "$@" &
server_pid=$!
set +m

signals=0
forward() {
  signals=$((signals + 1))
  if ((signals >= 3)); then
    say "third signal: killing $SERVER_NAME"
    kill -KILL "$server_pid" 2>/dev/null || true
  else
    kill -s "$1" "$server_pid" 2>/dev/null || true
  fi
}
trap 'forward INT' INT
trap 'forward TERM' TERM HUP

rc=0
wait "$server_pid" || rc=$?
# `wait` returns early when a trapped signal arrives: wait again until the server is gone.
while kill -0 "$server_pid" 2>/dev/null; do
  rc=0
  wait "$server_pid" || rc=$?
done
server_pid=""
say "$SERVER_NAME exited with status $rc"
# Stopped by our signal: a normal end.
if ((signals > 0)) && ((rc == 0 || rc == 130 || rc == 143)); then rc=0; fi
exit "$rc"
