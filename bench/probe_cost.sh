#!/usr/bin/env bash
# probe_cost.sh -- what one full host sample of conductor's collector costs,
# against a minimal C++ reader of the same sources measured in the same run.
#
#   bench/probe_cost.sh          (~3 min; see bench/README.md)
#
# The binary is build/bin/probe_cost: bench/probe_cost.cpp linked with the
# project's library by CMake (`make build` first if it is missing;
# PROBE_COST_BIN=... measures another). `probe_cost probe N [PAUSE_MS]` takes N
# samples with host_probe{"/proc", {"/"}}.read(now); `probe_cost floor N
# [PAUSE_MS]` takes N samples with the minimal reader: the same /proc files kept
# open and pread() to EOF, plus statvfs("/"), no parsing, no allocation.
#
# Main figures: process CPU time (user + kernel) per sample, natively, in rounds
# that run both back to back; the medians and the median of the rounds' ratios.
#   - back to back: samples in a tight loop (caches warm). /proc/stat moves in
#     1/100 s steps, so most of these probe samples see no CPU delta and skip
#     their CPU series: the probe does less than on a real tick.
#   - paced: one sample every PACE_MS (> 10 ms, so every /proc/stat line moves):
#     every probe sample does a tick's full work, with caches as cold as after
#     the collector's sleep.
# Secondary figure: user-space instructions per paced sample, counted by
# callgrind in the two sample functions only (--toggle-collect); callgrind sees
# no kernel work, which is most of the floor's cost.
set -euo pipefail
export LC_ALL=C

HOT_READS=10000   # samples per back-to-back run
HOT_ROUNDS=15     # one run's CPU time moves by +-15 % here: many short rounds
PACE_MS=20        # between paced samples
PACED_READS=200   # samples per paced run (4 s)
PACED_ROUNDS=15
CG_READS=200      # paced samples per callgrind run
CG_REPEAT=3       # callgrind runs per mode (malloc moves the probe's count a little)

