#!/usr/bin/env bash
# pin_image_digests_test.sh REPO_ROOT: scripts/pin-image-digests.sh on copies of deploy/k8s
# (never the checked-in overlays): digests from NAME=sha256:... arguments and from
# `docker buildx imagetools inspect` output reach the rendered images; tags go; comments stay;
# every bad input is refused with the file unchanged. Needs kubectl (kubernetes-client).
set -euo pipefail
root=${1:?usage: pin_image_digests_test.sh REPO_ROOT}
script=$root/scripts/pin-image-digests.sh
release=$root/test/deploy/fixtures/imagetools/release-1.4.0.txt
command -v kubectl >/dev/null 2>&1 || {
  echo "FAIL: kubectl not found; install the Debian package kubernetes-client" >&2
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
not_ok() { echo "FAIL: $*"; failed=$((failed + 1)); }
# same WHAT GOT WANT: ok when GOT is WANT.
same() {
  if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1: got
$2
want
$3"; fi
}

# A fresh copy of deploy/k8s; prints the production overlay's directory in it.
fresh() {
  rm -rf "$work/k8s"
  cp -r "$root/deploy/k8s" "$work/k8s"
  echo "$work/k8s/overlays/production"
}
images() { kubectl kustomize "$1" | sed -n 's/^ *image: //p' | sort; }
digest_of() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

D_MISC=sha256:$(digest_of misc)
D_REST=sha256:$(digest_of rest)
D_MIGRATE=sha256:$(digest_of migrate)

# 1. NAME=sha256:... arguments.
overlay=$(fresh)
comments_before=$(grep -c '#' "$overlay/kustomization.yaml")
"$script" --overlay "$overlay" misc/misc="$D_MISC" misc/rest="$D_REST" \
  misc/migrate="$D_MIGRATE" >/dev/null || not_ok "pin-image-digests failed"
same "arguments pin every image" "$(images "$overlay")" \
  "registry.example.com/misc/migrate@$D_MIGRATE
registry.example.com/misc/misc@$D_MISC
registry.example.com/misc/rest@$D_REST"
same "comments kept" "$(grep -c '#' "$overlay/kustomization.yaml")" "$comments_before"

# 2. Again with the same digests: nothing changes; one image alone keeps the others.
cp "$overlay/kustomization.yaml" "$work/before"
"$script" --overlay "$overlay" misc/misc="$D_MISC" >/dev/null || not_ok "pin-image-digests failed"
same "same digest: file unchanged" "$(cat "$overlay/kustomization.yaml")" "$(cat "$work/before")"

# 3. The output of docker buildx imagetools inspect: the index digest of each image (the first,
#    top-level Digest:), not a platform's or an attestation's.
overlay=$(fresh)
"$script" --overlay "$overlay" --imagetools "$release" >/dev/null ||
  not_ok "pin-image-digests failed"
want=$(sed -n 's/^Name: *\(.*\):1\.4\.0$/\1/p; s/^Digest: *//p' "$release" | paste -d@ - - | sort)
same "imagetools output pins every image" "$(images "$overlay")" "$want"
overlay=$(fresh)
"$script" --overlay "$overlay" --imagetools - <"$release" >/dev/null ||
  not_ok "pin-image-digests failed"
same "imagetools output on standard input" "$(images "$overlay")" "$want"

# 4. An overlay with tags (staging): pinning every image replaces each newTag by a digest.
staging=$work/k8s/overlays/staging
"$script" --overlay "$staging" misc/misc="$D_MISC" misc/rest="$D_REST" \
  misc/migrate="$D_MIGRATE" >/dev/null || not_ok "pin-image-digests failed"
same "tags replaced by digests" "$(images "$staging")" "misc/migrate@$D_MIGRATE
misc/misc@$D_MISC
misc/rest@$D_REST"
same "no newTag left" "$(grep -c newTag "$staging/kustomization.yaml")" 0

# 5. Refusals: exit 1 (2 for usage), a message, and the file as it was.
refuses() {
  local what=$1 code=$2
  shift 2
  overlay=$(fresh)
  local target=${TARGET:-$overlay}
  cp "$target/kustomization.yaml" "$work/before"
  local rc=0
  "$script" --overlay "$target" "$@" >"$work/out" 2>&1 || rc=$?
  if ((rc != code)); then
    not_ok "$what: exit $rc, want $code: $(cat "$work/out")"
  elif ! cmp -s "$work/before" "$target/kustomization.yaml"; then
    not_ok "$what: the file was changed"
  elif [[ ! -s $work/out ]]; then
    not_ok "$what: no message"
  else
    ok "refuses $what ($(head -n1 "$work/out"))"
  fi
}
refuses "a short digest" 1 misc/misc=sha256:0123abcd
refuses "upper-case hex" 1 misc/misc="sha256:$(digest_of misc | tr a-f A-F)"
refuses "another algorithm" 1 misc/misc="sha512:$(digest_of misc)"
refuses "a tag instead of a digest" 1 misc/misc=1.4.0
refuses "an unknown image" 1 misc/nope="$D_MISC"
refuses "two digests for one image" 1 misc/misc="$D_MISC" misc/misc="$D_REST"
printf 'Name: registry.example.com/misc/misc:1.4.0\nMediaType: x\n' >"$work/no-digest.txt"
refuses "a Name: without a Digest:" 1 --imagetools "$work/no-digest.txt"
printf 'Name: registry.example.com/other/thing:1\nDigest: %s\n' "$D_MISC" >"$work/other.txt"
refuses "an image the overlay does not have" 1 --imagetools "$work/other.txt"
refuses "output that is no imagetools output" 1 --imagetools /dev/null
TARGET=$work/k8s/overlays/staging refuses "an overlay left half pinned" 1 \
  misc/misc="$D_MISC"
refuses "no arguments" 2
refuses "a bare word" 2 misc/misc

echo "pin-image-digests: $passed passed, $failed failed"
((failed == 0))
