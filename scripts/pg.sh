#!/usr/bin/env bash
# pg.sh: a local PostgreSQL 15 cluster for tests (throwaway) and development.
#
#   scripts/pg.sh start  DIR          create a cluster for DIR if there is none, start it on
#                                     127.0.0.1 on a free port, wait until it accepts connections,
#                                     write DIR/url and DIR/port. Already running: only refresh
#                                     DIR/url and DIR/port.
#   scripts/pg.sh replica PRIMARY_DIR DIR
#                                     a streaming replica of the running cluster of PRIMARY_DIR
#                                     (pg_basebackup -R over replication from 127.0.0.1), then
#                                     as start DIR. Stop and purge it like any cluster.
#   scripts/pg.sh stop   DIR [--purge]  fast shutdown (nothing running: nothing to do);
#                                     --purge also deletes the data and the files in DIR.
#   scripts/pg.sh url    DIR          print postgresql://misc@127.0.0.1:PORT/postgres
#                                     (fails when the cluster was not started).
#   scripts/pg.sh status DIR          exit 0 when the cluster is running, 1 when it is not.
#
# The cluster: superuser role `misc`, trust authentication, listening on 127.0.0.1 only, unix
# socket inside the data directory, UTF8, tuned for speed over durability (fsync=off): it holds
# test data or sample data that can be re-created, never anything else.
#
# Where the data lives: as an ordinary user, DIR/data. initdb and pg_ctl refuse to run as root,
# so as root they run as the `postgres` OS user (created by Debian's postgresql package), and
# since DIR may not be reachable for that user (e.g. under /root), the data lives in
# /tmp/misc-pg-<hash of DIR>, owned by postgres; DIR/datadir names it. The server log is
# server.log in the data directory.
set -euo pipefail
# shellcheck source=scripts/lib/throwaway-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/throwaway-server.sh"

PG_BIN=/usr/lib/postgresql/15/bin
ROLE=misc
FIRST_PORT=${MISC_PG_FIRST_PORT:-55432}
PORT_TRIES=100

die() {
  echo "pg.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: scripts/pg.sh start DIR | replica PRIMARY_DIR DIR | stop DIR [--purge] |" \
    "url DIR | status DIR" >&2
  exit 2
}

# The data directory for $dir (see the header).
data_dir() {
  owned_dir misc-pg data
}

is_running() {
  [[ -f $data/PG_VERSION ]] && as_owner "$PG_BIN/pg_ctl" status -D "$data" >/dev/null 2>&1
}

log_tail() {
  if [[ -f $data/server.log ]]; then
    echo "---- last lines of $data/server.log ----" >&2
    tail -n 30 "$data/server.log" >&2
  fi
}

write_state() {
  local port=$1
  publish "$port" "postgresql://$ROLE@127.0.0.1:$port/postgres"
  printf '%s\n' "$data" >"$dir/datadir"
}

wait_ready() {
  local port=$1
  if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30; then
    log_tail
    die "server in $data does not accept connections on 127.0.0.1:$port"
  fi
}

