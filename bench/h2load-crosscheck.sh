#!/usr/bin/env bash
# h2load-crosscheck.sh: checks misc-loadgen's calls/s against h2load (nghttp2), an independent
# HTTP/2 load generator, on the same request, connections and concurrency. A large gap means
# one of them measures something else (or the client, not the server, is the bottleneck).
#
#   bench/h2load-crosscheck.sh HOST:PORT
#
# For each workload (list_genres, served from memory; get_restaurant of one fixed id, one
# database query):
#   1. misc-loadgen --write_framed_request writes the gRPC frame (5-byte header + request)
#      and prints the method's :path;
#   2. one request of that frame with nghttp must end with `grpc-status: 0`: h2load counts any
#      HTTP 200 as a success, even a gRPC error in the trailers;
#   3. h2load -c CONNECTIONS -m STREAMS (h2c, content-type application/grpc, te: trailers);
#   4. misc-loadgen with --channels=CONNECTIONS --concurrency=CONNECTIONS*STREAMS, which also
#      fails on any gRPC error;
#   5. repeats 3 and 4 ROUNDS times, alternating, and prints the median calls/s of each and
#      their ratio (loadgen / h2load).
# Exits 1 when a ratio is off by more than TOLERANCE percent or a run fails, 2 on bad usage.
#
# Environment: LOADGEN (path to misc-loadgen; default: the release build's), CONNECTIONS (2),
# STREAMS (8, per connection), DURATION (10s), WARMUP (2s), RESTAURANT_ID (1), TOLERANCE (15),
# ROUNDS (3), CLIENT_CPUS (e.g. "1": run both clients under `taskset -c`).
#
# Both clients share the machine with the server when it is local. misc-loadgen is a real gRPC
# C++ client that parses every response, so it spends several times h2load's CPU per call; when
# the server is CPU-bound (memory-served calls) on the same cores, that CPU is taken from the
# server and misc-loadgen measures less. For a clean comparison, give the server and the
# clients separate CPUs: `taskset -c 0 misc-server ...` and CLIENT_CPUS=1.
# Installs h2load (Debian nghttp2-client) with apt when missing, through sudo when not root.
set -euo pipefail

say() { echo "h2load-crosscheck: $*" >&2; }
die() {
  say "$*"
  exit "${2:-1}"
}

[[ $# -eq 1 && $1 == *:* ]] || die "usage: $0 HOST:PORT" 2
target=$1
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/grpc-h2load.sh
source bench/grpc-h2load.sh

connections=${CONNECTIONS:-2}
streams=${STREAMS:-8}
duration=${DURATION:-10s}
warmup=${WARMUP:-2s}
restaurant_id=${RESTAURANT_ID:-1}
tolerance=${TOLERANCE:-15}
rounds=${ROUNDS:-3}
client_cpus=${CLIENT_CPUS:-}
pin=()
[[ -n $client_cpus ]] && pin=(taskset -c "$client_cpus")
concurrency=$((connections * streams))

loadgen=${LOADGEN:-}
if [[ -z $loadgen ]]; then
  for candidate in build/release/bench/loadgen/misc-loadgen build/*/bench/loadgen/misc-loadgen; do
    if [[ -x $candidate ]]; then
      loadgen=$candidate
      break
    fi
  done
fi
[[ -n $loadgen && -x $loadgen ]] ||
  die "no misc-loadgen: build it (cmake --build --preset release --target misc-loadgen) or set LOADGEN"

grpc_h2load_install

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_h2load WORKLOAD FRAME URL: prints h2load's calls/s; fails on any non-2xx or error.
run_h2load() {
  grpc_h2load_run "$work/$1.h2load" "$2" "$3" "$duration" "$warmup" "$client_cpus" \
    -c "$connections" -m "$streams" || {
    say "$1: h2load failed (output above)"
    return 1
  }
}

# run_loadgen WORKLOAD: prints misc-loadgen's calls/s; fails on any gRPC error.
run_loadgen() {
  local workload=$1 json=$work/$1.json
  if ! "${pin[@]}" "$loadgen" --target="$target" --workload="$workload" \
    --fixed_restaurant_id="$restaurant_id" --channels="$connections" \
    --concurrency="$concurrency" --duration="$duration" --warmup="$warmup" --json="$json" \
    2>"$work/$workload.loadgen.log"; then
    say "$workload: misc-loadgen failed:"
    cat "$work/$workload.loadgen.log" >&2
    return 1
  fi
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["calls_per_s"])' "$json"
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

rc=0
printf '%-16s %15s %15s %7s\n' workload h2load_calls/s loadgen_calls/s ratio
for workload in list_genres get_restaurant; do
  frame=$work/$workload.frame
  path=$(grpc_h2load_frame "$loadgen" "$workload" "$restaurant_id" "$frame") ||
    die "misc-loadgen could not write the $workload frame"
  url="http://$target$path"

  # h2load sees only HTTP status codes: prove once that this exact frame is a gRPC success.
  status=$(grpc_h2load_status "$frame" "$url")
  if [[ $status != 0 ]]; then
    say "$workload: the framed request does not succeed (grpc-status ${status:-missing}) at $url"
    rc=1
    continue
  fi

  # Alternate the two so that a change in the machine's load hits both alike.
  h2load_rates=() loadgen_rates=()
  for ((round = 0; round < rounds; round++)); do
    rate=$(run_h2load "$workload" "$frame" "$url") || {
      rc=1
      continue 2
    }
    h2load_rates+=("$rate")
    rate=$(run_loadgen "$workload") || {
      rc=1
      continue 2
    }
    loadgen_rates+=("$rate")
  done
  h2load_rate=$(median "${h2load_rates[@]}")
  loadgen_rate=$(median "${loadgen_rates[@]}")

  verdict=$(python3 -c '
import sys
h2load, loadgen, tolerance = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
ratio = loadgen / h2load if h2load > 0 else 0.0
print(f"{ratio:.3f}", "ok" if abs(ratio - 1) * 100 <= tolerance else "off")' \
    "$h2load_rate" "$loadgen_rate" "$tolerance")
  read -r ratio ok <<<"$verdict"
  printf '%-16s %15.1f %15.1f %7s\n' "$workload" "$h2load_rate" "$loadgen_rate" "$ratio"
  if ((rounds > 1)); then
    say "$workload rounds: h2load ${h2load_rates[*]}; misc-loadgen ${loadgen_rates[*]}"
  fi
  if [[ $ok != ok ]]; then
    say "$workload: misc-loadgen and h2load differ by more than $tolerance% (ratio $ratio)"
    rc=1
  fi
done
say "$connections connection(s) x $streams streams = concurrency $concurrency, $duration after" \
  "$warmup warm-up, restaurant $restaurant_id, median of $rounds round(s)" \
  "${CLIENT_CPUS:+(clients on CPUs $CLIENT_CPUS)}"
exit "$rc"
