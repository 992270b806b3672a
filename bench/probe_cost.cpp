// probe_cost.cpp -- drives conductor's host probe, or the minimal reader it is
// compared with, a given number of times. bench/probe_cost.sh runs it natively
// (CPU time) and under callgrind (instruction counts); see bench/README.md.
//
//   probe_cost probe N [PAUSE_MS]   N x host_probe{"/proc", {"/"}}.read(now)
//   probe_cost floor N [PAUSE_MS]   N x the least any reader of the same sources
//                        can do: the files the probe reads -- /proc/stat,
//                        /proc/meminfo, /proc/diskstats, /proc/loadavg,
//                        /proc/pressure/{cpu,memory,io} where present,
//                        /proc/self/stat -- kept open and re-read with pread()
//                        from offset 0 until it returns 0 (the probe's own
//                        pattern, proc_file), into one fixed buffer, then
//                        statvfs("/"). No parsing, no allocation.
//
// PAUSE_MS (default 0) sleeps between samples. /proc/stat counts in 1/100 s
// (USER_HZ), so back-to-back samples mostly see the same CPU counters; the
// probe then has no CPU delta and skips its CPU series, a third of its work.
// A pause of more than 10 ms lets every line of /proc/stat move between two
// samples, as it does between the collector's ticks. Only the samples are
// timed: process CPU time (user + kernel) is taken around each one and summed,
// minus the cost of taking it (the median of 1000 empty intervals, printed).
//
// Prints one line: "<mode> reads=N cpu_ns=T timer_ns=O files=F bytes=B
// series_min=S series_max=X": T the CPU time of the N samples, O the
// per-sample timing cost already subtracted from T, F the /proc files read per
// sample, B the bytes of the floor's last sample, S and X the fewest and most
// series one probe sample produced (0 for the floor). Under valgrind T is
// meaningless: the script counts instructions there, in probe_sample() and
// floor_sample() alone (callgrind --toggle-collect), so start-up, the loop, the
// sleeps and the timing are left out.
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "actors/collector/host_probe.hpp"

namespace {

// Results are folded into this so the compiler cannot drop any of the work.
volatile uint64_t sink = 0;

// The files host_probe reads, in its order. A pressure file that cannot be
// opened (no PSI) is skipped, as the probe skips it.
constexpr const char* floor_paths[] = {
  "/proc/stat",          "/proc/meminfo",     "/proc/diskstats",   "/proc/loadavg",
  "/proc/pressure/cpu",  "/proc/pressure/memory", "/proc/pressure/io", "/proc/self/stat"};
constexpr size_t max_files = sizeof(floor_paths) / sizeof(floor_paths[0]);

class minimal_reader {
public:
  minimal_reader() {
    for (const char* path : floor_paths) {
      int fd = ::open(path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0)
        fds_[files_++] = fd;
    }
  }
  ~minimal_reader() {
    for (size_t i = 0; i < files_; ++i)
      ::close(fds_[i]);
  }
  minimal_reader(const minimal_reader&) = delete;
  minimal_reader& operator=(const minimal_reader&) = delete;

  size_t files() const {
    return files_;
  }

  // One sample: every file from offset 0 to EOF (a /proc file's size is not
  // known in advance, st_size is 0, so the last pread is the one returning 0),
  // then statvfs("/"). Returns the bytes read, plus a statvfs field.
  uint64_t read() {
    uint64_t total = 0;
    for (size_t i = 0; i < files_; ++i) {
      uint64_t offset = 0;
      for (;;) {
        // A file larger than the buffer overwrites it: only the syscalls count.
        size_t at = static_cast<size_t>(offset % sizeof(buf_));
        auto n = ::pread(fds_[i], buf_ + at, sizeof(buf_) - at, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          break;
        offset += static_cast<uint64_t>(n);
      }
      total += offset;
    }
    struct statvfs fs {};
    if (::statvfs("/", &fs) == 0)
      total += fs.f_bavail & 1;
    return total;
  }

private:
  int fds_[max_files] = {};
  size_t files_ = 0;
  static char buf_[65536];
};

char minimal_reader::buf_[65536];

// One sample of each mode. Not inlined, so that callgrind can count these two
// functions alone (--toggle-collect): the loop, the sleeps and the timing
// around them are left out.
__attribute__((noinline)) size_t probe_sample(conductor::host_probe& probe,
                                              std::chrono::nanoseconds now) {
  auto r = probe.read(now);
  sink = sink + r.values.size() + r.failed.size();
  return r.series.size();
}

__attribute__((noinline)) uint64_t floor_sample(minimal_reader& floor) {
  return floor.read();
}

uint64_t cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

int usage() {
  std::fprintf(stderr, "usage: probe_cost probe|floor N [PAUSE_MS]\n");
  return 2;
}

bool parse_count(const char* text, long min, long& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtol(text, &end, 10);
  return errno == 0 && end != text && *end == '\0' && out >= min;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4)
    return usage();
  const std::string mode = argv[1];
  long n = 0;
  long pause_ms = 0;
  if (!parse_count(argv[2], 1, n) || (argc == 4 && !parse_count(argv[3], 0, pause_ms))
      || (mode != "probe" && mode != "floor"))
    return usage();

  // Both built outside the loop: opening the files, and the probe's priming
  // read, are start-up cost, paid once per process by the collector too.
  conductor::host_probe probe{"/proc", {"/"}};
  minimal_reader floor;
  const size_t files = floor.files();

  // What taking the CPU clock twice costs (a syscall each, no vDSO for it).
  std::vector<uint64_t> empty(1000);
  for (auto& e : empty) {
    const uint64_t a = cpu_ns();
    e = cpu_ns() - a;
  }
  std::nth_element(empty.begin(), empty.begin() + empty.size() / 2, empty.end());
  const uint64_t timer_ns = empty[empty.size() / 2];

  const bool is_probe = mode == "probe";
  uint64_t spent = 0;
  uint64_t bytes = 0;
  size_t series_min = is_probe ? SIZE_MAX : 0;
  size_t series_max = 0;
  for (long i = 0; i < n; ++i) {
    if (pause_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    if (is_probe) {
      // Samples PAUSE_MS apart (1 s when back to back); `now` only scales the
      // disk rates.
      const std::chrono::milliseconds now{(i + 1) * (pause_ms > 0 ? pause_ms : 1000)};
      const uint64_t start = cpu_ns();
      const size_t series = probe_sample(probe, now);
      spent += cpu_ns() - start;
      series_min = std::min(series_min, series);
      series_max = std::max(series_max, series);
    } else {
      const uint64_t start = cpu_ns();
      bytes = floor_sample(floor);
      spent += cpu_ns() - start;
      sink = sink + bytes;
    }
  }
  const uint64_t overhead = timer_ns * static_cast<uint64_t>(n);
  spent = spent > overhead ? spent - overhead : 0;
  std::printf("%s reads=%ld cpu_ns=%llu timer_ns=%llu files=%zu bytes=%llu series_min=%zu "
              "series_max=%zu\n",
              mode.c_str(), n, static_cast<unsigned long long>(spent),
              static_cast<unsigned long long>(timer_ns), files,
              static_cast<unsigned long long>(bytes), series_min, series_max);
  return 0;
}
