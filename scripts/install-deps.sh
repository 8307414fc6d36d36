#!/usr/bin/env bash
# install-deps.sh: installs what misc needs to build, test and run on Debian 12, and nothing that
# is already there. Safe to run again and again; prints nothing when there is nothing to do.
#
#   1. Debian packages (APT_PACKAGES below): `apt-get update` and `apt-get install` only for the
#      missing ones, through sudo when not root.
#   2. The buf CLI pinned in package.json, into node_modules/ (`npm ci`), unless
#      node_modules/.bin/buf already is that version.
#
#   scripts/install-deps.sh --bench   also the benchmark tools (BENCH_PACKAGES), for bench/run.sh
set -euo pipefail

# Everything misc needs from Debian. Add new packages here, one concern per line.
APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates  # toolchain
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler    # gRPC, protobuf
  golang-github-gogo-googleapis-dev grpc-proto                              # google/rpc, health protos
  libpqxx-dev libabsl-dev libspdlog-dev libfmt-dev libssl-dev libcpp-httplib-dev
  libboost-dev zlib1g-dev                                                   # HTTP (Beast), gzip
  nlohmann-json3-dev                                                        # JWT/JWKS parsing
  prometheus-cpp-dev                                                        # metrics
  libgtest-dev libgmock-dev libbenchmark-dev                                # tests, benchmarks
  prometheus                                                                # promtool (metrics test)
  procps util-linux                                                         # prlimit, pkill in tests
  kubernetes-client python3-yaml                                            # deploy/k8s render test
  python3-h2 openssl                                                        # crafted HTTP/2 frames, test certificates
  postgresql-15 postgresql-client-15                                        # database
  pgbouncer                                                                 # pooler tests (scripts/pgbouncer.sh)
  nodejs npm                                                                # for the buf CLI
  clang-format clang-tidy                                                   # style checks
)

# Only bench/run.sh needs these: h2load (the load generator's cross-check), gnuplot (the chart),
# perf and valgrind (where the time goes), python3 (the report). Kept out of CI's list.
BENCH_PACKAGES=(nghttp2-client gnuplot-nox linux-perf valgrind python3)
if [[ ${1:-} == --bench ]]; then
  APT_PACKAGES+=("${BENCH_PACKAGES[@]}")
elif (($# > 0)); then
  echo "usage: scripts/install-deps.sh [--bench]" >&2
  exit 2
fi

# nodejs and npm are wanted only for their commands: a machine may have Node.js from another
# source (NodeSource's nodejs bundles npm and conflicts with Debian's npm package), so when
# `node` and `npm` already run, those two packages are left alone.
NODE_PACKAGES=(nodejs npm)

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
  echo "install-deps: $*" >&2
  exit 1
}

have_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1
}

# Runs a command as root: directly when root, else through sudo (non-interactive without a
# terminal, so that CI fails instead of waiting for a password).
as_root() {
  if ((EUID == 0)); then
    "$@"
  elif ! command -v sudo >/dev/null 2>&1; then
    die "need root to install packages, and sudo is not installed: run this as root"
  elif [[ -t 0 ]]; then
    sudo "$@"
  else
    sudo -n "$@"
  fi
}

install_apt_packages() {
  command -v dpkg-query >/dev/null 2>&1 || die "this script supports Debian 12 (no dpkg-query)"
  # One dpkg-query for all (it fails for packages it has never heard of: not an error here).
  local installed missing=() pkg
  installed=" $({ dpkg-query -W -f='${Package}=${Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null ||
    true; } | sed -n 's/=install ok installed$//p' | tr '\n' ' ') "
  for pkg in "${APT_PACKAGES[@]}"; do
    if [[ " ${NODE_PACKAGES[*]} " == *" $pkg "* ]] && have_node; then
      continue
    fi
    # A kubectl from elsewhere (e.g. the upstream `kubectl` package) conflicts with Debian's.
    if [[ $pkg == kubernetes-client ]] && command -v kubectl >/dev/null 2>&1; then
      continue
    fi
    [[ $installed == *" $pkg "* ]] || missing+=("$pkg")
  done
  ((${#missing[@]} > 0)) || return 0

  echo "install-deps: installing ${missing[*]}"
  local log
  log=$(mktemp -t misc-install-deps.XXXXXX)
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300)
  if ! as_root "${apt[@]}" update >"$log" 2>&1 ||
    ! as_root "${apt[@]}" install --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    die "apt-get failed (output above)"
  fi
  rm -f "$log"
}

# The @bufbuild/buf version package.json pins, e.g. 1.75.0.
pinned_buf_version() {
  node -e 'const p = require(process.argv[1]);
           process.stdout.write((p.devDependencies || {})["@bufbuild/buf"] || "")' \
    "$REPO_ROOT/package.json"
}

install_npm_packages() {
  [[ -f $REPO_ROOT/package.json ]] || return 0
  have_node || die "node and npm are missing after installing packages"
  local want have=""
  want=$(pinned_buf_version)
  [[ -n $want ]] || die "package.json does not pin @bufbuild/buf"
  if [[ -x $REPO_ROOT/node_modules/.bin/buf ]]; then
    have=$("$REPO_ROOT/node_modules/.bin/buf" --version 2>/dev/null || true)
  fi
  [[ $have == "$want" ]] && return 0

  local npm_cmd=(npm install)
  [[ -f $REPO_ROOT/package-lock.json ]] && npm_cmd=(npm ci)
  local out
  if ! out=$(cd "$REPO_ROOT" && "${npm_cmd[@]}" --no-audit --no-fund --loglevel=error 2>&1); then
    echo "$out" >&2
    die "${npm_cmd[*]} failed in $REPO_ROOT"
  fi
  have=$("$REPO_ROOT/node_modules/.bin/buf" --version 2>/dev/null || true)
  [[ $have == "$want" ]] || die "node_modules/.bin/buf is '${have:-missing}', want $want"
  echo "install-deps: installed buf $want into node_modules/"
}

install_apt_packages
install_npm_packages
