#include "actors/plugins/cgroup_limits.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "actors/proc_file.hpp"

namespace conductor {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  return s;
}

std::optional<int64_t> parse_int(std::string_view s) {
  s = trim(s);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

/// v1 reports "no limit" as a huge page-rounded value.
constexpr uint64_t v1_unlimited = uint64_t{1} << 62;

/// A memory limit as read: nullopt when unlimited or unreadable.
std::optional<uint64_t> parse_memory(std::string_view text) {
  if (trim(text) == "max")
    return std::nullopt;
  auto v = parse_int(text);
  if (!v || *v < 0 || static_cast<uint64_t>(*v) >= v1_unlimited)
    return std::nullopt;
  return static_cast<uint64_t>(*v);
}

/// "<quota> <period>" of a v2 cpu.max; quota -1 for "max".
std::optional<std::pair<int64_t, int64_t>> parse_cpu_max(std::string_view text) {
  text = trim(text);
  auto space = text.find(' ');
  if (space == std::string_view::npos)
    return std::nullopt;
  auto period = parse_int(text.substr(space + 1));
  if (!period || *period <= 0)
    return std::nullopt;
  auto quota_text = text.substr(0, space);
  if (quota_text == "max")
    return std::pair<int64_t, int64_t>{-1, *period};
  auto quota = parse_int(quota_text);
  if (!quota)
    return std::nullopt;
  return std::pair<int64_t, int64_t>{*quota, *period};
}

/// Percent of one core for `quota` µs per `period` µs; nullopt when unlimited.
std::optional<double> percent(int64_t quota, int64_t period) {
  if (quota < 0 || period <= 0)
    return std::nullopt;
  return 100.0 * static_cast<double>(quota) / static_cast<double>(period);
}

int64_t quota_for(double percent_of_core, int64_t period) {
  return std::llround(percent_of_core / 100.0 * static_cast<double>(period));
}

/// One change in progress: the writes made so far, to undo on failure.
class change {
public:
  explicit change(limit_change& out) : out_(out) {
  }

  /// Reads `path`, writes `value`; false (with the error set) on failure.
  bool write(const std::string& path, const std::string& value) {
    std::string before;
    if (int err = read_whole_file(path, before))
      return fail("cannot read " + path + ": " + std::strerror(err));
    if (int err = write_whole_file(path, value))
      return fail("write " + value + " to " + path + ": " + std::strerror(err));
    done_.push_back({path, std::string{trim(before)}});
    out_.written.push_back(path.substr(path.rfind('/') + 1) + " " + value);
    return true;
  }

  bool fail(std::string error) {
    out_.error = std::move(error);
    return false;
  }

  /// Restores every value written, newest first.
  void roll_back() {
    for (auto i = done_.rbegin(); i != done_.rend(); ++i)
      if (int err = write_whole_file(i->first, i->second))
        out_.restore_errors.push_back("restore " + i->second + " to " + i->first + ": "
                                      + std::strerror(err));
  }

private:
  limit_change& out_;
  std::vector<std::pair<std::string, std::string>> done_;
};

} // namespace

cgroup_limits::cgroup_limits(cgroup_layout layout, std::string relative_path)
  : layout_(std::move(layout)), relative_path_(std::move(relative_path)) {
}

std::optional<std::string> cgroup_limits::file(const std::optional<cgroup_place>& place,
                                               const char* name) const {
  if (!place)
    return std::nullopt;
  return place->mount_point + "/" + relative_path_ + "/" + name;
}

