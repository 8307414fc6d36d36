#!/usr/bin/env bash
# runtime-fileset.sh: the smallest file tree one misc binary runs from, for a `FROM scratch`
# image (Dockerfile) or a chroot (test/image/).
#
#   scripts/runtime-fileset.sh BINARY OUT [--with-migrations DIR] [--strip]
#
# Writes into OUT (which must not exist or be empty):
#   usr/local/bin/<name of BINARY>   the binary (with --strip: `strip --strip-unneeded` of a copy)
#   every shared library `ldd BINARY` resolves, at the path ldd names (symlinks followed: the
#   file itself is copied under the name the loader asks for), and the dynamic loader
#   (/lib64/ld-linux-x86-64.so.2)
#   etc/ssl/certs/ca-certificates.crt   CA certificates (JWKS over https, TLS to PostgreSQL)
#   etc/passwd, etc/group               root and the non-root user `misc`, uid/gid 65532
#   etc/nsswitch.conf                   files for users and groups, files then dns for hosts
#   tmp                                 mode 1777
#   migrations/                         with --with-migrations DIR: the *.sql files of DIR
# and nothing else: no shell, no package manager, no compiler. glibc 2.36 has nss_files and
# nss_dns built in, so name resolution needs no library that ldd can't see. Prints the total
# size. Works as root and as an ordinary user (files are owned by whoever runs it).
set -euo pipefail

die() {
  echo "runtime-fileset: $*" >&2
  exit 1
}

usage() {
  echo "usage: scripts/runtime-fileset.sh BINARY OUT [--with-migrations DIR] [--strip]" >&2
  exit 2
}

CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
RUNTIME_UID=65532

binary=""
out=""
migrations=""
strip=0
while (($# > 0)); do
  case $1 in
    --with-migrations)
      (($# >= 2)) || usage
      migrations=$2
      shift 2
      ;;
    --with-migrations=*)
      migrations=${1#--with-migrations=}
      shift
      ;;
    --strip)
      strip=1
      shift
      ;;
    -h | --help) usage ;;
    -*) usage ;;
    *)
      if [[ -z $binary ]]; then
        binary=$1
      elif [[ -z $out ]]; then
        out=$1
      else
        usage
      fi
      shift
      ;;
  esac
done
[[ -n $binary && -n $out ]] || usage

[[ -f $binary && -x $binary ]] || die "$binary is not an executable file"
command -v ldd >/dev/null 2>&1 || die "ldd not found (Debian package libc-bin)"
[[ -f $CA_BUNDLE ]] || die "$CA_BUNDLE not found (Debian package ca-certificates)"
if [[ -n $migrations ]]; then
  [[ -d $migrations ]] || die "migrations directory $migrations not found"
  compgen -G "$migrations/*.sql" >/dev/null || die "no *.sql files in $migrations"
fi
if ((strip)); then
  command -v strip >/dev/null 2>&1 || die "strip not found (Debian package binutils)"
fi
if [[ -e $out ]]; then
  [[ -d $out ]] || die "$out exists and is not a directory"
  [[ -z $(ls -A "$out") ]] || die "$out is not empty"
fi

# The shared libraries the binary loads: "name => /path (addr)" and "/path (addr)" lines;
# "not found" is an error, linux-vdso has no file.
ldd_out=$(ldd "$binary" 2>&1) || die "ldd $binary failed: $ldd_out"
if grep -q 'not found' <<<"$ldd_out"; then
  die "$binary has unresolved libraries:"$'\n'"$(grep 'not found' <<<"$ldd_out")"
fi
mapfile -t libs < <(sed -nE 's@^\s*(\S+ => )?(/\S+) \(0x[0-9a-f]+\)$@\2@p' <<<"$ldd_out" | sort -u)
((${#libs[@]} > 0)) || die "ldd lists no libraries for $binary (a static binary needs no script)"
loader_found=0
for lib in "${libs[@]}"; do
  [[ $lib == /lib64/ld-linux-x86-64.so.2 ]] && loader_found=1
done
((loader_found)) || die "$binary does not use /lib64/ld-linux-x86-64.so.2 (not x86-64 glibc?)"

mkdir -p "$out"
out=$(cd "$out" && pwd -P)

# The binary.
name=$(basename "$binary")
install -d -m 755 "$out/usr/local/bin"
cp -L "$binary" "$out/usr/local/bin/$name"
chmod 755 "$out/usr/local/bin/$name"
if ((strip)); then
  strip --strip-unneeded "$out/usr/local/bin/$name"
fi

# Libraries, at the path the loader looks for, as regular files (symlinks followed).
for lib in "${libs[@]}"; do
  [[ -e $lib ]] || die "$lib (from ldd) does not exist"
  install -d -m 755 "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
  chmod 755 "$out$lib"
done

# CA certificates, users, name service configuration, /tmp.
install -d -m 755 "$out/etc" "$out/etc/ssl" "$out/etc/ssl/certs"
cp -L "$CA_BUNDLE" "$out$CA_BUNDLE"
chmod 644 "$out$CA_BUNDLE"
cat >"$out/etc/passwd" <<EOF
root:x:0:0:root:/root:/nonexistent
misc:x:$RUNTIME_UID:$RUNTIME_UID:misc:/nonexistent:/nonexistent
EOF
cat >"$out/etc/group" <<EOF
root:x:0:
misc:x:$RUNTIME_UID:
EOF
cat >"$out/etc/nsswitch.conf" <<EOF
passwd: files
group: files
hosts: files dns
EOF
chmod 644 "$out/etc/passwd" "$out/etc/group" "$out/etc/nsswitch.conf"
install -d "$out/tmp"
chmod 1777 "$out/tmp"

if [[ -n $migrations ]]; then
  install -d -m 755 "$out/migrations"
  cp -L "$migrations"/*.sql "$out/migrations/"
  chmod 644 "$out/migrations"/*.sql
fi

bytes=$(du -sb "$out" | cut -f1)
files=$(find "$out" -type f | wc -l)
printf 'runtime-fileset: %s: %d files, %d bytes (%.1f MB)\n' \
  "$out" "$files" "$bytes" "$(awk -v b="$bytes" 'BEGIN { print b / 1000000 }')"
