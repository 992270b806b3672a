#!/usr/bin/env bash
# scaler_cost.sh -- what one scaler evaluation costs, in user-space
# instructions, against the floor of feeding it its samples, measured in the
# same run.
#
#   bench/scaler_cost.sh          (~15 s; see bench/README.md)
#
# The binary is build/bin/scaler_cost: bench/scaler_cost.cpp linked with the
# project's library by CMake (`make build` first if it is missing;
# SCALER_COST_BIN=... measures another). `scaler_cost full N K` builds a
# scaler_engine with N plugins and runs K iterations of: feed one host sample
# and N plugin samples, evaluate(now), now += 30 s; `scaler_cost floor N K`
# runs the same loop without evaluate().
#
# callgrind counts instructions in run_loop() alone (--toggle-collect), so
# building the engine is left out. Per evaluation: (full - floor) / K; the
# floor per iteration (building and feeding 1 + N samples): floor / K; and the
# ratio of the two.
set -euo pipefail
export LC_ALL=C

PLUGINS=20
EVALS=2000
CG_REPEAT=3   # callgrind runs per mode (malloc moves a count a little)

usage() {
  echo "usage: $0   (no options; SCALER_COST_BIN=path measures another binary)" >&2
  exit 2
}
(($# == 0)) || usage

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/bench_common.sh
source "$REPO/bench/bench_common.sh"
need_valgrind scaler_cost
bench_binary scaler_cost "${SCALER_COST_BIN:-}" "$REPO/bench/scaler_cost.cpp" \
  "$REPO/actors/scaler" "$REPO/messages"
bench_tmp scaler-cost
runs() { sort -g "$1" | awk '{ printf "%s%d", (NR > 1 ? ", " : ""), $1 }'; }

total_ir() { # mode -> median instructions in run_loop over CG_REPEAT runs
  local out i
  : >"$TMP/ir.$1"
  for ((i = 0; i < CG_REPEAT; i++)); do
    out=$TMP/callgrind.$1.$i
    valgrind --tool=callgrind --toggle-collect='*run_loop*' --callgrind-out-file="$out" \
      "$BIN" "$1" "$PLUGINS" "$EVALS" >"$TMP/stdout.$1" 2>"$TMP/valgrind.log" ||
      { cat "$TMP/valgrind.log" >&2; exit 1; }
    awk '$1 == "totals:" { print $2 }' "$out" >>"$TMP/ir.$1"
  done
  median "$TMP/ir.$1"
}

echo "scaler_cost: callgrind, $CG_REPEAT runs of each mode, $PLUGINS plugins, $EVALS iterations" >&2
FULL=$(total_ir full)
FLOOR=$(total_ir floor)
DECISIONS=$(tr ' ' '\n' <"$TMP/stdout.full" | awk -F= '$1 == "decisions" { print $2 }')
MODE_AFTER=$(tr ' ' '\n' <"$TMP/stdout.full" | awk -F= '$1 == "mode_after" { print $2 }')

read -r PER_EVAL PER_FEED RATIO < <(awk -v f="$FULL" -v b="$FLOOR" -v k="$EVALS" \
  'BEGIN { e = (f - b) / k; c = b / k; printf "%.0f %.0f %.2f\n", e, c, (c > 0 ? e / c : 0) }')

echo
echo "Scaler cost, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, kernel $(uname -r)."
echo "$PLUGINS plugins, $EVALS iterations, now +30 s each; user-space instructions in run_loop()"
echo "(callgrind), median of $CG_REPEAT runs per mode. Full mode: $DECISIONS decisions in all"
echo "(resizes answered \"applied\"), scaler mode at the end: $MODE_AFTER."
echo
echo "| measure | instructions |"
echo "| --- | ---: |"
printf '| full loop, total | %s |\n' "$FULL"
printf '| floor loop (samples only), total | %s |\n' "$FLOOR"
printf '| floor per iteration (build and feed %s samples) | %s |\n' "$((PLUGINS + 1))" "$PER_FEED"
printf '| **one evaluation**: (full - floor) / %s | **%s** |\n' "$EVALS" "$PER_EVAL"
printf '| evaluation / floor per iteration | %s |\n' "$RATIO"
echo
echo "Per-run totals: full $(runs "$TMP/ir.full"); floor $(runs "$TMP/ir.floor")."
