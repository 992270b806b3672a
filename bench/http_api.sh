#!/usr/bin/env bash
# http_api.sh -- what the node's HTTP JSON API costs, endpoint by endpoint,
# against GET /healthz (the floor: civetweb and the route table, no actor
# involved), all measured on one real node in the same run.
#
#   bench/http_api.sh [--requests N] [--idle-seconds N]    (~2.3 min; see bench/README.md)
#
#   --requests N      requests per endpoint and round, sequential on one
#                     keep-alive connection, and again split over 4 concurrent
#                     keep-alive clients (default 2000, at least 100); 3 rounds
#   --idle-seconds N  each of the 3 windows of the event streams' idle cost (default 30)
#
# The node runs on a temp config: node.data_dir in a temp dir, http.listen and
# inspect.listen on free loopback ports, scaler.mode manual, two plugins
# `/bin/sleep 3600` (each in its own cgroup under <mount>/conductor-bench-<pid>,
# made here in every hierarchy conductor uses and removed at the end), one tcp
# health target (the node's own HTTP port, so its breaker never moves by
# itself) checked every hour. Before the load, 100 mode changes (manual <->
# disabled, ending manual) fill the audit, so that history?limit=100 reads 100
# rows from SQLite.
#
# Reported, by a load generator in Python (stdlib sockets, HTTP/1.1 keep-alive,
# TCP_NODELAY and TCP_QUICKACK, time.perf_counter; written to the temp dir from
# this file; the concurrent clients are processes):
#  1. per endpoint (GET /healthz, /api/autoscaler/status, /api/plugins,
#     /api/autoscaler/history?limit=100, POST /api/preflight), sequential and
#     with 4 concurrent clients: requests/s (median of 3 rounds, the endpoints'
#     order rotated), median and p99 latency (all rounds' requests), each as a
#     ratio to /healthz;
#  2. the node's CPU time per 1000 requests of each endpoint (utime + stime of
#     /proc/<pid>/stat, and the threads' schedstat run time), ratio to /healthz;
#  3. the idle cost of open event streams: the node's CPU over a window and its
#     RSS with 0, then 8 open GET /api/events streams (no events), then 0
#     again, and the ratio of 8 to the mean of the two without;
#  4. event delivery: one stream open (?kinds=breaker, read without
#     TCP_QUICKACK, as any SSE client), 50 breaker changes (POST
#     /api/health/<target>/open, then close, ...) 100 ms apart, then 50 more 5 ms
#     apart: the time from the POST's answer to the event on the stream
#     (negative: the event came first), and from sending the POST; median, p99;
#  5. what a client that does not set TCP_QUICKACK sees: 40 sequential requests
#     per endpoint on one keep-alive connection, and 200 on a new connection
#     each. civetweb writes a reply's head line by line and its body apart, on
#     a socket without TCP_NODELAY: on a keep-alive connection Nagle holds the
#     body until the client acknowledges the head, and a client in delayed-ACK
#     mode does that after ~40 ms. 1-4 use TCP_QUICKACK to measure the node,
#     not that stall.
# Figures are only meaningful against the floor of the same run: the clients
# share the machine's cores with the node.
#
# Needs: root (the plugins' cgroups), python3, curl and a built conductor
# (`make build` runs if it is missing; CONDUCTOR_BIN=... measures another).
set -euo pipefail
# One locale for sort, awk and python's number formatting.
export LC_ALL=C

REQUESTS=2000
ROUNDS=3
CLIENTS=4
IDLE_SECONDS=30
STREAMS=8
CHANGES=50

