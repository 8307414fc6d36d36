# shellcheck shell=bash
# bench/grpc-h2load.sh: h2load (nghttp2) as a gRPC load generator, for bench/run.sh and
# bench/h2load-crosscheck.sh. Source it; it defines functions only.
#
# h2load repeats one request body. For gRPC that body is one length-prefixed message (a zero
# byte, the length as 4 bytes big-endian, the serialized request), which misc-loadgen writes
# (--write_framed_request). h2load sees only HTTP statuses and counts a gRPC error in the
# trailers as a success, so a frame is first proved with one nghttp call.

GRPC_H2LOAD_HEADERS=(-H 'content-type: application/grpc' -H 'te: trailers')

# grpc_h2load_install: installs h2load and nghttp (Debian nghttp2-client) when missing, through
# sudo when not root.
grpc_h2load_install() {
  command -v h2load >/dev/null && command -v nghttp >/dev/null && return 0
  echo "grpc-h2load: installing nghttp2-client (h2load, nghttp)" >&2
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq nghttp2-client >/dev/null
}

# grpc_h2load_frame LOADGEN WORKLOAD RESTAURANT_ID FILE: writes one request of WORKLOAD (the
# restaurant id where it takes one) to FILE and prints the method's :path.
grpc_h2load_frame() {
  "$1" --workload="$2" --fixed_restaurant_id="$3" --write_framed_request="$4"
}

# grpc_h2load_status FRAME URL: prints the grpc-status one call of FRAME gets (0 is OK), or
# nothing when the answer has none.
grpc_h2load_status() {
  nghttp -v "${GRPC_H2LOAD_HEADERS[@]}" -d "$1" "$2" 2>&1 |
    grep -a -o 'grpc-status: [0-9]*' | head -n 1 | sed 's/grpc-status: //' || true
}

# grpc_h2load_answer_bytes FRAME URL: prints how many bytes one call of FRAME gets back in DATA
# frames (the gRPC message and its 5-byte prefix), to see that two servers answer alike.
# (h2load's own "data" total also counts the warm-up's calls.)
grpc_h2load_answer_bytes() {
  nghttp -v "${GRPC_H2LOAD_HEADERS[@]}" -d "$1" "$2" 2>&1 |
    grep -a -o 'recv DATA frame <length=[0-9]*' | sed 's/.*=//' |
    awk '{ total += $1 } END { print total + 0 }'
}

# grpc_h2load_duration DURATION: an Abseil duration ("1m30s", "10s", "500ms") in h2load's
# syntax (whole milliseconds, "500ms").
grpc_h2load_duration() {
  python3 -c '
import re, sys
total = 0.0
for value, unit in re.findall(r"([0-9.]+)(ms|us|h|m|s)", sys.argv[1]):
    total += float(value) * {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6}[unit]
print(f"{round(total * 1000)}ms")' "$1"
}

# grpc_h2load_run OUT FRAME URL DURATION WARMUP CPUS [h2load flags...]: runs h2load with FRAME as
# every request's body for DURATION after WARMUP (under `taskset -c CPUS` unless CPUS is
# empty), its output in OUT, and prints its calls/s over DURATION. Fails, with OUT on stderr,
# when h2load fails, any request failed or was not answered 2xx, or OUT cannot be read.
grpc_h2load_run() {
  local out=$1 frame=$2 url=$3 duration=$4 warmup=$5 cpus=$6 rate non_2xx failed
  shift 6
  local pin=()
  [[ -n $cpus ]] && pin=(taskset -c "$cpus")
  if ! "${pin[@]}" h2load "$@" -D "$(grpc_h2load_duration "$duration")" \
    --warm-up-time="$(grpc_h2load_duration "$warmup")" "${GRPC_H2LOAD_HEADERS[@]}" \
    -d "$frame" "$url" >"$out" 2>&1; then
    echo "grpc-h2load: h2load failed against $url:" >&2
    cat "$out" >&2
    return 1
  fi
  # "finished in 12.00s, 3913.67 req/s, 6.68MB/s": req/s over the main duration only.
  rate=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$out")
  non_2xx=$(sed -n \
    's/^status codes: [0-9]* 2xx, \([0-9]*\) 3xx, \([0-9]*\) 4xx, \([0-9]*\) 5xx/\1 \2 \3/p' "$out")
  failed=$(sed -n \
    's/^requests: .* \([0-9]*\) failed, \([0-9]*\) errored, \([0-9]*\) timeout.*/\1 \2 \3/p' "$out")
  if [[ -z $rate || $non_2xx != "0 0 0" || $failed != "0 0 0" ]]; then
    echo "grpc-h2load: h2load had failures or unreadable output against $url:" >&2
    cat "$out" >&2
    return 1
  fi
  echo "$rate"
}
