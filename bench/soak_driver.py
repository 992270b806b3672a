"""soak_driver.py -- the load pattern and the meter of bench/soak.sh (see its header
and bench/README.md, "Soak"). Python 3 standard library only.

  soak_driver.py config PLAN.json   reads the plan the script wrote, adds the derived
                                    figures (host thresholds, ballast sizes) to it and
                                    prints the node's YAML config on stdout
  soak_driver.py run PLAN.json PID  drives the pattern against the running node PID for
                                    the plan's minutes, samples it, and prints the report
                                    (markdown) on stdout; progress on stderr

The pattern (all times from the moment the node served its first /metrics):
  - health flaps: every plugin has an exec check `/usr/bin/test -e <tmp>/flags/gK`
    (K = its index mod 5); flag K is removed for FLAP_DOWN s once every 50 + 10 K s
    (first at 15 + 7 K s), so each group's breakers open, try half-open and close;
  - health targets: T http and T tcp targets on one bench/http_target_server port,
    which this driver runs through "up" (answers), "stopped" (SIGSTOP: tcp connects,
    http times out) and "down" (killed: refused) on a 120 s cycle;
  - per-plugin memory (hNN plugins, memory_hog 4 MiB chunks, 32 MiB limit, bounds
    16..128 MiB): each hog, on a cycle of HOG_CYCLE s phased by its index, grows
    (one SIGUSR2 per 0.5 s tick) to 85 % of its cgroup's current limit for GROW s, so
    the scaler resizes it up (x2, then again after probation); then half of them
    (alternating by cycle) keep
    growing until the kernel OOM-kills them (a revert when it is still on
    probation), even hogs get SIGTERM; both restart and idle at ~1 MiB, so the
    scaler resizes them down again. A hog's drain signal is SIGUSR2, which it takes
    for "grow": a drain runs its whole grace (HOG_DRAIN s), so the cascade takes
    that long per hog (and, on a machine whose CPU other work saturates, does not
    disable every plugin within minutes);
  - host pressure (bNN ballast plugins, the lowest priorities, variants large and
    small with the same memory limit, drained with SIGUSR1): every CYCLE s they
    all grow at once, by what the host then lacks to be BALLAST_OVER points over
    scaler.degrade.memory (max(30, the host's use at start + 10) %; restore 5
    points below, emergency 20 above); the cascade steps plugins down (open breakers first, then the
    lowest priority: the ballast, whose drain frees its memory); PRESSURE_S s
    later any ballast still holding memory is sent SIGTERM (a restart); once the
    host is below restore for scaler.stabilization the steps are undone one by one.
"""
import json
import math
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request

HZ = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
MIB = 1024 * 1024
GROUPS = 5
FLAP_DOWN = 20          # s a flag stays removed
TICK = 0.5              # s between pattern steps
SAMPLE_EVERY = 5        # s between samples of the node
HOG_CHUNK_MIB = 4
HOG_LIMIT_MIB = 32
HOG_BOUNDS_MIB = (16, 128)
GROW = 60               # s a hog grows per cycle (>= 60: a hog that ran a minute resets its backoff)
HOG_CYCLE = 90
HOG_DRAIN = 45          # s a hog's drain takes (its grace)
BALLAST_OVER = 5        # points of host memory past degrade a pressure phase aims at
PRESSURE_S = 30
SERVER_CYCLE = 120


def log(*a):
    print("soak:", *a, file=sys.stderr, flush=True)


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            out[k] = int(v.split()[0]) * 1024
    return out


def derive(plan):
    """Fills in the figures the config and the pattern share."""
    n = plan["plugins"]
    m = meminfo()
    used = 100.0 * (m["MemTotal"] - m["MemAvailable"]) / m["MemTotal"]
    plan["mem_total"] = m["MemTotal"]
    plan["base_memory_percent"] = round(used, 2)
    # Far enough above the host's use that other work (a build) rarely gets
    # there alone; the ballast is sized at each phase to get past it.
    degrade = max(30, math.ceil(used) + 10)
    plan["degrade_memory"] = degrade
    plan["restore_memory"] = degrade - 5
    plan["emergency_memory"] = degrade + 20
    if plan["emergency_memory"] > 95:
        sys.exit(f"soak: the host uses {used:.0f} % of its memory already: no room for a pressure pattern")
    b = max(2, round(n / 10))
    plan["ballast"] = [f"b{i:02d}" for i in range(1, b + 1)]
    plan["hogs"] = [f"h{i:02d}" for i in range(b + 1, n + 1)]
    # Each ballast plugin can hold its share of the way from an idle host to
    # BALLAST_OVER points past degrade; a phase asks for what is missing then.
    limit = (degrade + BALLAST_OVER) / 100.0 * m["MemTotal"] / b
    chunk = max(16, int(limit / 12 / MIB))
    plan["ballast_chunk_mib"] = chunk
    plan["ballast_limit_mib"] = (int(limit / MIB / chunk) + 2) * chunk
    total = plan["minutes"] * 60
    plan["cycle"] = int(min(150, max(60, total / 4)))
    plan["targets"] = max(1, round(n / 10))
    return plan


