#!/usr/bin/env bash
# whatif.sh -- conductor-replay --simulate cpu over the CPU series of the NAB
# corpus in ../shared/data/nab, judged by ../shared/eval/scaling_eval.py beside
# its four reference rules (the old threshold rule, HPA-like, VPA-like,
# peak-so-far). One configuration for all series: the node's defaults with the
# policy given (predictive by default), 4 cores at 100 %.
#
#   bench/whatif.sh [--policy P]... [--capacity N] [--keep DIR]
#
# Several --policy flags compare policies. Prints a markdown summary on
# stdout; the scorer's per-series tables on stderr.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
DATA=$SHARED/data/nab/data
EVAL=$SHARED/eval/scaling_eval.py
REPLAY=$ROOT/build/bin/conductor-replay
POLICIES=()
CAPACITY=4
KEEP=""

while [ $# -gt 0 ]; do
  case "$1" in
    --policy) POLICIES+=("$2"); shift 2 ;;
    --capacity) CAPACITY=$2; shift 2 ;;
    --keep) KEEP=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "whatif: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#POLICIES[@]} -gt 0 ] || POLICIES=(predictive)

for f in "$DATA" "$EVAL"; do
  [ -e "$f" ] || { echo "whatif: $f is missing (../shared beside the checkout?)" >&2; exit 1; }
done
[ -x "$REPLAY" ] || (cd "$ROOT" && make build >&2)

OUT=${KEEP:-$(mktemp -d /tmp/conductor-whatif.XXXXXX)}
cleanup() { [ -n "$KEEP" ] || rm -rf "$OUT"; }
trap cleanup EXIT

# The series the scorer judges: every file with "cpu" in its name.
mapfile -t SERIES < <(cd "$DATA" && find . -name '*cpu*.csv' | sed 's|^\./||' | sort)

echo "## conductor-replay --simulate cpu --capacity $CAPACITY on ${#SERIES[@]} NAB CPU series"
echo
echo "| policy | slack | throttled time | throttled work | changes a day | rows/s |"
echo "| --- | --- | --- | --- | --- | --- |"
REFS=""
for policy in "${POLICIES[@]}"; do
  dir=$OUT/$policy
  rows=0
  start=$(date +%s.%N)
  for s in "${SERIES[@]}"; do
    mkdir -p "$dir/$(dirname "$s")"
    "$REPLAY" --simulate cpu --capacity "$CAPACITY" --policy "$policy" \
      --input "$DATA/$s" --output "$dir/$s" 2>>"$dir/summary.txt"
    rows=$((rows + $(wc -l <"$DATA/$s") - 1))
  done
  end=$(date +%s.%N)
  python3 "$EVAL" --data "$DATA" --results "$dir" --capacity "$CAPACITY" >"$dir/eval.txt"
  cat "$dir/eval.txt" >&2
  eval "$(grep -E '^(slack|throttled_time|throttled_work|changes_per_day)=' "$dir/eval.txt")"
  rate=$(awk -v r="$rows" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", r / (b - a) }')
  awk -v p="$policy" -v s="$slack" -v tt="$throttled_time" -v tw="$throttled_work" \
      -v c="$changes_per_day" -v r="$rate" \
      'BEGIN { printf "| %s | %.3f | %.2f %% | %.2f %% | %.1f | %s |\n", p, s, 100 * tt, 100 * tw, c, r }'
  REFS=$(grep '^mean ' "$dir/eval.txt" | grep -v ' results ')
done
# The references, as the scorer measured them on the same series.
echo "$REFS" | awk '{
  split($3, s, "="); split($4, tt, "="); split($5, tw, "="); split($6, c, "=")
  printf "| %s (reference) | %.3f | %.2f %% | %.2f %% | %.1f | |\n", $2, s[2], 100 * tt[2], 100 * tw[2], c[2] }'
echo
echo "Target (issue 10): slack <= 0.40 with throttled time <= 1 %, throttled work <= 1 % and <= 12 changes a day."
