#!/usr/bin/env bash
# persistence_cost.sh -- what conductor's SQLite store costs against plain
# SQLite doing the same writes, measured in the same run, on the same disk:
# batched metric rows per second, and the latency of one durable audit commit.
#
#   bench/persistence_cost.sh          (~20 s; see bench/README.md)
#
# The binary is build/bin/persistence_cost: bench/persistence_cost.cpp linked
# with the project's library by CMake (`make build` first if it is missing;
# PERSISTENCE_COST_BIN=... measures another). `persistence_cost metrics DIR ROWS
# BATCH` writes ROWS metric rows in batches of BATCH through
# sqlite_store::insert_metrics and through plain SQLite (WAL,
# synchronous=NORMAL, the same table and indexes; and once more without the
# secondary indexes), interleaved in rounds; `persistence_cost audit DIR N`
# times N single audit rows committed with the WAL fsync'd, through
# sqlite_store::insert_decision and through plain SQLite (WAL,
# synchronous=FULL), alternating in rounds.
#
# The databases go in a temp dir on the disk of conductor's data dir: under
# $REPO/data (node.data_dir's default, ./data, from the repository root) if it
# exists, else under $TMPDIR or /tmp; PERSISTENCE_BENCH_DIR=dir puts it under
# dir. The output names the filesystem. Each mode runs REPEAT times; the table
# gives the median of each figure over the runs and the median of the runs'
# store/plain ratios, held against the issue's targets.
set -euo pipefail
export LC_ALL=C

ROWS=200000   # metric rows per metrics run
BATCH=100     # rows per insert_metrics call / transaction
COMMITS=2000  # audit commits per side per audit run
REPEAT=3      # runs of each mode
METRICS_TARGET=0.5  # store/plain rows per second, at least
AUDIT_TARGET=1.5    # store/plain median commit latency, at most

