#!/usr/bin/env bash
# fuzz.sh -- runs conductor's libFuzzer targets (fuzz/) for a given time each,
# on their committed corpora, and reports what each run did.
#
#   bench/fuzz.sh [--merge] [SECONDS_PER_TARGET] [TARGET...]     (see bench/README.md)
#
# SECONDS_PER_TARGET defaults to 60; TARGETs are config, http, proc, csv (all by
# default), one after the other. The script configures and builds the clang
# fuzz build (CC=clang CXX=clang++ -DCONDUCTOR_FUZZ=ON: the targets and
# conductor_lib with ASan, UBSan and libFuzzer's coverage) in build-fuzz/
# (FUZZ_BUILD=dir for another), only the <name>_fuzz targets, with JOBS=2
# compile jobs by default. Needs clang and libclang-rt-14-dev (cmake/setup-deps.sh).
#
# Each target runs on fuzz/corpus/<name>/ and fuzz/regressions/<name>/; the
# inputs it finds go to a scratch directory, removed at the end. With --merge
# they are merged back, minimised (libFuzzer's -merge=1): fuzz/corpus/<name>/
# becomes its seed-* files plus the fewest other inputs that keep every code
# edge the old corpus and the new inputs cover (-use_counters=0: edges, not
# hit counts, which would keep four times the files for the same edges).
#
# A crash, leak, timeout (an input running over 10 s) or out-of-memory stops
# that target's run; the input is kept in build-fuzz/artifacts/<name>/ and the
# script goes on with the next target and exits 1 at the end. A fixed crash
# belongs in fuzz/regressions/<name>/ (ctest's fuzz_corpus_<name> runs it).
#
# Prints per target: runs, execs/s, coverage (cov: edges, ft: features),
# the corpus in memory at the end (inputs/bytes), new inputs, crashes; the
# full libFuzzer output is in build-fuzz/logs/<name>.log.
set -euo pipefail
export LC_ALL=C

usage() {
  echo "usage: $0 [--merge] [SECONDS_PER_TARGET] [config|http|proc|csv ...]" >&2
  exit 2
}

ALL_TARGETS=(config http proc csv)
MERGE=0
SECONDS_EACH=60
TARGETS=()
while (($#)); do
  case $1 in
    --merge) MERGE=1 ;;
    -h | --help) sed -n '2,29p' "$0"; exit 0 ;;
    -*) usage ;;
    *)
      if [[ $1 =~ ^[0-9]+$ ]] && ((${#TARGETS[@]} == 0)) && [[ $SECONDS_EACH == 60 ]]; then
        SECONDS_EACH=$1
      elif [[ " ${ALL_TARGETS[*]} " == *" $1 "* ]]; then
        TARGETS+=("$1")
      else
        echo "fuzz: unknown target $1 (expected ${ALL_TARGETS[*]})" >&2
        usage
      fi
      ;;
  esac
  shift
done
((${#TARGETS[@]})) || TARGETS=("${ALL_TARGETS[@]}")
((SECONDS_EACH > 0)) || usage

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/bench_common.sh
source "$REPO/bench/bench_common.sh"
BUILD=${FUZZ_BUILD:-$REPO/build-fuzz}
JOBS=${JOBS:-2}

for tool in clang clang++; do
  command -v $tool >/dev/null || {
    echo "fuzz: $tool is missing (apt-get install clang libclang-rt-14-dev)" >&2
    exit 1
  }
done

bench_tmp fuzz

# -- build ----------------------------------------------------------------------
build_targets=()
for t in "${TARGETS[@]}"; do build_targets+=(--target "${t}_fuzz"); done
echo "fuzz: building ${TARGETS[*]} in $BUILD" >&2
CC=clang CXX=clang++ cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCONDUCTOR_FUZZ=ON >"$TMP/configure.log" 2>&1 || {
  cat "$TMP/configure.log" >&2
  exit 1
}
cmake --build "$BUILD" -j "$JOBS" "${build_targets[@]}" >&2

# -- run ------------------------------------------------------------------------
mkdir -p "$BUILD/logs"
failed=0
rows=()
for t in "${TARGETS[@]}"; do
  bin=$BUILD/bin/${t}_fuzz
  corpus=$REPO/fuzz/corpus/$t
  regressions=$REPO/fuzz/regressions/$t
  scratch=$TMP/$t.new
  artifacts=$BUILD/artifacts/$t
  log=$BUILD/logs/$t.log
  mkdir -p "$scratch" "$artifacts" "$corpus"
  dirs=("$corpus")
  [[ -d $regressions ]] && dirs+=("$regressions")
  before=$(find "$artifacts" -type f | wc -l)
  echo "fuzz: $t for ${SECONDS_EACH} s (log: $log)" >&2
  status=0
  # The scratch directory first: libFuzzer writes new inputs to the first one.
  "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$scratch" "${dirs[@]}" >"$log" 2>&1 || status=$?
  after=$(find "$artifacts" -type f | wc -l)
  crashes=$((after - before))
  if ((status != 0)); then
    failed=1
    ((crashes > 0)) || crashes="exit $status"
    echo "fuzz: $t stopped with status $status; see $log and $artifacts/" >&2
    grep -m3 -E "ERROR: |runtime error|invariant broken" "$log" >&2 || true
  fi
  # The last status line: "#N <event> cov: C ft: F corp: I/B ... exec/s: E".
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  runs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
  speed=$(awk '/^stat::average_exec_per_sec:/ { print $2 }' "$log")
  added=$(awk '/^stat::new_units_added:/ { print $2 }' "$log")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[A-Za-z]*\).*/\1/p' <<<"$last")
  rows+=("| $t | ${runs:-?} | ${speed:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | ${added:-?} | $crashes |")
  if ((MERGE)); then
    merged=$TMP/$t.merged
    mkdir -p "$merged"
    find "$corpus" -maxdepth 1 -type f -name 'seed-*' -exec cp {} "$merged/" \;
    "$bin" -merge=1 -use_counters=0 -timeout=10 "$merged" "$corpus" "$scratch" \
      >"$log.merge" 2>&1 || {
      echo "fuzz: merging $t failed; see $log.merge" >&2
      failed=1
      continue
    }
    find "$corpus" -maxdepth 1 -type f -delete
    cp "$merged"/* "$corpus/"
    echo "fuzz: $t corpus merged: $(find "$corpus" -type f | wc -l) inputs," \
      "$(du -sb "$corpus" | cut -f1) bytes" >&2
  fi
done

echo
echo "| target | runs | execs/s | cov | ft | corpus (inputs/size) | new inputs | crashes |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
exit "$failed"
