#!/usr/bin/env bash
# pgbouncer.sh: a throwaway PgBouncer (Debian's, 1.18) in transaction pooling mode, in front of a
# PostgreSQL started by scripts/pg.sh, for tests and benchmarks.
#
#   scripts/pgbouncer.sh start DIR UPSTREAM_URL [POOL_SIZE]
#                        start PgBouncer on 127.0.0.1 on a free port, forwarding every database
#                        name to UPSTREAM_URL's host and port as UPSTREAM_URL's user, with at most
#                        POOL_SIZE (default 8) server connections per database; wait until it
#                        answers; write DIR/url (postgresql://USER@127.0.0.1:PORT/DATABASE, the
#                        upstream's database) and DIR/port. Already running: nothing to do.
#   scripts/pgbouncer.sh stop DIR
#                        stop it (SIGTERM, then SIGKILL) and delete its files.
#   scripts/pgbouncer.sh url DIR
#                        print DIR/url (fails when it was not started).
#
# The set-up is for a throwaway cluster only: auth_type trust (no password, any client that can
# reach 127.0.0.1 gets in as the upstream's user, which is also admin of the console, database
# `pgbouncer`), pool_mode transaction, no unix socket. PgBouncer refuses to run as root, so as
# root it runs as the `postgres` OS user (Debian's postgresql package makes it) and its config,
# pid file and log live in /tmp/misc-pgbouncer-<hash of DIR>, owned by postgres; as an ordinary
# user they live in DIR. Debian's own pgbouncer service (/etc/pgbouncer) is never touched.
set -euo pipefail
# shellcheck source=scripts/lib/throwaway-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/throwaway-server.sh"

FIRST_PORT=${MISC_PGBOUNCER_FIRST_PORT:-56432}
PORT_TRIES=100
PGBOUNCER=${MISC_PGBOUNCER_BINARY:-/usr/sbin/pgbouncer}

die() {
  echo "pgbouncer.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: scripts/pgbouncer.sh start DIR UPSTREAM_URL [POOL_SIZE] | stop DIR | url DIR" >&2
  exit 2
}

# Where the config, pid file and log live for $dir (see the header).
state_dir() {
  owned_dir misc-pgbouncer state
}

# The pid of the PgBouncer of $state when it runs, else nothing.
running_pid() {
  local pid
  pid=$(cat "$state/pgbouncer.pid" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) == pgbouncer ]] && echo "$pid"
  return 0
}

log_tail() {
  if [[ -f $state/pgbouncer.log ]]; then
    echo "---- last lines of $state/pgbouncer.log ----" >&2
    tail -n 20 "$state/pgbouncer.log" >&2
  fi
}

