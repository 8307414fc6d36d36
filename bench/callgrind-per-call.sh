#!/usr/bin/env bash
# bench/callgrind-per-call.sh: instructions per call, counted by valgrind's callgrind, of
# misc-server (as shipped, and with --access_log=false) and of bench/transport's
# misc-transport-ceiling on the callback API (bare, and with misc-server's default
# --max_connection_age, which adds gRPC's max-age filter to every call), answering the same
# memory-served method.
#
#   bench/callgrind-per-call.sh [--workload get_area] [--calls 30000] [--keep DIR]
#                               [--server PATH]
#
# Why: on a shared VM, calls/s and CPU per call move by 15-40 % from one 10-second window to
# the next (docs/benchmarks.md), more than the differences worth finding. An instruction count
# does not move: the same binary answering the same calls gives the same count to within a
# fraction of a percent, so it shows what each part of misc's per-call work costs against the
# bare transport. It is not time (a cache miss or a syscall counts as one instruction), so it
# complements bench/run.sh's transport step rather than replacing it.
#
# Each server runs under callgrind with instrumentation off; h2load (16 connections) warms it
# up, instrumentation is switched on for --calls calls and off again, and the counts are
# dumped. Connection set-up falls in the warm-up, so the count is per call. --keep DIR keeps
# the callgrind files for callgrind_annotate (e.g. --inclusive=yes to see a function's share).
# --server counts another misc-server binary (bench/run.sh --server passes its own).
#
# Uses the release build and the database bench/run.sh leaves in build/bench/pg (run that
# first). Needs valgrind and h2load (scripts/install-deps.sh --bench). Nothing is asserted.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=build/release
PG_DIR=build/bench/pg
workload=get_area
calls=30000
keep=""
server=$BUILD_DIR/cmd/misc/misc-server

die() {
  echo "callgrind-per-call: $*" >&2
  exit 1
}

while (($#)); do
  case $1 in
    --workload) workload=$2 && shift ;;
    --calls) calls=$2 && shift ;;
    --keep) keep=$2 && shift ;;
    --server) server=$2 && shift ;;
    *) die "unknown argument $1" ;;
  esac
  shift
done

command -v valgrind >/dev/null || die "valgrind missing: scripts/install-deps.sh --bench"
command -v h2load >/dev/null || die "h2load missing: scripts/install-deps.sh --bench"
for binary in "$server" "$BUILD_DIR/bench/transport/misc-transport-ceiling" \
  "$BUILD_DIR/bench/loadgen/misc-loadgen"; do
  [[ -x $binary ]] || die "missing $binary: run bench/run.sh first"
done
[[ -f $PG_DIR/datadir ]] || die "no benchmark database in $PG_DIR: run bench/run.sh first"

scripts/pg.sh start "$PG_DIR" >/dev/null
admin_url=$(scripts/pg.sh url "$PG_DIR")
export DATABASE_URL="${admin_url%/postgres}/misc_bench"

work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null
  [[ -n $server_pid ]] && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

frame=$work/request.frame
path=$("$BUILD_DIR/bench/loadgen/misc-loadgen" --workload="$workload" --fixed_restaurant_id=1 \
  --write_framed_request="$frame")
H2LOAD_GRPC=(-H 'content-type: application/grpc' -H 'te: trailers' -d "$frame")

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# count NAME COMMAND...: runs COMMAND (a server taking --listen) under callgrind and prints
# "NAME <instructions per call>".
count() {
  local name=$1 port out i total
  shift
  port=$(free_port)
  out=$work/callgrind.$name
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$@" --listen="127.0.0.1:$port" 2>"$work/$name.log" &
  server_pid=$!
  local url=http://127.0.0.1:$port$path
  for ((i = 0; i < 240; i++)); do
    h2load -n 20 -c 1 "${H2LOAD_GRPC[@]}" "$url" 2>&1 | grep -q ' 20 succeeded' && break
    kill -0 "$server_pid" 2>/dev/null || die "$name exited (see its log)"
    sleep 0.5
  done
  ((i < 240)) || die "$name does not answer $path"
  h2load -n 1000 -c 16 "${H2LOAD_GRPC[@]}" "$url" >/dev/null
  callgrind_control -i on "$server_pid" >/dev/null 2>&1
  h2load -n "$calls" -c 16 "${H2LOAD_GRPC[@]}" "$url" | grep -q " $calls succeeded" ||
    die "$name did not answer all $calls calls"
  callgrind_control -i off "$server_pid" >/dev/null 2>&1
  callgrind_control -d "$server_pid" >/dev/null 2>&1
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  # The dump holds the counted calls; the file written at exit holds only the shutdown.
  total=0
  for file in "$out".*; do
    local instructions
    instructions=$(callgrind_annotate "$file" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p')
    instructions=${instructions//,/}
    ((${instructions:-0} > total)) && total=$instructions
  done
  echo "$name $((total / calls))"
  if [[ -n $keep ]]; then
    mkdir -p "$keep"
    cp "$out".* "$keep/"
  fi
}

server_flags=(--metrics_listen=127.0.0.1:0 --shutdown_delay=0s --log_level=warn)
echo "instructions per call of $path ($calls calls, h2load 16 connections):"
count misc-server "$server" "${server_flags[@]}"
count misc-server-no-access-log "$server" "${server_flags[@]}" \
  --access_log=false
count misc-transport-ceiling-max-age "$BUILD_DIR/bench/transport/misc-transport-ceiling" \
  --api=callback --max_connection_age=5m
count misc-transport-ceiling "$BUILD_DIR/bench/transport/misc-transport-ceiling" --api=callback
