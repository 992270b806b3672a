#!/usr/bin/env bash
# footprint.sh -- the idle cost of a whole conductor node next to its peer,
# Prometheus' node_exporter, both running side by side on this machine and both
# scraped every 15 s the way a Prometheus server would scrape them.
#
#   bench/footprint.sh [--seconds N]      (default 120; see bench/README.md)
#
# For each process it reports the CPU time (utime + stime) spent over the
# measured window, the RSS and thread count at the end, the /metrics size and
# series count, the median scrape latency, and the ratio conductor/node_exporter
# of each. Numbers are only meaningful as ratios against the peer measured in
# the same run: the machine, its load and the kernel are the same for both.
#
# Needs: curl, a built conductor (built with `make build` if missing), and the
# Debian package prometheus-node-exporter (installed if missing; that needs root).
set -euo pipefail
# One locale for sort, join and awk (the decimal point included).
export LC_ALL=C

SECONDS_TO_RUN=120
SCRAPE_EVERY=15          # Prometheus' default scrape_interval
NE_BIN=/usr/bin/prometheus-node-exporter

usage() {
  echo "usage: $0 [--seconds N]   (N >= $SCRAPE_EVERY, default $SECONDS_TO_RUN)" >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --seconds) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage; SECONDS_TO_RUN=$2; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done
# At least one scrape must fall inside the window, or latency has no sample.
((SECONDS_TO_RUN >= SCRAPE_EVERY)) || usage

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONDUCTOR_BIN=${CONDUCTOR_BIN:-$REPO/build/bin/conductor}

# -- node_exporter: the Debian package, installed only when missing -------------
ensure_node_exporter() {
  [[ -x $NE_BIN ]] && return 0
  if ((EUID != 0)); then
    echo "footprint: $NE_BIN is missing; install prometheus-node-exporter as root" >&2
    exit 1
  fi
  # Refresh the package lists only when apt does not know the package yet, so a
  # machine that already has them touches no network for this.
  if ! apt-cache policy prometheus-node-exporter 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get update >&2
  fi
  # No recommends: they pull prometheus-node-exporter-collectors, whose systemd
  # timers run scripts of their own and would add load unrelated to either agent.
  # apt's progress goes to stderr: stdout is the result table.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    prometheus-node-exporter >&2
  # The package enables a service on 0.0.0.0:9100, and where systemd runs it
  # has just started it. Unscraped it costs next to nothing, so it would hardly
  # move the figures, but this benchmark asked for a binary, not for a daemon
  # listening on every interface from now on: stop and disable what this very
  # install started. In a container whose policy-rc.d denies starts, or with
  # systemd offline (the machine this was written on), nothing was started.
  if [[ -d /run/systemd/system ]] && systemctl is-active --quiet prometheus-node-exporter; then
    echo "footprint: stopping and disabling the service the package install started" >&2
    systemctl disable --now prometheus-node-exporter
  elif [[ ! -d /run/systemd/system && -x /etc/init.d/prometheus-node-exporter ]] &&
       /etc/init.d/prometheus-node-exporter status >/dev/null 2>&1; then
    echo "footprint: stopping the init.d service the package install started" >&2
    /etc/init.d/prometheus-node-exporter stop
  fi
}

ensure_node_exporter
command -v curl >/dev/null || { echo "footprint: curl is missing" >&2; exit 1; }
if [[ ! -x $CONDUCTOR_BIN ]]; then
  make -C "$REPO" build
fi

