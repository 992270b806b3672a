#!/usr/bin/env bash
# nab.sh -- conductor-replay over the Numenta Anomaly Benchmark corpus in
# ../shared/data/nab: the anomaly score scored by NAB's rules, the forecasts
# against naive persistence and the old design's least-squares line, and the
# replay's throughput. One set of parameters for every file.
#
#   bench/nab.sh [--model M] [--keep DIR]        (see bench/README.md)
#
# Prints a markdown summary on stdout; the scorers' full output on stderr.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
DATA=$SHARED/data/nab/data
LABELS=$SHARED/data/nab/labels/windows.json
EVAL=$SHARED/eval
REPLAY=$ROOT/build/bin/conductor-replay
MODEL=auto
KEEP=""
# Forecasts are evaluated at 1 and 3 steps; the window is the predictor's.
HORIZON_STEPS=3
WINDOW_STEPS=60

while [ $# -gt 0 ]; do
  case "$1" in
    --model) MODEL=$2; shift 2 ;;
    --keep) KEEP=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "nab: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

for f in "$DATA" "$LABELS" "$EVAL/nab_score.py" "$EVAL/forecast_eval.py"; do
  [ -e "$f" ] || { echo "nab: $f is missing (../shared beside the checkout?)" >&2; exit 1; }
done
[ -x "$REPLAY" ] || (cd "$ROOT" && make build >&2)

OUT=${KEEP:-$(mktemp -d /tmp/conductor-nab.XXXXXX)}
cleanup() { [ -n "$KEEP" ] || rm -rf "$OUT"; }
trap cleanup EXIT
mkdir -p "$OUT/results"

# -- replay every file -----------------------------------------------------------
rows=0
files=0
while IFS= read -r -d '' csv; do
  rel=${csv#"$DATA"/}
  mkdir -p "$OUT/results/$(dirname "$rel")"
  "$REPLAY" --input "$csv" --output "$OUT/results/$rel" --model "$MODEL" \
    --horizon-steps "$HORIZON_STEPS" --window-steps "$WINDOW_STEPS"
  rows=$((rows + $(wc -l < "$csv") - 1))
  files=$((files + 1))
done < <(find "$DATA" -name '*.csv' -print0 | sort -z)
echo "nab: replayed $files files, $rows rows into $OUT/results" >&2

# -- throughput: one large trace, CPU time of the replay alone --------------------
# 2 000 000 rows of a real CPU series repeated with increasing epoch timestamps.
big=$OUT/throughput.csv
awk -F, 'NR > 1 { v[n++] = $2 } END {
  print "timestamp,value"
  for (i = 0; i < 2000000; ++i) printf "%d,%s\n", 1400000000 + 300 * i, v[i % n] }' \
  "$DATA/realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv" > "$big"
TIMEFORMAT='%U %S'
cpu=$( { time "$REPLAY" --input "$big" --output /dev/null --model "$MODEL" \
           --horizon-steps "$HORIZON_STEPS" --window-steps "$WINDOW_STEPS" ; } 2>&1 )
cpu_s=$(awk '{print $1 + $2}' <<< "$cpu")
rate=$(awk -v s="$cpu_s" 'BEGIN { printf "%.0f", 2000000 / s }')

# -- scores ---------------------------------------------------------------------------
nab=$(python3 "$EVAL/nab_score.py" --data "$DATA" --labels "$LABELS" --results "$OUT/results")
echo "$nab" >&2
fc=$(python3 "$EVAL/forecast_eval.py" --data "$DATA" --results "$OUT/results" --horizons 1,3)
echo "$fc" >&2

value() { grep -E "^$1=" <<< "$2" | tail -1 | cut -d= -f2; }
echo "## conductor-replay on NAB ($(date -u +%Y-%m-%dT%H:%MZ), model $MODEL, window $WINDOW_STEPS steps)"
echo
echo "| measure | value |"
echo "| --- | ---: |"
echo "| files, rows | $files, $rows |"
echo "| NAB standard | $(value standard "$nab") |"
echo "| NAB reward_low_FP_rate | $(value reward_low_FP_rate "$nab") |"
echo "| NAB reward_low_FN_rate | $(value reward_low_FN_rate "$nab") |"
# From the forecast scorer: MAE over naive persistence (geometric mean over the
# CPU series; below 1 beats it), the old OLS baseline's, and interval coverage.
for key in mae_ratio_vs_naive_h1 mae_ratio_vs_naive_h3 ols_mae_ratio_vs_naive_h1 \
           ols_mae_ratio_vs_naive_h3 coverage_h1 coverage_h3; do
  echo "| forecast $key | $(value "$key" "$fc") |"
done
echo "| replay throughput, rows/s of CPU time (2 000 000 rows) | $rate |"
