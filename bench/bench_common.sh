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
