#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup() is called from a trap
# bench/run.sh: THE benchmark command. How many calls per second one misc-server serves, at what
# latency, against the database's and the transport's own ceilings, on this machine.
#
#   bench/run.sh [--quick] [--concurrency "1 16 64 256"] [--duration 10s] [--warmup 2s]
#                [--workloads "get_restaurant list_genres ..."] [--no-profile] [--no-transport]
#                [--no-rest] [--no-unnamed] [--no-callgrind]
#                [--out FILE] [--server PATH]
#
#   1. deps      scripts/install-deps.sh --bench (h2load, gnuplot, perf, valgrind, python3)
#   2. build     release preset: misc-server misc-migrate misc-devtoken misc-loadgen
#                misc-transport-ceiling
#   3. database  a dedicated PostgreSQL in build/bench/pg (pg_stat_statements on), database
#                misc_bench migrated and seeded with 100,000 restaurants and ~1,000,000 reviews
#                (kept between runs: seeded again only when the counts differ)
#   4. server    release misc-server with a development JWKS; 500 user tokens for logged-in calls
#   5. load      every workload x concurrency with bench/loadgen (misc-loadgen), sampling the
#                server's CPU, RSS, fds and the database's connections during each run; the
#                server runs with --cache_max_entries=0, so these measure the database path
#   6. database  pgbench running GetRestaurant's own SQL (read back from pg_stat_statements),
#      ceiling   prepared, random ids, at the same concurrencies
#   7. transport the memory-served workloads among --workloads (health, get_area,
#                list_genres, check_rollout_target) through h2load, 64 connections with one
#                call in flight each and one fixed framed request, the server on core 0 and
#                h2load on core 1, against misc-server and against bench/transport's
#                misc-transport-ceiling (a plain gRPC server giving the same answers) on the
#                callback and on the async API, one after the other (--no-transport skips it)
#   7b. cache    GetRestaurant at c=64, Zipf-popular ids (s = 1), on a second server with the
#                restaurant cache on from cold, then 3 interleaved rounds of it warm, of it off,
#                of uniform ids with it off and of pgbench at c=64 (report.py takes the median
#                round); then
#                ListReviews' anonymous first page of 20 (the review first-page cache) the same
#                way, Zipf ids only; then ListRestaurants' first page (the restaurant first-page
#                cache) (--no-cache skips it)
#   7c. rest     misc-rest (HTTP/1.1, JSON) under h2load --h1, 64 connections: the memory-served
#                routes pinned as in 7; then GetRestaurant (cache off, database path, unpinned)
#                over REST and, with the same h2load settings and restaurant, over gRPC against
#                misc-server (--no-rest skips it)
#   7d. unnamed  GetRestaurant (cache off, uniform ids) at c=1 and c=64 with prepared statements
#                (the server above), with --db_unnamed_statements straight to PostgreSQL, and with
#                it through a PgBouncer in transaction pooling mode (scripts/pgbouncer.sh, pool 8)
#                (--no-unnamed skips it)
#   7e. instr.   instructions per call of GetArea under valgrind's callgrind
#                (bench/callgrind-per-call.sh): misc-server with and without its access log, the
#                transport ceiling bare and with misc's max connection age; a count this VM's
#                neighbours cannot move, unlike step 7's calls/s (--no-callgrind skips it)
#   8. profile   perf (cpu-clock) of the server under GetRestaurant and ListGenres at c=64
#   9. report    bench/results/<date>.json, the chart and tables via
#                bench/report.py (docs/benchmarks.md explains them), and docs/scaling.md
#                (capacity on paper) from that JSON via bench/scaling.py
#
# Nothing here asserts a time: the numbers are reported, and compared in docs/benchmarks.md.
# --quick (c=1,64; 3 s each) is for trying the command, not for numbers worth writing down.
# --server benchmarks another misc-server binary (e.g. an older commit's release build) with
# everything else unchanged: how docs/benchmarks.md compares before and after a change.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD
BUILD_DIR=build/release
WORK=build/bench
PG_DIR=$WORK/pg
DB=misc_bench
RESTAURANTS=100000
REVIEWS_PER_RESTAURANT=10
USERS_WITH_TOKENS=500

concurrency="1 16 64 256"
duration=10s
warmup=2s
workloads="get_restaurant get_restaurant_logged_in batch_get_restaurants list_restaurants_first
list_restaurants_deep list_reviews get_area list_genres check_rollout_target restaurant_page
health"
profile=1
transport=1
cache_step=1
rest_step=1
unnamed_step=1
callgrind_step=1
callgrind_calls=30000
# Step 7b compares cache on and off in this many interleaved rounds (the median is reported).
cache_rounds=3
out=""
server_override=""

