#!/usr/bin/env bash
# bench/micro/run.sh: builds the micro-benchmarks with the release preset, runs each one and
# prints a short table; Google Benchmark's JSON is kept in bench/results/micro-<topic>.json
# (micro-page_token.json for page_token_benchmark).
#
#   bench/micro/run.sh [--build-dir DIR] [--out-dir DIR] [--filter REGEX] [NAME...]
#
#   NAME           only these benchmarks (default: all of them, e.g. page_token_benchmark)
#   --build-dir    configure and build DIR as a Release build instead of the release preset's
#                  build/release (for a machine where another job owns build/release)
#   --out-dir      where the JSON goes (default bench/results)
#   --filter       passed on as --benchmark_filter
#
# Each benchmark runs 5 repetitions and reports their mean, median, stddev and cv; the table
# shows the medians of wall and CPU time per operation and the cv of the wall time. On a busy
# machine the wall time includes waiting for a core, so CPU time is the steadier figure.
# Nothing is asserted: the numbers are this machine's, comparable only with runs on the same
# machine (docs/benchmarks.md). MISC_JOBS sets the build's parallelism (default: all cores).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

ALL_BENCHMARKS=(jwt_verify_benchmark page_token_benchmark utf8_benchmark
                status_benchmark observability_benchmark)

say() { echo "micro: $*" >&2; }
die() {
  echo "micro: $*" >&2
  exit 1
}

build_dir=""
out_dir=bench/results
filter=""
benchmarks=()
while (($# > 0)); do
  case $1 in
    --build-dir) build_dir=${2:?--build-dir needs a directory} && shift ;;
    --out-dir) out_dir=${2:?--out-dir needs a directory} && shift ;;
    --filter) filter=${2:?--filter needs a regex} && shift ;;
    -h | --help)
      sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) benchmarks+=("$1") ;;
  esac
  shift
done
((${#benchmarks[@]} > 0)) || benchmarks=("${ALL_BENCHMARKS[@]}")
for name in "${benchmarks[@]}"; do
  [[ " ${ALL_BENCHMARKS[*]} " == *" $name "* ]] ||
    die "no benchmark '$name'; there are: ${ALL_BENCHMARKS[*]}"
done

jobs=${MISC_JOBS:-$(nproc)}
if [[ -z $build_dir ]]; then
  build_dir=build/release
  say "building ${benchmarks[*]} (release preset, -j$jobs)"
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$jobs" --target "${benchmarks[@]}"
else
  say "building ${benchmarks[*]} in $build_dir (Release, -j$jobs)"
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" -j "$jobs" --target "${benchmarks[@]}"
fi

mkdir -p "$out_dir"
say "load average before running: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
results=()
for name in "${benchmarks[@]}"; do
  out="$out_dir/micro-${name%_benchmark}.json"
  say "running $name -> $out"
  args=(--benchmark_format=json "--benchmark_out=$out" --benchmark_repetitions=5
        --benchmark_report_aggregates_only=true)
  [[ -z $filter ]] || args+=("--benchmark_filter=$filter")
  # stdout repeats the JSON of the file; the table below is the readable summary.
  "$build_dir/bench/micro/$name" "${args[@]}" >/dev/null
  results+=("$out")
done

if ! command -v python3 >/dev/null; then
  say "python3 not found, so no table: the results are in ${results[*]}"
  exit 0
fi
python3 - "${results[@]}" <<'EOF'
import json
import sys

NS_PER = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}

def per_op(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2f} {unit}"
    return f"{ns:.1f} ns"

rows = []
for path in sys.argv[1:]:
    with open(path) as f:
        data = json.load(f)
    cv = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "cv":
            cv[b["run_name"]] = b["real_time"] * 100  # cv is reported as a fraction.
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        scale = NS_PER[b["time_unit"]]
        rows.append((b["run_name"], per_op(b["real_time"] * scale), per_op(b["cpu_time"] * scale),
                     f"{cv.get(b['run_name'], 0):.1f}%", b.get("label", "")))

width = max(len(r[0]) for r in rows) if rows else 10
print(f"{'benchmark':<{width}}  {'wall/op':>10}  {'cpu/op':>10}  {'cv':>6}  label")
for name, wall, cpu, cv, label in rows:
    print(f"{name:<{width}}  {wall:>10}  {cpu:>10}  {cv:>6}  {label}")
EOF
