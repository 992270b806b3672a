#include "actors/collector/proc_parsers.hpp"

#include <charconv>
#include <cmath>
#include <limits>

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

/// Splits off the first line of `text` (without its '\n').
std::string_view next_line(std::string_view& text) {
  auto eol = text.find('\n');
  if (eol == std::string_view::npos) {
    auto line = text;
    text = {};
    return line;
  }
  auto line = text.substr(0, eol);
  text.remove_prefix(eol + 1);
  return line;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

void skip_blanks(std::string_view& in) {
  size_t i = 0;
  while (i < in.size() && is_blank(in[i]))
    ++i;
  in.remove_prefix(i);
}

/// True at the end of a field: end of input, a blank or a newline.
bool at_field_end(std::string_view in) {
  return in.empty() || is_blank(in[0]) || in[0] == '\n';
}

/// As next_number, but the number must end the field ("12x" is rejected).
bool next_field(std::string_view& in, uint64_t& out) {
  return next_number(in, out) && at_field_end(in);
}

/// Skips blanks, then reads one non-negative finite decimal ("0.86", "12")
/// that ends its field. No sign, no "inf" or "nan".
bool next_double(std::string_view& in, double& out) {
  skip_blanks(in);
  if (in.empty() || !is_digit(in[0]))
    return false;
  double value = 0;
  auto [ptr, err] = std::from_chars(in.data(), in.data() + in.size(), value);
  if (err != std::errc{} || !std::isfinite(value))
    return false;
  in.remove_prefix(static_cast<size_t>(ptr - in.data()));
  if (!at_field_end(in))
    return false;
  out = value;
  return true;
}

/// Skips blanks, then consumes the non-blank token.
std::string_view next_token(std::string_view& in) {
  skip_blanks(in);
  size_t i = 0;
  while (i < in.size() && !is_blank(in[i]) && in[i] != '\n')
    ++i;
  auto token = in.substr(0, i);
  in.remove_prefix(i);
  return token;
}

/// Skips blanks, then consumes `prefix` if `in` starts with it.
bool consume(std::string_view& in, std::string_view prefix) {
  skip_blanks(in);
  if (in.substr(0, prefix.size()) != prefix)
    return false;
  in.remove_prefix(prefix.size());
  return true;
}

/// The counters of one cpu line after its name; at least four, as in
/// parse_proc_stat.
bool read_cpu_fields(std::string_view fields, cpu_times& t) {
  uint64_t* dst[] = {&t.user, &t.nice,    &t.system, &t.idle,
                     &t.iowait, &t.irq, &t.softirq, &t.steal};
  size_t parsed = 0;
  for (auto* f : dst) {
    if (!next_number(fields, *f))
      break;
    ++parsed;
  }
  return parsed >= 4;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

/// `s` starts with `prefix` and a digit follows it ("loop0", not "loopback").
bool prefix_then_digit(std::string_view s, std::string_view prefix) {
  return s.size() > prefix.size() && starts_with(s, prefix) && is_digit(s[prefix.size()]);
}

/// Index just past the letters of `s` from `from` on.
size_t skip_letters(std::string_view s, size_t from) {
  while (from < s.size() && s[from] >= 'a' && s[from] <= 'z')
    ++from;
  return from;
}

/// Index just past the digits of `s` from `from` on.
size_t skip_digits(std::string_view s, size_t from) {
  while (from < s.size() && is_digit(s[from]))
    ++from;
  return from;
}

/// One "some"/"full" line of a pressure file after its kind.
bool read_psi_fields(std::string_view in, psi_line& out) {
  psi_line p;
  if (!consume(in, "avg10=") || !next_double(in, p.avg10) || !consume(in, "avg60=")
      || !next_double(in, p.avg60) || !consume(in, "avg300=") || !next_double(in, p.avg300)
      || !consume(in, "total=") || !next_field(in, p.total_us))
    return false;
  out = p;
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
  bool have_swap_total = false;
  bool have_swap_free = false;
  while (!text.empty() && !(have_total && have_available && have_swap_total && have_swap_free)) {
    auto line = next_line(text);
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    auto key = line.substr(0, colon);
    auto rest = line.substr(colon + 1);
    uint64_t value = 0;
    if (!have_total && key == "MemTotal" && next_number(rest, value)) {
      m.total_kib = value;
      have_total = true;
    } else if (!have_available && key == "MemAvailable" && next_number(rest, value)) {
      m.available_kib = value;
      have_available = true;
    } else if (!have_swap_total && key == "SwapTotal" && next_number(rest, value)) {
      m.swap_total_kib = value;
      have_swap_total = true;
    } else if (!have_swap_free && key == "SwapFree" && next_number(rest, value)) {
      m.swap_free_kib = value;
      have_swap_free = true;
    }
  }
  if (!have_total || !have_available || m.total_kib == 0)
    return std::nullopt;
  // Half of the swap pair would make up the other half: no swap instead.
  if (!have_swap_total || !have_swap_free) {
    m.swap_total_kib = 0;
    m.swap_free_kib = 0;
  }
  return m;
}

std::optional<double> swap_used_percent(const meminfo& m) {
  if (m.swap_total_kib == 0 || m.swap_free_kib > m.swap_total_kib)
    return std::nullopt;
  return static_cast<double>(m.swap_total_kib - m.swap_free_kib)
         / static_cast<double>(m.swap_total_kib) * 100.0;
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

bool parse_proc_stat_all(std::string_view text, std::vector<cpu_line>& out) {
  out.clear();
  // The aggregate line comes first, the cores right after it.
  auto first = parse_proc_stat(text);
  if (!first)
    return false;
  out.push_back(cpu_line{-1, *first});
  next_line(text);
  while (!text.empty()) {
    auto line = next_line(text);
    if (!starts_with(line, "cpu"))
      break; // "intr", "ctxt", ...: no cpu line follows.
    line.remove_prefix(3);
    int core = -1;
    auto [ptr, err] = std::from_chars(line.data(), line.data() + line.size(), core);
    if (err != std::errc{} || ptr == line.data() || core < 0)
      continue;
    line.remove_prefix(static_cast<size_t>(ptr - line.data()));
    if (line.empty() || !is_blank(line[0]))
      continue;
    cpu_line c;
    c.core = core;
    if (read_cpu_fields(line, c.times))
      out.push_back(c);
  }
  return true;
}

std::optional<cpu_mode_ratios> cpu_ratios(const cpu_times& before, const cpu_times& after) {
  // iowait is the one counter the kernel documents as able to decrease (it is
  // estimated per idle CPU); a dip counts as no iowait, not as a reset that
  // would drop the whole tick. Any other counter going back is a reset.
  if (after.user < before.user || after.nice < before.nice || after.system < before.system
      || after.idle < before.idle || after.irq < before.irq || after.softirq < before.softirq
      || after.steal < before.steal)
    return std::nullopt;
  // No delta wraps; their sum is at most after.total(), which no kernel's
  // ticks bring near 2^64 -- but a file is text, and counters that large
  // (found by fuzz/proc_fuzz.cpp) wrapped the sum into ratios far above 1:
  // a sum that overflows is no reading.
  auto user = after.user - before.user;
  auto nice = after.nice - before.nice;
  auto system = after.system - before.system;
  auto idle = after.idle - before.idle;
  auto iowait = after.iowait >= before.iowait ? after.iowait - before.iowait : 0;
  auto irq = after.irq - before.irq;
  auto softirq = after.softirq - before.softirq;
  auto steal = after.steal - before.steal;
  uint64_t total = 0;
  for (auto delta : {user, nice, system, idle, iowait, irq, softirq, steal})
    if (__builtin_add_overflow(total, delta, &total))
      return std::nullopt;
  if (total == 0)
    return std::nullopt;
  auto t = static_cast<double>(total);
  cpu_mode_ratios r;
  r.user = static_cast<double>(user) / t;
  r.nice = static_cast<double>(nice) / t;
  r.system = static_cast<double>(system) / t;
  r.idle = static_cast<double>(idle) / t;
  r.iowait = static_cast<double>(iowait) / t;
  r.irq = static_cast<double>(irq) / t;
  r.softirq = static_cast<double>(softirq) / t;
  r.steal = static_cast<double>(steal) / t;
  return r;
}

bool is_reported_disk(std::string_view device) {
  if (device.empty())
    return false;
  if (prefix_then_digit(device, "loop") || prefix_then_digit(device, "ram")
      || prefix_then_digit(device, "zram") || prefix_then_digit(device, "fd"))
    return false;
  // sda1, hdb2, vdc3, xvda1: letters after the prefix, then a partition number.
  for (std::string_view prefix : {"sd", "hd", "vd", "xvd"}) {
    if (!starts_with(device, prefix))
      continue;
    auto letters_end = skip_letters(device, prefix.size());
    if (letters_end > prefix.size() && letters_end < device.size()
        && skip_digits(device, letters_end) == device.size())
      return false;
  }
  // nvme0n1p1, mmcblk0p1, md0p1, nbd0p1: a digit, 'p', then the partition.
  auto digits_start = device.size();
  while (digits_start > 0 && is_digit(device[digits_start - 1]))
    --digits_start;
  if (digits_start < device.size() && digits_start >= 2 && device[digits_start - 1] == 'p'
      && is_digit(device[digits_start - 2]))
    return false;
  return true;
}

bool parse_diskstats(std::string_view text, std::vector<disk_counters>& out) {
  // Elements are overwritten in place, not cleared, so their device strings
  // keep their capacity from one call to the next.
  const bool empty = text.empty();
  size_t count = 0;
  bool found_any = false;
  while (!text.empty()) {
    auto line = next_line(text);
    uint64_t major = 0;
    uint64_t minor = 0;
    if (!next_field(line, major) || !next_field(line, minor))
      continue;
    auto device = next_token(line);
    if (device.empty())
      continue;
    bool reported = is_reported_disk(device);
    // Once the text is known to be diskstats, unreported lines need no parsing.
    if (!reported && found_any)
      continue;
    // reads, reads merged, sectors read, ms reading, writes, writes merged,
    // sectors written, ms writing, in flight, io_ticks, weighted io_ticks:
    // the 11 fields every kernel since 2.6 writes for a disk.
    uint64_t stats[11];
    bool complete = true;
    for (auto& field : stats) {
      if (!next_field(line, field)) {
        complete = false;
        break;
      }
    }
    if (!complete)
      continue;
    found_any = true;
    if (!reported)
      continue;
    if (count == out.size())
      out.emplace_back();
    auto& d = out[count++];
    d.device.assign(device.data(), device.size());
    d.sectors_read = stats[2];
    d.sectors_written = stats[6];
    d.io_ms = stats[9];
  }
  if (!found_any) {
    out.clear();
    return empty;
  }
  out.resize(count);
  return true;
}

std::optional<disk_rates> disk_rates_between(const disk_counters& before,
                                             const disk_counters& after, double seconds) {
  if (!(seconds > 0) || !std::isfinite(seconds))
    return std::nullopt;
  if (after.sectors_read < before.sectors_read
      || after.sectors_written < before.sectors_written || after.io_ms < before.io_ms)
    return std::nullopt;
  disk_rates r;
  r.read_bytes_per_second
    = static_cast<double>(after.sectors_read - before.sectors_read) * 512.0 / seconds;
  r.written_bytes_per_second
    = static_cast<double>(after.sectors_written - before.sectors_written) * 512.0 / seconds;
  // io_ticks advance in jiffies: a reading taken a little late can exceed the
  // wall time between two samples; the ratio is capped at 1.
  r.busy_ratio = static_cast<double>(after.io_ms - before.io_ms) / (seconds * 1000.0);
  if (r.busy_ratio > 1.0)
    r.busy_ratio = 1.0;
  return r;
}

std::optional<load_average> parse_loadavg(std::string_view text) {
  load_average l;
  if (!next_double(text, l.load1) || !next_double(text, l.load5)
      || !next_double(text, l.load15))
    return std::nullopt;
  return l;
}

std::optional<psi_reading> parse_psi(std::string_view text) {
  psi_reading r;
  while (!text.empty() && !(r.some && r.full)) {
    auto line = next_line(text);
    psi_line p;
    if (!r.some && starts_with(line, "some ")) {
      if (read_psi_fields(line.substr(5), p))
        r.some = p;
    } else if (!r.full && starts_with(line, "full ")) {
      if (read_psi_fields(line.substr(5), p))
        r.full = p;
    }
  }
  if (!r.some && !r.full)
    return std::nullopt;
  return r;
}

std::optional<process_usage> parse_process_stat(std::string_view text) {
  // "pid (comm) state ppid ...": comm may hold anything, ')' included.
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return std::nullopt;
  auto head = text.substr(0, open);
  uint64_t pid = 0;
  if (!next_field(head, pid))
    return std::nullopt;
  skip_blanks(head);
  if (!head.empty())
    return std::nullopt;
  auto rest = text.substr(close + 1);
  if (rest.empty() || rest[0] != ' ')
    return std::nullopt;
  // Fields from 3 (state) on; utime is 14, stime 15, rss 24. The ones between
  // may be negative (tpgid, priority, nice, cutime): skipped, not parsed.
  uint64_t utime = 0;
  uint64_t stime = 0;
  uint64_t rss = 0;
  for (int field = 3; field <= 24; ++field) {
    bool ok = true;
    switch (field) {
      case 14:
        ok = next_field(rest, utime);
        break;
      case 15:
        ok = next_field(rest, stime);
        break;
      case 24:
        ok = next_field(rest, rss);
        break;
      default:
        ok = !next_token(rest).empty();
    }
    if (!ok)
      return std::nullopt;
  }
  if (utime > std::numeric_limits<uint64_t>::max() - stime)
    return std::nullopt;
  process_usage u;
  u.cpu_ticks = utime + stime;
  u.rss_pages = rss;
  return u;
}

} // namespace conductor