usage() {
  echo "usage: $0 [--requests N] [--idle-seconds N]" >&2
  echo "  --requests N >= 100 (default $REQUESTS), --idle-seconds N >= 5 (default $IDLE_SECONDS)" >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --requests) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]{2,6}$ ]] || usage; REQUESTS=$2; shift 2 ;;
    --idle-seconds) [[ $# -ge 2 && "$2" =~ ^[0-9]{1,5}$ && $2 -ge 5 ]] || usage; IDLE_SECONDS=$2; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# bench_binary: finds (or builds) the binary, warns when it is older than its sources.
# shellcheck source=bench/bench_common.sh
source "$REPO/bench/bench_common.sh"
bench_binary conductor "${CONDUCTOR_BIN:-}" "$REPO/node" "$REPO/api" "$REPO/actors" \
  "$REPO/messages" "$REPO/config"
CONDUCTOR_BIN=$BIN
for tool in python3 curl; do
  command -v "$tool" >/dev/null || { echo "http_api: $tool is missing" >&2; exit 1; }
done
if ((EUID != 0)); then
  echo "http_api: the plugins' cgroups need root" >&2
  exit 1
fi

# -- clean-up: only the processes, cgroups and directory this script created ----
TMP=$(mktemp -d -t conductor-http-api.XXXXXX)
C_PID=""         # conductor
PY_PID=""        # the load generator
CG_DIRS=()       # cgroup directories created, each parent before its children
cleanup() {
  local i k dir
  if [[ -n $PY_PID ]]; then
    kill -TERM "$PY_PID" 2>/dev/null || true
    wait "$PY_PID" 2>/dev/null || true
  fi
  if [[ -n $C_PID ]] && kill -TERM "$C_PID" 2>/dev/null; then
    # conductor stops within 5 s by contract (its plugins with it); a little more.
    for ((i = 0; i < 70; i++)); do
      kill -0 "$C_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$C_PID" 2>/dev/null || true
    wait "$C_PID" 2>/dev/null || true
  fi
  # Children before parents; a cgroup goes once its processes have exited.
  for ((i = ${#CG_DIRS[@]} - 1; i >= 0; i--)); do
    dir=${CG_DIRS[i]}
    for ((k = 0; k < 50; k++)); do
      rmdir "$dir" 2>/dev/null || [[ ! -d $dir ]] && break
      sleep 0.1
    done
    if [[ -d $dir ]]; then
      echo "http_api: could not remove the cgroup $dir" >&2
    fi
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -- two free loopback ports, both bound at once so they differ -------------------
read -r HTTP_PORT INSPECT_PORT < <(free_ports 2)

# -- the plugins' cgroups (as footprint.sh --plugins makes them) -------------------
CG_ROOT=""
while read -r version mount controller; do
  base=$mount/conductor-bench-$$
  if ! mkdir "$base" 2>/dev/null; then
    echo "http_api: cannot create $base; no plugin cgroups in $mount" >&2
    continue
  fi
  CG_DIRS+=("$base")
  if [[ $version == v2 ]]; then
    for c in cpu memory pids; do
      echo "+$c" >"$base/cgroup.subtree_control" 2>/dev/null || true
    done
  fi
  if [[ -z $CG_ROOT || $controller == memory ]]; then
    CG_ROOT=$base
  fi
done < <(cgroup_mounts)

# -- the node --------------------------------------------------------------------
{
  echo "node:"
  echo "  data_dir: $TMP/data"
  if [[ -n $CG_ROOT ]]; then
    echo "collector:"
    echo "  cgroup_root: $CG_ROOT"
  fi
  echo "scaler:"
  echo "  mode: manual"
  echo "http:"
  echo "  listen: 127.0.0.1:$HTTP_PORT"
  echo "inspect:"
  echo "  listen: 127.0.0.1:$INSPECT_PORT"
  echo "health:"
  echo "  interval: 1h"
  echo "  targets:"
  echo "    - {name: bench, type: tcp, address: \"127.0.0.1:$HTTP_PORT\"}"
  echo "plugins:"
  echo "  - {name: p1, priority: 1, command: [\"/bin/sleep\", \"3600\"]}"
  echo "  - {name: p2, priority: 2, command: [\"/bin/sleep\", \"3600\"]}"
} >"$TMP/node.yaml"
if ! "$CONDUCTOR_BIN" --check-config "$TMP/node.yaml" >"$TMP/check.log" 2>&1; then
  echo "http_api: the generated config is invalid:" >&2
  cat "$TMP/check.log" "$TMP/node.yaml" >&2
  exit 1
fi
"$CONDUCTOR_BIN" --config "$TMP/node.yaml" 2>"$TMP/conductor.log" &
C_PID=$!
URL=http://127.0.0.1:$HTTP_PORT
for ((i = 0; i < 100; i++)); do
  if ! kill -0 "$C_PID" 2>/dev/null; then
    echo "http_api: conductor exited during start-up; its log:" >&2
    cat "$TMP/conductor.log" >&2
    exit 1
  fi
  [[ $(curl -sf "$URL/api/plugins" 2>/dev/null | grep -o '"running"' | wc -l) == 2 ]] && break
  sleep 0.1
done
((i < 100)) || { echo "http_api: the node's two plugins were not running within 10 s" >&2; exit 1; }

# -- the load generator ------------------------------------------------------------
cat >"$TMP/load.py" <<'PYTHON'
"""Load generator and meter for bench/http_api.sh (see its header)."""
import glob
import json
import multiprocessing as mp
import os
import select
import socket
import statistics
import sys
import time

PID, PORT, N, ROUNDS, CLIENTS, IDLE_S, STREAMS, CHANGES, TARGET = sys.argv[1:10]
PID, PORT, N, ROUNDS, CLIENTS = int(PID), int(PORT), int(N), int(ROUNDS), int(CLIENTS)
IDLE_S, STREAMS, CHANGES = int(IDLE_S), int(STREAMS), int(CHANGES)
HZ = os.sysconf("SC_CLK_TCK")
WARMUP = 50


def log(*a):
    print("http_api:", *a, file=sys.stderr, flush=True)


# -- the node's costs, from /proc --------------------------------------------------
def cpu_ticks():
    """utime + stime of the whole process, in clock ticks."""
    with open(f"/proc/{PID}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def sched_ns():
    """The run time of the threads alive now (schedstat field 1), summed."""
    total = 0
    for p in glob.glob(f"/proc/{PID}/task/*/schedstat"):
        try:
            with open(p) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass  # a thread that ended between glob and read
    return total


def cpu():
    return cpu_ticks(), sched_ns()


def status_field(name):
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


# -- a minimal HTTP/1.1 keep-alive client ------------------------------------------
def get(path):
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def post(path, body):
    b = body.encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(b)}\r\n\r\n").encode() + b


def connect():
    s = socket.create_connection(("127.0.0.1", PORT))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def parse_reply(buf):
    """(status, body, rest, close) when buf holds a whole reply, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end].lower()
    i = head.find(b"\r\ncontent-length:")
    if i < 0:
        raise RuntimeError("a reply without Content-Length: " + repr(buf[:200]))
    j = head.find(b"\r\n", i + 2)
    length = int(head[i + 17:j if j > 0 else len(head)])
    if len(buf) < end + 4 + length:
        return None
    return (int(buf[9:12]), buf[end + 4:end + 4 + length], buf[end + 4 + length:],
            b"\r\nconnection: close" in head)


class Client:
    """quick: acknowledge every segment at once (TCP_QUICKACK before each recv).
    civetweb writes a reply's head line by line and its body apart, without
    TCP_NODELAY: on a keep-alive connection Nagle holds the body until the
    client acknowledges the head, which a client in delayed-ACK mode does only
    after ~40 ms. The quick client measures the node, not that stall."""

    def __init__(self, quick=True):
        self.sock = connect()
        self.buf = b""
        self.reconnects = 0
        self.quick = quick

    def exchange(self, raw):
        self.sock.sendall(raw)
        while True:
            r = parse_reply(self.buf)
            if r:
                break
            if self.quick:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("the node closed a keep-alive connection")
            self.buf += chunk
        status, body, self.buf, close = r
        if close:
            self.sock.close()
            self.sock = connect()
            self.buf = b""
            self.reconnects += 1
        return status, body

    def close(self):
        self.sock.close()


def run(client, raw, n):
    """n requests; their latencies (s) and the count of answers other than 200."""
    lat = []
    bad = 0
    pc = time.perf_counter
    for _ in range(n):
        t0 = pc()
        status, _ = client.exchange(raw)
        lat.append(pc() - t0)
        bad += status != 200
    return lat, bad


def worker(raw, n, barrier, out):
    c = Client()
    run(c, raw, WARMUP)
    barrier.wait()
    t0 = time.perf_counter()
    lat, bad = run(c, raw, n)
    t1 = time.perf_counter()
    c.close()
    out.send((lat, bad, t0, t1, c.reconnects))
    out.close()


def measure_seq(raw, n):
    c = Client()
    run(c, raw, WARMUP)
    c0 = cpu()
    u0 = os.times()
    t0 = time.perf_counter()
    lat, bad = run(c, raw, n)
    t1 = time.perf_counter()
    u1 = os.times()
    c1 = cpu()
    c.close()
    client_s = (u1.user - u0.user) + (u1.system - u0.system)
    return dict(lat=lat, bad=bad, wall=t1 - t0, ticks=c1[0] - c0[0], ns=c1[1] - c0[1], n=n,
                reconnects=c.reconnects, client_s=client_s)


def measure_conc(raw, n):
    ctx = mp.get_context("fork")
    per = n // CLIENTS
    barrier = ctx.Barrier(CLIENTS + 1)
    procs, pipes = [], []
    for _ in range(CLIENTS):
        r, w = ctx.Pipe(duplex=False)
        p = ctx.Process(target=worker, args=(raw, per, barrier, w))
        p.start()
        procs.append(p)
        pipes.append(r)
    c0 = cpu()
    barrier.wait()
    results = [r.recv() for r in pipes]
    c1 = cpu()
    for p in procs:
        p.join()
    lat = [x for res in results for x in res[0]]
    return dict(lat=lat, bad=sum(r[1] for r in results),
                wall=max(r[3] for r in results) - min(r[2] for r in results),
                ticks=c1[0] - c0[0], ns=c1[1] - c0[1], n=per * CLIENTS,
                reconnects=sum(r[4] for r in results), client_s=None)


def pct(values, q):
    """Nearest rank."""
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(-(-q * len(v) // 1)) - 1))]


def fmt(x, digits=3):
    return f"{x:.{digits}f}"


# -- 0: fill the audit ---------------------------------------------------------------
c = Client()
for k in range(100):
    mode = "disabled" if k % 2 == 0 else "manual"
    status, body = c.exchange(post("/api/autoscaler/mode", json.dumps({"mode": mode})))
    if status != 200:
        sys.exit(f"http_api: POST /api/autoscaler/mode answered {status}: {body[:200]!r}")
time.sleep(1.5)  # persistence.batch is 1 s: let the rows land
status, body = c.exchange(get("/api/autoscaler/history?limit=100"))
HISTORY_ROWS = len(json.loads(body)["decisions"])
c.close()
if HISTORY_ROWS < 100:
    log(f"warning: history?limit=100 returns {HISTORY_ROWS} rows, not 100")

ENDPOINTS = [
    ("GET /healthz", get("/healthz")),
    ("GET /api/autoscaler/status", get("/api/autoscaler/status")),
    ("GET /api/plugins", get("/api/plugins")),
    ("GET /api/autoscaler/history?limit=100", get("/api/autoscaler/history?limit=100")),
    ("POST /api/preflight", post("/api/preflight",
                                 json.dumps({"memory": "64MiB", "cpu": 0.5, "plugin": "p1"}))),
]
SIZES = {}
c = Client()
for name, raw in ENDPOINTS:
    status, body = c.exchange(raw)
    if status != 200:
        sys.exit(f"http_api: {name} answered {status}: {body[:300]!r}")
    SIZES[name] = len(body)
c.close()

LOAD0 = os.getloadavg()
T_START = time.time()

# -- 1, 2: load, 3 rounds, the endpoints' order rotated every round ------------------
res = {(name, mode): [] for name, _ in ENDPOINTS for mode in ("seq", "conc")}
for rnd in range(ROUNDS):
    order = ENDPOINTS[rnd % len(ENDPOINTS):] + ENDPOINTS[:rnd % len(ENDPOINTS)]
    log(f"round {rnd + 1}/{ROUNDS}: {N} requests per endpoint, sequential, then {CLIENTS} clients")
    for name, raw in order:
        res[(name, "seq")].append(measure_seq(raw, N))
        res[(name, "conc")].append(measure_conc(raw, N))
LOAD_WALL = time.time() - T_START

# -- 3: idle cost of open event streams ---------------------------------------------
def idle_window():
    c0 = cpu()
    t0 = time.perf_counter()
    time.sleep(IDLE_S)
    t1 = time.perf_counter()
    c1 = cpu()
    return dict(wall=t1 - t0, ticks=c1[0] - c0[0], ns=c1[1] - c0[1],
                rss=status_field("VmRSS"), anon=status_field("RssAnon"),
                threads=status_field("Threads"))


def open_stream(path):
    s = connect()
    s.sendall(get(path))
    buf = b""
    deadline = time.time() + 5
    while b": conductor events" not in buf:
        if time.time() > deadline:
            raise RuntimeError(f"no greeting on {path}: {buf[:300]!r}")
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError(f"{path} closed: {buf[:300]!r}")
        buf += chunk
    return s, buf


log(f"idle: {IDLE_S} s without event streams, {IDLE_S} s with {STREAMS}, {IDLE_S} s without")
# Some of the load's aftermath lands in the seconds after it: ~5 ms of CPU more in
# a first window begun 3 s after the load than in the later ones.
time.sleep(10)
idle0 = idle_window()
streams = [open_stream("/api/events")[0] for _ in range(STREAMS)]
time.sleep(2)
idle8 = idle_window()
# Any byte the idle streams got beyond their greeting (heartbeats, events).
idle_bytes = 0
for s in streams:
    s.setblocking(False)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            idle_bytes += len(chunk)
    except BlockingIOError:
        pass
    s.close()
# The node notices a closed stream at its next heartbeat (within 15 s): the
# third window has those 8 last writes in it.
time.sleep(2)
idle0b = idle_window()

# -- 4: event delivery ----------------------------------------------------------------
def drain(sock):
    sock.setblocking(False)
    try:
        while sock.recv(65536):
            pass
    except BlockingIOError:
        pass


def event_delivery(pause):
    """CHANGES breaker changes, `pause` s apart (after each answer and event): per
    change the time from the POST's answer to its event on the stream, from
    sending the POST, and the POST's own latency. The stream is read as any SSE
    client reads it (no TCP_QUICKACK); the POST client is the quick one."""
    sse, _ = open_stream("/api/events?kinds=breaker")
    pc = Client()
    # A known state first: closed (no event when it is closed already).
    pc.exchange(post(f"/api/health/{TARGET}/close", json.dumps({"reason": "bench-start"})))
    time.sleep(0.2)
    drain(sse)
    pc.sock.setblocking(False)
    after_answer, after_send, answer_lat = [], [], []
    missed = 0
    for k in range(CHANGES):
        action = "open" if k % 2 == 0 else "close"
        reason = f"bench-{pause}-{k}-{action}"
        needle = f"{reason} (by".encode()
        raw = post(f"/api/health/{TARGET}/{action}", json.dumps({"reason": reason}))
        t_send = time.perf_counter()
        pc.sock.sendall(raw)
        t_answer = t_event = None
        ev_buf = b""
        deadline = t_send + 5
        while t_answer is None or t_event is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            if t_answer is None:
                pc.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            readable, _, _ = select.select([pc.sock, sse], [], [], left)
            now = time.perf_counter()
            for sock in readable:
                try:
                    chunk = sock.recv(65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    sys.exit("http_api: a connection closed during the event test")
                if sock is sse:
                    ev_buf += chunk
                    i = ev_buf.find(needle)
                    if t_event is None and i >= 0 and ev_buf.find(b"\n\n", i) >= 0:
                        t_event = now
                else:
                    pc.buf += chunk
                    r = parse_reply(pc.buf)
                    if r and t_answer is None:
                        t_answer = now
                        if r[0] != 200:
                            sys.exit(f"http_api: {action} answered {r[0]}: {r[1][:200]!r}")
                        pc.buf = r[2]
        if t_answer is None or t_event is None:
            missed += 1
            log(f"warning: change {k} ({action}, {pause * 1000:.0f} ms apart): answer "
                f"{'seen' if t_answer else 'missing'}, event {'seen' if t_event else 'missing'} after 5 s")
        else:
            after_answer.append(t_event - t_answer)
            after_send.append(t_event - t_send)
            answer_lat.append(t_answer - t_send)
        time.sleep(pause)
    sse.close()
    pc.sock.close()
    return dict(after_answer=after_answer, after_send=after_send, answer=answer_lat, missed=missed)


PAUSES = (0.1, 0.005)
log(f"events: {CHANGES} breaker changes of target {TARGET}, "
    + " then ".join(f"{p * 1000:.0f} ms apart" for p in PAUSES))
EVENTS = {p: event_delivery(p) for p in PAUSES}

# -- 5: what a client without TCP_QUICKACK sees ------------------------------------------
PLAIN_N, NEWCONN_N = 40, 200
log(f"plain clients: {PLAIN_N} requests per endpoint on one keep-alive connection without "
    f"TCP_QUICKACK, then {NEWCONN_N} on a new connection each")
plain = {}
for name, raw in ENDPOINTS:
    c = Client(quick=False)
    run(c, raw, 3)
    lat, _ = run(c, raw, PLAIN_N)
    c.close()
    fresh = []
    for _ in range(NEWCONN_N):
        t0 = time.perf_counter()
        c = Client(quick=False)
        c.exchange(raw)
        c.close()
        fresh.append(time.perf_counter() - t0)
    plain[name] = (lat, fresh)
LOAD1 = os.getloadavg()

# -- the report ------------------------------------------------------------------------
def ms(x):
    return x * 1000


def summary(runs):
    lat = [x for r in runs for x in r["lat"]]
    rps = [r["n"] / r["wall"] for r in runs]
    n = sum(r["n"] for r in runs)
    return dict(rps=statistics.median(rps), rps_lo=min(rps), rps_hi=max(rps),
                p50=ms(statistics.median(lat)), p99=ms(pct(lat, 0.99)),
                ticks_ms_k=sum(r["ticks"] for r in runs) * 1000 / HZ / n * 1000,
                ns_ms_k=sum(r["ns"] for r in runs) / 1e6 / n * 1000,
                ticks=sum(r["ticks"] for r in runs), n=n,
                bad=sum(r["bad"] for r in runs), reconnects=sum(r["reconnects"] for r in runs),
                client_us=(sum(r["client_s"] for r in runs) / n * 1e6
                           if runs[0]["client_s"] is not None else None))


S = {key: summary(runs) for key, runs in res.items()}
floor = {mode: S[("GET /healthz", mode)] for mode in ("seq", "conc")}
print(f"HTTP API cost, {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}, {os.cpu_count()} cores, "
      f"node pid {PID} on 127.0.0.1:{PORT}. Load average at the start "
      f"{LOAD0[0]:.2f} {LOAD0[1]:.2f} {LOAD0[2]:.2f}, at the end {LOAD1[0]:.2f} {LOAD1[1]:.2f} {LOAD1[2]:.2f}.")
print(f"{ROUNDS} rounds (endpoint order rotated) of {N} requests per endpoint: sequential on one "
      f"keep-alive connection, then {CLIENTS} concurrent keep-alive clients x {N // CLIENTS}; "
      f"{WARMUP} unmeasured requests per connection first. Load phase {LOAD_WALL:.0f} s. "
      f"history?limit=100 returns {HISTORY_ROWS} rows. The clients acknowledge at once "
      "(TCP_QUICKACK): without it every keep-alive request waits ~40 ms for civetweb's "
      "Nagle-held body (last table).")
for mode, title in (("seq", "sequential, 1 client"), (("conc", f"{CLIENTS} concurrent clients"))):
    print()
    print(f"#### {title}")
    print()
    print("| endpoint | body, bytes | requests/s (median of rounds) | x healthz | latency median, ms "
          "| x healthz | latency p99, ms | x healthz |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    f = floor[mode]
    for name, _ in ENDPOINTS:
        s = S[(name, mode)]
        print(f"| `{name}` | {SIZES[name]} | {s['rps']:.0f} ({s['rps_lo']:.0f}-{s['rps_hi']:.0f}) "
              f"| {fmt(s['rps'] / f['rps'], 2)} | {fmt(s['p50'])} | {fmt(s['p50'] / f['p50'], 2)} "
              f"| {fmt(s['p99'])} | {fmt(s['p99'] / f['p99'], 2)} |")
print()
print(f"#### the node's CPU time per 1000 requests, ms (all {ROUNDS} rounds pooled; {HZ} Hz ticks "
      "and the threads' schedstat run time)")
print()
print("| endpoint | sequential, ticks | x healthz | sequential, schedstat | x healthz "
      f"| {CLIENTS} clients, ticks | x healthz | {CLIENTS} clients, schedstat | x healthz |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, _ in ENDPOINTS:
    row = [f"`{name}`"]
    for mode in ("seq", "conc"):
        s, f = S[(name, mode)], floor[mode]
        row += [f"{s['ticks_ms_k']:.1f}", fmt(s["ticks_ms_k"] / f["ticks_ms_k"], 2) if f["ticks"] else "n/a",
                f"{s['ns_ms_k']:.1f}", fmt(s["ns_ms_k"] / f["ns_ms_k"], 2)]
    print("| " + " | ".join(row) + " |")
idle_rate = (idle0["ns"] + idle0b["ns"]) / 1e6 / (idle0["wall"] + idle0b["wall"])  # ms/s
print()
print(f"The node's background work at its idle rate ({idle_rate:.2f} ms of CPU per s, schedstat, "
      f"the windows without streams below) is in these figures: about "
      f"{idle_rate * statistics.median(r['wall'] for r in res[('GET /healthz', 'seq')]) / N * 1000:.2f} ms "
      f"per 1000 sequential /healthz requests. The client's own CPU (user + sys) per sequential "
      f"request: " + ", ".join(f"{n.split()[1]} {S[(n, 'seq')]['client_us']:.0f} us" for n, _ in ENDPOINTS) + ".")
bad = {k: (v["bad"], v["reconnects"]) for k, v in S.items() if v["bad"] or v["reconnects"]}
if bad:
    log("warning: answers other than 200 / keep-alive connections closed by the node:", bad)

print()
print(f"#### idle cost of open event streams ({IDLE_S} s windows, back to back, no events)")
print()
print(f"| measure | 0 streams | {STREAMS} streams | 0 streams again | {STREAMS} / mean of 0 | {STREAMS} - mean of 0 |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")


def irow(label, key, scale=1.0, digits=1, per_s=False):
    a, b, c = (w[key] * scale / (w["wall"] if per_s else 1) for w in (idle0, idle8, idle0b))
    m = (a + c) / 2
    ratio = fmt(b / m, 2) if m else "n/a"
    print(f"| {label} | {a:.{digits}f} | {b:.{digits}f} | {c:.{digits}f} | {ratio} | {b - m:+.{digits}f} |")


irow(f"CPU time, ms (utime+stime, {HZ} Hz ticks)", "ticks", 1000 / HZ, 0)
irow("CPU time, ms (schedstat)", "ns", 1e-6)
irow("CPU, % of one core (schedstat)", "ns", 1e-7, 3, per_s=True)
irow("RSS at the end, KiB", "rss", 1, 0)
irow("of which anonymous (RssAnon), KiB", "anon", 1, 0)
irow("threads", "threads", 1, 0)
print()
print(f"The {STREAMS} streams received {idle_bytes} bytes beyond their greetings in the window "
      "(a heartbeat comment every 15 s each); the third window has the node "
      "notice, at that heartbeat, that they were closed.")

print()
print(f"#### event delivery: {CHANGES} breaker changes each (open, close, ...) on one keep-alive "
      "connection, one stream open (?kinds=breaker), ms")
print()
print("| measure, ms | changes apart | median | p99 | min | max | measured |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for p in PAUSES:
    e = EVENTS[p]
    if not e["after_answer"]:
        print(f"| (none measured) | {p * 1000:.0f} ms | | | | | 0 of {CHANGES} |")
        continue
    first = sum(1 for x in e["after_answer"] if x < 0)
    for label, v in ((f"event arrival - POST answer (negative: the event came first, {first} times)", e["after_answer"]),
                     ("event arrival - POST sent", e["after_send"]),
                     ("POST answer - POST sent", e["answer"])):
        print(f"| {label} | {p * 1000:.0f} ms | {fmt(ms(statistics.median(v)))} | {fmt(ms(pct(v, 0.99)))} "
              f"| {fmt(ms(min(v)))} | {fmt(ms(max(v)))} | {len(v)} of {CHANGES} |")

print()
print("#### what a client without TCP_QUICKACK sees (sequential, ms)")
print()
print(f"| endpoint | keep-alive, median | keep-alive, p99 | quick client above, median "
      f"| new connection per request, median | new connection, p99 |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for name, _ in ENDPOINTS:
    lat, fresh = plain[name]
    print(f"| `{name}` | {fmt(ms(statistics.median(lat)))} | {fmt(ms(pct(lat, 0.99)))} "
          f"| {fmt(S[(name, 'seq')]['p50'])} | {fmt(ms(statistics.median(fresh)))} | {fmt(ms(pct(fresh, 0.99)))} |")
print()
print(f"Keep-alive: {PLAIN_N} requests on one connection after 3 unmeasured; new connection: "
      f"{NEWCONN_N} requests, connect and close included.")
PYTHON

echo "http_api: conductor pid $C_PID on $URL ($("$CONDUCTOR_BIN" --version)); load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# In the background and waited for: a signal interrupts `wait` at once.
python3 "$TMP/load.py" "$C_PID" "$HTTP_PORT" "$REQUESTS" "$ROUNDS" "$CLIENTS" "$IDLE_SECONDS" \
  "$STREAMS" "$CHANGES" bench &
PY_PID=$!
wait "$PY_PID"
PY_PID=""
kill -0 "$C_PID" 2>/dev/null || { echo "http_api: conductor died during the run" >&2; exit 1; }

# For whoever reads the run (not figures): conductor's complaints, but for the
# breaker changes forced above (logged as warnings).
grep -iE 'error|warn' "$TMP/conductor.log" | grep -v 'by operator: bench-' >"$TMP/complaints" || true
if [[ -s $TMP/complaints ]]; then
  echo "http_api: conductor logged warnings or errors (first 10):" >&2
  head -n 10 "$TMP/complaints" >&2
fi