# -- clean-up: only the processes and the directory this script created --------
TMP=$(mktemp -d -t conductor-footprint.XXXXXX)
PIDS=()
SLEEP_PID=""
cleanup() {
  local pid i
  if [[ -n $SLEEP_PID ]]; then
    kill "$SLEEP_PID" 2>/dev/null || true
  fi
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || continue
    # conductor stops within 5 s by contract; give both a little more.
    for ((i = 0; i < 70; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A loopback port nobody listens on: a connect to it must fail. Random rather
# than fixed so that a developer's own `make run` (8888) or a node_exporter
# service (9100) is never hit. The window between this check and the bind is
# tiny; a lost race shows up as a start-up failure below, not a wrong figure.
free_port() {
  local port tries
  for ((tries = 0; tries < 100; tries++)); do
    port=$((20000 + RANDOM % 40000))
    [[ $port == "${TAKEN_PORT:-}" ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "footprint: no free loopback port found" >&2
  return 1
}

C_PORT=$(free_port)
TAKEN_PORT=$C_PORT
NE_PORT=$(free_port)

# conductor: defaults everywhere (collector.interval 5s included) except where it
# keeps its database and where it listens.
cat >"$TMP/node.yaml" <<EOF
node:
  data_dir: $TMP/data
http:
  listen: 127.0.0.1:$C_PORT
EOF

"$CONDUCTOR_BIN" --config "$TMP/node.yaml" 2>"$TMP/conductor.log" &
C_PID=$!
PIDS+=("$C_PID")
# node_exporter: its defaults (every default collector), on loopback only.
"$NE_BIN" --web.listen-address="127.0.0.1:$NE_PORT" 2>"$TMP/node_exporter.log" &
NE_PID=$!
PIDS+=("$NE_PID")

C_URL=http://127.0.0.1:$C_PORT/metrics
NE_URL=http://127.0.0.1:$NE_PORT/metrics

wait_ready() { # name pid url log
  local i
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "$2" 2>/dev/null; then
      echo "footprint: $1 exited during start-up; its log:" >&2
      cat "$4" >&2
      exit 1
    fi
    curl -sf -o /dev/null "$3" && return 0
    sleep 0.1
  done
  echo "footprint: $1 did not serve $3 within 10 s; its log:" >&2
  cat "$4" >&2
  exit 1
}
wait_ready conductor "$C_PID" "$C_URL" "$TMP/conductor.log"
wait_ready node_exporter "$NE_PID" "$NE_URL" "$TMP/node_exporter.log"

# One scrape as Prometheus 2.x sends it: its Accept header (OpenMetrics first,
# text 0.0.4 as fallback) and gzip. node_exporter compresses when asked, which
# is part of its cost; conductor answers uncompressed. A new connection per
# scrape, where Prometheus keeps one open: the same for both.
# Appends "latency_s wire_bytes body_bytes series" to the file $2.
scrape() { # url out-file
  local body=$TMP/body out code latency wire
  out=$(curl -s --compressed -o "$body" \
    -H 'Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' \
    -H 'Accept-Encoding: gzip' \
    -H 'User-Agent: Prometheus/2.42.0' \
    -H "X-Prometheus-Scrape-Timeout-Seconds: 10" \
    -w '%{http_code} %{time_total} %{size_download}' "$1")
  read -r code latency wire <<<"$out"
  if [[ $code != 200 ]]; then
    echo "footprint: $1 answered HTTP $code" >&2
    exit 1
  fi
  # A series is a sample line: neither a comment (# HELP/# TYPE) nor blank.
  echo "$latency $wire $(wc -c <"$body") $(grep -vc -e '^#' -e '^$' "$body")" >>"$2"
}

# utime + stime of the whole process (all its threads), in clock ticks. The
# command name in field 2 may hold spaces, so fields are counted after the ')'.
cpu_ticks() {
  local stat
  stat=$(<"/proc/$1/stat")
  stat=${stat##*) }
  awk '{ print $12 + $13 }' <<<"$stat"
}
# The same per thread, as "tid ticks name", to show where conductor's CPU goes.
# Each thread's ticks are rounded down on their own, so the per-thread sum can
# fall short of the process figure by up to a tick or two per thread.
thread_ticks() {
  local task stat
  for task in /proc/"$1"/task/*; do
    stat=$(<"$task/stat") || continue   # a thread may end between glob and read
    stat=${stat##*) }
    echo "${task##*/} $(awk '{ print $12 + $13 }' <<<"$stat") $(tr ' ' _ <"$task/comm")"
  done | sort
}
status_field() { # pid field -> the number after "field:"
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
now() { echo "$EPOCHREALTIME"; }

# Warm-up: a first scrape of each pays its one-off costs (first allocations,
# first use of each code path). The measured window starts after it.
scrape "$C_URL" "$TMP/warmup.c"
scrape "$NE_URL" "$TMP/warmup.ne"
C_CPU0=$(cpu_ticks "$C_PID")
thread_ticks "$C_PID" >"$TMP/threads0.c"
NE_CPU0=$(cpu_ticks "$NE_PID")
T0=$(now)

echo "footprint: measuring for ${SECONDS_TO_RUN}s, a scrape of each every ${SCRAPE_EVERY}s" >&2
sleep_until() { # offset-seconds-from-T0
  local left
  left=$(awk -v t0="$T0" -v off="$1" -v t="$(now)" 'BEGIN { d = t0 + off - t; print (d > 0 ? d : 0) }')
  # In the background and waited for: bash runs a trap only once the foreground
  # command is done, and `wait` is what a signal interrupts at once.
  sleep "$left" &
  SLEEP_PID=$!
  wait "$SLEEP_PID"
  SLEEP_PID=""
}
: >"$TMP/scrapes.c"
: >"$TMP/scrapes.ne"
for ((k = 1; k * SCRAPE_EVERY <= SECONDS_TO_RUN; k++)); do
  sleep_until $((k * SCRAPE_EVERY))
  # One after the other, never together, so neither scrape waits on the other's
  # CPU; the order is the same every time.
  scrape "$C_URL" "$TMP/scrapes.c"
  scrape "$NE_URL" "$TMP/scrapes.ne"
done
sleep_until "$SECONDS_TO_RUN"

for pid in "$C_PID" "$NE_PID"; do
  kill -0 "$pid" 2>/dev/null || { echo "footprint: pid $pid died during the run" >&2; exit 1; }
done
C_CPU1=$(cpu_ticks "$C_PID")
thread_ticks "$C_PID" >"$TMP/threads1.c"
NE_CPU1=$(cpu_ticks "$NE_PID")
WINDOW=$(awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
C_RSS=$(status_field "$C_PID" VmRSS)
NE_RSS=$(status_field "$NE_PID" VmRSS)
C_THREADS=$(status_field "$C_PID" Threads)
NE_THREADS=$(status_field "$NE_PID" Threads)
HZ=$(getconf CLK_TCK)

C_CPU_MS=$(((C_CPU1 - C_CPU0) * 1000 / HZ))
NE_CPU_MS=$(((NE_CPU1 - NE_CPU0) * 1000 / HZ))

# Median of column $2 of file $1 (mean of the middle two for an even count).
median() {
  awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '
    { v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
last() { tail -n 1 "$1" | awk -v c="$2" '{ print $c }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }

C_LAT=$(ms "$(median "$TMP/scrapes.c" 1)")
NE_LAT=$(ms "$(median "$TMP/scrapes.ne" 1)")
SCRAPES=$(wc -l <"$TMP/scrapes.c")

row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }

echo
echo "Idle footprint, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, window ${WINDOW} s after one warm-up scrape, measured scrapes of each: $SCRAPES."
echo "$("$CONDUCTOR_BIN" --version) vs $("$NE_BIN" --version 2>&1 | head -n 1)"
echo
echo "| measure | conductor | node_exporter | conductor/node_exporter |"
echo "| --- | ---: | ---: | ---: |"
row "CPU time over the window, ms (utime+stime, ${HZ} Hz ticks)" "$C_CPU_MS" "$NE_CPU_MS"
row "RSS at the end, KiB" "$C_RSS" "$NE_RSS"
row "threads at the end" "$C_THREADS" "$NE_THREADS"
row "/metrics body, bytes (uncompressed)" "$(last "$TMP/scrapes.c" 3)" "$(last "$TMP/scrapes.ne" 3)"
row "/metrics on the wire, bytes (gzip offered)" "$(last "$TMP/scrapes.c" 2)" "$(last "$TMP/scrapes.ne" 2)"
row "series (sample lines)" "$(last "$TMP/scrapes.c" 4)" "$(last "$TMP/scrapes.ne" 4)"
row "scrape latency, median ms" "$C_LAT" "$NE_LAT"

# Where conductor's CPU went, by thread name (threads alive at both ends only).
# CAF 0.17 names its scheduler's worker threads "caf.multiplexer".
echo
echo "conductor's CPU time over the window by thread name, ms (CAF's scheduler workers are caf.multiplexer):" \
  "$(join "$TMP/threads0.c" "$TMP/threads1.c" | awk -v hz="$HZ" '
      { ms[$5] += ($4 - $2) * 1000 / hz; n[$5]++ }
      END { for (t in ms) printf "%s x%d: %d; ", t, n[t], ms[t] }' | sed 's/; $//')"
