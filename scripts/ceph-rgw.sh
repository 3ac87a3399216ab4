#!/usr/bin/env bash
# A throw-away Ceph RADOS Gateway on loopback, for the tests that need real S3 Object Lock (moto does
# not enforce it). One monitor, one OSD on memstore (RAM), pool size 1, no manager, no auth; the
# gateway (beast frontend) on a free port. Everything lives in one temporary directory.
#
#   scripts/ceph-rgw.sh start [DIR]   start it; print `export BWV_TEST_RGW_…=…` lines on stdout
#                                     (and write them to DIR/env); DIR defaults to a new temp dir
#   scripts/ceph-rgw.sh stop DIR      stop the daemons and remove DIR
#
#   eval "$(scripts/ceph-rgw.sh start)"; pytest tests/storage; scripts/ceph-rgw.sh stop "$BWV_TEST_RGW_DIR"
#
# Debian's packages (radosgw, ceph-mon, ceph-osd: Ceph 16.2 "Pacific" on bookworm) are installed
# when missing. Settings that matter, found the hard way:
# - `ms mon client mode = crc`: with auth off, the gateway otherwise hangs at start negotiating a
#   secure session with the monitor.
# - paxos batching (`paxos propose interval`, `paxos min wait`): the default 1 s per map change
#   makes the start take ~15 s; small values make it ~2 s.
# - `tcp_nodelay=1` on the beast frontend: otherwise small requests take ~40 ms (Nagle + delayed ACK).
set -euo pipefail

ACCESS_KEY=openbwv-test
SECRET_KEY=openbwv-test-secret-key-not-for-production

install_packages() {
  command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && command -v radosgw >/dev/null \
    && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo=sudo; else
      echo "error: Ceph is missing; install Debian's radosgw, ceph-mon and ceph-osd packages" >&2
      exit 1
    fi
  fi
  echo "Installing Debian's Ceph (radosgw, ceph-mon, ceph-osd) for the Object Lock tests…" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    radosgw ceph-mon ceph-osd >/dev/null
}

free_port() {
  python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"
}

# Wait (up to $2 tenths of a second) until the command "$@" after the count succeeds.
wait_for() {
  local tenths=$1; shift
  for _ in $(seq 1 "$tenths"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  "$@" >/dev/null 2>&1
}

write_conf() {  # dir mon_port rgw_port
  local dir=$1
  cat >"$dir/ceph.conf" <<EOF
[global]
fsid = $(python3 -c 'import uuid; print(uuid.uuid4())')
mon host = v2:127.0.0.1:$2
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = $dir/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 1
osd pool default pgp num = 1
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
paxos propose interval = 0.01
paxos min wait = 0.001
mon osd down out interval = 0

[mon]
mon data = $dir/mon/\$cluster-\$id

[osd]
osd data = $dir/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd max object size = 134217728

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$3 tcp_nodelay=1
rgw data = $dir/rgw
rgw enable usage log = false
rgw thread pool size = 64
EOF
}

start() {
  install_packages
  local dir=${1:-}
  if [ -z "$dir" ]; then dir=$(mktemp -d /tmp/openbwv-rgw.XXXXXX); else mkdir -p "$dir"; fi
  dir=$(cd "$dir" && pwd)
  # Any failing step below stops what was already started (the logs stay in $dir/log).
  trap 'echo "error: Ceph RGW did not start (logs in $dir/log)" >&2; stop "$dir" keep' ERR
  mkdir -p "$dir"/{run,log,mon,osd/ceph-0,rgw}
  local mon_port rgw_port
  mon_port=$(free_port)
  rgw_port=$(free_port)
  write_conf "$dir" "$mon_port" "$rgw_port"
  local conf=(-c "$dir/ceph.conf")
  : >"$dir/keyring"

  local fsid
  fsid=$(sed -n 's/^fsid = //p' "$dir/ceph.conf")
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
  ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/monmap" >/dev/null
  ceph-mon "${conf[@]}" -i a 2>>"$dir/log/stderr.log"

  local osd_uuid
  osd_uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
  ceph "${conf[@]}" osd new "$osd_uuid" >/dev/null
  ceph-osd "${conf[@]}" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1
  ceph-osd "${conf[@]}" -i 0 2>>"$dir/log/stderr.log"

  radosgw "${conf[@]}" -n client.rgw.a 2>>"$dir/log/stderr.log"
  local url="http://127.0.0.1:$rgw_port"
  # Up to 30 s (it takes about one on an idle machine).
  wait_for 300 python3 -c "import urllib.request; urllib.request.urlopen('$url', timeout=2)"
  radosgw-admin "${conf[@]}" user create --uid=openbwv --display-name=openbwv \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null
  cat >"$dir/env" <<EOF
export BWV_TEST_RGW_URL=$url
export BWV_TEST_RGW_ACCESS_KEY_ID=$ACCESS_KEY
export BWV_TEST_RGW_SECRET_ACCESS_KEY=$SECRET_KEY
export BWV_TEST_RGW_DIR=$dir
EOF
  trap - ERR
  cat "$dir/env"
}

stop() {  # dir [keep]
  local dir=${1:?usage: $0 stop DIR}
  [ -d "$dir/run" ] || return 0
  local pids=() name pid
  for name in client.rgw.a osd.0 mon.a; do
    [ -f "$dir/run/$name.pid" ] || continue
    pid=$(cat "$dir/run/$name.pid")
    # Only a daemon of this cluster (its command line names this ceph.conf), never a process
    # that reused the number. SIGKILL: the data is thrown away, so a clean shutdown (memstore
    # writing its contents out) is not worth waiting for.
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/ceph.conf"; then
      kill -9 "$pid" 2>/dev/null && pids+=("$pid")
    fi
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  if [ "${2:-}" != keep ]; then rm -rf "$dir"; fi
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start [DIR] | stop DIR" >&2; exit 2 ;;
esac
