#!/usr/bin/env bash
# dockerfile_test.sh SOURCE_DIR
#
# Checks what only Docker and Compose read, and so has no behavioural test without a Docker
# engine: the build stage's base image, the package list it takes from
# scripts/install-deps.sh, the release preset and targets it builds, that every image is
# `FROM scratch` without a RUN or SHELL (a RUN there would fail only in `docker build`),
# .dockerignore, and docker-compose.yml. What an image runs (the file-set step, each image's
# ENTRYPOINT, CMD, USER and ENV) is run by image_fileset_test instead.
set -uo pipefail

(($# == 1)) || {
  echo "usage: dockerfile_test.sh SOURCE_DIR" >&2
  exit 2
}
src=$1
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

# The build stage: Debian 12, packages from install-deps.sh, the release preset and targets.
build=$(stage build)
expect_line "build stage" "$build" '^FROM debian:12 AS build$'
expect_line "build stage" "$build" 'COPY scripts/install-deps\.sh '
expect_line "build stage" "$build" 'cmake --preset release'
expect_line "build stage" "$build" \
  'cmake --build --preset release --target misc-servers misc-migrate'

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

# Every stage but the build one is an image `FROM scratch`, with nothing to run a RUN or SHELL
# with (image_fileset_test checks that each server binary has one); the last is misc, so that a
# `docker build` without --target builds misc-server.
mapfile -t images < <(sed -nE 's/^FROM .* AS ([a-z0-9-]+)$/\1/p' "$dockerfile" | grep -vx build)
((${#images[@]} >= 3)) || fail "fewer than three images: ${images[*]}"
[[ ${images[-1]:-} == misc ]] || fail "the last stage is ${images[-1]:-none}, not misc"
for target in "${images[@]}"; do
  text=$(stage "$target")
  expect_line "stage $target" "$text" "^FROM scratch AS $target\$"
  grep -Eq '^(RUN|SHELL)' <<<"$text" && fail "stage $target: RUN/SHELL in an image without a shell"
done

# The build context keeps local state out.
for ignored in build/ .state/ node_modules/; do
  grep -qxF -- "$ignored" "$src/.dockerignore" || fail ".dockerignore does not list $ignored"
done

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
