#!/usr/bin/env bash
# check-tidy.sh: runs clang-tidy (configuration: .clang-tidy at the root) over the first-party .cc
# files and fails on any finding.
#
#   scripts/check-tidy.sh [--production] [REGEX]
#
#   (no option)    every .cc under src/ services/ cmd/ test/ bench/ (not test/boundaries/fixtures/,
#                  which holds deliberately bad code that is never built)
#   --production   only src/ services/ cmd/
#   REGEX          only the files whose path from the root matches REGEX (grep -E), e.g. '^src/db/'
#
# It prints the findings (each once, also when several files include the header it is in), a
# summary, and exits 1 when there is any. Environment:
#   MISC_TIDY_BUILD_DIR  its own build directory (default build/tidy): the script configures it
#                        (Debug, Ninja) and builds only the generated headers (protoc outputs, the
#                        embedded seed.sql), no object files, to get a compile database.
#   MISC_TIDY_COMPILE_DB instead, an existing build directory whose compile_commands.json and
#                        generated headers are used as they are (nothing is configured or built),
#                        e.g. MISC_TIDY_COMPILE_DB=build/dev after a build.
#   MISC_JOBS            clang-tidy processes in parallel (default: the number of cores).
# Relative directories are relative to the repository root.
# Needs clang-tidy and run-clang-tidy (Debian's clang-tidy package; scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
start=$SECONDS

usage() {
  echo "usage: scripts/check-tidy.sh [--production] [REGEX]" >&2
  exit "$1"
}
dirs='src|services|cmd|test|bench'
only=
while (($# > 0)); do
  case $1 in
    --production) dirs='src|services|cmd' ;;
    -h | --help) usage 0 ;;
    -*) usage 2 ;;
    *)
      [[ -z $only ]] || usage 2
      only=$1
      ;;
  esac
  shift
done
jobs=${MISC_JOBS:-$(nproc)}

for tool in clang-tidy run-clang-tidy python3; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "check-tidy: $tool is missing: run scripts/install-deps.sh" >&2
    exit 1
  }
done

# 1. A compile database, and the generated headers the sources include (outputs of custom
#    commands ending in .h: protoc and the seed.sql embedding, no compiler runs).
generated_headers() {
  ninja -C "$1" -t targets all | sed -n 's/^\([^/][^:]*\.h\): CUSTOM_COMMAND$/\1/p'
}
if [[ -n ${MISC_TIDY_COMPILE_DB:-} ]]; then
  [[ -f $MISC_TIDY_COMPILE_DB/compile_commands.json ]] || {
    echo "check-tidy: no compile_commands.json in $MISC_TIDY_COMPILE_DB (from $root)" >&2
    exit 1
  }
  build_dir=$(cd "$MISC_TIDY_COMPILE_DB" && pwd)
  if [[ -f $build_dir/build.ninja ]]; then
    while read -r header; do
      [[ -f $build_dir/$header ]] || {
        echo "check-tidy: $build_dir/$header is missing: build $build_dir first" >&2
        exit 1
      }
    done < <(generated_headers "$build_dir")
  fi
