#!/usr/bin/env bash
# Regenerates docs/module-graph.dot (and docs/module-graph.svg when graphviz's `dot` is
# installed) from CMake's own view of the targets, keeping only misc's libraries and
# binaries, so the picture in docs/architecture.md cannot drift from the build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/CMakeGraphVizOptions.cmake" <<'OPTIONS'
set(GRAPHVIZ_EXTERNAL_LIBS FALSE)
set(GRAPHVIZ_GENERATE_PER_TARGET FALSE)
set(GRAPHVIZ_GENERATE_DEPENDERS FALSE)
set(GRAPHVIZ_IGNORE_TARGETS "^(.*_test|migrate_test|platform_test|misc_test_support|loadgen.*)$")
OPTIONS
cp "$work/CMakeGraphVizOptions.cmake" "$work/options.cmake"
cmake -S "$root" -B "$work/build" -G Ninja -DMISC_BUILD_TESTS=OFF \
  --graphviz="$work/graph.dot" >/dev/null
# CMake reads CMakeGraphVizOptions.cmake from the build dir; re-run with it in place.
cp "$work/options.cmake" "$work/build/CMakeGraphVizOptions.cmake"
cmake -S "$root" -B "$work/build" --graphviz="$work/graph.dot" >/dev/null
cp "$work/graph.dot" "$root/docs/module-graph.dot"
if command -v dot >/dev/null; then
  dot -Tsvg "$root/docs/module-graph.dot" -o "$root/docs/module-graph.svg"
  echo "wrote docs/module-graph.dot and docs/module-graph.svg"
else
  echo "wrote docs/module-graph.dot (install graphviz for the SVG)"
fi
