#!/usr/bin/env bash
# soak.sh -- the real node for MINUTES with PLUGINS plugins whose health flaps and
# whose memory comes and goes, watched for growth: does conductor leak memory, file
# descriptors or threads, does its schedule stay on time, and does it keep deciding?
#
#   bench/soak.sh [MINUTES] [PLUGINS]     (default 10 and 50; `bench/soak.sh 2 10` is
#                                          a quick check; see bench/README.md, "Soak")
#
# The node runs on a config generated into a temp dir (its data dir there too):
# collector every 1 s, health every 3 s (exec, http and tcp checks), scaler every
# 5 s on the aggressive policy with short cooldowns, probation and stabilization,
# 2-minute forecast windows (full within the warm-up). Plugins are real processes
# it starts in their own cgroups (<mount>/conductor-soak-<pid>/<name>, made here in
# every hierarchy conductor uses and removed at the end): build/bin/memory_hog
# (tests/plugins/memory_hog.cpp), grown by SIGUSR2, health `/usr/bin/test -e
# <flag file>`. bench/soak_driver.py drives the pattern (flags toggled, the health
# targets' server up/stopped/down, hogs grown to their limits then OOM-killed or
# terminated, ballast plugins pushing the host over scaler.degrade.memory) and
# samples the node: RSS, Pss, fds and threads every 5 s, /metrics at the start, at
# the end of the warm-up (the first 2 min or 20 %, the shorter) and at the end,
# the audit in the node's SQLite file at the end.
#
# Prints a markdown report on stdout (progress and the node's warnings on
# stderr). Everything it started -- the node, its plugins, the target server --
# and every cgroup it made are removed on exit, Ctrl-C and SIGTERM included.
#
# Binaries: build/bin/{conductor,memory_hog,http_target_server} (`make build` runs
# if one is missing); CONDUCTOR_BIN=, MEMORY_HOG_BIN=, HTTP_TARGET_SERVER_BIN= use
# others. Needs root (cgroups), python3 and curl.
set -euo pipefail
export LC_ALL=C

