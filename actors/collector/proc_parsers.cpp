#include "actors/collector/proc_parsers.hpp"

#include <charconv>

namespace conductor {

namespace {

/// Skips spaces and tabs, then reads one unsigned decimal.
bool next_number(std::string_view& in, uint64_t& out) {
  size_t i = 0;
  while (i < in.size() && (in[i] == ' ' || in[i] == '\t'))
    ++i;
  auto first = in.data() + i;
  auto last = in.data() + in.size();
  auto [ptr, err] = std::from_chars(first, last, out);
  if (err != std::errc{} || ptr == first)
    return false;
  in.remove_prefix(static_cast<size_t>(ptr - in.data()));
  return true;
}

} // namespace

std::optional<cpu_times> parse_proc_stat(std::string_view text) {
  auto eol = text.find('\n');
  auto line = text.substr(0, eol);
  // "cpu " with a space: "cpu0" is the first core, not the aggregate.
  if (line.substr(0, 4) != "cpu ")
    return std::nullopt;
  line.remove_prefix(4);
  cpu_times t;
  uint64_t* fields[] = {&t.user, &t.nice,    &t.system, &t.idle,
                        &t.iowait, &t.irq, &t.softirq, &t.steal};
  size_t parsed = 0;
  for (auto* f : fields) {
    if (!next_number(line, *f))
      break;
    ++parsed;
  }
  // user, nice, system and idle exist on every kernel we run on.
  if (parsed < 4)
    return std::nullopt;
  return t;
}

std::optional<double> cpu_busy_percent(const cpu_times& before, const cpu_times& after) {
  auto total_before = before.total();
  auto total_after = after.total();
  auto idle_before = before.idle_all();
  auto idle_after = after.idle_all();
  if (total_after <= total_before || idle_after < idle_before)
    return std::nullopt;
  auto total = static_cast<double>(total_after - total_before);
  auto idle = static_cast<double>(idle_after - idle_before);
  if (idle > total)
    return std::nullopt;
  return (total - idle) / total * 100.0;
}

std::optional<meminfo> parse_meminfo(std::string_view text) {
  meminfo m;
  bool have_total = false;
  bool have_available = false;
  while (!text.empty()) {
    auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    auto key = line.substr(0, colon);
    auto rest = line.substr(colon + 1);
    uint64_t value = 0;
    if (key == "MemTotal" && next_number(rest, value)) {
      m.total_kib = value;
      have_total = true;
    } else if (key == "MemAvailable" && next_number(rest, value)) {
      m.available_kib = value;
      have_available = true;
    }
  }
  if (!have_total || !have_available || m.total_kib == 0)
    return std::nullopt;
  return m;
}

double memory_used_percent(const meminfo& m) {
  if (m.available_kib >= m.total_kib)
    return 0.0;
  return static_cast<double>(m.total_kib - m.available_kib) / static_cast<double>(m.total_kib)
         * 100.0;
}

std::optional<double> filesystem_used_percent(uint64_t blocks, uint64_t blocks_free,
                                              uint64_t blocks_available) {
  if (blocks == 0 || blocks_free > blocks || blocks_available > blocks_free)
    return std::nullopt;
  auto used = blocks - blocks_free;
  auto usable = used + blocks_available;
  if (usable == 0)
    return std::nullopt;
  return static_cast<double>(used) / static_cast<double>(usable) * 100.0;
}

} // namespace conductor
