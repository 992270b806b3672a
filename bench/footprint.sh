#!/usr/bin/env bash
# footprint.sh -- the idle cost of a whole conductor node next to its peer,
# Prometheus' node_exporter, both running side by side on this machine and both
# scraped every 15 s the way a Prometheus server would scrape them.
#
#   bench/footprint.sh [--seconds N] [--settle N] [--interval D] [--plugins N]
#                      [--matching-collectors] [--scrapes N]      (see bench/README.md)
#
#   --seconds N            the measured window (default 120, at least 15)
#   --settle N             let both run N s first, scraped as in the window, so that
#                          the window sees a steady state (default 0; conductor's
#                          forecast windows fill in prediction.window, 30 min)
#   --interval D           conductor's collector.interval, e.g. 1s (default: its own, 5s)
#   --plugins N            N idle plugins p01..pNN (N <= 99): `sleep infinity`, which
#                          conductor starts and manages, each in its own cgroup under
#                          collector.cgroup_root <mount>/conductor-bench-<pid> (this
#                          script makes that root in every hierarchy conductor uses
#                          and removes it at the end). Needs root.
#   --matching-collectors  node_exporter with only the collectors matching what
#                          conductor's collector reads, instead of all its defaults
#   --scrapes N            after the window, N back-to-back scrapes of each: CPU time
#                          and median latency per scrape (default 0: none)
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
INTERVAL=""              # collector.interval; empty: conductor's default
PLUGINS=0
MATCHING=0
BURST=0                  # back-to-back scrapes after the window
SETTLE=0                 # seconds run before the window
# node_exporter's collectors for what conductor's collector reads: /proc/stat
# (cpu), /proc/meminfo with swap (meminfo), statvfs (filesystem), /proc/diskstats
# (diskstats), /proc/loadavg (loadavg), /proc/pressure (pressure). Its own
# process_* series, the match of conductor's process_cpu/rss, need no flag.
NE_MATCHING=(--collector.disable-defaults --collector.cpu --collector.meminfo
  --collector.filesystem --collector.diskstats --collector.loadavg --collector.pressure)

usage() {
  echo "usage: $0 [--seconds N] [--settle N] [--interval D] [--plugins N] [--matching-collectors] [--scrapes N]" >&2
  echo "  --seconds N >= $SCRAPE_EVERY (default $SECONDS_TO_RUN); D like 1s or 500ms; --plugins 0..99" >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --seconds) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage; SECONDS_TO_RUN=$2; shift 2 ;;
    --settle) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage; SETTLE=$2; shift 2 ;;
    --interval) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*(ms|s|m)$ ]] || usage; INTERVAL=$2; shift 2 ;;
    --plugins) [[ $# -ge 2 && "$2" =~ ^[0-9]{1,2}$ ]] || usage; PLUGINS=$((10#$2)); shift 2 ;;
    --matching-collectors) MATCHING=1; shift ;;
    --scrapes) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage; BURST=$2; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done
# At least one scrape must fall inside the window, or latency has no sample.
((SECONDS_TO_RUN >= SCRAPE_EVERY)) || usage
if ((PLUGINS > 0 && EUID != 0)); then
  echo "footprint: --plugins creates cgroups, which needs root" >&2
  exit 1
fi

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/bench_common.sh
source "$REPO/bench/bench_common.sh"
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
  make -C "$REPO" build >&2
fi

