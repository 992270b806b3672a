# shellcheck shell=bash disable=SC2034,SC2153  # globals shared with the sourcing script
# lib.sh -- what the contrib tests share: a temp dir, free ports, a real node, polling
# with a deadline, and cleanup of everything they started. Sourced, not run.
#
# The caller sets NODE_BIN and SOURCE_DIR, then calls contrib_init.

contrib_init() {
  WORK=$(mktemp -d /tmp/conductor-contrib-XXXXXX)
  PIDS=()
  CGROUP_NAME=""
  trap contrib_cleanup EXIT
  trap 'exit 130' INT TERM
}

# Kills what this test started (by pid), removes its cgroups and its temp dir.
contrib_cleanup() {
  local rc=$?
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$CGROUP_NAME" ]; then
    local dev mp fs rest
    while read -r dev mp fs rest; do
      if [ "$fs" = cgroup ] || [ "$fs" = cgroup2 ] && [ -d "$mp/$CGROUP_NAME" ]; then
        find "$mp/$CGROUP_NAME" -depth -type d -exec rmdir {} \; 2>/dev/null || true
      fi
    done </proc/self/mounts
  fi
  if [ $rc -ne 0 ] && [ -n "${WORK:-}" ]; then
    local f
    for f in "$WORK"/*.log; do
      [ -f "$f" ] || continue
      echo "---- last lines of $(basename "$f")" >&2
      tail -n 30 "$f" >&2
    done
  fi
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  exit $rc
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it).
free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_until SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds; 1 after SECONDS.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# As root, with a writable memory controller: sets CGROUP_ROOT to an absolute cgroup root
# under the memory hierarchy for this test's plugins (removed by contrib_cleanup); leaves it
# empty otherwise (plugins then run without cgroups). Not in a subshell: it sets CGROUP_NAME.
find_plugin_cgroup_root() {
  CGROUP_ROOT=""
  [ "$(id -u)" -eq 0 ] || return 0
  local mp
  mp=$(python3 -c 'import os
for line in open("/proc/self/mounts"):
    dev, mp, fs, opts = line.split()[:4]
    if fs == "cgroup" and "memory" in opts.split(","):
        print(mp); break
    if fs == "cgroup2":
        try:
            if "memory" in open(os.path.join(mp, "cgroup.controllers")).read().split():
                print(mp); break
        except OSError:
            pass')
  if [ -n "$mp" ] && [ -w "$mp" ]; then
    CGROUP_NAME="conductor-contrib-test-$$"
    CGROUP_ROOT="$mp/$CGROUP_NAME"
  fi
}

# start_node CONFIG: runs the node in the background, logging to $WORK/node.log; sets NODE_PID.
start_node() {
  "$NODE_BIN" --config "$1" >"$WORK/node.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
}

# scrape PORT FILE: GET /metrics into FILE; fails on anything but 200.
scrape() {
  curl -sf --max-time 2 -o "$2" "http://127.0.0.1:$1/metrics"
}

# node_config_base HTTP_PORT INSPECT_PORT [CGROUP_ROOT]: the common part of a test node's
# config: data dir in $WORK, fast ticks, manual scaler (nothing is stepped down when a busy
# host crosses a threshold). Callers append the sections it leaves out.
node_config_base() {
  local http_port=$1 inspect_port=$2 cgroup_root=${3:-}
  echo "node:"
  echo "  data_dir: $WORK/data"
  echo "collector:"
  echo "  interval: 200ms"
  [ -z "$cgroup_root" ] || echo "  cgroup_root: $cgroup_root"
  echo "scaler:"
  echo "  mode: manual"
  echo "  evaluation_interval: 200ms"
  echo "persistence:"
  echo "  batch: 100ms"
  echo "http:"
  echo "  listen: 127.0.0.1:$http_port"
  echo "inspect:"
  echo "  listen: 127.0.0.1:$inspect_port"
}