else
  build_dir=${MISC_TIDY_BUILD_DIR:-build/tidy}
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
  mapfile -t headers < <(generated_headers "$build_dir")
  ((${#headers[@]} == 0)) || ninja -C "$build_dir" "${headers[@]}" >/dev/null
  build_dir=$(cd "$build_dir" && pwd)
fi

# 2. The database clang-tidy reads: the selected first-party files only, without the flags that
#    only g++ knows (clang-tidy parses with clang, which rejects them). A tracked .cc that this
#    build does not compile (test/auth/jwt_fuzz.cc is built by clang only) gets the command of a
#    file in its directory.
work=$(mktemp -d -t misc-check-tidy.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The tracked .cc files that exist (outside a git checkout, every one). safe.directory: root
# may check a checkout that another user owns, which git refuses to read otherwise.
list_sources() {
  if git -c safe.directory="$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -c safe.directory="$root" ls-files -- '*.cc' | while read -r file; do
      if [[ -f $file ]]; then echo "$file"; fi
    done
  else
    find src services cmd test bench -name '*.cc' -type f | sort
  fi
}
list_sources | grep -E "^($dirs)/" | grep -v '^test/boundaries/fixtures/' |
  grep -E -e "${only:-.}" >"$work/files" || true
count=$(wc -l <"$work/files")
((count > 0)) || {
  echo "check-tidy: no files match '${only}'" >&2
  exit 1
}
python3 - "$build_dir/compile_commands.json" "$root" "$work" <<'EOF'
import json, os, re, shlex, subprocess, sys

db_path, root, work = sys.argv[1:]
wanted = [line.strip() for line in open(os.path.join(work, "files")) if line.strip()]
by_path = {}
for entry in json.load(open(db_path)):
    path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    args = entry.get("arguments") or shlex.split(entry["command"])
    by_path[path] = (entry["directory"], args)

# Every distinct -f/-m flag, tried once on an empty file: clang names the ones it does not know.
flags = sorted({a for _, args in by_path.values() for a in args[1:] if a[:2] in ("-f", "-m")})
empty = os.path.join(work, "empty.cc")
open(empty, "w").close()
probe = subprocess.run(
    ["clang-tidy", "--config={Checks: '-*,misc-misplaced-const'}", empty, "--"] + flags,
    capture_output=True, text=True)
unknown = set(re.findall(r"unknown argument:? '([^']+)'", probe.stdout + probe.stderr))

entries = []
for rel in wanted:
    path = os.path.join(root, rel)
    found = by_path.get(path)
    if found is None:  # not built here: borrow a neighbour's command
        neighbours = sorted(p for p in by_path if os.path.dirname(p) == os.path.dirname(path))
        if not neighbours:
            sys.exit(f"check-tidy: {rel} is in no target of this build and has no neighbour that is")
        directory, args = by_path[neighbours[0]]
        args = [path if os.path.normpath(os.path.join(directory, a)) == neighbours[0] else a
                for a in args]
        found = (directory, args)
    directory, args = found
    entries.append({"directory": directory, "file": path,
                    "arguments": [a for a in args if a not in unknown]})
os.makedirs(os.path.join(work, "db"))
json.dump(entries, open(os.path.join(work, "db", "compile_commands.json"), "w"), indent=1)
if unknown:
    print("check-tidy: left out the flags clang does not know: " + " ".join(sorted(unknown)),
          file=sys.stderr)
EOF

# 3. clang-tidy over them. Findings in headers: only ours (the .clang-tidy HeaderFilterRegex,
#    anchored here at this checkout so that generated headers under build/ are left out).
#    -Wno-unknown-warning-option: the database holds g++'s warning flags.
root_re=$(printf '%s' "$root" | sed 's/[][\.*^$+?(){}|]/\\&/g')
status=0
run-clang-tidy -quiet -j "$jobs" -p "$work/db" -header-filter="^$root_re/($dirs)/" \
  -extra-arg-before=-Wno-unknown-warning-option >"$work/log" 2>&1 || status=$?

# 4. Only what clang-tidy said (run-clang-tidy echoes each command line), each finding once.
python3 - "$work/log" "$count" "$((SECONDS - start))" "$status" <<'EOF'
import collections, re, sys

log, count, elapsed, status = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
head = re.compile(r"^(\S+:\d+:\d+: |)(warning|error): ")
noise = re.compile(r"^(\S*clang-tidy(-\d+)? .*-p=|\d+ (warnings?|errors?)( and \d+ errors?)? "
                   r"generated\.$|Error while processing |Found compiler errors?|Suppressed \d+ )")
color = re.compile(r"\x1b\[[0-9;]*m")
tty = sys.stdout.isatty()  # run-clang-tidy always asks for colours: keep them for a terminal
findings, current, other = [], None, []
for raw in open(log, errors="replace"):
    raw = raw.rstrip("\n")
    line = color.sub("", raw)
    shown = raw if tty else line
    if noise.match(line):
        current = None
    elif head.match(line):
        current = [line, shown]
        findings.append(current)
    elif current is not None:
        current[0] += "\n" + line
        current[1] += "\n" + shown
    elif line.strip():
        other.append(shown)
seen, unique = set(), []
for f in findings:
    if f[0] not in seen:
        seen.add(f[0])
        unique.append(f)
unique.sort(key=lambda f: f[0])
for f in unique:
    print(f[1] + ("\x1b[0m" if tty else ""))
for line in other:
    print(line)
def check_of(finding):
    name = re.search(r"\[([^\]]+?)(,-warnings-as-errors)?\]$", finding[0].split("\n")[0])
    return name.group(1) if name else "(no check name)"
by_check = collections.Counter(check_of(f) for f in unique)
summary = f"{count} files, {len(unique)} findings ({elapsed} s)"
if unique or status != 0:
    checks = ", ".join(f"{n} {check}" for check, n in by_check.most_common())
    print(f"check-tidy: FAILED: {summary}" + (f": {checks}" if checks else ""), file=sys.stderr)
    sys.exit(1)
print(f"check-tidy: OK: {summary}")
EOF