def cmd_config(path):
    with open(path) as f:
        plan = derive(json.load(f))
    with open(path, "w") as f:
        json.dump(plan, f, indent=1)
    tmp, hog = plan["tmp"], plan["hog_bin"]
    y = []
    w = y.append
    w("node:")
    w(f"  data_dir: {tmp}/data")
    w("logging:")
    w("  level: info")
    w("collector:")
    w("  interval: 1s")
    if plan["cg_root"]:
        w(f"  cgroup_root: {plan['cg_root']}")
    w("prediction:")
    w("  step: 10s")
    w("  window: 2m")
    w("  horizon: 1m")
    w("health:")
    w("  interval: 3s")
    w("  timeout: 1s")
    w("  breaker: {failure_threshold: 3, reset_timeout: 10s, backoff: 2.0, max_reset_timeout: 1m}")
    w("  targets:")
    for i in range(1, plan["targets"] + 1):
        w(f"    - {{name: web{i}, type: http, url: \"http://127.0.0.1:{plan['target_port']}/health\"}}")
        w(f"    - {{name: tcp{i}, type: tcp, address: \"127.0.0.1:{plan['target_port']}\"}}")
    w("scaler:")
    w("  mode: enabled")
    w("  policy: aggressive")
    w("  evaluation_interval: 5s")
    w("  confirm_down: 3")
    w("  cooldown: 30s")
    w(f"  degrade: {{cpu: 100, memory: {plan['degrade_memory']}}}")
    w(f"  restore: {{cpu: 99, memory: {plan['restore_memory']}}}")
    w(f"  emergency: {{memory: {plan['emergency_memory']}}}")
    w("  stabilization: 30s")
    w("  min_step: {memory_max: 8MiB}")
    w("  flap_budget: 60")
    w("  probation: 30s")
    w("http:")
    w(f"  listen: 127.0.0.1:{plan['http_port']}")
    w("inspect:")
    w(f"  listen: 127.0.0.1:{plan['inspect_port']}")
    w("plugins:")
    names = plan["ballast"] + plan["hogs"]
    for i, name in enumerate(names):
        flag = f"{tmp}/flags/g{i % GROUPS}"
        health = f"{{type: exec, command: [\"/usr/bin/test\", \"-e\", \"{flag}\"]}}"
        w(f"  - name: {name}")
        w(f"    priority: {i + 1}")
        if name in plan["ballast"]:
            c = plan["ballast_chunk_mib"]
            lim = plan["ballast_limit_mib"]
            w(f"    command: [\"{hog}\", \"{c}\"]")
            w("    variants:")
            w(f"      - {{name: large, command: [\"{hog}\", \"{c}\"]}}")
            w(f"      - {{name: small, command: [\"{hog}\", \"{max(1, c // 2)}\"]}}")
            w(f"    limits: {{memory_max: {lim}MiB}}")
            w(f"    bounds: {{memory_max: [{lim}MiB, {lim}MiB]}}")
            w("    drain: {signal: SIGUSR1, grace: 5s}")
        else:
            w(f"    command: [\"{hog}\", \"{HOG_CHUNK_MIB}\"]")
            w(f"    limits: {{memory_max: {HOG_LIMIT_MIB}MiB}}")
            w(f"    bounds: {{memory_max: [{HOG_BOUNDS_MIB[0]}MiB, {HOG_BOUNDS_MIB[1]}MiB]}}")
            # A hog takes SIGUSR2 for "grow", not "finish": the drain runs its whole
            # grace, so each cascade step on a hog takes HOG_DRAIN s.
            w(f"    drain: {{signal: SIGUSR2, grace: {HOG_DRAIN}s}}")
        w(f"    health: {health}")
        w("    start_retries: 1000")
    print("\n".join(y))


# -- reading the node ---------------------------------------------------------------

