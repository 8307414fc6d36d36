#!/usr/bin/env bash
# test.sh: THE test command. Installs what is missing, builds, and runs every test.
#
#   scripts/test.sh [PRESET]     PRESET is a CMake preset: dev (default), asan or release
#
#   1. deps       scripts/install-deps.sh
#   2. configure  cmake --preset PRESET
#   3. build      cmake --build --preset PRESET; with MISC_CTEST_ARGS, only the executables of
#                 the tests they select (CI's dev run selects what its asan run left out)
#   4. test       ctest --preset PRESET: unit tests, buf lint, and integration tests against a
#                 throwaway PostgreSQL that a ctest fixture starts and stops
#                 (scripts/pg.sh start|stop build/PRESET/test-pg)
#
# Environment: MISC_JOBS (default: the number of cores) for the build and for ctest;
# MISC_CTEST_ARGS for extra ctest arguments, e.g. MISC_CTEST_ARGS="-R restaurant".
# Exits non-zero when any step fails, and prints how long each step took.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PRESET=${1:-dev}
JOBS=${MISC_JOBS:-$(nproc)}
TEST_PG_DIR="build/$PRESET/test-pg"
# The streaming replica of it that the read replica tests' fixture makes (test/replica).
TEST_REPLICA_DIR="build/$PRESET/test-pg-replica"
CTEST_LOG="build/$PRESET/ctest-output.log"

summary=()
current=""
started=0

now() { date +%s.%N; }

seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Runs one named step, timing it; a failing step ends the script (set -e, then cleanup).
step() {
  current=$1
  shift
  echo "==> $current: $*"
  started=$(now)
  "$@"
  summary+=("$(printf '  %-10s ok    %7ss' "$current" "$(seconds_since "$started")")")
  current=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $current ]]; then
    summary+=("$(printf '  %-10s FAILED %6ss' "$current" "$(seconds_since "$started")")")
  fi
  # ctest's fixture stops the throwaway PostgreSQL, except when ctest itself is interrupted.
  # So does the PgBouncer of the pgbouncer tests' fixture, in front of it.
  scripts/pgbouncer.sh stop "build/$PRESET/test-pgbouncer" >/dev/null 2>&1 || true
  scripts/pg.sh stop "$TEST_REPLICA_DIR" --purge >/dev/null 2>&1 || true
  scripts/pg.sh stop "$TEST_PG_DIR" --purge >/dev/null 2>&1 || true
  echo
  echo "test.sh summary (preset $PRESET):"
  printf '%s\n' "${summary[@]}"
  if ((rc == 0)); then
    echo "test.sh: all steps passed"
  else
    # shellcheck disable=SC2016  # $current does expand: the quotes are inside "..."
    echo "test.sh: FAILED (exit $rc)${current:+ in step '$current'}"
  fi
  # Last line: the counts from ctest's own closing line, when ctest got that far.
  local counts
  counts=$(sed -nE 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+)$/\1 \2/p' \
    "$CTEST_LOG" 2>/dev/null | tail -n 1 || true)
  if [[ -n $counts ]]; then
    read -r failed total <<<"$counts"
    echo "tests: $((total - failed)) passed, $failed failed"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r -a ctest_extra <<<"${MISC_CTEST_ARGS:-}"

run_ctest() {
  rm -f "$CTEST_LOG"
  ctest --preset "$PRESET" --output-on-failure --no-tests=error -j "$JOBS" "${ctest_extra[@]}" |
    tee "$CTEST_LOG"
}

# Builds everything, or, when MISC_CTEST_ARGS select tests, only what they run: the commands
# (servers, misc-migrate, misc-devtoken: script tests such as the docs' flag check run them)
# and each selected test's executable. Ninja builds an output by its path, and a test's
# add_dependencies (e.g. misc-server) with it. Before its first build a GoogleTest binary is one
# placeholder test, <target>_NOT_BUILT, whose cases ctest discovers once it is built.
build() {
  if ((${#ctest_extra[@]} == 0)); then
    cmake --build --preset "$PRESET" -j "$JOBS"
    return
  fi
  local build_dir=$PWD/build/$PRESET targets
  # A test's executable: its command when under the build tree, else (not built yet, so ctest
  # has no path for it) the target its name names; kept only if Ninja knows such a target.
  mapfile -t targets < <(ctest --preset "$PRESET" --show-only=json-v1 "${ctest_extra[@]}" |
    /usr/bin/python3 -c '
import json, os, subprocess, sys
build_dir = sys.argv[1]
known = set(line.split(":")[0] for line in subprocess.run(
    ["ninja", "-C", build_dir, "-t", "targets", "all"], capture_output=True, text=True,
    check=True).stdout.splitlines())
for test in json.load(sys.stdin)["tests"]:
    command = (test.get("command") or [""])[0]
    name = test["name"].removesuffix("_NOT_BUILT")
    if command.startswith(build_dir + "/"):
        target = os.path.relpath(command, build_dir)
    else:
        target = name
    if target in known:
        print(target)' "$build_dir" | sort -u)
  echo "building the commands and the ${#targets[@]} test executables MISC_CTEST_ARGS select"
  cmake --build --preset "$PRESET" -j "$JOBS" \
    --target misc-servers misc-migrate misc-devtoken "${targets[@]}"
}

step deps bash scripts/install-deps.sh
step configure cmake --preset "$PRESET"
step build build
step test run_ctest
