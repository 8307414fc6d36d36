#!/usr/bin/env bash
# split_steps_test.sh SOURCE_DIR BUILD_DIR [CMAKE_ARG...]
#
# Proves that docs/splitting-a-service.md's steps are complete: copies the source tree into
# BUILD_DIR/split-scratch/tree, applies the page's tagged code blocks to the copy (a block whose
# first line is `// <path>` or `# <path>` is a new file; `# <path>: before <text>` is inserted
# before the first line of <path> starting with <text>), so that the copy gains misc-review,
# then configures it with CMAKE_ARGs (the outer build's type and flags), builds misc-review and
# the tests that cover every server binary, and runs them. They must find misc-review and pass.
# Nothing else is edited: if a split ever needs another edit, this fails.
#
# The scratch build sits at the same depth below its tree as BUILD_DIR below SOURCE_DIR, and
# ccache keys are relative to the source tree (CMakeLists.txt), so it reuses the outer build's
# objects: it recompiles only what names its own paths.
set -euo pipefail

(($# >= 2)) || {
  echo "usage: split_steps_test.sh SOURCE_DIR BUILD_DIR [CMAKE_ARG...]" >&2
  exit 2
}
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
shift 2
scratch=$build/split-scratch
tree=$scratch/tree
scratch_build=$tree/$(realpath --relative-to="$src" "$build")
start=$SECONDS

rm -rf "$scratch"
mkdir -p "$tree"

# 1. The source tree as a checkout has it: tracked and untracked-but-not-ignored files.
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do [[ -e $file ]] && printf '%s\0' "$file"; done |
    tar --null -T - -cf -) | tar -xf - -C "$tree"
else
  tar -C "$src" --exclude=./build --exclude=./node_modules --exclude=./.state -cf - . |
    tar -xf - -C "$tree"
fi
[[ -e $src/node_modules ]] && ln -s "$src/node_modules" "$tree/node_modules"

# 2. The page's steps, applied to the copy.
/usr/bin/python3 - "$tree" "$src/docs/splitting-a-service.md" <<'EOF'
import pathlib, re, sys

tree, page = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]).read_text()
marker = re.compile(r"^(?://|#) ((?:[\w.-]+/)*[\w.-]+)(?:: before (.+))?$")
applied = []
for block in re.findall(r"^```[a-z]*\n(.*?)^```$", page, flags=re.S | re.M):
    first, _, body = block.partition("\n")
    match = marker.match(first)
    if not match or not ("/" in match.group(1) or match.group(1) == "Dockerfile"):
        continue
    path, anchor = tree / match.group(1), match.group(2)
    if anchor is None:
        if path.exists():
            sys.exit(f"split_steps_test: {match.group(1)} already exists in the tree")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    else:
        anchor = anchor.strip("`")
        lines = path.read_text().splitlines(keepends=True)
        at = next((i for i, line in enumerate(lines) if line.startswith(anchor)), None)
        if at is None:
            sys.exit(f"split_steps_test: no line of {match.group(1)} starts with {anchor!r}")
        lines[at:at] = [body]
        path.write_text("".join(lines))
    applied.append(first)
if len(applied) < 4:
    sys.exit(f"split_steps_test: found {len(applied)} tagged code blocks, expected 4: {applied}")
print("applied:", *applied, sep="\n  ")
EOF

# 3. Configure, build and run what covers every server binary, in the scratch build.
cmake -S "$tree" -B "$scratch_build" -G Ninja "$@" >"$scratch/configure.log" 2>&1 || {
  cat "$scratch/configure.log"
  exit 1
}
grep -q '^misc-review	' "$scratch_build/servers.tsv" || {
  echo "FAIL: servers.tsv does not list misc-review:" >&2
  cat "$scratch_build/servers.tsv" >&2
  exit 1
}
cmake --build "$scratch_build" -j "$(nproc)" \
  --target misc-review server_binaries_test image_fileset_test
"$scratch_build/test/server/server_binaries_test" --gtest_list_tests | grep -q 'misc_review' || {
  echo "FAIL: server_binaries_test has no case for misc-review" >&2
  exit 1
}
ctest --test-dir "$scratch_build" --output-on-failure \
  -R '^(server_binaries_test|image_fileset_test|image_dockerfile_test)$'

echo "split_steps_test: misc-review built and tested from the page's steps in $((SECONDS - start)) s"
rm -rf "$scratch"
