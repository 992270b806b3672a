# bench_common.sh -- what the benchmark scripts share; sourced, with REPO set
# to the repository root.

# need_valgrind NAME: exits with a message when valgrind is missing (the
# callgrind benchmarks count instructions with it).
need_valgrind() {
  command -v valgrind >/dev/null || {
    echo "$1: valgrind is missing (apt-get install valgrind)" >&2
    exit 1
  }
}

# bench_binary NAME OVERRIDE SOURCE...: sets BIN to OVERRIDE, else to
# build/bin/NAME (built if missing), and warns when a default binary is older
# than its SOURCEs: it would measure old code, and building behind the user's
# back would put a compile next to the runs.
bench_binary() {
  local name=$1 override=$2
  shift 2
  BIN=${override:-$REPO/build/bin/$name}
  if [[ ! -x $BIN ]]; then
    make -C "$REPO" build >&2
  fi
  [[ -x $BIN ]] || { echo "$name: $BIN is not an executable" >&2; exit 1; }
  if [[ -z $override ]] && [[ -n $(find "$@" -newer "$BIN" -print -quit) ]]; then
    echo "$name: warning: $BIN is older than its sources; run make build first" >&2
  fi
}

# bench_tmp NAME: sets TMP to a fresh directory, removed on exit, Ctrl-C and SIGTERM.
bench_tmp() {
  TMP=$(mktemp -d -t "conductor-$1.XXXXXX")
  trap 'rm -rf "$TMP"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

median() { # file of numbers, one a line
  sort -g "$1" | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# free_ports N: N free loopback TCP ports on one line, bound at once so they differ.
free_ports() {
  python3 -c '
import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])' "$1"
}

# cgroup_mounts: the hierarchies conductor puts a plugin's cgroup in, from
# /proc/self/mountinfo, one a line: "v1 <mount point> <controller>" for v1
# mounts carrying memory, pids, cpuacct or cpu, "v2 <mount point>" for cgroup2.
cgroup_mounts() {
  awk '{ n = index($0, " - "); split(substr($0, 1, n - 1), l, " "); split(substr($0, n + 3), r, " ")
         if (r[1] == "cgroup2") { print "v2 " l[5]; next }
         if (r[1] != "cgroup") next
         k = split(r[3], o, ",")
         for (i = 1; i <= k; i++)
           if (o[i] == "memory" || o[i] == "pids" || o[i] == "cpuacct" || o[i] == "cpu") { print "v1 " l[5] " " o[i]; break }
       }' /proc/self/mountinfo
}