say() { echo "bench: $*" >&2; }
die() {
  echo "bench: $*" >&2
  exit 1
}

while (($# > 0)); do
  case $1 in
    --quick) concurrency="1 64" duration=3s warmup=1s callgrind_calls=5000 cache_rounds=1 ;;
    --concurrency) concurrency=$2 && shift ;;
    --duration) duration=$2 && shift ;;
    --warmup) warmup=$2 && shift ;;
    --workloads) workloads=$2 && shift ;;
    --no-profile) profile=0 ;;
    --no-transport) transport=0 ;;
    --no-cache) cache_step=0 ;;
    --no-rest) rest_step=0 ;;
    --no-unnamed) unnamed_step=0 ;;
    --no-callgrind) callgrind_step=0 ;;
    --out) out=$2 && shift ;;
    --server) server_override=$2 && shift ;;
    *) die "unknown argument $1 (see the header of bench/run.sh)" ;;
  esac
  shift
done

server_pid=""
sampler_pid=""
ceiling_pids=()
# stop_server PID: SIGTERM, then waits for it to exit.
stop_server() {
  if [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null
  for pid in "${ceiling_pids[@]}"; do stop_server "$pid"; done
  stop_server "$server_pid"
  scripts/pgbouncer.sh stop "$WORK/pgbouncer" >/dev/null 2>&1 || true
  scripts/pg.sh stop "$PG_DIR" >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. deps, 2. build ----
bash scripts/install-deps.sh --bench
say "building the release preset"
cmake --preset release -DMISC_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release -j "${MISC_JOBS:-$(nproc)}" \
  --target misc-server misc-rest misc-migrate misc-devtoken misc-loadgen misc-transport-ceiling \
  >/dev/null ||
  die "release build failed (run: cmake --build --preset release)"
SERVER=${server_override:-$BUILD_DIR/cmd/misc/misc-server}
MIGRATE=$BUILD_DIR/cmd/migrate/misc-migrate
DEVTOKEN=$BUILD_DIR/cmd/devtoken/misc-devtoken
LOADGEN=$BUILD_DIR/bench/loadgen/misc-loadgen
CEILING=$BUILD_DIR/bench/transport/misc-transport-ceiling
REST=$BUILD_DIR/cmd/rest/misc-rest
for binary in "$SERVER" "$MIGRATE" "$DEVTOKEN" "$LOADGEN" "$CEILING" "$REST"; do
  [[ -x $binary ]] || die "missing $binary after the build"
done

run_dir=$WORK/runs/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$run_dir"

# ---- 3. database ----
scripts/pg.sh start "$PG_DIR" >/dev/null
admin_url=$(scripts/pg.sh url "$PG_DIR")
psql_admin() { psql "$admin_url" -qtAX -v ON_ERROR_STOP=1 "$@"; }
# pg_stat_statements shows the statements misc really sends (and how many round trips a call
# costs); it needs a preload, hence one restart the first time.
if [[ $(psql_admin -c 'SHOW shared_preload_libraries') != *pg_stat_statements* ]]; then
  psql_admin -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
  scripts/pg.sh stop "$PG_DIR" >/dev/null
  scripts/pg.sh start "$PG_DIR" >/dev/null
  admin_url=$(scripts/pg.sh url "$PG_DIR")
fi
if [[ $(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'") != 1 ]]; then
  psql_admin -c "CREATE DATABASE $DB" >/dev/null
fi
export DATABASE_URL="${admin_url%/postgres}/$DB"
psql_db() { psql "$DATABASE_URL" -qtAX -v ON_ERROR_STOP=1 "$@"; }
"$MIGRATE" up --log_level=warn
psql_db -c 'SET client_min_messages = warning' \
  -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
if [[ $(psql_db -c 'SELECT count(*) FROM restaurants') != "$RESTAURANTS" ]]; then
  say "seeding $RESTAURANTS restaurants, ~$((RESTAURANTS * REVIEWS_PER_RESTAURANT)) reviews"
  "$MIGRATE" seed --replace --restaurants="$RESTAURANTS" \
    --reviews_per_restaurant="$REVIEWS_PER_RESTAURANT" --log_level=warn
  psql_db -c 'VACUUM ANALYZE' >/dev/null
fi
reviews=$(psql_db -c 'SELECT count(*) FROM reviews')
say "database: $RESTAURANTS restaurants, $reviews reviews"

# ---- 4. server ----
JWT_DIR=$WORK/jwt
"$DEVTOKEN" --generate_jwks_dir="$JWT_DIR" >/dev/null
tokens=$run_dir/tokens.txt
for ((user = 1; user <= USERS_WITH_TOKENS; user++)); do
  "$DEVTOKEN" --key="$JWT_DIR/dev.key.pem" --sub="$user" --ttl=24h
done >"$tokens"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_until_serving TARGET PID NAME LOG: returns once TARGET answers a health check; dies when
# the server (PID) exits first.
wait_until_serving() {
  local i
  for ((i = 0; i < 100; i++)); do
    if "$LOADGEN" --target="$1" --workload=health --concurrency=1 --duration=100ms \
      --warmup=0s >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || die "$3 exited (see $4)"
    sleep 0.2
  done
  die "$3 does not answer on $1 (see $4)"
}

target=127.0.0.1:$(free_port)
# The benchmark drives up to 256 calls at once into an 8-connection pool: --db_max_waiters is
# raised so that c=256 measures queueing rather than load shedding (the default, 64, sheds).
server_flags=(--listen="$target" --metrics_listen=127.0.0.1:0 --shutdown_delay=0s
  --jwks_file="$JWT_DIR/jwks.json" --jwt_issuer=misc-dev --jwt_audience=misc
  --db_max_waiters=512 --log_level=warn)
# The workloads measure the database path: with the restaurant cache on, GetRestaurant's
# figures would depend on how warm the cache had grown. Step 7b measures the cache.
say "starting misc-server --cache_max_entries=0 on $target (log: $run_dir/server.log)"
"$SERVER" "${server_flags[@]}" --cache_max_entries=0 2>"$run_dir/server.log" &
server_pid=$!
wait_until_serving "$target" "$server_pid" misc-server "$run_dir/server.log"

# GetRestaurant's SQL exactly as the server prepares it, for pgbench: logged by PostgreSQL for
# one call (log_statement = all for a moment; pg_stat_statements would have normalised its
# constants away).
server_log_of_pg="$(cat "$PG_DIR/datadir")/server.log"
psql_admin -c "ALTER SYSTEM SET log_statement = 'all'" -c 'SELECT pg_reload_conf()' >/dev/null
sleep 0.5
"$LOADGEN" --target="$target" --workload=get_restaurant --concurrency=1 --duration=200ms \
  --warmup=0s --restaurant_ids="1:$RESTAURANTS" >/dev/null 2>&1 || true
psql_admin -c 'ALTER SYSTEM RESET log_statement' -c 'SELECT pg_reload_conf()' >/dev/null
select_sql=$(grep -o 'execute restaurant\.get: SELECT .*' "$server_log_of_pg" | tail -n 1 |
  sed 's/^execute restaurant\.get: //')
[[ $select_sql == *'WHERE restaurant_id = $1' ]] ||
  die "could not read GetRestaurant's SQL from $server_log_of_pg"
pgbench_script=$run_dir/get_restaurant.pgbench.sql
{
  echo "\\set id random(1, $RESTAURANTS)"
  echo "${select_sql//\$1/:id};"
} >"$pgbench_script"

# ---- 5. load ----
# Samples the server every 100 ms into $1: time, CPU ticks, fds, RSS kB; and the database's misc
# connections every 500 ms. Bash builtins only, so the sampler itself costs next to nothing.
sample_server() {
  local file=$1 stat fds line rss tick=0 db=0
  while kill -0 "$server_pid" 2>/dev/null; do
    read -r stat <"/proc/$server_pid/stat" || break
    stat=${stat##*) }
    read -ra fields <<<"$stat"
    fds=("/proc/$server_pid/fd/"*)
    rss=0
    while read -r line; do
      [[ $line == VmRSS:* ]] && { read -ra f <<<"$line" && rss=${f[1]}; }
    done <"/proc/$server_pid/status"
    if ((tick % 5 == 0)); then
      db=$(psql_admin -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'misc'" \
        2>/dev/null || echo 0)
    fi
    # fields[11], fields[12]: utime and stime (stat fields 14 and 15) in clock ticks.
    echo "$EPOCHREALTIME $((fields[11] + fields[12])) ${#fds[@]} $rss $db"
    tick=$((tick + 1))
    sleep 0.1
  done >"$file"
}

channels_for() { echo $(($1 < 4 ? $1 : 4)); }

run_workload() {
  local workload=$1 c=$2 name=$1-c$2
  say "$workload at concurrency $c"
  # Peak RSS (VmHWM) is reset so that each run reports its own peak.
  echo 5 >"/proc/$server_pid/clear_refs" 2>/dev/null || true
  sample_server "$run_dir/$name.samples" &
  sampler_pid=$!
  local rc=0
  "$LOADGEN" --target="$target" --workload="$workload" --concurrency="$c" \
    --channels="$(channels_for "$c")" --duration="$duration" --warmup="$warmup" \
    --restaurant_ids="1:$RESTAURANTS" --tokens_file="$tokens" \
    --json="$run_dir/$name.loadgen.json" 2>"$run_dir/$name.loadgen.log" || rc=$?
  grep VmHWM "/proc/$server_pid/status" | awk '{print $2}' >"$run_dir/$name.hwm"
  kill "$sampler_pid" 2>/dev/null
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  ((rc == 0)) || say "misc-loadgen reported failures for $name (see $run_dir/$name.loadgen.log)"
}

psql_db -c 'SELECT pg_stat_statements_reset()' >/dev/null
for workload in $workloads; do
  for c in $concurrency; do
    run_workload "$workload" "$c"
  done
  if [[ $workload == get_restaurant ]]; then
    # What one anonymous GetRestaurant costs the database, statement by statement.
    psql_db -F $'\t' -c "SELECT calls, round(mean_exec_time::numeric, 4), query
      FROM pg_stat_statements WHERE calls > 100 ORDER BY calls DESC" \
      >"$run_dir/get_restaurant.pg_stat_statements.tsv"
  fi
done

# ---- 6. the database ceiling ----
for c in $concurrency; do
  say "pgbench (GetRestaurant's SELECT) at concurrency $c"
  pgbench "$DATABASE_URL" -n -M prepared -f "$pgbench_script" -c "$c" -j "$(channels_for "$c")" \
    -T "${duration%s}" -r -l --log-prefix="$run_dir/pgbench-c$c.log" \
    >"$run_dir/pgbench-c$c.txt" 2>&1 ||
    die "pgbench failed (see $run_dir/pgbench-c$c.txt)"
done

# ---- 7. the transport ceiling ----
# What misc-server answers per second for a call it serves from memory, against what a plain
# gRPC server (bench/transport: no interceptors, metrics, auth or reflection; the same answer
# bytes) answers on this machine, on the callback API (misc's) and on the async API. h2load is
# the client for all three, with the same framed request (misc-loadgen writes it), 64
# connections of one call in flight each; each server's CPU is read from /proc around the
# measured window. The servers that are not being measured sit idle.
TRANSPORT_CONNECTIONS=64
transport_workloads=()
for workload in $workloads; do
  case $workload in
    health | get_area | list_genres | check_rollout_target) transport_workloads+=("$workload") ;;
  esac
done

# cpu_ticks PID: the process's user + system CPU time so far, in clock ticks (stat fields 14, 15).
cpu_ticks() {
  local stat fields
  read -r stat <"/proc/$1/stat"
  stat=${stat##*) }
  read -ra fields <<<"$stat"
  echo $((fields[11] + fields[12]))
}

# transport_run WORKLOAD SERVER FRAME URL PID: one h2load run into
# $run_dir/transport-WORKLOAD-SERVER.h2load.txt and the server's CPU ticks over the measured
# window (from the end of the warm-up to the end of h2load) into .cpu_ticks. Returns 1 when
# h2load fails.
transport_run() {
  local name=$run_dir/transport-$1-$2 h2load_pid before after warmup_ms rc=0
  grpc_h2load_run "$name.h2load.txt" "$3" "$4" "$duration" "$warmup" "$TRANSPORT_CLIENT_CPU" \
    -c "$TRANSPORT_CONNECTIONS" -m 1 >/dev/null 2>"$name.h2load.err" &
  h2load_pid=$!
  warmup_ms=$(grpc_h2load_duration "$warmup")
  sleep "$(awk -v ms="${warmup_ms%ms}" 'BEGIN { print ms / 1000 }')"
  before=$(cpu_ticks "$5")
  wait "$h2load_pid" || rc=$?
  after=$(cpu_ticks "$5")
  echo $((after - before)) >"$name.cpu_ticks"
  return "$rc"
}

if ((transport)) && ((${#transport_workloads[@]} > 0)); then
  # shellcheck source=bench/grpc-h2load.sh
  source bench/grpc-h2load.sh
  grpc_h2load_install
  # Each server on core 0 and h2load on core 1 (with 2 cores or more): calls/s is then what
  # one core of the server serves. Unpinned, the three share both cores with h2load, and the
  # same server's figure moved by up to 40 % between runs of 10 s.
  server_pin=() ceiling_threads=$(nproc) TRANSPORT_CLIENT_CPU=""
  if (($(nproc) >= 2)); then
    server_pin=(taskset -c 0) ceiling_threads=1 TRANSPORT_CLIENT_CPU=1
    taskset -a -p -c 0 "$server_pid" >/dev/null
  fi
  echo "$TRANSPORT_CONNECTIONS $ceiling_threads ${TRANSPORT_CLIENT_CPU:-none}" \
    >"$run_dir/transport.setup"
  declare -A transport_target=([misc]=$target) transport_pid=([misc]=$server_pid)
  for api in callback async; do
    transport_target[$api]=127.0.0.1:$(free_port)
    say "starting misc-transport-ceiling --api=$api on ${transport_target[$api]}"
    "${server_pin[@]}" "$CEILING" --listen="${transport_target[$api]}" --api="$api" \
      --threads="$ceiling_threads" 2>"$run_dir/ceiling-$api.log" &
    transport_pid[$api]=$!
    ceiling_pids+=("$!")
    wait_until_serving "${transport_target[$api]}" "${transport_pid[$api]}" \
      "misc-transport-ceiling --api=$api" "$run_dir/ceiling-$api.log"
  done
  for workload in "${transport_workloads[@]}"; do
    frame=$run_dir/transport-$workload.frame
    path=$(grpc_h2load_frame "$LOADGEN" "$workload" 1 "$frame") ||
      die "misc-loadgen could not write the $workload frame"
    echo "$path" >"$run_dir/transport-$workload.path"
    for server in misc callback async; do
      url=http://${transport_target[$server]}$path
      # h2load counts any HTTP 200 as a success: prove once that this frame is a gRPC success.
      status=$(grpc_h2load_status "$frame" "$url")
      if [[ $status != 0 ]]; then
        say "transport: $workload gets grpc-status ${status:-none} from $server; not measured"
        continue
      fi
      grpc_h2load_answer_bytes "$frame" "$url" \
        >"$run_dir/transport-$workload-$server.answer_bytes"
      say "transport: $workload on $server, h2load -c $TRANSPORT_CONNECTIONS -m 1"
      transport_run "$workload" "$server" "$frame" "$url" "${transport_pid[$server]}" ||
        say "h2load failed against $server (see $run_dir/transport-$workload-$server.h2load.err)"
    done
  done
  for pid in "${ceiling_pids[@]}"; do stop_server "$pid"; done
  ceiling_pids=()
  ((${#server_pin[@]} == 0)) || taskset -a -p -c "0-$(($(nproc) - 1))" "$server_pid" >/dev/null
fi

# ---- 7e. instructions per call ----
# Step 7's comparison counted in instructions instead of calls/s: GetArea, 30,000 calls to each
# server under callgrind (5,000 with --quick), one after the other. It runs here, before the
# cache steps, while the benchmark database is quiet (callgrind slows a server some 50 times:
# 2 minutes in all).
if ((callgrind_step)) && ((transport)); then
  say "instructions per call: misc-server and the transport ceiling under callgrind"
  bench/callgrind-per-call.sh --server "$SERVER" --calls "$callgrind_calls" \
    >"$run_dir/callgrind.txt" 2>"$run_dir/callgrind.err" ||
    say "callgrind step failed (see $run_dir/callgrind.err)"
fi

# ---- 7b. the caches ----
# GetRestaurant over every restaurant with Zipf popularity (s = 1, misc-loadgen --zipf), at
# concurrency 64: against a second server with the caches on (the default), and against the one
# above (--cache_max_entries=0: every call reads PostgreSQL), plus uniform ids with the cache
# off (the path every call took before the cache). Then ListReviews (workload list_reviews:
# anonymous, no page token, page size 20, exactly what the review_first_page cache keeps) with
# the same Zipf ids, cold and warm on the cached server and off on the other. Then
# ListRestaurants' first page (workload list_restaurants_first: no filter, page size 20, what
# the restaurant_first_page cache keeps) the same way. report.py prints the ratios.
cache_run() {  # cache_run NAME TARGET WORKLOAD [LOADGEN FLAGS...]
  local name=$1 run_target=$2 workload=$3
  shift 3
  say "cache: $name ($workload)"
  "$LOADGEN" --target="$run_target" --workload="$workload" --concurrency=64 --channels=4 \
    --duration="$duration" --warmup="$warmup" --restaurant_ids="1:$RESTAURANTS" "$@" \
    --json="$run_dir/cache-$name.loadgen.json" 2>"$run_dir/cache-$name.loadgen.log" ||
    say "misc-loadgen reported failures for cache-$name"
}
# cache_counters METRICS_ADDRESS: the server's misc_cache_*_total counters, one
# "name cache value" a line (the cache label kept: each cache's hit ratio is its own).
cache_counters() {
  python3 - "$1" <<'PY'
import re, sys, urllib.request
for line in urllib.request.urlopen(f"http://{sys.argv[1]}/metrics", timeout=5).read().decode().splitlines():
    if line.startswith("misc_cache_") and "_total{" in line:
        cache = re.search(r'[{,]cache="([^"]*)"', line)
        print(line.split("{")[0], cache.group(1) if cache else "-", line.rsplit(" ", 1)[1])
PY
}
# cache_counted_run NAME TARGET METRICS WORKLOAD [LOADGEN FLAGS...]: cache_run against the
# cached server, its counters written before and after the run (the run's own hit ratio).
cache_counted_run() {
  local name=$1 run_target=$2 metrics=$3
  shift 3
  cache_counters "$metrics" >"$run_dir/cache-$name.counters-before"
  cache_run "$name" "$run_target" "$@"
  cache_counters "$metrics" >"$run_dir/cache-$name.counters-after"
}
# cache_compare PREFIX WORKLOAD [LOADGEN FLAGS...]: PREFIX-cold on the cached server (from
# empty), then $cache_rounds rounds of PREFIX-on-rN (warm) on it and PREFIX-off-rN on the
# server with the caches off, one after the other. The VM's speed drifts by 15-30 % from one
# 10-second window to the next; interleaving the two puts each pair in the same spell, and
# report.py takes the median round.
cache_compare() {
  local prefix=$1 round
  shift
  cache_counted_run "$prefix-cold" "$cached_target" "$cached_metrics" "$@"
  for ((round = 1; round <= cache_rounds; round++)); do
    cache_counted_run "$prefix-on-r$round" "$cached_target" "$cached_metrics" "$@"
    cache_run "$prefix-off-r$round" "$target" "$@"
  done
}
if ((cache_step)); then
  cached_target=127.0.0.1:$(free_port)
  cached_metrics=127.0.0.1:$(free_port)
  say "starting misc-server with the caches on $cached_target"
  "$SERVER" "${server_flags[@]}" --listen="$cached_target" --metrics_listen="$cached_metrics" \
    2>"$run_dir/server-cached.log" &
  cached_pid=$!
  ceiling_pids+=("$cached_pid")
  wait_until_serving "$cached_target" "$cached_pid" "misc-server (cache on)" \
    "$run_dir/server-cached.log"
  # First from an empty cache (what a fresh pod sees), then again with what that run left:
  # the working set fits in the cache, so the warm rounds are its steady state. The hit ratio
  # of each comes from the server's own counters around the run (warm-up included). Each
  # round also runs uniform ids on the server with the cache off: every call before the cache.
  cache_counted_run zipf-cold "$cached_target" "$cached_metrics" get_restaurant --zipf
  # And pgbench's c=64 in the same rounds: step 6 runs it minutes after step 5's GetRestaurant,
  # which is no pair at all on this VM (report.py puts both ratios side by side).
  for ((round = 1; round <= cache_rounds; round++)); do
    cache_counted_run "zipf-on-r$round" "$cached_target" "$cached_metrics" get_restaurant --zipf
    cache_run "zipf-off-r$round" "$target" get_restaurant --zipf
    cache_run "uniform-off-r$round" "$target" get_restaurant
    say "cache: pgbench-r$round (GetRestaurant's SELECT, c=64)"
    pgbench "$DATABASE_URL" -n -M prepared -f "$pgbench_script" -c 64 -j "$(channels_for 64)" \
      -T "${duration%s}" >"$run_dir/cache-pgbench-r$round.txt" 2>&1 ||
      say "pgbench failed (see $run_dir/cache-pgbench-r$round.txt)"
  done
  # Peak RSS with the restaurant cache filled by those runs: what a production pod's memory
  # request must hold (the workloads above run with the cache off).
  grep VmHWM "/proc/$cached_pid/status" | awk '{print $2}' >"$run_dir/cache-server.hwm" || true
  # The review first-page cache is still empty: the GetRestaurant runs do not touch it.
  cache_compare reviews-zipf list_reviews --zipf
  # ... and with both caches filled. bench/scaling.py sizes pods with the latest of these.
  grep VmHWM "/proc/$cached_pid/status" | awk '{print $2}' \
    >"$run_dir/cache-server-reviews.hwm" || true
  # ListRestaurants' anonymous first page of 20 over every open restaurant (the list's top
  # page): one filter, so one entry of the restaurant first-page cache, read by every call.
  cache_compare lists list_restaurants_first
  stop_server "$cached_pid"
  ceiling_pids=()
fi

# ---- 7c. misc-rest ----
# The same services over HTTP/1.1 and JSON (docs/rest.md), through h2load --h1 with 64
# connections and one request in flight on each. First the memory-served routes, misc-rest on
# core 0 and h2load on core 1 as in step 7: what the HTTP front costs on top of the in-process
# call (report.py sets each next to misc-server's figure from step 7). Then GetRestaurant on the
# database path (both servers with the cache off, nothing pinned: PostgreSQL needs the cores
# too), over REST and over gRPC with the same h2load settings and restaurant, one after the other.

# rest_h2load NAME URL PID [h2load flags...]: one h2load run into $run_dir/rest-NAME.h2load.txt
# (under `taskset -c $rest_client_cpu` when set), and PID's CPU ticks over the measured window
# into .cpu_ticks.
rest_h2load() {
  local name=$run_dir/rest-$1 url=$2 pid=$3 pin=() h2load_pid warmup_ms before after
  shift 3
  [[ -n $rest_client_cpu ]] && pin=(taskset -c "$rest_client_cpu")
  "${pin[@]}" h2load -c 64 -m 1 -D "$(grpc_h2load_duration "$duration")" \
    --warm-up-time="$(grpc_h2load_duration "$warmup")" "$@" "$url" >"$name.h2load.txt" 2>&1 &
  h2load_pid=$!
  warmup_ms=$(grpc_h2load_duration "$warmup")
  sleep "$(awk -v ms="${warmup_ms%ms}" 'BEGIN { print ms / 1000 }')"
  before=$(cpu_ticks "$pid")
  wait "$h2load_pid" || say "h2load failed against $url (see $name.h2load.txt)"
  after=$(cpu_ticks "$pid")
  echo $((after - before)) >"$name.cpu_ticks"
}
if ((rest_step)); then
  # shellcheck source=bench/grpc-h2load.sh
  source bench/grpc-h2load.sh  # h2load itself, and its duration syntax
  grpc_h2load_install
  rest_address=127.0.0.1:$(free_port)
  rest_pin=() rest_client_cpu=""
  if (($(nproc) >= 2)); then rest_pin=(taskset -c 0) rest_client_cpu=1; fi
  say "starting misc-rest --cache_max_entries=0 on $rest_address"
  "${rest_pin[@]}" "$REST" "${server_flags[@]}" --cache_max_entries=0 \
    --http_listen="$rest_address" 2>"$run_dir/rest.log" &
  rest_pid=$!
  ceiling_pids+=("$rest_pid")
  for _ in $(seq 1 600); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://$rest_address/readyz") == 200 ]] && break
    kill -0 "$rest_pid" 2>/dev/null || die "misc-rest exited (see $run_dir/rest.log)"
    sleep 0.1
  done
  echo "64 ${rest_client_cpu:-none}" >"$run_dir/rest.setup"
  for route in health:/healthz list_genres:/v1/genres get_area:/v1/areas/1301 \
    check_rollout_target:/v1/rollout/targets/1; do
    name=${route%%:*} path=${route#*:}
    say "rest: GET $path, h2load --h1 -c 64"
    echo "$path" >"$run_dir/rest-$name.path"
    rest_h2load "$name" "http://$rest_address$path" "$rest_pid" --h1
  done
  # GetRestaurant, database path, nothing pinned: over REST, then over gRPC.
  ((${#rest_pin[@]} == 0)) || taskset -a -p -c "0-$(($(nproc) - 1))" "$rest_pid" >/dev/null
  rest_client_cpu=""
  echo "/v1/restaurants/1" >"$run_dir/rest-get_restaurant.path"
  say "rest: GET /v1/restaurants/1 (database path), h2load --h1 -c 64"
  rest_h2load get_restaurant "http://$rest_address/v1/restaurants/1" "$rest_pid" --h1
  frame=$run_dir/rest-get_restaurant-grpc.frame
  grpc_path=$(grpc_h2load_frame "$LOADGEN" get_restaurant 1 "$frame") ||
    die "misc-loadgen could not write the get_restaurant frame"
  say "rest: the same over gRPC, misc-server $grpc_path, h2load -c 64"
  rest_h2load get_restaurant-grpc "http://$target$grpc_path" "$server_pid" \
    "${GRPC_H2LOAD_HEADERS[@]}" -d "$frame"
  stop_server "$rest_pid"
  ceiling_pids=()
fi

# ---- 7d. unnamed statements ----
# What --db_unnamed_statements costs (docs/deploying.md, "PgBouncer"): GetRestaurant on the
# database path, uniform ids, at c=1 (one call's latency) and c=64, against the server above
# (prepared once per connection), a server sending every statement unnamed straight to
# PostgreSQL (PostgreSQL parses and plans each), and one doing so through PgBouncer 1.18 in
# transaction pooling mode with a pool of 8 (one more hop). Each server's CPU per call too.
unnamed_run() {  # unnamed_run NAME TARGET PID
  local c before after
  for c in 1 64; do
    say "unnamed statements: $1 at concurrency $c"
    before=$(cpu_ticks "$3")
    "$LOADGEN" --target="$2" --workload=get_restaurant --concurrency="$c" \
      --channels="$(channels_for "$c")" --duration="$duration" --warmup="$warmup" \
      --restaurant_ids="1:$RESTAURANTS" --json="$run_dir/unnamed-$1-c$c.loadgen.json" \
      2>"$run_dir/unnamed-$1-c$c.loadgen.log" || say "misc-loadgen reported failures for $1"
    after=$(cpu_ticks "$3")
    echo $((after - before)) >"$run_dir/unnamed-$1-c$c.cpu_ticks"
  done
}
if ((unnamed_step)); then
  unnamed_run prepared "$target" "$server_pid"
  scripts/pgbouncer.sh start "$WORK/pgbouncer" "$DATABASE_URL" 8 >/dev/null
  pgbouncer_url=$(scripts/pgbouncer.sh url "$WORK/pgbouncer")
  for variant in direct pgbouncer; do
    variant_url=$DATABASE_URL
    [[ $variant == pgbouncer ]] && variant_url=$pgbouncer_url
    variant_target=127.0.0.1:$(free_port)
    "$SERVER" "${server_flags[@]}" --listen="$variant_target" --cache_max_entries=0 \
      --db_unnamed_statements --database_url="$variant_url" \
      2>"$run_dir/server-unnamed-$variant.log" &
    variant_pid=$!
    ceiling_pids+=("$variant_pid")
    wait_until_serving "$variant_target" "$variant_pid" "misc-server (unnamed, $variant)" \
      "$run_dir/server-unnamed-$variant.log"
    unnamed_run "unnamed-$variant" "$variant_target" "$variant_pid"
    stop_server "$variant_pid"
    ceiling_pids=()
  done
  scripts/pgbouncer.sh stop "$WORK/pgbouncer" >/dev/null
fi

# ---- 8. profile ----
if ((profile)); then
  for workload in get_restaurant list_genres; do
    say "profiling misc-server under $workload at concurrency 64"
    perf record -e cpu-clock -F 999 -g -p "$server_pid" -o "$run_dir/$workload.perf.data" \
      -- sleep "${duration%s}" >/dev/null 2>&1 &
    perf_pid=$!
    "$LOADGEN" --target="$target" --workload="$workload" --concurrency=64 --channels=4 \
      --duration="$duration" --warmup=0s --restaurant_ids="1:$RESTAURANTS" \
      --tokens_file="$tokens" >/dev/null 2>&1 || true
    wait "$perf_pid" || say "perf record failed; see docs/benchmarks.md for callgrind instead"
    # Flat profiles, by library and by function, with the column padding squeezed out.
    {
      perf report -i "$run_dir/$workload.perf.data" --no-children --sort dso -g none --stdio \
        --percent-limit 0.5 2>/dev/null | grep '%' | sed 's/  */ /g'
      perf report -i "$run_dir/$workload.perf.data" --no-children --sort dso,symbol -g none \
        --stdio --percent-limit 0.4 2>/dev/null | grep '%' | sed 's/  */ /g; s/ - - *$//' |
        head -n 50
    } >"$run_dir/$workload.perf.txt" || true
  done
fi

# ---- 9. report ----
date_tag=$(date -u +%Y-%m-%d)
out=${out:-bench/results/$date_tag.json}
mkdir -p "$(dirname "$out")" bench/results docs/img
python3 bench/report.py collect --run-dir "$run_dir" --out "$out" \
  --concurrency "$concurrency" --workloads "$workloads" --server "$SERVER" \
  --database-url "$DATABASE_URL" --restaurants "$RESTAURANTS" --reviews "$reviews" \
  --duration "$duration" --warmup "$warmup"
python3 bench/report.py chart --in "$out" --png docs/img/benchmark-latency.png
python3 bench/report.py tables --in "$out" --update docs/benchmarks.md
python3 bench/report.py tables --in "$out"
# Capacity on paper from the figures just written; only for a run of every workload, since the
# page's and GetRestaurant's figures, pgbench and the cache step are its inputs.
if python3 bench/scaling.py --in "$out" --out docs/scaling.md; then
  say "capacity on paper: docs/scaling.md"
else
  say "docs/scaling.md not regenerated: $out lacks some of bench/scaling.py's inputs"
fi
say "results: $out (raw runs in $run_dir); tables above, chart docs/img/benchmark-latency.png"