usage() {
  echo "usage: $0   (no options; PROBE_COST_BIN=path measures another binary)" >&2
  exit 2
}
(($# == 0)) || usage

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/bench_common.sh
source "$REPO/bench/bench_common.sh"
need_valgrind probe_cost
bench_binary probe_cost "${PROBE_COST_BIN:-}" "$REPO/bench/probe_cost.cpp" \
  "$REPO/actors/collector" "$REPO/messages"
bench_tmp probe-cost
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; } # line key
runs() { sort -g "$1" | awk -v f="$2" '{ printf "%s" f, (NR > 1 ? ", " : ""), $1 }'; }

# -- native CPU time per sample ---------------------------------------------------
# Each round runs probe and floor back to back, in alternating order (against any
# first-or-second bias); the ratio is the median of the rounds' ratios, steadier
# than the ratio of the medians when the machine's speed drifts. Appends to
# $TMP/<kind>.{probe,floor,ratio}, and the probe's series range to <kind>.series.
native() { # kind rounds reads [pause_ms]
  local kind=$1 rounds=$2 reads=$3 r p f pn fn
  shift 3
  : >"$TMP/$kind.probe"; : >"$TMP/$kind.floor"; : >"$TMP/$kind.ratio"; : >"$TMP/$kind.series"
  for ((r = 0; r < rounds; r++)); do
    if ((r % 2)); then
      f=$("$BIN" floor "$reads" "$@"); p=$("$BIN" probe "$reads" "$@")
    else
      p=$("$BIN" probe "$reads" "$@"); f=$("$BIN" floor "$reads" "$@")
    fi
    pn=$(awk -v t="$(field "$p" cpu_ns)" -v n="$reads" 'BEGIN { print t / n }')
    fn=$(awk -v t="$(field "$f" cpu_ns)" -v n="$reads" 'BEGIN { print t / n }')
    echo "$pn" >>"$TMP/$kind.probe"
    echo "$fn" >>"$TMP/$kind.floor"
    awk -v p="$pn" -v f="$fn" 'BEGIN { print p / f }' >>"$TMP/$kind.ratio"
    echo "$(field "$p" series_min) $(field "$p" series_max)" >>"$TMP/$kind.series"
  done
  FILES=$(field "$f" files)
  BYTES=$(field "$f" bytes)
}
series_range() { # kind -> "min-max" over all its probe samples
  awk 'NR == 1 || $1 < lo { lo = $1 } NR == 1 || $2 > hi { hi = $2 }
       END { print (lo == hi ? lo : lo "-" hi) }' "$TMP/$1.series"
}

echo "probe_cost: $HOT_ROUNDS rounds of $HOT_READS back-to-back samples of each" >&2
native hot "$HOT_ROUNDS" "$HOT_READS"
echo "probe_cost: $PACED_ROUNDS rounds of $PACED_READS samples of each, one per $PACE_MS ms" >&2
native paced "$PACED_ROUNDS" "$PACED_READS" "$PACE_MS"

# -- callgrind instructions per sample --------------------------------------------
echo "probe_cost: callgrind, $CG_REPEAT runs of $CG_READS paced samples of each" >&2
per_sample_ir() { # mode -> median instructions per sample
  local out i
  : >"$TMP/ir.$1"
  for ((i = 0; i < CG_REPEAT; i++)); do
    out=$TMP/callgrind.$1.$i
    valgrind --tool=callgrind --toggle-collect='*probe_sample*' --toggle-collect='*floor_sample*' \
      --callgrind-out-file="$out" "$BIN" "$1" "$CG_READS" "$PACE_MS" \
      >/dev/null 2>"$TMP/valgrind.log" || { cat "$TMP/valgrind.log" >&2; exit 1; }
    awk -v n="$CG_READS" '$1 == "totals:" { print $2 / n }' "$out" >>"$TMP/ir.$1"
  done
  printf '%.0f' "$(median "$TMP/ir.$1")"
}
PROBE_IR=$(per_sample_ir probe)
FLOOR_IR=$(per_sample_ir floor)

row() { # label kind
  printf '| %s | %.0f | %.0f | %.2f | %s |\n' "$1" "$(median "$TMP/$2.probe")" \
    "$(median "$TMP/$2.floor")" "$(median "$TMP/$2.ratio")" "$(series_range "$2")"
}
echo
echo "Probe cost, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, kernel $(uname -r)."
echo "One sample: $FILES /proc files kept open + statvfs(\"/\"); the floor reads $BYTES bytes."
echo "CPU time: native, medians of the rounds (ns per sample) and median of the rounds' probe/floor ratios."
echo
echo "| per full host sample | host_probe::read() | minimal reader (floor) | probe/floor | series per probe sample |"
echo "| --- | ---: | ---: | ---: | ---: |"
row "CPU time, user + kernel, ns: back to back ($HOT_ROUNDS x $HOT_READS)" hot
row "CPU time, user + kernel, ns: one per $PACE_MS ms ($PACED_ROUNDS x $PACED_READS)" paced
printf '| user-space instructions (callgrind, one per %s ms, median of %s x %s) | %s | %s | %s | |\n' \
  "$PACE_MS" "$CG_REPEAT" "$CG_READS" "$PROBE_IR" "$FLOOR_IR" "$(ratio "$PROBE_IR" "$FLOOR_IR")"
# The spread behind the medians, so two runs of this script can be compared.
echo
for kind in hot paced; do
  echo "Per-round ns per sample, $kind: probe $(runs "$TMP/$kind.probe" %.0f); floor $(runs "$TMP/$kind.floor" %.0f); ratios $(runs "$TMP/$kind.ratio" %.2f)."
done
echo "Per-run instructions per sample: probe $(runs "$TMP/ir.probe" %.0f); floor $(runs "$TMP/ir.floor" %.0f)."