# -- clean-up: only the processes, cgroups and directory this script created ----
TMP=$(mktemp -d -t conductor-footprint.XXXXXX)
PIDS=()          # conductor and node_exporter
CG_DIRS=()       # cgroup directories created, each parent before its children
SLEEP_PID=""
cleanup() {
  local pid i k dir
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
  # Children before parents; a cgroup goes once its processes have exited.
  for ((i = ${#CG_DIRS[@]} - 1; i >= 0; i--)); do
    dir=${CG_DIRS[i]}
    for ((k = 0; k < 50; k++)); do
      rmdir "$dir" 2>/dev/null || [[ ! -d $dir ]] && break
      sleep 0.1
    done
    if [[ -d $dir ]]; then
      echo "footprint: could not remove the cgroup $dir" >&2
    fi
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

# -- plugins: idle processes conductor starts, each in its own cgroup -------------
CG_ROOT=""       # collector.cgroup_root
CG_BASES=()      # <mount>/conductor-bench-<pid> in each hierarchy
PLUGIN_YAML=""
setup_plugins() {
  local bench=conductor-bench-$$ version mount controller base name i
  while read -r version mount controller; do
    base=$mount/$bench
    if ! mkdir "$base" 2>/dev/null; then
      echo "footprint: cannot create $base; no plugin cgroups in $mount" >&2
      continue
    fi
    CG_DIRS+=("$base")
    CG_BASES+=("$base")
    # cgroup2 hands controllers down only where the parent enables them (where
    # it has none, as beside v1 controllers, these writes just fail).
    if [[ $version == v2 ]]; then
      for controller in cpu memory pids; do
        echo "+$controller" >"$base/cgroup.subtree_control" 2>/dev/null || true
      done
    fi
    # Any hierarchy will do (conductor applies the part under the mount point
    # to all of them); the memory one where there is one.
    if [[ -z $CG_ROOT || $controller == memory ]]; then
      CG_ROOT=$base
    fi
  done < <(cgroup_mounts)
  if ((${#CG_BASES[@]} == 0)); then
    echo "footprint: found no cgroup hierarchy to place plugins in" >&2
    exit 1
  fi
  for ((i = 1; i <= PLUGINS; i++)); do
    name=$(printf 'p%02d' "$i")
    # conductor starts it in <root>/<name> and removes that cgroup when it stops.
    PLUGIN_YAML+="  - {name: $name, priority: $i, command: [\"/bin/sleep\", \"infinity\"]}"$'\n'
  done
  echo "footprint: $PLUGINS plugins, each in its own cgroup under ${CG_BASES[*]}" >&2
}
if ((PLUGINS > 0)); then
  setup_plugins
fi

# conductor: defaults everywhere (collector.interval 5s included) except where it
# keeps its database and where it listens, and what the options set.
{
  echo "node:"
  echo "  data_dir: $TMP/data"
  echo "http:"
  echo "  listen: 127.0.0.1:$C_PORT"
  if [[ -n $INTERVAL || -n $CG_ROOT ]]; then
    echo "collector:"
    if [[ -n $INTERVAL ]]; then echo "  interval: $INTERVAL"; fi
    if [[ -n $CG_ROOT ]]; then echo "  cgroup_root: $CG_ROOT"; fi
  fi
  if ((PLUGINS > 0)); then
    echo "plugins:"
    printf '%s' "$PLUGIN_YAML"
  fi
} >"$TMP/node.yaml"
if ! "$CONDUCTOR_BIN" --check-config "$TMP/node.yaml" >"$TMP/check.log" 2>&1; then
  echo "footprint: the generated config is invalid:" >&2
  cat "$TMP/check.log" "$TMP/node.yaml" >&2
  exit 1
fi

"$CONDUCTOR_BIN" --config "$TMP/node.yaml" 2>"$TMP/conductor.log" &
C_PID=$!
PIDS+=("$C_PID")
# node_exporter on loopback only: every default collector, or the matching ones.
NE_ARGS=(--web.listen-address="127.0.0.1:$NE_PORT")
NE_DESC="default collectors"
if ((MATCHING)); then
  NE_ARGS+=("${NE_MATCHING[@]}")
  NE_DESC="${NE_MATCHING[*]}"
fi
"$NE_BIN" "${NE_ARGS[@]}" 2>"$TMP/node_exporter.log" &
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
PROM_HEADERS=(
  -H 'Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
  -H 'Accept-Encoding: gzip'
  -H 'User-Agent: Prometheus/2.42.0'
  -H 'X-Prometheus-Scrape-Timeout-Seconds: 10'
)
# Appends "latency_s wire_bytes body_bytes series" to the file $2 and keeps the
# body as $2.body.
scrape() { # url out-file
  local body=$2.body out code latency wire
  out=$(curl -s --compressed -o "$body" "${PROM_HEADERS[@]}" \
    -w '%{http_code} %{time_total} %{size_download}' "$1")
  read -r code latency wire <<<"$out"
  if [[ $code != 200 ]]; then
    echo "footprint: $1 answered HTTP $code" >&2
    exit 1
  fi
  # A series is a sample line: neither a comment (# HELP/# TYPE) nor blank.
  echo "$latency $wire $(wc -c <"$body") $(grep -vc -e '^#' -e '^$' "$body")" >>"$2"
}

# cpu_ticks, sched_ns, thread_ns, status_field, now, sleep_until.
# shellcheck source=bench/proc_stats.sh
source "$(dirname "${BASH_SOURCE[0]}")/proc_stats.sh"

# Settling: both run and are scraped as in the window, unmeasured.
if ((SETTLE > 0)); then
  echo "footprint: settling for ${SETTLE}s, a scrape of each every ${SCRAPE_EVERY}s" >&2
  T0=$(now)
  for ((k = 1; k * SCRAPE_EVERY < SETTLE; k++)); do
    sleep_until $((k * SCRAPE_EVERY))
    scrape "$C_URL" "$TMP/settle.c"
    scrape "$NE_URL" "$TMP/settle.ne"
  done
  sleep_until "$SETTLE"
fi

# Warm-up: a first scrape of each pays its one-off costs (first allocations,
# first use of each code path). The measured window starts after it.
scrape "$C_URL" "$TMP/warmup.c"
scrape "$NE_URL" "$TMP/warmup.ne"
C_CPU0=$(cpu_ticks "$C_PID")
C_NS0=$(sched_ns "$C_PID")
thread_ns "$C_PID" >"$TMP/threads0.c"
NE_CPU0=$(cpu_ticks "$NE_PID")
NE_NS0=$(sched_ns "$NE_PID")
T0=$(now)

echo "footprint: measuring for ${SECONDS_TO_RUN}s, a scrape of each every ${SCRAPE_EVERY}s" >&2
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
C_NS1=$(sched_ns "$C_PID")
thread_ns "$C_PID" >"$TMP/threads1.c"
NE_CPU1=$(cpu_ticks "$NE_PID")
NE_NS1=$(sched_ns "$NE_PID")
WINDOW=$(awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
C_RSS=$(status_field "$C_PID" VmRSS)
NE_RSS=$(status_field "$NE_PID" VmRSS)
# RSS = anonymous (heap, stacks: the process's own) + file-backed (the pages
# of its binary and shared libraries it has touched, which fault-around maps
# 64 KiB at a time).
C_ANON=$(status_field "$C_PID" RssAnon)
NE_ANON=$(status_field "$NE_PID" RssAnon)
C_FILE=$(status_field "$C_PID" RssFile)
NE_FILE=$(status_field "$NE_PID" RssFile)
C_THREADS=$(status_field "$C_PID" Threads)
NE_THREADS=$(status_field "$NE_PID" Threads)
HZ=$(getconf CLK_TCK)

C_CPU_MS=$(((C_CPU1 - C_CPU0) * 1000 / HZ))
NE_CPU_MS=$(((NE_CPU1 - NE_CPU0) * 1000 / HZ))
C_NS_MS=$(awk -v a="$C_NS0" -v b="$C_NS1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
NE_NS_MS=$(awk -v a="$NE_NS0" -v b="$NE_NS1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
pct() { awk -v ms="$1" -v w="$WINDOW" 'BEGIN { printf "%.3f", ms / 10 / w }'; } # ms over WINDOW s -> %

# -- back-to-back scrapes ---------------------------------------------------------
# N scrapes of one agent in a row (then N of the other), each a new curl as
# above but the body thrown away: its CPU time (ticks and ns, as above) over
# them into $TMP/burst.<name>.cpu as "ticks ns seconds", and the latencies, one
# a line, into $TMP/burst.<name>.
burst() { # name url pid
  local name=$1 url=$2 pid=$3 c0 s0 t0 i
  : >"$TMP/burst.$name"
  c0=$(cpu_ticks "$pid"); s0=$(sched_ns "$pid"); t0=$(now)
  for ((i = 0; i < BURST; i++)); do
    curl -s --compressed -o /dev/null "${PROM_HEADERS[@]}" \
      -w '%{http_code} %{time_total}\n' "$url" >>"$TMP/burst.$name"
  done
  echo "$(($(cpu_ticks "$pid") - c0)) $(($(sched_ns "$pid") - s0))" \
    "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')" >"$TMP/burst.$name.cpu"
  if awk '$1 != 200 { bad = 1 } END { exit !bad }' "$TMP/burst.$name"; then
    echo "footprint: $url did not always answer HTTP 200 in the back-to-back scrapes" >&2
    exit 1
  fi
}
if ((BURST > 0)); then
  echo "footprint: $BURST back-to-back scrapes of each" >&2
  burst c "$C_URL" "$C_PID"
  burst ne "$NE_URL" "$NE_PID"
  read -r C_B_TICKS C_B_NS C_B_S <"$TMP/burst.c.cpu"
  read -r NE_B_TICKS NE_B_NS NE_B_S <"$TMP/burst.ne.cpu"
fi

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
echo "Idle footprint, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, window ${WINDOW} s after ${SETTLE} s of settling and one warm-up scrape, measured scrapes of each: $SCRAPES."
echo "$("$CONDUCTOR_BIN" --version) vs $("$NE_BIN" --version 2>&1 | head -n 1)"
echo "conductor: collector.interval ${INTERVAL:-default (5s)}, $PLUGINS plugins${CG_ROOT:+ (collector.cgroup_root $CG_ROOT)};" \
  "node_exporter: $NE_DESC."
echo
echo "| measure | conductor | node_exporter | conductor/node_exporter |"
echo "| --- | ---: | ---: | ---: |"
row "CPU time over the window, ms (utime+stime, ${HZ} Hz ticks)" "$C_CPU_MS" "$NE_CPU_MS"
row "CPU time over the window, ms (threads' schedstat run time, ns)" "$C_NS_MS" "$NE_NS_MS"
row "CPU, % of one core (utime+stime over the window)" "$(pct "$C_CPU_MS")" "$(pct "$NE_CPU_MS")"
row "RSS at the end, KiB" "$C_RSS" "$NE_RSS"
row "of which anonymous (RssAnon), KiB" "$C_ANON" "$NE_ANON"
row "of which file-backed (RssFile), KiB" "$C_FILE" "$NE_FILE"
row "threads at the end" "$C_THREADS" "$NE_THREADS"
row "/metrics body, bytes (uncompressed)" "$(last "$TMP/scrapes.c" 3)" "$(last "$TMP/scrapes.ne" 3)"
row "/metrics on the wire, bytes (gzip offered)" "$(last "$TMP/scrapes.c" 2)" "$(last "$TMP/scrapes.ne" 2)"
row "series (sample lines)" "$(last "$TMP/scrapes.c" 4)" "$(last "$TMP/scrapes.ne" 4)"
row "scrape latency, median ms" "$C_LAT" "$NE_LAT"

if ((PLUGINS > 0)); then
  C_PLUGIN_SERIES=$(grep -v '^#' "$TMP/scrapes.c.body" | grep -c 'plugin="' || true)
  C_PLUGINS_SEEN=$(grep -v '^#' "$TMP/scrapes.c.body" | grep -o 'plugin="[^"]*"' | sort -u | wc -l)
  echo
  echo "conductor's last /metrics: $C_PLUGIN_SERIES of its series carry a plugin label, for $C_PLUGINS_SEEN distinct plugins."
  if ((C_PLUGINS_SEEN < PLUGINS)); then
    echo "footprint: warning: conductor exported series for $C_PLUGINS_SEEN of $PLUGINS plugins" >&2
  fi
fi

if ((BURST > 0)); then
  per_us() { awk -v ns="$1" -v n="$BURST" 'BEGIN { printf "%.0f", ns / n / 1000 }'; }
  ticks_us() { awk -v t="$1" -v n="$BURST" -v hz="$HZ" 'BEGIN { printf "%.0f", t * 1e6 / hz / n }'; }
  lat_ms() { awk '{ print $2 }' "$TMP/burst.$1" >"$TMP/lat.$1"; ms "$(median "$TMP/lat.$1" 1)"; }
  echo
  printf '%s back-to-back scrapes of each, per scrape (conductor'"'"'s first, in %.1f s; then node_exporter'"'"'s, in %.1f s):\n' \
    "$BURST" "$C_B_S" "$NE_B_S"
  echo
  echo "| per /metrics scrape | conductor | node_exporter | conductor/node_exporter |"
  echo "| --- | ---: | ---: | ---: |"
  row "CPU time, us (threads' schedstat run time, ns)" "$(per_us "$C_B_NS")" "$(per_us "$NE_B_NS")"
  row "CPU time, us (utime+stime, ${HZ} Hz ticks)" "$(ticks_us "$C_B_TICKS")" "$(ticks_us "$NE_B_TICKS")"
  row "latency, median ms" "$(lat_ms c)" "$(lat_ms ne)"
  # The agents' own background work (collector ticks, timers) runs during the
  # scrapes too and is in these figures; at the idle rate of the window it is:
  echo
  echo "Of which background work at the window's idle rate, us per scrape: conductor" \
    "$(awk -v w="$C_NS1" -v w0="$C_NS0" -v win="$WINDOW" -v s="$C_B_S" -v n="$BURST" \
        'BEGIN { printf "%.0f", (w - w0) / win * s / n / 1000 }'), node_exporter" \
    "$(awk -v w="$NE_NS1" -v w0="$NE_NS0" -v win="$WINDOW" -v s="$NE_B_S" -v n="$BURST" \
        'BEGIN { printf "%.0f", (w - w0) / win * s / n / 1000 }')."
fi

# Where conductor's CPU went over the window, by thread name (threads alive at
# both ends only). CAF 0.17 names its scheduler's worker threads "caf.multiplexer".
echo
echo "conductor's CPU time over the window by thread name, ms (schedstat; CAF's scheduler workers are caf.multiplexer):" \
  "$(join "$TMP/threads0.c" "$TMP/threads1.c" | awk '
      { ms[$5] += ($4 - $2) / 1e6; n[$5]++ }
      END { for (t in ms) printf "%s x%d: %.1f; ", t, n[t], ms[t] }' | sed 's/; $//')"

# conductor's complaints, if any, for whoever reads the run (not a figure).
if grep -qiE 'error|warn' "$TMP/conductor.log"; then
  echo "footprint: conductor logged warnings or errors (first 10):" >&2
  grep -iE 'error|warn' "$TMP/conductor.log" | head -n 10 >&2
fi
