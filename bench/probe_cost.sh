#!/usr/bin/env bash
# probe_cost.sh -- what one host sample of conductor's collector costs, against
# the floor any probe of the same three values must pay: the bare syscalls
# (open/read/close of /proc/stat and /proc/meminfo, statvfs("/")), no parsing.
#
#   bench/probe_cost.sh [--reads N] [--bin PATH]      (see bench/README.md)
#
# Main figure: user-space instructions per read, counted by callgrind, for the
# probe and the floor in the same run, and their ratio. Start-up (dynamic
# linking, the probe's priming read, static constructors) is cancelled by
# running each twice, with B and B + N reads, and dividing the difference by N.
#
# Callgrind sees no kernel work, and for this code the kernel (formatting
# /proc/stat and /proc/meminfo) is most of the cost. So a second, secondary
# figure runs the same binary natively and compares process CPU time
# (user + kernel) per read of probe and floor, in rounds of back-to-back pairs:
# only its ratio is meant to be read, never the absolute time.
#
# The binary is bench/probe_cost.cpp compiled with g++ from the current sources
# (the same flags as the project's RelWithDebInfo build), unless --bin names one
# already built, e.g. by CMake: --bin build/bin/probe_cost.
set -euo pipefail
export LC_ALL=C

READS=2000        # reads whose cost is measured (the difference of the two runs)
BASE=1000         # reads of the shorter run, which only carries start-up cost
REPEAT=3          # callgrind pairs per mode; the median is reported
NATIVE_READS=10000
NATIVE_ROUNDS=15  # native CPU time here moves by +-15 % from run to run: many short pairs
BIN=""

usage() {
  echo "usage: $0 [--reads N] [--bin PATH]" >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --reads) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || usage; READS=$2; shift 2 ;;
    --bin) [[ $# -ge 2 ]] || usage; BIN=$2; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v valgrind >/dev/null || {
  echo "probe_cost: valgrind is missing (apt-get install valgrind)" >&2
  exit 1
}

TMP=$(mktemp -d -t conductor-probe-cost.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

if [[ -z $BIN ]]; then
  # Just the probe's two sources, not libconductor_lib.a: no CAF, no stale
  # library, and the very code the collector runs.
  BIN=$TMP/probe_cost
  g++ -std=c++17 -O2 -g -DNDEBUG -Wall -Wextra -Werror -I"$REPO" \
    "$REPO/bench/probe_cost.cpp" \
    "$REPO/actors/collector/host_probe.cpp" \
    "$REPO/actors/collector/proc_parsers.cpp" \
    -o "$BIN"
fi
[[ -x $BIN ]] || { echo "probe_cost: $BIN is not an executable" >&2; exit 1; }

# Total instructions (Ir) callgrind counted for one run of the binary.
instructions() { # mode reads
  local out=$TMP/callgrind.$1.$2
  valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN" "$1" "$2" \
    >/dev/null 2>"$TMP/valgrind.log" || { cat "$TMP/valgrind.log" >&2; exit 1; }
  awk '$1 == "totals:" { print $2 }' "$out"
}
median() { # file of numbers, one a line
  sort -g "$1" | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# The probe's count is not quite deterministic: between runs it moves by up to
# 4 % (seen: about 8820 or about 9180), and callgrind_annotate puts the
# difference in glibc's malloc (likely the ~1-1.5 KiB strings the files are read
# into: past the tcache, and their size shifts with the numbers in them). Hence
# the median of REPEAT differences, and the per-run values printed at the end.
per_read() { # mode -> instructions per read
  local short long i
  : >"$TMP/ir.$1"
  for ((i = 0; i < REPEAT; i++)); do
    short=$(instructions "$1" "$BASE")
    long=$(instructions "$1" $((BASE + READS)))
    awk -v a="$short" -v b="$long" -v n="$READS" 'BEGIN { print (b - a) / n }' >>"$TMP/ir.$1"
  done
  printf '%.0f' "$(median "$TMP/ir.$1")"
}

PROBE_IR=$(per_read probe)
FLOOR_IR=$(per_read floor)

# Native CPU time per read, in ns. On this VM one run's time moves by +-15 %,
# more than the difference sought, so each round runs probe and floor back to
# back (in alternating order, against any first-or-second bias) and the figure
# is the median of the rounds' ratios, steadier (a few per cent across runs).
native_ns() { # mode -> CPU ns per read of one run
  "$BIN" "$1" "$NATIVE_READS" | awk '{ split($2, n, "="); split($3, t, "="); print t[2] / n[2] }'
}
: >"$TMP/native.probe"
: >"$TMP/native.floor"
: >"$TMP/native.ratio"
for ((r = 0; r < NATIVE_ROUNDS; r++)); do
  if ((r % 2)); then
    f=$(native_ns floor); p=$(native_ns probe)
  else
    p=$(native_ns probe); f=$(native_ns floor)
  fi
  echo "$p" >>"$TMP/native.probe"
  echo "$f" >>"$TMP/native.floor"
  awk -v p="$p" -v f="$f" 'BEGIN { print p / f }' >>"$TMP/native.ratio"
done
PROBE_NS=$(median "$TMP/native.probe")
FLOOR_NS=$(median "$TMP/native.floor")
NATIVE_RATIO=$(printf '%.2f' "$(median "$TMP/native.ratio")")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }

echo
echo "Probe cost, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r)."
echo "Instructions: callgrind, ($BASE + $READS reads) - ($BASE reads), divided by $READS; median of $REPEAT."
echo "CPU time: native, $NATIVE_ROUNDS rounds of $NATIVE_READS reads each; medians, and the median of the rounds' ratios."
echo
echo "| per host sample | host_probe::read() | floor (syscalls only) | probe/floor |"
echo "| --- | ---: | ---: | ---: |"
echo "| user-space instructions (callgrind) | $PROBE_IR | $FLOOR_IR | $(ratio "$PROBE_IR" "$FLOOR_IR") |"
printf '| CPU time, user + kernel, ns (native; ratio only) | %.0f | %.0f | %s |\n' \
  "$PROBE_NS" "$FLOOR_NS" "$NATIVE_RATIO"
# The spread behind the medians, so a difference between two runs of this
# script can be judged against it.
echo
runs() { sort -g "$1" | awk '{ printf "%s%.0f", (NR > 1 ? ", " : ""), $1 }'; }
echo "Per-run instructions per read: probe $(runs "$TMP/ir.probe"); floor $(runs "$TMP/ir.floor")."
