#include "actors/collector/host_probe.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

namespace conductor {

std::optional<std::string> read_small_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

host_probe::host_probe(std::string proc_root, std::vector<std::string> filesystems)
  : proc_root_(std::move(proc_root)), filesystems_(std::move(filesystems)) {
  // Prime the CPU counters so the first tick already has a delta to report.
  if (auto text = read_small_file(proc_root_ + "/stat"))
    last_cpu_ = parse_proc_stat(*text);
}

probe_reading host_probe::read() {
  probe_reading out;
  auto stat = read_small_file(proc_root_ + "/stat");
  auto cpu = stat ? parse_proc_stat(*stat) : std::nullopt;
  if (!cpu) {
    out.failed.emplace_back("proc_stat");
  } else {
    if (last_cpu_) {
      if (auto busy = cpu_busy_percent(*last_cpu_, *cpu))
        out.values[metric_name::cpu_percent] = *busy;
    }
    last_cpu_ = cpu;
  }
  auto mem_text = read_small_file(proc_root_ + "/meminfo");
  auto mem = mem_text ? parse_meminfo(*mem_text) : std::nullopt;
  if (mem)
    out.values[metric_name::memory_percent] = memory_used_percent(*mem);
  else
    out.failed.emplace_back("meminfo");
  for (const auto& mount : filesystems_) {
    struct statvfs fs {};
    std::optional<double> used;
    if (::statvfs(mount.c_str(), &fs) == 0)
      used = filesystem_used_percent(fs.f_blocks, fs.f_bfree, fs.f_bavail);
    if (used)
      out.values[metric_name::filesystem_prefix + mount] = *used;
    else
      out.failed.push_back("statvfs:" + mount);
  }
  return out;
}

} // namespace conductor
