#!/usr/bin/env bash
# pin-image-digests.sh: pins the images of a kustomize overlay to a release's digests, so that
# what runs is exactly what the release built (docs/deploying.md, Images). The release pipeline
# runs it after pushing the images, with the digests the registry reported, and commits the
# result.
#
#   scripts/pin-image-digests.sh [--overlay DIR] NAME=sha256:HEX...
#   scripts/pin-image-digests.sh [--overlay DIR] --imagetools FILE
#
#   NAME=sha256:HEX   the digest of image NAME as the manifests name it (misc/misc, misc/rest,
#                     misc/migrate), e.g.
#                     misc/misc="$(crane digest registry.example.com/misc/misc:1.4.0)"
#   --imagetools FILE the output of `docker buildx imagetools inspect REF` for one or more images
#                     (concatenated; FILE - is standard input): each top-level Name: line and the
#                     Digest: line after it (the index's digest for a multi-platform image). The
#                     image is the entry whose name or newName is Name's repository, or whose
#                     name Name's repository ends with (registry.example.com/misc/misc: misc/misc).
#   --overlay DIR     the kustomization to edit (default: deploy/k8s/overlays/production).
#
# It sets `digest:` of each given entry of the `images:` list in DIR/kustomization.yaml and
# removes its `newTag:` (a tag next to a digest is ignored by the runtime and misleads a
# reader), keeping every other line and comment. It refuses, and leaves the file unchanged, when
# a digest is not sha256:<64 lowercase hex digits>, a NAME is not in the list, one NAME gets two
# digests, or any entry would be left without a valid digest. Entries must be block mappings
# that start with `- name:` (as kustomize writes them).
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
overlay=$REPO_ROOT/deploy/k8s/overlays/production

usage() {
  echo "usage: scripts/pin-image-digests.sh [--overlay DIR] NAME=sha256:HEX..." >&2
  echo "       scripts/pin-image-digests.sh [--overlay DIR] --imagetools FILE" >&2
  echo "(the comment at the top of the script says more)" >&2
  exit 2
}

die() {
  echo "pin-image-digests: $*" >&2
  exit 1
}