usage() {
  echo "usage: $0   (no options; PERSISTENCE_COST_BIN=path measures another binary," >&2
  echo "       PERSISTENCE_BENCH_DIR=dir puts the databases under dir)" >&2
  exit 2
}
(($# == 0)) || usage

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/bench_common.sh
source "$REPO/bench/bench_common.sh"
bench_binary persistence_cost "${PERSISTENCE_COST_BIN:-}" "$REPO/bench/persistence_cost.cpp" \
  "$REPO/actors/persistence"

BASE=${PERSISTENCE_BENCH_DIR:-}
if [[ -z $BASE ]]; then
  if [[ -d $REPO/data ]]; then BASE=$REPO/data; else BASE=${TMPDIR:-/tmp}; fi
fi
[[ -d $BASE && -w $BASE ]] || { echo "persistence_cost: $BASE is not a writable directory" >&2; exit 1; }
TMPDIR=$BASE bench_tmp persistence-cost
read -r FS_DEV FS_TYPE FS_MOUNT < <(df -PT "$TMP" | awk 'NR == 2 { print $1, $2, $7 }')

field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; } # line key
runs() { awk -v f="$2" '{ printf "%s" f, (NR > 1 ? ", " : ""), $1 }' "$1"; } # in run order
verdict() { # value op target -> PASS or FAIL
  awk -v v="$1" -v op="$2" -v t="$3" \
    'BEGIN { ok = (op == ">=" ? v >= t : v <= t); print (ok ? "PASS" : "FAIL") }'
}

# Runs `persistence_cost MODE ARGS...` REPEAT times and appends each KEY of its
# output line to $TMP/MODE.KEY, one value a run.
measure() { # mode keys... -- args...
  local mode=$1 line key i keys=()
  shift
  while [[ $1 != -- ]]; do keys+=("$1"); shift; done
  shift
  for key in "${keys[@]}"; do : >"$TMP/$mode.$key"; done
  for ((i = 0; i < REPEAT; i++)); do
    line=$("$BIN" "$mode" "$TMP" "$@")
    for key in "${keys[@]}"; do field "$line" "$key" >>"$TMP/$mode.$key"; done
  done
}

echo "persistence_cost: $REPEAT runs of $ROWS metric rows in batches of $BATCH (3 databases interleaved), in $TMP" >&2
measure metrics store_rows_s plain_rows_s plain_noindex_rows_s ratio -- "$ROWS" "$BATCH"
echo "persistence_cost: $REPEAT runs of $COMMITS durable audit commits per side (alternating rounds)" >&2
measure audit store_median_ms store_p99_ms store_mean_ms plain_median_ms plain_p99_ms \
  plain_mean_ms ratio -- "$COMMITS"

m() { median "$TMP/$1"; }
M_RATIO=$(m metrics.ratio)
A_RATIO=$(m audit.ratio)
M_VERDICT=$(verdict "$M_RATIO" ">=" "$METRICS_TARGET")
A_VERDICT=$(verdict "$A_RATIO" "<=" "$AUDIT_TARGET")
IDX_COST=$(awk -v a="$(m metrics.plain_rows_s)" -v b="$(m metrics.plain_noindex_rows_s)" \
  'BEGIN { printf "%.2f", a / b }')

echo
echo "Persistence cost, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, kernel $(uname -r)."
echo "Databases in $TMP: $FS_TYPE on $FS_DEV (mounted at $FS_MOUNT)."
echo "Median of $REPEAT runs of each mode; ratios are the median of the runs' store/plain ratios."
echo
echo "| measure | sqlite_store | plain SQLite | store/plain | target | met? |"
echo "| --- | ---: | ---: | ---: | --- | --- |"
printf '| metric rows/s, %s rows in batches of %s (WAL, synchronous=NORMAL, same indexes) | %.0f | %.0f | **%.3f** | >= %s | **%s** |\n' \
  "$ROWS" "$BATCH" "$(m metrics.store_rows_s)" "$(m metrics.plain_rows_s)" "$M_RATIO" \
  "$METRICS_TARGET" "$M_VERDICT"
printf '| plain metric rows/s without the 2 secondary indexes (for the record) | | %.0f | | | |\n' \
  "$(m metrics.plain_noindex_rows_s)"
printf '| audit commit latency, median ms (%s single-row commits, WAL fsync'"'"'d) | %.3f | %.3f | **%.3f** | <= %s | **%s** |\n' \
  "$COMMITS" "$(m audit.store_median_ms)" "$(m audit.plain_median_ms)" "$A_RATIO" \
  "$AUDIT_TARGET" "$A_VERDICT"
printf '| audit commit latency, p99 ms | %.3f | %.3f | %.3f | | |\n' \
  "$(m audit.store_p99_ms)" "$(m audit.plain_p99_ms)" \
  "$(awk -v a="$(m audit.store_p99_ms)" -v b="$(m audit.plain_p99_ms)" 'BEGIN { print a / b }')"
printf '| audit commit latency, mean ms | %.3f | %.3f | | | |\n' \
  "$(m audit.store_mean_ms)" "$(m audit.plain_mean_ms)"
echo
echo "The indexes cost plain SQLite: indexed/unindexed rows/s = $IDX_COST."
echo "Metric writes: store/plain $M_RATIO (target >= $METRICS_TARGET): $M_VERDICT."
echo "Audit commits: store/plain median $A_RATIO (target <= $AUDIT_TARGET): $A_VERDICT."
# The spread behind the medians, so two runs of this script can be compared.
echo
echo "Per-run rows/s: store $(runs "$TMP/metrics.store_rows_s" %.0f); plain $(runs "$TMP/metrics.plain_rows_s" %.0f); plain without indexes $(runs "$TMP/metrics.plain_noindex_rows_s" %.0f); ratios $(runs "$TMP/metrics.ratio" %.3f)."
echo "Per-run audit medians, ms: store $(runs "$TMP/audit.store_median_ms" %.3f); plain $(runs "$TMP/audit.plain_median_ms" %.3f); ratios $(runs "$TMP/audit.ratio" %.3f)."
echo "Per-run audit p99, ms: store $(runs "$TMP/audit.store_p99_ms" %.3f); plain $(runs "$TMP/audit.plain_p99_ms" %.3f)."
