// The /proc parsers (actors/collector/proc_parsers.hpp) on this machine's real
// files, cross-checked against free, df, sysconf and /proc/self/status. A
// missing command or file is reported and skipped, not failed.
#define CAF_SUITE proc_real

#include <caf/test/unit_test.hpp>

#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "actors/collector/proc_parsers.hpp"
#include "tests/require.hpp"

using namespace conductor;

namespace {

/// The whole file, or nullopt (a /proc file reports size 0: read to EOF).
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad())
    return std::nullopt;
  return out.str();
}

/// A command's standard output, or nullopt with `why` set when it could not
/// run or failed (a missing command exits 127 from the shell).
std::optional<std::string> run(const std::string& command, std::string& why) {
  auto* pipe = ::popen(("LC_ALL=C " + command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) {
    why = "popen failed for: " + command;
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0)
    out.append(buf, n);
  int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    why = "'" + command + "' "
          + (code == 127 ? std::string{"is not installed"}
                         : "failed (exit " + std::to_string(code) + ")");
    return std::nullopt;
  }
  return out;
}

std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string{line}};
  std::string word;
  while (in >> word)
    out.push_back(word);
  return out;
}

/// The line of `text` starting with `prefix`, or empty.
std::string line_starting(const std::string& text, std::string_view prefix) {
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    if (std::string_view{line}.substr(0, prefix.size()) == prefix)
      return line;
  return {};
}

std::optional<uint64_t> to_u64(const std::string& s) {
  if (s.empty())
    return std::nullopt;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
  return std::stoull(s);
}

} // namespace

CAF_TEST(meminfo matches free) {
  std::string why;
  auto free_out = run("free -b", why);
  if (!free_out) {
    CAF_MESSAGE("skipped: " << why);
    return;
  }
  auto text = read_file("/proc/meminfo");
  REQUIRE_OR_RETURN(text);
  auto m = parse_meminfo(*text);
  REQUIRE_OR_RETURN(m);
  auto mem = split(line_starting(*free_out, "Mem:"));
  auto swap = split(line_starting(*free_out, "Swap:"));
  REQUIRE_OR_RETURN(mem.size() >= 2 && swap.size() >= 2);
  auto mem_total = to_u64(mem[1]);
  auto swap_total = to_u64(swap[1]);
  REQUIRE_OR_RETURN(mem_total && swap_total);
  CAF_CHECK_EQUAL(m->total_kib * 1024, *mem_total);
  CAF_CHECK_EQUAL(m->swap_total_kib * 1024, *swap_total);
  CAF_CHECK(m->available_kib <= m->total_kib);
  CAF_CHECK(m->swap_free_kib <= m->swap_total_kib);
  CAF_CHECK_EQUAL(static_cast<bool>(swap_used_percent(*m)), m->swap_total_kib > 0);
  CAF_MESSAGE("MemTotal " << m->total_kib << " kB, MemAvailable " << m->available_kib
                          << " kB, SwapTotal " << m->swap_total_kib << " kB, SwapFree "
                          << m->swap_free_kib << " kB");
}

CAF_TEST(statvfs of root matches df) {
  // df and statvfs read at different moments; anything writing to the disk
  // in between (a build) moves the free blocks, so retry until two statvfs
  // readings around df agree.
  for (int attempt = 0; attempt < 10; ++attempt) {
    struct statvfs before {};
    REQUIRE_OR_RETURN(::statvfs("/", &before) == 0);
    std::string why;
    auto df_out = run("df -P -B1 /", why);
    if (!df_out) {
      CAF_MESSAGE("skipped: " << why);
      return;
    }
    struct statvfs after {};
    REQUIRE_OR_RETURN(::statvfs("/", &after) == 0);
    if (before.f_bavail != after.f_bavail || before.f_bfree != after.f_bfree)
      continue;
    // The last line: "fs 1B-blocks used available capacity% mount", counted
    // from the end since a file system's name may hold spaces.
    std::istringstream in{*df_out};
    std::string line;
    std::string last;
    while (std::getline(in, line))
      if (!line.empty())
        last = line;
    auto cols = split(last);
    REQUIRE_OR_RETURN(cols.size() >= 6);
    auto n = cols.size();
    REQUIRE_EQUAL_OR_RETURN(cols[n - 1], "/");
    auto size = to_u64(cols[n - 5]);
    auto available = to_u64(cols[n - 3]);
    auto pct_text = cols[n - 2];
    REQUIRE_OR_RETURN(size && available && !pct_text.empty() && pct_text.back() == '%');
    auto df_pct = to_u64(pct_text.substr(0, pct_text.size() - 1));
    REQUIRE_OR_RETURN(df_pct);
    const uint64_t frsize = after.f_frsize;
    CAF_CHECK_EQUAL(static_cast<uint64_t>(after.f_blocks) * frsize, *size);
    CAF_CHECK_EQUAL(static_cast<uint64_t>(after.f_bavail) * frsize, *available);
    auto used = filesystem_used_percent(after.f_blocks, after.f_bfree, after.f_bavail);
    REQUIRE_OR_RETURN(used);
    // df rounds its percentage up.
    CAF_CHECK(std::abs(*used - static_cast<double>(*df_pct)) <= 1.0);
    CAF_MESSAGE("/: " << *size << " bytes, " << *available << " available, df " << *df_pct
                      << "%, ours " << *used << "%");
    return;
  }
  CAF_MESSAGE("skipped: the free blocks of / kept changing around df");
}