# The repository of an image reference: registry.example.com:5000/misc/misc from
# registry.example.com:5000/misc/misc:1.4.0@sha256:...
repository_of() {
  local ref=${1%%@*}
  local last=${ref##*/}
  if [[ $last == *:* ]]; then
    ref=${ref%:*}
  fi
  printf '%s\n' "$ref"
}

# The images: entries of a kustomization, one a line: name, newName (or -), digest (or -),
# newTag (or -), tab-separated. Fails on an entry it cannot read.
list_images() {
  awk '
    function flush() {
      if (name != "") printf "%s\t%s\t%s\t%s\n", name, (nn == "" ? "-" : nn),
                                     (dg == "" ? "-" : dg), (tg == "" ? "-" : tg)
      name = nn = dg = tg = ""
    }
    function value(line) {
      sub(/^[^:]*:[ \t]*/, "", line); sub(/[ \t]+#.*$/, "", line); sub(/[ \t]+$/, "", line)
      gsub(/^["\047]|["\047]$/, "", line)
      return line
    }
    /^images:[ \t]*(#.*)?$/ { inside = 1; next }
    inside && /^[^ \t#]/ { flush(); inside = 0 }
    !inside { next }
    /^[ \t]*-[ \t]*name:/ { flush(); name = value($0); next }
    /^[ \t]*-/ { print "unsupported images entry (must start with - name:): " $0 > "/dev/stderr"
                 bad = 1; next }
    /^[ \t]+newName:/ { nn = value($0) }
    /^[ \t]+digest:/ { dg = value($0) }
    /^[ \t]+newTag:/ { tg = value($0) }
    END { flush(); exit bad }
  ' "$1"
}

overlay_arg=
imagetools_files=()
assignments=()
while (($# > 0)); do
  case $1 in
    --overlay) (($# >= 2)) || usage; overlay_arg=$2; shift 2 ;;
    --overlay=*) overlay_arg=${1#*=}; shift ;;
    --imagetools) (($# >= 2)) || usage; imagetools_files+=("$2"); shift 2 ;;
    --imagetools=*) imagetools_files+=("${1#*=}"); shift ;;
    -h | --help) usage ;;
    -*) echo "pin-image-digests: unknown option $1" >&2; usage ;;
    *=*) assignments+=("$1"); shift ;;
    *) echo "pin-image-digests: $1 is not NAME=sha256:HEX" >&2; usage ;;
  esac
done
[[ -n $overlay_arg ]] && overlay=$overlay_arg
((${#assignments[@]} + ${#imagetools_files[@]} > 0)) || usage

file=$overlay/kustomization.yaml
[[ -f $file ]] || die "no $file"
entries=$(list_images "$file") || die "cannot read the images: list of $file"
[[ -n $entries ]] || die "$file has no images: entries"

# name -> digest, from the arguments and the imagetools output.
declare -A pin=()
add_pin() {
  local name=$1 digest=$2 known
  [[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] ||
    die "$name: '$digest' is not sha256:<64 lowercase hex digits>"
  known=$(cut -f1 <<<"$entries")
  grep -qxF -- "$name" <<<"$known" ||
    die "$name is not in the images: list of $file ($(paste -sd' ' <<<"$known"))"
  if [[ -n ${pin[$name]:-} && ${pin[$name]} != "$digest" ]]; then
    die "$name is given two digests: ${pin[$name]} and $digest"
  fi
  pin[$name]=$digest
}

for a in "${assignments[@]}"; do
  add_pin "${a%%=*}" "${a#*=}"
done

# The entry an image repository belongs to: by name or newName, else by name as a suffix.
entry_for_repository() {
  local repo=$1 name new_name
  while IFS=$'\t' read -r name new_name _; do
    if [[ $repo == "$name" || $repo == "$new_name" || $repo == */"$name" ]]; then
      printf '%s\n' "$name"
      return 0
    fi
  done <<<"$entries"
  return 1
}

for f in "${imagetools_files[@]}"; do
  if [[ $f == - ]]; then
    text=$(cat)
  else
    [[ -r $f ]] || die "cannot read $f"
    text=$(<"$f")
  fi
  ref='' found=0
  while IFS= read -r line; do
    if [[ $line =~ ^Name:[[:space:]]+([^[:space:]]+) ]]; then
      [[ -z $ref ]] || die "$f: Name: $ref has no Digest: line"
      ref=${BASH_REMATCH[1]}
    elif [[ $line =~ ^Digest:[[:space:]]+([^[:space:]]+) ]]; then
      [[ -n $ref ]] || die "$f: a Digest: line without a Name: line before it"
      repo=$(repository_of "$ref")
      name=$(entry_for_repository "$repo") ||
        die "$f: no entry of $file's images: list is $repo"
      add_pin "$name" "${BASH_REMATCH[1]}"
      ref='' found=$((found + 1))
    fi
  done <<<"$text"
  [[ -z $ref ]] || die "$f: Name: $ref has no Digest: line"
  ((found > 0)) || die "$f: no Name:/Digest: lines (the output of docker buildx imagetools inspect)"
done

# Rewrites the images: list: for each pinned entry, its newTag and digest lines go and one
# digest line comes after its last key line, at the indentation of its keys.
pins_file=$(mktemp)
new_file=$(mktemp)
trap 'rm -f "$pins_file" "$new_file"' EXIT
for name in "${!pin[@]}"; do
  printf '%s\t%s\n' "$name" "${pin[$name]}" >>"$pins_file"
done
awk -v pins="$pins_file" '
  BEGIN { while ((getline l < pins) > 0) { split(l, p, "\t"); pin[p[1]] = p[2] } }
  function flush(   i, last) {
    if (n == 0) return
    if (!(name in pin)) { for (i = 1; i <= n; i++) print buf[i]; n = 0; return }
    last = 1
    for (i = 1; i <= n; i++) if (buf[i] ~ /^[ \t]*-?[ \t]*[A-Za-z]+:/ && !drop[i]) last = i
    for (i = 1; i <= n; i++) {
      if (!drop[i]) print buf[i]
      if (i == last) print indent "digest: " pin[name]
    }
    n = 0
  }
  /^images:[ \t]*(#.*)?$/ { inside = 1; print; next }
  inside && /^[^ \t#]/ { flush(); inside = 0 }
  !inside { print; next }
  /^[ \t]*-[ \t]*name:/ {
    flush()
    name = $0; sub(/^[ \t]*-[ \t]*name:[ \t]*/, "", name); sub(/[ \t]+#.*$/, "", name)
    sub(/[ \t]+$/, "", name); gsub(/^["\047]|["\047]$/, "", name)
    match($0, /^[ \t]*-[ \t]*/); indent = sprintf("%" RLENGTH "s", "")
    n = 1; buf[1] = $0; drop[1] = 0
    next
  }
  n > 0 {
    buf[++n] = $0
    drop[n] = ($0 ~ /^[ \t]+(newTag|digest):/)
    next
  }
  { print }
  END { flush() }
' "$file" >"$new_file"

# Every entry must now be pinned, and only by its digest.
result=$(list_images "$new_file") || die "cannot read the rewritten $file"
while IFS=$'\t' read -r name _ digest tag; do
  [[ $digest != - ]] || die "$name has no digest in $file: give $name=sha256:... too"
  [[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] ||
    die "$name's digest '$digest' in $file is not sha256:<64 lowercase hex digits>"
  [[ $tag == - ]] || die "$name has a newTag ($tag) next to its digest in $file"
done <<<"$result"

# Written over the old file (not moved), so its mode and owner stay.
cat "$new_file" >"$file"
while IFS=$'\t' read -r name _ digest _; do
  [[ -n ${pin[$name]:-} ]] || continue
  old=$(awk -F'\t' -v n="$name" '$1 == n { print $3 }' <<<"$entries")
  if [[ $old == "$digest" ]]; then
    echo "pin-image-digests: $name $digest (unchanged)"
  else
    echo "pin-image-digests: $name ${old/#-/(no digest)} -> $digest"
  fi
done <<<"$result"
