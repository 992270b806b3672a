# shellcheck shell=bash
# proc_stats.sh -- sourced by the benchmarks: what a process costs, read from
# /proc, and a sleep that signals can interrupt. Expects `T0` (the epoch time
# offsets count from) for sleep_until and leaves SLEEP_PID for a trap to kill.

# utime + stime of the whole process (all its threads), in clock ticks. The
# command name in field 2 may hold spaces, so fields are counted after the ')'.
cpu_ticks() {
  local stat
  stat=$(<"/proc/$1/stat")
  stat=${stat##*) }
  awk '{ print $12 + $13 }' <<<"$stat"
}

# The same in ns: the run time of each thread (field 1 of
# /proc/<pid>/task/<tid>/schedstat), summed over the threads alive now. A
# thread that ended takes its time with it.
sched_ns() {
  { cat /proc/"$1"/task/*/schedstat 2>/dev/null || true; } | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# Per thread, as "tid ns name" (schedstat run time), to show where the CPU
# goes: finer than ticks, of which an idle thread has none in a minute.
thread_ns() {
  local task run
  for task in /proc/"$1"/task/*; do
    run=$(<"$task/schedstat") || continue   # a thread may end between glob and read
    echo "${task##*/} ${run%% *} $(tr ' ' _ <"$task/comm")"
  done | sort
}

status_field() { # pid field -> the number after "field:"
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

now() { echo "$EPOCHREALTIME"; }

sleep_until() { # offset-seconds-from-T0
  local left
  left=$(awk -v t0="$T0" -v off="$1" -v t="$(now)" 'BEGIN { d = t0 + off - t; print (d > 0 ? d : 0) }')
  # In the background and waited for: bash runs a trap only once the foreground
  # command is done, and `wait` is what a signal interrupts at once.
  sleep "$left" &
  SLEEP_PID=$!
  wait "$SLEEP_PID"
  SLEEP_PID=""
}
