#!/usr/bin/env bash
# dockerfile_test.sh SOURCE_DIR SERVER_PATH RESTAURANT_PATH MIGRATE_PATH
#
# Checks without a Docker engine what the Dockerfile, docker-compose.yml and .dockerignore rely
# on: the stages and targets, the paths of the binaries in the release build tree (the *_PATH
# arguments: each target's file relative to the build directory, from CMake), the package list
# taken from scripts/install-deps.sh, and scripts/runtime-fileset.sh.
set -uo pipefail

(($# == 4)) || {
  echo "usage: dockerfile_test.sh SOURCE_DIR SERVER_PATH RESTAURANT_PATH MIGRATE_PATH" >&2
  exit 2
}
src=$1
declare -A target_binary=([misc]=$2 [restaurant]=$3 [migrate]=$4)
dockerfile=$src/Dockerfile
compose=$src/docker-compose.yml
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Prints the lines of stage $1 of the Dockerfile (from its FROM to the next FROM).
stage() {
  awk -v name="$1" '
    toupper($1) == "FROM" { in_stage = (tolower($NF) == tolower(name)) }
    in_stage' "$dockerfile"
}

expect_line() {  # expect_line WHAT TEXT REGEX
  grep -Eq -- "$3" <<<"$2" || fail "$1: no line matching /$3/"
}

[[ -f $dockerfile ]] || {
  echo "FAIL: $dockerfile is missing" >&2
  exit 1
}

# The build stage: Debian 12, packages from install-deps.sh, the release preset, the file sets.
build=$(stage build)
expect_line "build stage" "$build" '^FROM debian:12 AS build$'
expect_line "build stage" "$build" 'COPY scripts/install-deps\.sh '
expect_line "build stage" "$build" 'cmake --preset release'
expect_line "build stage" "$build" \
  'cmake --build --preset release --target misc-server misc-restaurant misc-migrate'
for target in misc restaurant migrate; do
  expect_line "build stage" "$build" \
    "scripts/runtime-fileset\.sh build/release/${target_binary[$target]} /out/$target( |$)"
done
expect_line "build stage" "$build" '--with-migrations migrations'

# The sed program the Dockerfile uses on install-deps.sh still finds the package list there.
sed_program=$(grep -o "sed -n '/^APT_PACKAGES=([^']*'" "$dockerfile" | head -n1 |
  sed -E "s/^sed -n '//; s/'$//")
if [[ -z $sed_program ]]; then
  fail "the Dockerfile does not take APT_PACKAGES from install-deps.sh with sed -n '...'"
else
  packages=" $(sed -n "$sed_program" "$src/scripts/install-deps.sh" | tr -s ' \n' '  ') "
  for pkg in build-essential cmake ninja-build libgrpc++-dev libpqxx-dev ca-certificates; do
    [[ $packages == *" $pkg "* ]] || fail "the Dockerfile's sed finds no $pkg in APT_PACKAGES"
  done
  [[ $packages != *'#'* && $packages != *'('* && $packages != *')'* ]] ||
    fail "the Dockerfile's sed leaves comments or parentheses in the package list: $packages"
fi

# One scratch image per command.
for target in misc restaurant migrate; do
  text=$(stage "$target")
  binary=$(basename "${target_binary[$target]}")
  expect_line "stage $target" "$text" "^FROM scratch AS $target\$"
  expect_line "stage $target" "$text" "^COPY --from=build /out/$target/ /\$"
  expect_line "stage $target" "$text" '^USER 65532:65532$'
  expect_line "stage $target" "$text" "^ENTRYPOINT \[\"/usr/local/bin/$binary\"\]\$"
  if [[ $target == migrate ]]; then
    expect_line "stage $target" "$text" '^ENV MISC_MIGRATIONS_DIR=/migrations$'
  else
    expect_line "stage $target" "$text" '^EXPOSE 50051 9464$'
    expect_line "stage $target" "$text" 'MISC_LISTEN=0\.0\.0\.0:50051'
    expect_line "stage $target" "$text" 'MISC_METRICS_LISTEN=0\.0\.0\.0:9464'
  fi
  grep -Eq '^(RUN|SHELL)' <<<"$text" && fail "stage $target: RUN/SHELL in an image without a shell"
done

# The build context keeps local state out.
for ignored in build/ .state/ node_modules/; do
  grep -qxF -- "$ignored" "$src/.dockerignore" || fail ".dockerignore does not list $ignored"
done

# The script: valid bash, executable.
[[ -x $src/scripts/runtime-fileset.sh ]] || fail "scripts/runtime-fileset.sh is not executable"
bash -n "$src/scripts/runtime-fileset.sh" || fail "scripts/runtime-fileset.sh: syntax error"

# docker-compose.yml: the targets it builds exist and it orders start-up.
if [[ ! -f $compose ]]; then
  fail "$compose is missing"
else
  mapfile -t compose_targets < <(sed -nE 's/^\s*target:\s*(\S+)\s*$/\1/p' "$compose")
  ((${#compose_targets[@]} > 0)) || fail "docker-compose.yml builds no target"
  for target in "${compose_targets[@]}"; do
    grep -Eq "^FROM scratch AS $target\$" "$dockerfile" ||
      fail "docker-compose.yml builds target $target, which the Dockerfile lacks"
  done
  grep -Eq 'image:\s*postgres:15' "$compose" || fail "docker-compose.yml: no postgres:15"
  grep -Eq 'condition:\s*service_healthy' "$compose" ||
    fail "docker-compose.yml: nothing waits for a healthy postgres"
  grep -Eq 'condition:\s*service_completed_successfully' "$compose" ||
    fail "docker-compose.yml: misc does not wait for migrate"
fi

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "Dockerfile, docker-compose.yml and .dockerignore: all checks passed"
