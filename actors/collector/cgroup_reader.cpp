#include "actors/collector/cgroup_reader.hpp"

#include "actors/collector/proc_file.hpp"

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

std::optional<uint64_t> parse_u64(std::string_view s) {
  s = trim(s);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

/// A limit file: outer nullopt when unparsable, inner nullopt when unlimited.
std::optional<std::optional<uint64_t>> parse_limit(std::string_view s, uint64_t unlimited_from) {
  if (trim(s) == "max")
    return std::optional<uint64_t>{};
  auto v = parse_u64(s);
  if (!v)
    return std::nullopt;
  if (*v >= unlimited_from)
    return std::optional<uint64_t>{};
  return std::optional<uint64_t>{*v};
}

/// usage_usec of a v2 cpu.stat ("usage_usec 123\nuser_usec 100\n...").
std::optional<uint64_t> parse_usage_usec(std::string_view text) {
  constexpr std::string_view key = "usage_usec";
  size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    if (eol == std::string_view::npos)
      eol = text.size();
    auto line = text.substr(pos, eol - pos);
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0
        && (line[key.size()] == ' ' || line[key.size()] == '\t'))
      return parse_u64(line.substr(key.size()));
    pos = eol + 1;
  }
  return std::nullopt;
}

/// One read(): remembers which cgroup directories were found missing, so a
/// stopped plugin costs one failed open per hierarchy and nothing is counted
/// as an error.
class read_pass {
public:
  explicit read_pass(cgroup_reading& out) : out_(out) {
  }

  /// The text of `dir/file`, or nullopt. A missing directory is not a
  /// failure; a file missing or unreadable in an existing one is, unless
  /// `optional_file` (a pressure file on a kernel without PSI).
  const std::string* fetch(const std::string& dir, const char* file,
                           bool optional_file = false) {
    if (known_missing(dir))
      return nullptr;
    int err = read_whole_file(dir + "/" + file, text_);
    if (err == 0) {
      out_.exists = true;
      return &text_;
    }
    if (err == ENOENT || err == ENODEV) {
      if (!dir_exists(dir))
        return nullptr;
      if (optional_file && err == ENOENT)
        return nullptr;
    } else {
      // It exists, whatever kept it from being read.
      out_.exists = true;
      if (optional_file && err == EOPNOTSUPP)
        return nullptr;
    }
    fail(file);
    return nullptr;
  }

  void fail(const char* file) {
    out_.failed.push_back(std::string{"cgroup:"} + file);
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
  std::string text_;
};

/// Reads a plain counter file into `slot`.
void read_counter(read_pass& pass, const std::string& dir, const char* file,
                  std::optional<uint64_t>& slot) {
  if (auto text = pass.fetch(dir, file)) {
    if (auto v = parse_u64(*text))
      slot = v;
    else
      pass.fail(file);
  }
}

/// Reads a limit file into `slot` (left nullopt when unlimited).
void read_limit(read_pass& pass, const std::string& dir, const char* file,
                uint64_t unlimited_from, std::optional<uint64_t>& slot) {
  if (auto text = pass.fetch(dir, file)) {
    if (auto v = parse_limit(*text, unlimited_from))
      slot = *v;
    else
      pass.fail(file);
  }
}

} // namespace

std::string cgroup_dir(const cgroup_place& place, const std::string& relative_path) {
  if (relative_path.empty())
    return place.mount_point;
  if (!place.mount_point.empty() && place.mount_point.back() == '/')
    return place.mount_point + relative_path;
  return place.mount_point + "/" + relative_path;
}

cgroup_reader::cgroup_reader(cgroup_layout layout, std::string relative_path)
  : layout_(std::move(layout)), relative_path_(std::move(relative_path)) {
}

cgroup_reading cgroup_reader::read() const {
  cgroup_reading r;
  read_pass pass{r};
  if (layout_.cpu) {
    auto dir = cgroup_dir(*layout_.cpu, relative_path_);
    if (layout_.cpu->version == cgroup_version::v1) {
      read_counter(pass, dir, "cpuacct.usage", r.cpu_ns);
    } else if (auto text = pass.fetch(dir, "cpu.stat")) {
      if (auto usec = parse_usage_usec(*text))
        r.cpu_ns = *usec * 1000;
      else
        pass.fail("cpu.stat");
    }
  }
  if (layout_.memory) {
    auto dir = cgroup_dir(*layout_.memory, relative_path_);
    if (layout_.memory->version == cgroup_version::v1) {
      read_counter(pass, dir, "memory.usage_in_bytes", r.memory_bytes);
      read_limit(pass, dir, "memory.limit_in_bytes", v1_unlimited, r.memory_limit_bytes);
    } else {
      read_counter(pass, dir, "memory.current", r.memory_bytes);
      read_limit(pass, dir, "memory.max", UINT64_MAX, r.memory_limit_bytes);
    }
  }
  if (layout_.pids) {
    auto dir = cgroup_dir(*layout_.pids, relative_path_);
    read_counter(pass, dir, "pids.current", r.pids);
    read_limit(pass, dir, "pids.max", UINT64_MAX, r.pids_limit);
  }
  if (layout_.unified) {
    auto dir = cgroup_dir(cgroup_place{cgroup_version::v2, *layout_.unified}, relative_path_);
    if (auto text = pass.fetch(dir, "memory.pressure", true)) {
      if (auto psi = parse_psi(*text))
        r.memory_pressure = psi;
      else
        pass.fail("memory.pressure");
    }
  }
  return r;
}

} // namespace conductor