limit_change cgroup_limits::apply(const config::limit_set& limits) const {
  limit_change out;
  change c{out};
  auto v1 = [](const std::optional<cgroup_place>& p) {
    return p && p->version == cgroup_version::v1;
  };
  auto missing = [&](const char* what) {
    return c.fail(std::string{"no cgroup hierarchy serves the "} + what + " controller");
  };
  auto apply_all = [&] {
    if (limits.memory_max) {
      auto path = file(layout_.memory, v1(layout_.memory) ? "memory.limit_in_bytes" : "memory.max");
      if (!path)
        return missing("memory");
      if (!c.write(*path, std::to_string(*limits.memory_max)))
        return false;
    }
    if (limits.tasks_max) {
      auto path = file(layout_.pids, "pids.max");
      if (!path)
        return missing("pids");
      if (!c.write(*path, std::to_string(*limits.tasks_max)))
        return false;
    }
    if (limits.cpu_quota) {
      auto v1_cpu = v1(layout_.cpu_limit);
      auto path = file(layout_.cpu_limit, v1_cpu ? "cpu.cfs_quota_us" : "cpu.max");
      if (!path)
        return missing("cpu");
      // The period stays what it is (100 ms unless someone changed it),
      // unless the quota would fall under the kernel's 1 ms minimum: then the
      // longest period the kernel allows (1 s) makes quotas down to 0.1 % of
      // a core writable, at the price of coarser throttling.
      int64_t period = 0;
      if (v1_cpu) {
        auto text = read_small_file(*file(layout_.cpu_limit, "cpu.cfs_period_us"));
        period = text ? parse_int(*text).value_or(0) : 0;
      } else if (auto text = read_small_file(*path)) {
        if (auto max = parse_cpu_max(*text))
          period = max->second;
      }
      if (period <= 0)
        return c.fail("cannot read the CPU period of " + *path);
      constexpr int64_t min_quota = 1000;
      constexpr int64_t max_period = 1'000'000;
      if (quota_for(*limits.cpu_quota, period) < min_quota && period < max_period) {
        period = max_period;
        if (v1_cpu
            && !c.write(*file(layout_.cpu_limit, "cpu.cfs_period_us"), std::to_string(period)))
          return false;
      }
      auto quota = std::to_string(quota_for(*limits.cpu_quota, period));
      if (!c.write(*path, v1_cpu ? quota : quota + " " + std::to_string(period)))
        return false;
    }
    return true;
  };
  if (!apply_all()) {
    c.roll_back();
    out.in_force = read();
    return out;
  }
  out.in_force = read();
  // What the kernel took: memory rounded down to a page, the rest exactly.
  auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  auto mismatch = [&](const char* what) {
    c.roll_back();
    out.error = std::string{"the kernel did not take the "} + what + " limit";
    out.in_force = read();
    return out;
  };
  auto memory = out.in_force.memory_max.value_or(UINT64_MAX);
  if (limits.memory_max && memory != *limits.memory_max
      && memory != *limits.memory_max / page * page)
    return mismatch("memory");
  if (limits.tasks_max && out.in_force.tasks_max != limits.tasks_max)
    return mismatch("tasks");
  if (limits.cpu_quota
      && std::abs(out.in_force.cpu_quota.value_or(-1) - *limits.cpu_quota) > 0.01)
    return mismatch("CPU");
  out.ok = true;
  return out;
}

config::limit_set cgroup_limits::read() const {
  config::limit_set out;
  bool memory_v1 = layout_.memory && layout_.memory->version == cgroup_version::v1;
  if (auto path = file(layout_.memory, memory_v1 ? "memory.limit_in_bytes" : "memory.max"))
    if (auto text = read_small_file(*path))
      out.memory_max = parse_memory(*text);
  if (auto path = file(layout_.pids, "pids.max"))
    if (auto text = read_small_file(*path))
      if (auto v = parse_int(*text); v && *v >= 0)
        out.tasks_max = static_cast<uint64_t>(*v);
  if (layout_.cpu_limit) {
    if (layout_.cpu_limit->version == cgroup_version::v1) {
      auto quota = read_small_file(*file(layout_.cpu_limit, "cpu.cfs_quota_us"));
      auto period = read_small_file(*file(layout_.cpu_limit, "cpu.cfs_period_us"));
      if (quota && period)
        if (auto q = parse_int(*quota), p = parse_int(*period); q && p)
          out.cpu_quota = percent(*q, *p);
    } else if (auto text = read_small_file(*file(layout_.cpu_limit, "cpu.max"))) {
      if (auto max = parse_cpu_max(*text))
        out.cpu_quota = percent(max->first, max->second);
    }
  }
  return out;
}

} // namespace conductor