def read(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def status_fields(pid):
    out = {}
    for line in read(f"/proc/{pid}/status", "").splitlines():
        k, _, v = line.partition(":")
        v = v.split()
        if v and v[0].isdigit():
            out[k] = int(v[0])
    return out


def pss_kib(pid):
    for line in read(f"/proc/{pid}/smaps_rollup", "").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return None


def cpu_ticks(pid):
    rest = read(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def fds(pid):
    kinds = {}
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0, kinds
    for n in names:
        try:
            t = os.readlink(f"/proc/{pid}/fd/{n}")
        except OSError:
            continue
        if t.startswith("socket:"):
            k = "socket"
        elif t.startswith("pipe:"):
            k = "pipe"
        elif t.startswith("anon_inode:"):
            k = t
        elif t.startswith("/proc/"):
            k = "/proc"
        elif t.startswith("/sys/fs/cgroup"):
            k = "cgroup files"
        elif t.startswith("/dev/"):
            k = t
        else:
            k = "other files"
        kinds[k] = kinds.get(k, 0) + 1
    return len(names), kinds


def machine_ticks():
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    v = [int(x) for x in read("/proc/stat").splitlines()[0].split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    total = sum(v[:8])
    return total - idle, total


def compilers():
    n = 0
    for p in os.listdir("/proc"):
        if p.isdigit():
            c = read(f"/proc/{p}/comm", "").strip()
            if c in ("cc1plus", "cc1", "ld", "collect2", "clang", "clang++", "lld", "ld.lld", "ld.gold"):
                n += 1
    return n


def children(pid):
    """The node's children by state (R, S, Z...)."""
    out = {}
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            kids += read(f"/proc/{pid}/task/{tid}/children", "").split()
    except OSError:
        pass
    for k in set(kids):
        st = read(f"/proc/{k}/stat")
        if st:
            s = st.rsplit(")", 1)[1].split()[0]
            out[s] = out.get(s, 0) + 1
    return out


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        text = r.read().decode()
    series = {}
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        name, _, value = line.rpartition(" ")
        try:
            series[name] = float(value)
        except ValueError:
            pass
    return series


def labels(key):
    """'name{a="x",b="y"}' -> ('name', {'a': 'x', 'b': 'y'})."""
    if "{" not in key:
        return key, {}
    name, rest = key.split("{", 1)
    out = {}
    for part in rest.rstrip("}").split('",'):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v.strip('"')
    return name, out


def family(series, fam):
    """[(labels, value)] of one family."""
    out = []
    for k, v in series.items():
        n, l = labels(k)
        if n == fam:
            out.append((l, v))
    return out


def total(series, fam, by=None, where=None):
    """Sum of a family, grouped by the label tuple `by`."""
    out = {}
    for l, v in family(series, fam):
        if where and any(l.get(a) != b for a, b in where.items()):
            continue
        key = tuple(l.get(b, "") for b in by) if by else ()
        out[key] = out.get(key, 0) + v
    return out


def diff(a, b):
    return {k: b.get(k, 0) - a.get(k, 0) for k in set(a) | set(b)}


def histogram(series, fam):
    """Buckets [(le, cumulative)], count, sum of one unlabelled histogram."""
    buckets = []
    for l, v in family(series, fam + "_bucket"):
        le = l.get("le")
        buckets.append((math.inf if le == "+Inf" else float(le), v))
    buckets.sort()
    return buckets, series.get(fam + "_count", 0), series.get(fam + "_sum", 0)


def quantile(buckets, count, q):
    """(bucket bound holding q of the observations, linear estimate inside it)."""
    if count <= 0:
        return None, None
    rank = q * count
    prev_le, prev_c = 0.0, 0.0
    for le, c in buckets:
        if c >= rank:
            if math.isinf(le):
                return le, prev_le
            est = prev_le + (le - prev_le) * ((rank - prev_c) / (c - prev_c) if c > prev_c else 1)
            return le, est
        prev_le, prev_c = le, c
    return math.inf, prev_le


def slope_per_min(points):
    """Least-squares slope of [(t_s, value)] per minute."""
    if len(points) < 3:
        return 0.0
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    return 60 * sum((t - mt) * (v - mv) for t, v in points) / den if den else 0.0


# -- the pattern --------------------------------------------------------------------

class Cgroups:
    def __init__(self, plan):
        self.dir = plan["mem_dir"]
        self.v2 = plan["mem_version"] == "v2"

    def _f(self, name, v1, v2):
        return os.path.join(self.dir, name, v2 if self.v2 else v1)

    def usage(self, name):
        v = read(self._f(name, "memory.usage_in_bytes", "memory.current"))
        return int(v) if v and v.strip().isdigit() else None

    def limit(self, name):
        v = read(self._f(name, "memory.limit_in_bytes", "memory.max"))
        if not v:
            return None
        v = v.strip()
        return int(v) if v.isdigit() else None

    def pids(self, name):
        v = read(self._f(name, "cgroup.procs", "cgroup.procs"), "")
        return [int(x) for x in v.split()]


def kill(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except OSError:
        return False


class Server:
    """bench/http_target_server on a fixed port: up, stopped (SIGSTOP) or down."""

    def __init__(self, plan):
        self.bin, self.port, self.tmp = plan["server_bin"], plan["target_port"], plan["tmp"]
        self.proc = None
        self.state = "down"

    def set(self, state):
        if state == self.state:
            return
        if state == "up":
            if self.proc and self.proc.poll() is None:
                kill(self.proc.pid, signal.SIGCONT)
            else:
                self.proc = subprocess.Popen([self.bin, str(self.port)], stdout=subprocess.DEVNULL,
                                             stderr=open(f"{self.tmp}/server.log", "a"))
                with open(f"{self.tmp}/server.pid", "w") as f:
                    f.write(str(self.proc.pid))
        elif state == "stopped" and self.proc:
            kill(self.proc.pid, signal.SIGSTOP)
        elif state == "down" and self.proc:
            kill(self.proc.pid, signal.SIGKILL)
            kill(self.proc.pid, signal.SIGCONT)
            self.proc.wait()
            self.proc = None
        self.state = state

    def close(self):
        self.set("down")


def server_state(t):
    p = t % SERVER_CYCLE
    if p < 45:
        return "up"
    if p < 65:
        return "stopped"
    if p < 100:
        return "up"
    return "down"


def flag_up(g, t):
    period = 50 + 10 * g
    first = 15 + 7 * g
    if t < first:
        return True
    return (t - first) % period >= FLAP_DOWN


class Pattern:
    def __init__(self, plan):
        self.plan = plan
        self.cg = Cgroups(plan)
        self.server = Server(plan)
        self.flags = f"{plan['tmp']}/flags"
        os.makedirs(self.flags, exist_ok=True)
        self.flag_state = {}
        self.hogs = plan["hogs"]
        self.hog_cycle_no = {h: -1 for h in self.hogs}
        self.hog_release = {}          # hog -> ("oom", pid) while it grows past its limit
        self.pressure_no = -1
        self.pressure_until = None
        self.count = {"sigusr2_hog": 0, "sigusr2_ballast": 0, "hog_term": 0, "hog_oom_push": 0,
                      "ballast_term": 0, "pressure_phases": 0, "flag_toggles": 0,
                      "server_changes": 0}
        self.pressure_log = []

    def set_flags(self, t):
        for g in range(GROUPS):
            up = flag_up(g, t)
            if self.flag_state.get(g) == up:
                continue
            path = f"{self.flags}/g{g}"
            if up:
                open(path, "w").close()
            elif os.path.exists(path):
                os.unlink(path)
            if g in self.flag_state:
                self.count["flag_toggles"] += 1
            self.flag_state[g] = up

    def step_server(self, t):
        s = server_state(t)
        if s != self.server.state:
            self.count["server_changes"] += 1
            self.server.set(s)

    def step_hogs(self, t):
        n = len(self.hogs)
        for i, h in enumerate(self.hogs):
            pids = self.cg.pids(h)
            pid = pids[0] if pids else None
            local = t + HOG_CYCLE * i / n - 5  # phased by index; the first grows at once
            if local < 0:
                continue
            cyc, phase = divmod(local, HOG_CYCLE)
            if cyc != self.hog_cycle_no[h]:
                self.hog_cycle_no[h] = cyc
                self.hog_release.pop(h, None)
            if pid is None:
                continue
            use, lim = self.cg.usage(h), self.cg.limit(h)
            if use is None or lim is None:
                continue
            if phase < GROW:
                if use + HOG_CHUNK_MIB * MIB <= 0.85 * lim:
                    if kill(pid, signal.SIGUSR2):
                        self.count["sigusr2_hog"] += 1
                continue
            rel = self.hog_release.get(h)
            if rel is None:
                if (i + int(cyc)) % 2:
                    self.hog_release[h] = ("oom", pid)
                    rel = self.hog_release[h]
                else:
                    self.hog_release[h] = ("term", pid)
                    if kill(pid, signal.SIGTERM):
                        self.count["hog_term"] += 1
                    continue
            if rel[0] == "oom" and rel[1] == pid:
                # Keep growing until the kernel kills it (its pid changes on the restart).
                if kill(pid, signal.SIGUSR2):
                    self.count["hog_oom_push"] += 1

    def step_ballast(self, t):
        cycle = self.plan["cycle"]
        first = cycle * 0.3
        if t < first:
            return
        k, p = divmod(t - first, cycle)
        b = self.plan["ballast"]
        chunk = self.plan["ballast_chunk_mib"] * MIB
        if k != self.pressure_no:
            self.pressure_no = k
            self.count["pressure_phases"] += 1
            self.growing = {x: self.cg.pids(x)[:1] for x in b}
            # What is missing, now, to BALLAST_OVER points past degrade, split
            # over the ballast; never more than 90 % of a limit.
            m = meminfo()
            now_pct = 100.0 * (m["MemTotal"] - m["MemAvailable"]) / m["MemTotal"]
            want = (self.plan["degrade_memory"] + BALLAST_OVER - now_pct) / 100.0 * m["MemTotal"]
            self.hold = min(max(want, 0) / len(b), 0.9 * self.plan["ballast_limit_mib"] * MIB)
            self.pressure_log.append((round(t), round(now_pct, 1), round(self.hold * len(b) / 2 ** 30, 2)))
        if p < PRESSURE_S:
            # Grow each ballast process that started the phase up to its hold, a
            # chunk per tick (standard signals do not queue).
            for x in b:
                pids = self.cg.pids(x)
                if not pids or pids[:1] != self.growing.get(x):
                    continue
                use = self.cg.usage(x) or 0
                if use + chunk <= self.hold + chunk / 2:
                    if kill(pids[0], signal.SIGUSR2):
                        self.count["sigusr2_ballast"] += 1
        elif self.growing:
            # The phase is over: whatever the cascade did not free is let go.
            for x in b:
                pids = self.cg.pids(x)
                use = self.cg.usage(x) or 0
                if pids and use > 4 * chunk:
                    if kill(pids[0], signal.SIGTERM):
                        self.count["ballast_term"] += 1
            self.growing = {}

    def step(self, t):
        self.set_flags(t)
        self.step_server(t)
        self.step_hogs(t)
        self.step_ballast(t)

    def close(self):
        self.server.close()


# -- the run --------------------------------------------------------------------------

def cmd_run(path, pid):
    with open(path) as f:
        plan = json.load(f)
    pid = int(pid)
    url = f"http://127.0.0.1:{plan['http_port']}"
    total_s = plan["minutes"] * 60
    warm = min(120.0, 0.2 * total_s)
    pattern = Pattern(plan)
    stop = {"now": False}

    def on_term(signum, frame):
        stop["now"] = True
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    samples = []
    scrapes = {}
    fd_kinds = {}
    machine = {}
    loads = []
    comp_max = 0
    mem_host = []
    db = os.path.join(plan["tmp"], "data", "conductor.db")
    # The plugins' CPU: the soak root's cpuacct (v1) or cpu.stat (v2).
    cpu_dir = plan.get("cpu_dir") or ""

    def plugins_cpu_s():
        v = read(os.path.join(cpu_dir, "cpuacct.usage")) if cpu_dir else None
        if v and v.strip().isdigit():
            return int(v) / 1e9
        v = read(os.path.join(cpu_dir, "cpu.stat")) if cpu_dir else None
        if v:
            for line in v.splitlines():
                if line.startswith("usage_usec"):
                    return int(line.split()[1]) / 1e6
        return None

    def sample(t):
        nonlocal comp_max
        st = status_fields(pid)
        nfd, kinds = fds(pid)
        la = [float(x) for x in read("/proc/loadavg").split()[:3]]
        loads.append(la)
        comp_max = max(comp_max, compilers())
        m = meminfo()
        mem_host.append(100.0 * (m["MemTotal"] - m["MemAvailable"]) / m["MemTotal"])
        samples.append(dict(t=t, rss=st.get("VmRSS"), anon=st.get("RssAnon"),
                            file=st.get("RssFile"), shmem=st.get("RssShmem"), pss=pss_kib(pid),
                            hwm=st.get("VmHWM"), threads=st.get("Threads"), fds=nfd,
                            ticks=cpu_ticks(pid), kids=children(pid)))
        return kinds

    def mark(name, t):
        scrapes[name] = (t, scrape(url + "/metrics"))
        fd_kinds[name] = fds(pid)[1]
        machine[name] = (t, machine_ticks(), cpu_ticks(pid), plugins_cpu_s())

    t0 = time.monotonic()
    wall0 = time.time()
    log(f"{plan['minutes']} min, {plan['plugins']} plugins ({len(plan['ballast'])} ballast, "
        f"{len(plan['hogs'])} hogs), warm-up {warm:.0f} s, pressure every {plan['cycle']} s; "
        f"host memory at start {plan['base_memory_percent']} %, degrade at {plan['degrade_memory']} %")
    mark("start", 0.0)
    next_sample = 0.0
    warm_marked = False
    next_progress = 60.0
    try:
        while not stop["now"]:
            t = time.monotonic() - t0
            if t >= total_s:
                break
            if not os.path.exists(f"/proc/{pid}"):
                sys.exit("soak: the node died during the run")
            pattern.step(t)
            if t >= next_sample:
                sample(t)
                next_sample += SAMPLE_EVERY
            if not warm_marked and t >= warm:
                mark("steady", t)
                warm_marked = True
            if t >= next_progress:
                s = samples[-1]
                try:
                    m = scrape(url + "/metrics")
                    st = total(m, "conductor_plugin_state", ("state",))
                    running = f"{st.get(('running',), 0):.0f} of {plan['plugins']} plugins running"
                    dec = sum(total(m, "conductor_decisions_total").values())
                    host = "pressure" if m.get("conductor_host_cpu_usage_ratio", 0) >= 1 else "calm"
                    more = f", {running}, {dec:.0f} decisions, host cpu {'saturated' if host == 'pressure' else 'below 100 %'}"
                except OSError:
                    more = ""
                log(f"{t / 60:.0f} min: RSS {s['rss']} KiB, RssAnon {s['anon']} KiB, fds {s['fds']}, "
                    f"threads {s['threads']}, load {loads[-1][0]:.2f}{more}")
                next_progress += 60
            time.sleep(max(0.0, TICK - ((time.monotonic() - t0) - t)))
        if stop["now"]:
            sys.exit(130)
        t = time.monotonic() - t0
        sample(t)
        mark("end", t)
    finally:
        pattern.close()

    # -- the audit, from the node's SQLite file (read-only, beside the writer) -------
    audit, breaker_rows, state_rows = {}, 0, {}
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        for action, status, n in con.execute(
                "SELECT action, status, count(*) FROM autoscaler_history GROUP BY 1, 2"):
            audit[(action, status)] = n
        breaker_rows = con.execute("SELECT count(*) FROM breaker_transitions").fetchone()[0]
        for s, n in con.execute("SELECT state, count(*) FROM plugin_states GROUP BY 1"):
            state_rows[s] = n
        reverts = con.execute("SELECT reason FROM autoscaler_history WHERE action = 'revert' "
                              "AND status = 'decided'").fetchall()
        failures = con.execute(
            "SELECT action, error, count(*) FROM autoscaler_history WHERE status = 'failed' "
            "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5").fetchall()
        host_rows = con.execute(
            "SELECT timestamp, action, trigger, reason FROM autoscaler_history WHERE action IN "
            "('degrade', 'emergency', 'restore') AND status = 'decided' ORDER BY id").fetchall()
        con.close()
    except sqlite3.Error as e:
        log(f"warning: reading {db}: {e}")
        reverts, host_rows, failures = [], [], []
    pattern.host_rows = host_rows
    pattern.failures = failures
    pattern.wall_end = time.time()

    report(plan, pid, samples, scrapes, fd_kinds, machine, loads, comp_max, mem_host, warm,
           audit, breaker_rows, state_rows, reverts, pattern, wall0)


def fmt(x, d=1):
    if x is None:
        return "n/a"
    return f"{x:.{d}f}"


def report(plan, pid, samples, scrapes, fd_kinds, machine, loads, comp_max, mem_host, warm,
           audit, breaker_rows, state_rows, reverts, pattern, wall0):
    n = plan["plugins"]
    t_end = samples[-1]["t"]
    steady = [s for s in samples if s["t"] >= warm]
    first, last = steady[:3], steady[-3:]
    print(f"Soak of conductor, {time.strftime('%Y-%m-%d %H:%M', time.gmtime(wall0))} UTC, "
          f"{plan['minutes']} min, {n} plugins ({len(plan['ballast'])} ballast "
          f"{', '.join(plan['ballast'])}; {len(plan['hogs'])} memory hogs), "
          f"{2 * plan['targets']} health targets; node pid {pid}, {os.cpu_count()} cores, "
          f"host memory {plan['mem_total'] / 2 ** 30:.1f} GiB.")
    print(f"Warm-up {warm:.0f} s (the first 2 min or 20 %, the shorter); steady state "
          f"{warm:.0f}..{t_end:.0f} s, {len(steady)} samples {SAMPLE_EVERY} s apart. "
          f"Pressure phases at (s, host memory % then, ballast GiB asked): "
          f"{', '.join(f'{a} s {b} % {c} GiB' for a, b, c in pattern.pressure_log)}; degrade at "
          f"{plan['degrade_memory']} % host memory (the host used {plan['base_memory_percent']} % "
          f"at start), restore {plan['restore_memory']} %, emergency {plan['emergency_memory']} %; "
          f"host memory seen {min(mem_host):.1f}..{max(mem_host):.1f} %.")

    # -- memory, fds, threads -------------------------------------------------------
    print()
    print("#### the node's memory, file descriptors and threads (steady state)")
    print()
    print("| measure | at start of run | start of steady state (median of 3) | end (median of 3) "
          "| growth | slope, per min (least squares) | slope x steady time | max |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, label, unit in (("rss", "VmRSS", "KiB"), ("anon", "RssAnon", "KiB"),
                             ("file", "RssFile", "KiB"), ("shmem", "RssShmem", "KiB"),
                             ("pss", "Pss (smaps_rollup)", "KiB"),
                             ("fds", "open fds", ""), ("threads", "threads", "")):
        if samples[0].get(key) is None:
            continue
        a = statistics.median(s[key] for s in first)
        b = statistics.median(s[key] for s in last)
        sl = slope_per_min([(s["t"], s[key]) for s in steady])
        span = (steady[-1]["t"] - steady[0]["t"]) / 60
        print(f"| {label}{', ' + unit if unit else ''} | {samples[0][key]} | {a:.0f} | {b:.0f} "
              f"| {b - a:+.0f} | {sl:+.1f} | {sl * span:+.0f} | {max(s[key] for s in samples)} |")
    a = statistics.median(s["rss"] for s in first)
    b = statistics.median(s["rss"] for s in last)
    sl = slope_per_min([(s["t"], s["rss"]) for s in steady])
    span = (steady[-1]["t"] - steady[0]["t"]) / 60
    verdict = "met" if b - a < 1024 and sl * span < 1024 else "NOT met"
    print()
    print(f"RSS growth over the steady state: {b - a:+.0f} KiB (medians), {sl * span:+.0f} KiB "
          f"(fitted slope x {span:.1f} min): target < 1024 KiB {verdict}.")
    fk0, fk1 = fd_kinds.get("steady", {}), fd_kinds.get("end", {})
    kinds = sorted(set(fk0) | set(fk1))
    print("Open fds by kind, start of steady state -> end: "
          + ", ".join(f"{k} {fk0.get(k, 0)}->{fk1.get(k, 0)}" for k in kinds) + ".")
    kids = samples[-1]["kids"]
    zmax = max(s["kids"].get("Z", 0) for s in samples)
    print(f"The node's children at the end by state: "
          f"{', '.join(f'{k} {v}' for k, v in sorted(kids.items())) or 'none'}; most zombies seen "
          f"in one sample: {zmax}.")

    # -- schedule ------------------------------------------------------------------
    (ts, s0), (te, s1) = scrapes["steady"], scrapes["end"]
    _, sA = scrapes["start"]
    print()
    print("#### schedule (from /metrics, steady state and whole run)")
    print()
    print("| measure | steady state | whole run |")
    print("| --- | ---: | ---: |")

    def lateness(a, b):
        ba, ca, sa = histogram(a, "conductor_health_check_lateness_seconds")
        bb, cb, sb = histogram(b, "conductor_health_check_lateness_seconds")
        da = dict(ba)
        buckets = [(le, c - da.get(le, 0)) for le, c in bb]
        count, s = cb - ca, sb - sa
        le99, est99 = quantile(buckets, count, 0.99)
        le50, est50 = quantile(buckets, count, 0.5)
        return count, (s / count if count else None), le50, est50, le99, est99

    L = [lateness(s0, s1), lateness(sA, s1)]
    print(f"| health check starts | {L[0][0]:.0f} | {L[1][0]:.0f} |")
    print(f"| lateness mean, ms | {fmt(L[0][1] and L[0][1] * 1000, 2)} | {fmt(L[1][1] and L[1][1] * 1000, 2)} |")

    def q(x):
        le, est = x
        if le is None:
            return "n/a"
        if math.isinf(le):
            return f"> {est * 1000:g}"
        return f"<= {le * 1000:g} (~{est * 1000:.2f})"
    print(f"| lateness median, ms: bucket (interpolated) | {q(L[0][2:4])} | {q(L[1][2:4])} |")
    print(f"| lateness p99, ms: bucket (interpolated) | {q(L[0][4:6])} | {q(L[1][4:6])} |")
    interval = 1.0
    ticks = [s1.get("conductor_collector_ticks_total", 0) - s0.get("conductor_collector_ticks_total", 0),
             s1.get("conductor_collector_ticks_total", 0) - sA.get("conductor_collector_ticks_total", 0)]
    skipped = [s1.get("conductor_collector_skipped_ticks_total", 0) - s0.get("conductor_collector_skipped_ticks_total", 0),
               s1.get("conductor_collector_skipped_ticks_total", 0)]
    expected = [(te - ts) / interval, te / interval]
    print(f"| collector ticks (interval 1 s) / expected from the time | {ticks[0]:.0f} / {expected[0]:.0f} "
          f"| {ticks[1]:.0f} / {expected[1]:.0f} |")
    print(f"| collector skipped ticks | {skipped[0]:.0f} | {skipped[1]:.0f} (since the node started) |")
    ce = [diff(total(s0, "conductor_collector_errors_total", ("source",)), total(s1, "conductor_collector_errors_total", ("source",))),
          total(s1, "conductor_collector_errors_total", ("source",))]
    for i in range(2):
        ce[i] = {k[0]: v for k, v in ce[i].items() if v}
    print(f"| collector read errors | {sum(ce[0].values()):.0f} | {sum(ce[1].values()):.0f} |")
    hc = [diff(total(s0, "conductor_health_check_total", ("result",)), total(s1, "conductor_health_check_total", ("result",))),
          total(s1, "conductor_health_check_total", ("result",))]
    print(f"| health checks passed / failed | {hc[0].get(('success',), 0):.0f} / {hc[0].get(('failure',), 0):.0f} "
          f"| {hc[1].get(('success',), 0):.0f} / {hc[1].get(('failure',), 0):.0f} |")
    if ce[1]:
        print()
        print("Collector errors by source (whole run): " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(ce[1].items())) + ".")

    # -- decisions ----------------------------------------------------------------
    print()
    print("#### decisions, breakers, plugins (whole run; steady state in brackets)")
    print()
    dec = [diff(total(s0, "conductor_decisions_total", ("action",)), total(s1, "conductor_decisions_total", ("action",))),
           total(s1, "conductor_decisions_total", ("action",))]
    print("| what | count |")
    print("| --- | ---: |")
    acts = sorted({k[0] for k in dec[1]})
    print("| `conductor_decisions_total` | " + (", ".join(
        f"{a} {dec[1][(a,)]:.0f} ({dec[0].get((a,), 0):.0f})" for a in acts) or "none") + " |")
    pa = [diff(total(s0, "conductor_plugin_actions_total", ("action", "status")), total(s1, "conductor_plugin_actions_total", ("action", "status"))),
          total(s1, "conductor_plugin_actions_total", ("action", "status"))]
    print("| `conductor_plugin_actions_total` (action/status) | " + (", ".join(
        f"{a}/{s} {v:.0f} ({pa[0].get((a, s), 0):.0f})" for (a, s), v in sorted(pa[1].items())) or "none") + " |")
    rows = sorted(audit.items())
    print("| audit rows in SQLite (action/status) | " + (", ".join(
        f"{a}/{s} {v}" for (a, s), v in rows) or "none") + " |")
    bt = [diff(total(s0, "conductor_circuit_breaker_transitions_total", ("from", "to")),
               total(s1, "conductor_circuit_breaker_transitions_total", ("from", "to"))),
          total(s1, "conductor_circuit_breaker_transitions_total", ("from", "to"))]
    print("| breaker transitions (from->to) | " + (", ".join(
        f"{f}->{t} {v:.0f} ({bt[0].get((f, t), 0):.0f})" for (f, t), v in sorted(bt[1].items())) or "none")
          + f"; {breaker_rows} rows in breaker_transitions |")
    starts = [diff(total(s0, "conductor_plugin_starts_total"), total(s1, "conductor_plugin_starts_total")).get((), 0),
              total(s1, "conductor_plugin_starts_total").get((), 0)]
    print(f"| plugin starts (`conductor_plugin_starts_total`; restarts = starts - {n}) | "
          f"{starts[1]:.0f} ({starts[0]:.0f}) |")
    ooms = [diff(total(s0, "conductor_plugin_oom_kills_total"), total(s1, "conductor_plugin_oom_kills_total")).get((), 0),
            total(s1, "conductor_plugin_oom_kills_total").get((), 0)]
    print(f"| OOM kills in plugin cgroups (`conductor_plugin_oom_kills_total`) | {ooms[1]:.0f} ({ooms[0]:.0f}) |")
    print("| plugin state rows in SQLite | " + ", ".join(f"{k} {v}" for k, v in sorted(state_rows.items())) + " |")
    states = total(s1, "conductor_plugin_state", ("state",))
    print("| plugins by state at the end | " + ", ".join(f"{k[0]} {v:.0f}" for k, v in sorted(states.items()) if v) + " |")
    ar = total(s1, "conductor_actor_restarts_total")
    print(f"| actor restarts | {ar.get((), 0):.0f} |")
    pdrop = total(s1, "conductor_persistence_dropped_total", ("table",))
    print(f"| persistence: rows written / dropped / errors / audit backlog | "
          f"{sum(total(s1, 'conductor_persistence_rows_total').values()):.0f} / {sum(pdrop.values()):.0f} / "
          f"{s1.get('conductor_persistence_errors_total', 0):.0f} / {s1.get('conductor_persistence_audit_backlog', 0):.0f} |")
    print(f"| scaler suspended at the end | {s1.get('conductor_scaler_suspended', 0):.0f} |")
    causes = {}
    for (r,) in reverts:
        c = r.split("probation: ", 1)[-1].split(" (")[0]
        causes[c] = causes.get(c, 0) + 1
    if causes:
        print("| reverts by cause | " + ", ".join(f"{k}: {v}" for k, v in sorted(causes.items())) + " |")
    why, since, under = {}, None, 0.0
    for ts_, action, trigger, reason in pattern.host_rows:
        key = f"{action} ({trigger}{', ' + reason.split()[0] if action != 'restore' else ''})"
        why[key] = why.get(key, 0) + 1
        if action in ("degrade", "emergency") and since is None:
            since = ts_
        elif action == "restore" and since is not None:
            under += ts_ - since
            since = None
    if since is not None:
        under += pattern.wall_end - since
    print("| host pressure decisions (trigger, resource) | " + (", ".join(
        f"{k} {v}" for k, v in sorted(why.items())) or "none")
          + f"; under pressure {under:.0f} s of {t_end:.0f} s |")
    for action, error, k in pattern.failures:
        print(f"| failed outcome: {action} ({k}x) | {error[:200].replace('|', '/')} |")
    c = pattern.count
    print(f"| the pattern: flag toggles / server changes / pressure phases | {c['flag_toggles']} / "
          f"{c['server_changes']} / {c['pressure_phases']} |")
    print(f"| the pattern: SIGUSR2 to hogs / hogs pushed to OOM (signals) / SIGTERM to hogs | "
          f"{c['sigusr2_hog']} / {c['hog_oom_push']} / {c['hog_term']} |")
    print(f"| the pattern: SIGUSR2 to ballast / SIGTERM to ballast left holding at a phase's end | "
          f"{c['sigusr2_ballast']} / {c['ballast_term']} |")

    # -- CPU and the machine ------------------------------------------------------------
    print()
    print("#### CPU, and the machine around the run")
    print()
    print("| measure | steady state | whole run |")
    print("| --- | ---: | ---: |")
    (tsm, (b0, tt0), c0, p0), (tem, (b1, tt1), c1, p1) = machine["steady"], machine["end"]
    _, (bA, ttA), cA, pA = machine["start"]
    cores = os.cpu_count()
    node = [(c1 - c0) / HZ, (c1 - cA) / HZ]
    wall = [tem - tsm, tem]
    print(f"| node CPU (utime+stime), s | {node[0]:.1f} | {node[1]:.1f} |")
    print(f"| node CPU, % of one core | {100 * node[0] / wall[0]:.2f} | {100 * node[1] / wall[1]:.2f} |")
    if p1 is not None:
        plug = [p1 - p0, p1 - pA]
        print(f"| the plugins' CPU (their cgroups), % of one core | {100 * plug[0] / wall[0]:.2f} | {100 * plug[1] / wall[1]:.2f} |")
    busy = [(b1 - b0) / (tt1 - tt0), (b1 - bA) / (tt1 - ttA)]
    print(f"| the machine busy, % of all {cores} cores (/proc/stat) | {100 * busy[0]:.1f} | {100 * busy[1]:.1f} |")
    others = []
    for i in range(2):
        mine = node[i] + ((p1 - (p0 if i == 0 else pA)) if p1 is not None else 0)
        others.append(100 * (busy[i] * cores * wall[i] - mine) / (cores * wall[i]))
    print(f"| of which not the node nor its plugins (other work, this driver), % of all cores "
          f"| {others[0]:.1f} | {others[1]:.1f} |")
    l1 = [x[0] for x in loads]
    print(f"| load average (1 min): start / min / mean / max / end | | {l1[0]:.2f} / {min(l1):.2f} / "
          f"{statistics.mean(l1):.2f} / {max(l1):.2f} / {l1[-1]:.2f} |")
    print(f"| load average at the end (1, 5, 15 min) | | {' '.join(f'{x:.2f}' for x in loads[-1])} |")
    print(f"| most compiler/linker processes seen at once (cc1plus, ld...) | | {comp_max} |")
    print()
    if comp_max or max(l1) > 1.5:
        print(f"Other work shared the machine's {cores} cores during this run (load average up to "
              f"{max(l1):.2f}, up to {comp_max} compiler or linker processes at once): the lateness "
              "and CPU figures above include its interference.")
    else:
        print(f"No compiler ran during the run and the load average stayed at or below {max(l1):.2f} "
              f"on {cores} cores; other processes may still have run.")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "config":
        cmd_config(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "run":
        cmd_run(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: soak_driver.py config PLAN.json | run PLAN.json PID")