usage() {
  echo "usage: $0 [MINUTES (1..1440, default 10)] [PLUGINS (3..200, default 50)]" >&2
  exit 2
}
MINUTES=${1:-10}
PLUGINS=${2:-50}
(($# <= 2)) || usage
[[ $MINUTES =~ ^[0-9]{1,4}$ && $PLUGINS =~ ^[0-9]{1,3}$ ]] || usage
MINUTES=$((10#$MINUTES))
PLUGINS=$((10#$PLUGINS))
((MINUTES >= 1 && MINUTES <= 1440 && PLUGINS >= 3 && PLUGINS <= 200)) || usage

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# bench_binary, bench_tmp.
# shellcheck source=bench/bench_common.sh
source "$REPO/bench/bench_common.sh"
bench_binary conductor "${CONDUCTOR_BIN:-}" "$REPO/node" "$REPO/api" "$REPO/actors" \
  "$REPO/messages" "$REPO/config"
CONDUCTOR_BIN=$BIN
bench_binary memory_hog "${MEMORY_HOG_BIN:-}" "$REPO/tests/plugins/memory_hog.cpp"
MEMORY_HOG_BIN=$BIN
bench_binary http_target_server "${HTTP_TARGET_SERVER_BIN:-}" "$REPO/bench/http_target_server.cpp"
HTTP_TARGET_SERVER_BIN=$BIN
for tool in python3 curl; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is missing" >&2; exit 1; }
done
if ((EUID != 0)); then
  echo "soak: the plugins' cgroups need root" >&2
  exit 1
fi

# -- clean-up: only what this script started and made ------------------------------
bench_tmp soak
C_PID=""         # the node
PY_PID=""        # the driver
CG_DIRS=()       # cgroup roots made here, in every hierarchy
cleanup() {
  local i k dir pid
  if [[ -n $PY_PID ]]; then
    kill -TERM "$PY_PID" 2>/dev/null || true
    wait "$PY_PID" 2>/dev/null || true
  fi
  if [[ -n $C_PID ]] && kill -TERM "$C_PID" 2>/dev/null; then
    # The node stops its plugins (SIGTERM, SIGKILL after 3 s) and exits within 5 s.
    for ((i = 0; i < 100; i++)); do
      kill -0 "$C_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$C_PID" 2>/dev/null || true
    wait "$C_PID" 2>/dev/null || true
  fi
  # The target server, if the driver could not stop it.
  if [[ -s $TMP/server.pid ]]; then
    pid=$(<"$TMP/server.pid")
    if [[ $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) == "$HTTP_TARGET_SERVER_BIN "* ]]; then
      kill -KILL "$pid" 2>/dev/null || true
      kill -CONT "$pid" 2>/dev/null || true
    fi
  fi
  # Anything still in a plugin's cgroup (a node killed with -9 leaves its plugins).
  for dir in "${CG_DIRS[@]}"; do
    { cat "$dir"/*/cgroup.procs 2>/dev/null || true; } | while read -r pid; do
      kill -KILL "$pid" 2>/dev/null || true
    done
  done
  # Children before parents; a cgroup goes once its processes have exited.
  for ((i = ${#CG_DIRS[@]} - 1; i >= 0; i--)); do
    dir=${CG_DIRS[i]}
    for ((k = 0; k < 50; k++)); do
      rmdir "$dir"/*/ 2>/dev/null || true
      rmdir "$dir" 2>/dev/null || [[ ! -d $dir ]] && break
      sleep 0.1
    done
    if [[ -d $dir ]]; then
      echo "soak: could not remove the cgroup $dir" >&2
    fi
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

# -- ports: the API, the inspector, the health targets' server -------------------------
read -r HTTP_PORT INSPECT_PORT TARGET_PORT < <(free_ports 3)

# -- the plugins' cgroups (as http_api.sh makes them) ---------------------------------
CG_ROOT=""       # collector.cgroup_root
MEM_DIR=""       # where the driver reads the plugins' memory
MEM_VERSION=""
CPU_DIR=""       # where it reads their CPU
while read -r version mount controller; do
  base=$mount/conductor-soak-$$
  if ! mkdir "$base" 2>/dev/null; then
    echo "soak: cannot create $base; no plugin cgroups in $mount" >&2
    continue
  fi
  CG_DIRS+=("$base")
  if [[ $version == v2 ]]; then
    for c in cpu memory pids; do
      echo "+$c" >"$base/cgroup.subtree_control" 2>/dev/null || true
    done
    if [[ -z $MEM_DIR && -e $base/memory.max ]]; then MEM_DIR=$base; MEM_VERSION=v2; fi
    if [[ -z $CPU_DIR && -e $base/cpu.stat ]]; then CPU_DIR=$base; fi
  fi
  if [[ $controller == memory ]]; then MEM_DIR=$base; MEM_VERSION=v1; fi
  if [[ $controller == cpuacct ]]; then CPU_DIR=$base; fi
  if [[ -z $CG_ROOT || $controller == memory ]]; then
    CG_ROOT=$base
  fi
done < <(cgroup_mounts)
if [[ -z $MEM_DIR ]]; then
  echo "soak: found no cgroup memory controller: the memory pattern needs one" >&2
  exit 1
fi

# -- the config ------------------------------------------------------------------------
cat >"$TMP/plan.json" <<EOF
{"tmp": "$TMP", "minutes": $MINUTES, "plugins": $PLUGINS, "hog_bin": "$MEMORY_HOG_BIN",
 "server_bin": "$HTTP_TARGET_SERVER_BIN", "cg_root": "$CG_ROOT", "mem_dir": "$MEM_DIR",
 "mem_version": "$MEM_VERSION", "cpu_dir": "$CPU_DIR", "http_port": $HTTP_PORT,
 "inspect_port": $INSPECT_PORT, "target_port": $TARGET_PORT}
EOF
mkdir -p "$TMP/flags"
for ((g = 0; g < 5; g++)); do : >"$TMP/flags/g$g"; done
python3 "$REPO/bench/soak_driver.py" config "$TMP/plan.json" >"$TMP/node.yaml"
if ! "$CONDUCTOR_BIN" --check-config "$TMP/node.yaml" >"$TMP/check.log" 2>&1; then
  echo "soak: the generated config is invalid:" >&2
  cat "$TMP/check.log" "$TMP/node.yaml" >&2
  exit 1
fi

# -- the node --------------------------------------------------------------------------
"$CONDUCTOR_BIN" --config "$TMP/node.yaml" 2>"$TMP/conductor.log" &
C_PID=$!
URL=http://127.0.0.1:$HTTP_PORT
for ((i = 0; i < 300; i++)); do
  if ! kill -0 "$C_PID" 2>/dev/null; then
    echo "soak: conductor exited during start-up; its log:" >&2
    cat "$TMP/conductor.log" >&2
    exit 1
  fi
  [[ $(curl -sf "$URL/api/plugins" 2>/dev/null | grep -o '"running"' | wc -l) == "$PLUGINS" ]] && break
  sleep 0.1
done
((i < 300)) || { echo "soak: the node's $PLUGINS plugins were not all running within 30 s" >&2; exit 1; }
echo "soak: conductor pid $C_PID on $URL ($("$CONDUCTOR_BIN" --version)), cgroups under ${CG_DIRS[*]}; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# -- the run: in the background and waited for (a signal interrupts `wait` at once) ----
python3 "$REPO/bench/soak_driver.py" run "$TMP/plan.json" "$C_PID" &
PY_PID=$!
wait "$PY_PID"
PY_PID=""

# -- the stop: SIGTERM, timed; the node must be gone with its plugins --------------------
T_STOP=$EPOCHREALTIME
kill -TERM "$C_PID"
RC=0
wait "$C_PID" || RC=$?
T_STOPPED=$EPOCHREALTIME
C_PID=""
LEFT=$({ cat "$CG_ROOT"/*/cgroup.procs 2>/dev/null || true; } | wc -l)
echo
echo "The node stopped $(awk -v a="$T_STOP" -v b="$T_STOPPED" 'BEGIN { printf "%.2f", b - a }') s after SIGTERM, exit code $RC; processes left in the plugins' cgroups: $LEFT."

# For whoever reads the run: the node's warnings and errors, by kind (the expected
# ones -- plugin exits, breakers, failed checks -- are many).
grep -E ' (warn|error) ' "$TMP/conductor.log" | sed -E 's/^[^ ]+ +//; s/[0-9]+/N/g' | cut -c1-110 |
  sort | uniq -c | sort -rn | head -n 15 >"$TMP/complaints" || true
if [[ -s $TMP/complaints ]]; then
  echo "soak: the node's warnings and errors, numbers masked (most frequent 15):" >&2
  cat "$TMP/complaints" >&2
fi
