// probe_cost.cpp -- drives conductor's host probe, or the floor it is compared
// with, a given number of times. bench/probe_cost.sh runs it under callgrind
// (instruction counts) and natively (CPU time); see bench/README.md.
//
//   probe_cost probe N   N x host_probe{"/proc", {"/"}}.read()
//   probe_cost floor N   N x the syscalls any such probe needs and nothing else:
//                        open/read-to-EOF/close of /proc/stat and /proc/meminfo
//                        into a fixed buffer, then statvfs("/"); no parsing,
//                        no allocation.
//
// Prints one line: "<mode> reads=N cpu_ns=T", T being the process CPU time
// (user + kernel) spent in the loop alone, so syscalls' kernel side counts too.
// Under valgrind that figure is meaningless; the script only uses callgrind's
// instruction total there, and cancels start-up cost by running two values of N.
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "actors/collector/host_probe.hpp"

namespace {

// Results are folded into this so the compiler cannot drop any of the work.
volatile uint64_t sink = 0;

// The least a reader of a /proc file can do: it cannot know the size in advance
// (st_size is 0 for /proc files), so it reads until read() returns 0.
uint64_t slurp(const char* path) {
  static char buf[65536];
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  uint64_t total = 0;
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    total += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return total;
}

uint64_t floor_read() {
  uint64_t bytes = slurp("/proc/stat") + slurp("/proc/meminfo");
  struct statvfs fs {};
  if (::statvfs("/", &fs) == 0)
    bytes += fs.f_bavail;
  return bytes;
}

uint64_t cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

int usage() {
  std::fprintf(stderr, "usage: probe_cost probe|floor N\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3)
    return usage();
  const std::string mode = argv[1];
  char* end = nullptr;
  const long n = std::strtol(argv[2], &end, 10);
  if (*end != '\0' || n <= 0 || (mode != "probe" && mode != "floor"))
    return usage();

  // Built outside the loop: its constructor's priming read is start-up cost.
  conductor::host_probe probe{"/proc", {"/"}};
  const uint64_t start = cpu_ns();
  if (mode == "probe") {
    for (long i = 0; i < n; ++i) {
      auto r = probe.read();
      sink = sink + r.values.size() + r.failed.size();
    }
  } else {
    for (long i = 0; i < n; ++i)
      sink = sink + floor_read();
  }
  const uint64_t spent = cpu_ns() - start;
  std::printf("%s reads=%ld cpu_ns=%llu\n", mode.c_str(), n,
              static_cast<unsigned long long>(spent));
  return 0;
}