CAF_TEST(proc stat lists every core) {
  auto text = read_file("/proc/stat");
  REQUIRE_OR_RETURN(text);
  std::vector<int> listed;
  std::istringstream in{*text};
  std::string line;
  while (std::getline(in, line))
    if (line.size() > 3 && line.compare(0, 3, "cpu") == 0
        && std::isdigit(static_cast<unsigned char>(line[3])))
      listed.push_back(std::stoi(line.substr(3)));
  std::vector<cpu_line> out;
  REQUIRE_OR_RETURN(parse_proc_stat_all(*text, out));
  REQUIRE_EQUAL_OR_RETURN(out.size(), listed.size() + 1);
  CAF_CHECK_EQUAL(out[0].core, -1);
  for (size_t i = 0; i < listed.size(); ++i)
    CAF_CHECK_EQUAL(out[i + 1].core, listed[i]);
  auto conf = ::sysconf(_SC_NPROCESSORS_CONF);
  auto online = ::sysconf(_SC_NPROCESSORS_ONLN);
  // /proc/stat lists online cores only: with some offline, CONF is larger.
  if (conf == static_cast<long>(listed.size())) {
    CAF_CHECK_EQUAL(conf, static_cast<long>(listed.size()));
  } else {
    CAF_MESSAGE("configured cores " << conf << ", listed " << listed.size() << ", online "
                                    << online);
    CAF_CHECK_EQUAL(online, static_cast<long>(listed.size()));
  }
  // The aggregate agrees with parse_proc_stat and covers at least one core.
  auto first = parse_proc_stat(*text);
  REQUIRE_OR_RETURN(first);
  CAF_CHECK_EQUAL(first->total(), out[0].times.total());
  if (out.size() > 1)
    CAF_CHECK(out[0].times.total() >= out[1].times.total());
}

CAF_TEST(real loadavg parses) {
  auto text = read_file("/proc/loadavg");
  REQUIRE_OR_RETURN(text);
  auto l = parse_loadavg(*text);
  REQUIRE_OR_RETURN(l);
  CAF_CHECK(l->load1 >= 0.0);
  CAF_CHECK(l->load5 >= 0.0);
  CAF_CHECK(l->load15 >= 0.0);
  CAF_MESSAGE("loadavg " << l->load1 << " " << l->load5 << " " << l->load15);
}

CAF_TEST(real memory pressure parses) {
  auto text = read_file("/proc/pressure/memory");
  if (!text || text->empty()) {
    // No file without CONFIG_PSI; unreadable (EOPNOTSUPP) with psi=0.
    CAF_MESSAGE("skipped: /proc/pressure/memory "
                << (text ? "is empty" : "is missing or unreadable (no PSI on this kernel)"));
    return;
  }
  auto p = parse_psi(*text);
  REQUIRE_OR_RETURN(p);
  REQUIRE_OR_RETURN(p->some);
  for (const auto& line : {p->some, p->full}) {
    if (!line)
      continue;
    CAF_CHECK(line->avg10 >= 0.0 && line->avg10 <= 100.0);
    CAF_CHECK(line->avg60 >= 0.0 && line->avg60 <= 100.0);
    CAF_CHECK(line->avg300 >= 0.0 && line->avg300 <= 100.0);
  }
  // Memory has had a "full" line since PSI began (4.20).
  CAF_CHECK(p->full);
  if (p->full)
    CAF_CHECK(p->full->total_us <= p->some->total_us);
}

CAF_TEST(own process stat matches status) {
  // Touch some memory and spend some CPU so neither figure is trivially 0.
  std::vector<char> ballast(8 << 20, 1);
  volatile uint64_t spin = 0;
  for (uint64_t i = 0; i < 20000000; ++i)
    spin = spin + ballast[i % ballast.size()];
  auto stat = read_file("/proc/self/stat");
  auto status = read_file("/proc/self/status");
  REQUIRE_OR_RETURN(stat && status);
  auto u = parse_process_stat(*stat);
  REQUIRE_OR_RETURN(u);
  auto rss_line = split(line_starting(*status, "VmRSS:"));
  REQUIRE_OR_RETURN(rss_line.size() >= 2);
  auto vm_rss_kib = to_u64(rss_line[1]);
  REQUIRE_OR_RETURN(vm_rss_kib && *vm_rss_kib > 0);
  auto page = ::sysconf(_SC_PAGESIZE);
  REQUIRE_OR_RETURN(page > 0);
  auto ours = static_cast<double>(u->rss_pages) * static_cast<double>(page);
  auto theirs = static_cast<double>(*vm_rss_kib) * 1024.0;
  CAF_CHECK(std::abs(ours - theirs) <= 0.5 * theirs);
  // cpu_ticks is unsigned, so ">= 0" holds by type; a second reading never
  // goes back.
  auto again = read_file("/proc/self/stat");
  REQUIRE_OR_RETURN(again);
  auto v = parse_process_stat(*again);
  REQUIRE_OR_RETURN(v);
  CAF_CHECK(v->cpu_ticks >= u->cpu_ticks);
  CAF_MESSAGE("rss " << u->rss_pages << " pages of " << page << " bytes, VmRSS " << *vm_rss_kib
                     << " kB, cpu " << u->cpu_ticks << " ticks");
}

CAF_TEST(real diskstats parses) {
  auto text = read_file("/proc/diskstats");
  REQUIRE_OR_RETURN(text);
  std::vector<disk_counters> out;
  CAF_CHECK(parse_diskstats(*text, out));
  std::string names;
  for (const auto& d : out) {
    CAF_CHECK(is_reported_disk(d.device));
    names += " " + d.device;
  }
  CAF_MESSAGE("reported disks:" << (names.empty() ? std::string{" none"} : names));
}
