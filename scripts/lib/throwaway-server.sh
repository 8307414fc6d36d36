# shellcheck shell=bash disable=SC2154  # $dir is set by the sourcing script (DIR).
# Sourced by scripts/pg.sh and scripts/pgbouncer.sh: what both throwaway servers need to run as
# root (where PostgreSQL and PgBouncer refuse to) and as an ordinary user, and to tell tests
# where they listen. Each script holds a lock on DIR as fd 9 while it starts or stops.

# Runs a server program as its owner: as root the `postgres` OS user (Debian's postgresql
# package makes it), else the caller. Closes fd 9, the lock on DIR, so that a server started
# here doesn't hold it for its whole life.
as_owner() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@") 9>&-
  else
    "$@" 9>&-
  fi
}

# owned_dir PREFIX SUBDIR: where a server's files for $dir live. As root DIR may not be
# reachable for `postgres` (e.g. under /root), so /tmp/PREFIX-<hash of DIR>; else DIR/SUBDIR.
# Always computed, never read back from a file in DIR, so that a stray file can't point a purge
# somewhere else.
owned_dir() {
  if ((EUID == 0)); then
    echo "/tmp/$1-$(printf '%s' "$dir" | sha256sum | cut -c1-16)"
  else
    echo "$dir/$2"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# publish PORT URL: writes DIR/port and DIR/url, each replaced at once (tests poll them).
publish() {
  printf '%s\n' "$1" >"$dir/port.tmp" && mv -f "$dir/port.tmp" "$dir/port"
  printf '%s\n' "$2" >"$dir/url.tmp" && mv -f "$dir/url.tmp" "$dir/url"
}