# Makes $data a streaming replica of the cluster on 127.0.0.1:$primary_port: a base backup
# with its WAL (-X stream) and the standby settings (-R: standby.signal, primary_conninfo).
# The primary's pg_hba.conf from initdb already trusts replication from 127.0.0.1.
create_replica() {
  local out
  if ! out=$(as_owner "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U "$ROLE" \
    -D "$data" -R -X stream -c fast --no-sync 2>&1); then
    echo "$out" >&2
    rm -rf "$data"
    die "pg_basebackup from 127.0.0.1:$primary_port into $data failed"
  fi
  # The copied settings name the primary's socket directory: use its own.
  local sockdir=$data
  if ((${#data} + 17 > 100)); then sockdir=""; fi
  as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF

# ---- added by scripts/pg.sh replica: a streaming replica of 127.0.0.1:$primary_port ----
unix_socket_directories = '$sockdir'
EOF
}

create_cluster() {
  [[ -x $PG_BIN/initdb ]] || die "$PG_BIN/initdb not found: run scripts/install-deps.sh"
  if ((EUID == 0)); then
    id -u postgres >/dev/null 2>&1 ||
      die "no 'postgres' OS user to run the server as root: run scripts/install-deps.sh"
    if [[ -L $data ]] || { [[ -e $data ]] && [[ $(stat -c %U "$data") != postgres ]]; }; then
      die "$data exists and is not a directory owned by postgres: remove it"
    fi
  fi
  # A directory without PG_VERSION is a half-made cluster of ours: start over.
  rm -rf "$data"
  if ((EUID == 0)); then
    install -d -o postgres -g postgres -m 700 "$data"
  else
    install -d -m 700 "$data"
  fi

  if [[ -n $primary_port ]]; then
    create_replica
    return 0
  fi

  local out
  if ! out=$(as_owner "$PG_BIN/initdb" -D "$data" -U "$ROLE" --auth=trust -E UTF8 \
    --locale=C.UTF-8 --no-sync --no-instructions 2>&1); then
    echo "$out" >&2
    die "initdb failed for $data"
  fi

  # The socket path must fit in sun_path (107 bytes); with a very deep DIR use TCP only.
  local sockdir=$data
  if ((${#data} + 17 > 100)); then sockdir=""; fi
  as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF

# ---- added by scripts/pg.sh: local test/dev cluster, speed over durability ----
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockdir'
max_connections = 300
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

# Starts the server on $1; returns 0 on success, 2 when the port was taken, 1 on other errors.
try_start() {
  local port=$1 before out
  before=$(stat -c %s "$data/server.log" 2>/dev/null || echo 0)
  if out=$(as_owner "$PG_BIN/pg_ctl" start -D "$data" -l "$data/server.log" -o "-p $port" \
    -w -t 60 -s 2>&1); then
    return 0
  fi
  if tail -c +"$((before + 1))" "$data/server.log" 2>/dev/null |
    grep -qE 'could not (bind|create listen socket)|Address already in use'; then
    return 2
  fi
  [[ -z $out ]] || echo "$out" >&2
  return 1
}

cmd_start() {
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9

  [[ -f $data/PG_VERSION ]] || create_cluster

  if is_running; then
    local port
    port=$(sed -n 4p "$data/postmaster.pid")
    [[ $port =~ ^[0-9]+$ ]] || die "cannot read the port from $data/postmaster.pid"
    write_state "$port"
    wait_ready "$port"
    return 0
  fi

  # The port used last time first (URLs stay the same across restarts), then a scan.
  local candidates=() previous="" port rc
  previous=$(cat "$dir/port" 2>/dev/null || true)
  [[ $previous =~ ^[0-9]+$ ]] && candidates+=("$previous")
  for ((port = FIRST_PORT; port < FIRST_PORT + PORT_TRIES; port++)); do
    candidates+=("$port")
  done
  for port in "${candidates[@]}"; do
    port_in_use "$port" && continue
    rc=0
    try_start "$port" || rc=$?
    case $rc in
      0)
        write_state "$port"
        wait_ready "$port"
        return 0
        ;;
      2) continue ;;  # lost a race for the port: try the next one
      *)
        log_tail
        die "could not start PostgreSQL in $data"
        ;;
    esac
  done
  die "no free port in $FIRST_PORT..$((FIRST_PORT + PORT_TRIES - 1))"
}

cmd_stop() {
  [[ -d $dir ]] || return 0
  exec 9>"$dir/.lock"
  flock 9
  if is_running; then
    if ! as_owner "$PG_BIN/pg_ctl" stop -D "$data" -m fast -w -t 60 -s; then
      echo "pg.sh: fast shutdown failed, trying immediate shutdown" >&2
      as_owner "$PG_BIN/pg_ctl" stop -D "$data" -m immediate -w -t 30 -s || {
        log_tail
        die "could not stop PostgreSQL in $data"
      }
    fi
  fi
  rm -f "$dir/url"
  if [[ $purge == 1 ]]; then
    rm -rf "$data"
    rm -f "$dir/port" "$dir/datadir" "$dir/port.tmp" "$dir/url.tmp" "$dir/.lock"
    rmdir "$dir" 2>/dev/null || true
  fi
}

cmd_url() {
  [[ -s $dir/url ]] || die "no cluster started for $dir: run scripts/pg.sh start $dir"
  cat "$dir/url"
}

(($# >= 2)) || usage
command=$1
primary_port=""
if [[ $command == replica ]]; then
  (($# >= 3)) || usage
  primary_dir=$2
  [[ -s $primary_dir/port ]] ||
    die "no cluster started for $primary_dir: run scripts/pg.sh start $primary_dir"
  primary_port=$(cat "$primary_dir/port")
  [[ $primary_port =~ ^[0-9]+$ ]] || die "cannot read the port of $primary_dir"
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$primary_port" -t 10 ||
    die "the cluster of $primary_dir does not accept connections on 127.0.0.1:$primary_port"
  shift
  command=start
fi
dir=$2
purge=0
shift 2
for arg in "$@"; do
  case $arg in
    --purge) [[ $command == stop ]] || usage; purge=1 ;;
    *) usage ;;
  esac
done

# DIR as an absolute path without symlinks, so that every spelling of it means one cluster.
if [[ -d $dir ]]; then
  dir=$(cd "$dir" && pwd -P)
elif [[ $command == start ]]; then
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
else
  dir=$(realpath -m "$dir")
fi
data=$(data_dir)

case $command in
  start) cmd_start ;;
  stop) cmd_stop ;;
  url) cmd_url ;;
  status) is_running || exit 1 ;;
  *) usage ;;
esac
