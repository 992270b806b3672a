#include "actors/collector/cgroup_reader.hpp"

#include "actors/proc_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <utility>

namespace conductor {

namespace {

/// v1 reports "no limit" as LONG_MAX rounded down to a page; anything this
/// large is no real limit.
constexpr uint64_t v1_unlimited = uint64_t{1} << 62;

std::string_view trim(std::string_view s) {
  auto ws = " \t\n\r";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos)
    return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

/// One read(): remembers which cgroup directories were found missing, so a
/// stopped plugin costs one failed open per hierarchy and nothing is counted
/// as an error.
class read_pass {
public:
  explicit read_pass(cgroup_reading& out) : out_(out) {
  }

  /// The text of a cgroup file, or nullopt. A missing directory is not a
  /// failure; a file missing or unreadable in an existing one is, unless
  /// `optional_file` (a pressure file on a kernel without PSI).
  std::optional<std::string_view> fetch(const std::string& dir, const char* name,
                                        proc_file& handle, bool optional_file = false) {
    if (known_missing(dir))
      return std::nullopt;
    auto text = handle.read();
    // A kept descriptor of a cgroup removed since reads as ENODEV: the path
    // may lead to a new cgroup of the same name, so try it once more.
    if (!text && handle.error() != ENOENT)
      text = handle.read();
    if (text) {
      out_.exists = true;
      return text;
    }
    int err = handle.error();
    if (err == ENOENT || err == ENODEV) {
      if (!dir_exists(dir))
        return std::nullopt;
      if (optional_file && err == ENOENT)
        return std::nullopt;
    } else {
      // It exists, whatever kept it from being read.
      out_.exists = true;
      if (optional_file && err == EOPNOTSUPP)
        return std::nullopt;
    }
    fail(name);
    return std::nullopt;
  }

  void fail(const char* name) {
    out_.failed.push_back(std::string{"cgroup:"} + name);
  }

private:
  bool known_missing(const std::string& dir) const {
    for (auto& d : missing_)
      if (d == dir)
        return true;
    return false;
  }

  bool dir_exists(const std::string& dir) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      out_.exists = true;
      return true;
    }
    missing_.push_back(dir);
    return false;
  }

  cgroup_reading& out_;
  std::vector<std::string> missing_;
};

} // namespace

std::optional<uint64_t> parse_cgroup_counter(std::string_view s) {
  s = trim(s);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

std::optional<std::optional<uint64_t>> parse_cgroup_limit(std::string_view s,
                                                          uint64_t unlimited_from) {
  if (trim(s) == "max")
    return std::optional<uint64_t>{};
  auto v = parse_cgroup_counter(s);
  if (!v)
    return std::nullopt;
  if (*v >= unlimited_from)
    return std::optional<uint64_t>{};
  return std::optional<uint64_t>{*v};
}

std::optional<std::optional<uint64_t>> parse_cgroup_keyed(std::string_view text,
                                                          std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    if (eol == std::string_view::npos)
      eol = text.size();
    auto line = text.substr(pos, eol - pos);
    // The separator check keeps "oom_kill" from matching "oom_kill_disable".
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0
        && (line[key.size()] == ' ' || line[key.size()] == '\t'))
      return parse_cgroup_counter(line.substr(key.size()));
    pos = eol + 1;
  }
  return std::nullopt;
}

std::string cgroup_dir(const cgroup_place& place, const std::string& relative_path) {
  if (relative_path.empty())
    return place.mount_point;
  if (!place.mount_point.empty() && place.mount_point.back() == '/')
    return place.mount_point + relative_path;
  return place.mount_point + "/" + relative_path;
}

cgroup_reader::file::file(const std::string& dir, const char* name)
  // cgroup files are a line or a few: start small, the buffer grows if needed.
  : dir(dir), name(name), handle(dir + "/" + name, 256) {
}

cgroup_reader::cgroup_reader(cgroup_layout layout, std::string relative_path)
  : relative_path_(std::move(relative_path)) {
  if (layout.cpu) {
    cpu_v1_ = layout.cpu->version == cgroup_version::v1;
    cpu_.emplace(cgroup_dir(*layout.cpu, relative_path_), cpu_v1_ ? "cpuacct.usage" : "cpu.stat");
  }
  if (layout.memory) {
    auto dir = cgroup_dir(*layout.memory, relative_path_);
    memory_v1_ = layout.memory->version == cgroup_version::v1;
    memory_.emplace(dir, memory_v1_ ? "memory.usage_in_bytes" : "memory.current");
    memory_limit_.emplace(dir, memory_v1_ ? "memory.limit_in_bytes" : "memory.max");
    memory_events_.emplace(dir, memory_v1_ ? "memory.oom_control" : "memory.events");
  }
  if (layout.pids) {
    auto dir = cgroup_dir(*layout.pids, relative_path_);
    pids_.emplace(dir, "pids.current");
    pids_limit_.emplace(dir, "pids.max");
  }
  if (layout.unified)
    pressure_.emplace(cgroup_dir(cgroup_place{cgroup_version::v2, *layout.unified}, relative_path_),
                      "memory.pressure");
}

cgroup_reading cgroup_reader::read() {
  cgroup_reading r;
  read_pass pass{r};
  auto fetch = [&](std::optional<file>& f, bool optional_file = false) {
    return f ? pass.fetch(f->dir, f->name, f->handle, optional_file)
             : std::optional<std::string_view>{};
  };
  // A plain counter file into `slot`.
  auto counter = [&](std::optional<file>& f, std::optional<uint64_t>& slot) {
    if (auto text = fetch(f)) {
      if (auto v = parse_cgroup_counter(*text))
        slot = v;
      else
        pass.fail(f->name);
    }
  };
  // A limit file into `slot`, left nullopt when unlimited.
  auto limit = [&](std::optional<file>& f, uint64_t unlimited_from,
                   std::optional<uint64_t>& slot) {
    if (auto text = fetch(f)) {
      if (auto v = parse_cgroup_limit(*text, unlimited_from))
        slot = *v;
      else
        pass.fail(f->name);
    }
  };
  if (cpu_v1_) {
    counter(cpu_, r.cpu_ns);
  } else if (auto text = fetch(cpu_)) {
    auto usec = parse_cgroup_keyed(*text, "usage_usec");
    if (usec && *usec)
      r.cpu_ns = **usec * 1000;
    else
      pass.fail(cpu_->name);
  }
  counter(memory_, r.memory_bytes);
  limit(memory_limit_, memory_v1_ ? v1_unlimited : UINT64_MAX, r.memory_limit_bytes);
  if (auto text = fetch(memory_events_)) {
    // No oom_kill line is a v1 kernel before 4.13, not a broken file: the
    // count stays unknown without an error every tick.
    if (auto kills = parse_cgroup_keyed(*text, "oom_kill")) {
      if (*kills)
        r.oom_kills = *kills;
      else
        pass.fail(memory_events_->name);
    }
  }
  counter(pids_, r.pids);
  limit(pids_limit_, UINT64_MAX, r.pids_limit);
  if (auto text = fetch(pressure_, true)) {
    if (auto psi = parse_psi(*text))
      r.memory_pressure = psi;
    else
      pass.fail(pressure_->name);
  }
  return r;
}

} // namespace conductor