# Splits a postgres[ql]://user@host:port/database URL (no password: the test cluster trusts).
parse_upstream() {
  local url=$1 rest
  [[ $url =~ ^postgres(ql)?://([^@/:]+)@([^/:?]+)(:([0-9]+))?(/([^?]*))?(\?.*)?$ ]] ||
    die "UPSTREAM_URL must look like postgresql://USER@HOST:PORT/DATABASE (got something else)"
  up_user=${BASH_REMATCH[2]}
  up_host=${BASH_REMATCH[3]}
  up_port=${BASH_REMATCH[5]:-5432}
  up_db=${BASH_REMATCH[7]:-postgres}
  rest=${BASH_REMATCH[8]}
  [[ -z $rest ]] || die "UPSTREAM_URL query parameters are not supported"
}

write_config() {
  local port=$1
  as_owner tee "$state/pgbouncer.ini" >/dev/null <<EOF
; written by scripts/pgbouncer.sh: a throwaway pooler for tests, never for production
[databases]
* = host=$up_host port=$up_port user=$up_user

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $state/userlist.txt
admin_users = $up_user
stats_users = $up_user
pool_mode = transaction
default_pool_size = $pool_size
max_db_connections = $pool_size
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 1000
server_reset_query =
server_login_retry = 1
logfile = $state/pgbouncer.log
pidfile = $state/pgbouncer.pid
EOF
  printf '"%s" ""\n' "$up_user" | as_owner tee "$state/userlist.txt" >/dev/null
}

write_state() {
  publish "$1" "postgresql://$up_user@127.0.0.1:$1/$up_db"
}

# Waits until PgBouncer answers on its admin console. Returns 0 when it does, 2 when it died
# because the port was taken, 1 otherwise.
wait_ready() {
  local port=$1 i
  for ((i = 0; i < 100; i++)); do
    if [[ -z $(running_pid) ]] && ((i > 5)); then
      grep -q 'Address already in use' "$state/pgbouncer.log" 2>/dev/null && return 2
      return 1
    fi
    if psql -X -q -At -h 127.0.0.1 -p "$port" -U "$up_user" -d pgbouncer -c 'SHOW VERSION' \
      >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

cmd_start() {
  (($# >= 1 && $# <= 2)) || usage
  parse_upstream "$1"
  pool_size=${2:-8}
  [[ $pool_size =~ ^[1-9][0-9]*$ ]] || die "POOL_SIZE must be a positive integer"
  command -v "$PGBOUNCER" >/dev/null 2>&1 || die "$PGBOUNCER not found: run scripts/install-deps.sh"
  command -v psql >/dev/null 2>&1 || die "psql not found: run scripts/install-deps.sh"
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9

  if [[ -n $(running_pid) ]]; then
    [[ -s $dir/url ]] && return 0
    stop_running  # ours, but its DIR lost track of it: start afresh
  fi
  if ((EUID == 0)); then
    id -u postgres >/dev/null 2>&1 ||
      die "no 'postgres' OS user to run PgBouncer as root: run scripts/install-deps.sh"
    if [[ -L $state ]] || { [[ -e $state ]] && [[ $(stat -c %U "$state") != postgres ]]; }; then
      die "$state exists and is not a directory owned by postgres: remove it"
    fi
    rm -rf "$state"
    install -d -o postgres -g postgres -m 700 "$state"
  else
    rm -rf "$state"
    install -d -m 700 "$state"
  fi

  local port rc
  for ((port = FIRST_PORT; port < FIRST_PORT + PORT_TRIES; port++)); do
    port_in_use "$port" && continue
    write_config "$port"
    as_owner rm -f "$state/pgbouncer.log"
    # -d: it leaves the foreground (and ctest's pipes) once it listens.
    if ! as_owner "$PGBOUNCER" -d -q "$state/pgbouncer.ini" </dev/null >/dev/null 2>&1; then
      if grep -q 'Address already in use' "$state/pgbouncer.log" 2>/dev/null; then continue; fi
      log_tail
      die "could not start PgBouncer"
    fi
    rc=0
    wait_ready "$port" || rc=$?
    case $rc in
      0)
        write_state "$port"
        return 0
        ;;
      2) continue ;;  # lost a race for the port: try the next one
      *)
        log_tail
        die "PgBouncer does not answer on 127.0.0.1:$port"
        ;;
    esac
  done
  die "no free port in $FIRST_PORT..$((FIRST_PORT + PORT_TRIES - 1))"
}

# Stops the PgBouncer of $state, if it runs: SIGTERM (immediate shutdown), then SIGKILL.
stop_running() {
  local pid i
  pid=$(running_pid)
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    [[ -e /proc/$pid ]] || return 0
    sleep 0.1
  done
  echo "pgbouncer.sh: PgBouncer $pid ignored SIGTERM, killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_stop() {
  (($# == 0)) || usage
  [[ -d $dir ]] || return 0
  exec 9>"$dir/.lock"
  flock 9
  stop_running
  rm -rf "$state"
  rm -f "$dir/url" "$dir/port" "$dir/url.tmp" "$dir/port.tmp" "$dir/.lock"
  rmdir "$dir" 2>/dev/null || true
}

cmd_url() {
  (($# == 0)) || usage
  [[ -s $dir/url ]] || die "no PgBouncer started for $dir: run scripts/pgbouncer.sh start $dir URL"
  cat "$dir/url"
}

(($# >= 2)) || usage
command=$1
dir=$2
shift 2

# DIR as an absolute path without symlinks, so that every spelling of it means one PgBouncer.
if [[ -d $dir ]]; then
  dir=$(cd "$dir" && pwd -P)
elif [[ $command == start ]]; then
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
else
  dir=$(realpath -m "$dir")
fi
state=$(state_dir)

case $command in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  url) cmd_url "$@" ;;
  *) usage ;;
esac
