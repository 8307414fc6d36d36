#!/usr/bin/env bash
# check_k8s.sh [--sizing] ARGS...: runs check_k8s.py (or check_sizing.py; same arguments) after
# making sure their tools exist.
# A missing tool is a FAILURE naming the Debian package (scripts/install-deps.sh installs
# both), never a skip: an unchecked deployment must not look like a passing one.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if ! command -v kubectl >/dev/null 2>&1; then
  echo "FAIL: kubectl not found; install the Debian package kubernetes-client" \
       "(scripts/install-deps.sh)" >&2
  exit 1
fi
if ! kubectl kustomize --help >/dev/null 2>&1; then
  echo "FAIL: this kubectl has no 'kustomize' command; install the Debian package" \
       "kubernetes-client (kubectl 1.14 or newer)" >&2
  exit 1
fi

# Debian's python3 first (python3-yaml is installed for it), then whatever python3 is on PATH.
python=
for candidate in /usr/bin/python3 "$(command -v python3 || true)"; do
  if [[ -n "$candidate" && -x "$candidate" ]] && "$candidate" -c 'import yaml' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [[ -z "$python" ]]; then
  echo "FAIL: no python3 with the yaml module; install the Debian package python3-yaml" \
       "(scripts/install-deps.sh)" >&2
  exit 1
fi

# --sizing: check_sizing.py (the production overlay against docs/scaling.md's plan) instead.
script=check_k8s.py
if [[ ${1:-} == --sizing ]]; then
  script=check_sizing.py
  shift
fi
exec "$python" "$here/$script" --kubectl "$(command -v kubectl)" "$@"
