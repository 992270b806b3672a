#include "actors/cgroup_layout.hpp"

#include <algorithm>
#include <array>

#include "actors/proc_file.hpp"

namespace conductor {

namespace {

/// The controllers a v1 mount can carry in its super options. Everything else
/// there ("rw", "relatime", "name=systemd", "clone_children", ...) is a mount
/// option, not a controller.
constexpr std::array<std::string_view, 14> v1_controllers = {
  "cpu",     "cpuacct", "cpuset",     "memory",  "devices", "freezer", "net_cls",
  "net_prio", "blkio",  "perf_event", "hugetlb", "pids",    "rdma",    "misc"};

bool is_v1_controller(std::string_view option) {
  return std::find(v1_controllers.begin(), v1_controllers.end(), option)
         != v1_controllers.end();
}

/// Splits on any run of `seps`, dropping empty pieces.
std::vector<std::string_view> split(std::string_view text, std::string_view seps) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    auto start = text.find_first_not_of(seps, pos);
    if (start == std::string_view::npos)
      break;
    auto end = text.find_first_of(seps, start);
    if (end == std::string_view::npos)
      end = text.size();
    out.push_back(text.substr(start, end - start));
    pos = end;
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty()
         && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The kernel writes space, tab, newline and backslash in mount points as
/// "\ooo" octal escapes (show_mountinfo -> seq_path_root, mangle " \t\n\\").
/// A backslash not followed by three octal digits is kept as it is.
std::string decode_octal_escapes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && octal(s[i + 1]) && octal(s[i + 2])
        && octal(s[i + 3])) {
      int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
      if (v <= 0xff) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

/// One mountinfo line, or nullopt when it is not a well-formed cgroup or
/// cgroup2 line.
std::optional<cgroup_mount> parse_line(std::string_view line) {
  auto fields = split(line, " \t");
  // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [optional...] - FSTYPE SOURCE SUPEROPTS
  auto dash = std::find(fields.begin(), fields.end(), std::string_view{"-"});
  if (dash == fields.end() || dash - fields.begin() < 6 || fields.end() - dash < 4)
    return std::nullopt;
  if (!all_digits(fields[0]) || !all_digits(fields[1])
      || fields[2].find(':') == std::string_view::npos || fields[4].empty()
      || fields[4].front() != '/')
    return std::nullopt;
  auto fstype = dash[1];
  cgroup_mount m;
  if (fstype == "cgroup2") {
    m.version = cgroup_version::v2;
  } else if (fstype == "cgroup") {
    m.version = cgroup_version::v1;
    for (auto opt : split(dash[3], ","))
      if (is_v1_controller(opt))
        m.controllers.emplace_back(opt);
  } else {
    return std::nullopt;
  }
  m.mount_point = decode_octal_escapes(fields[4]);
  return m;
}

bool lists(const std::vector<std::string>& xs, std::string_view x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

void append_place(std::string& out, const char* name, const std::optional<cgroup_place>& p) {
  out += name;
  out += ": ";
  if (p) {
    out += to_string(p->version);
    out += ' ';
    out += p->mount_point;
  } else {
    out += "none";
  }
}

/// Drops trailing slashes (but keeps a lone "/").
std::string_view trim_trailing_slashes(std::string_view s) {
  while (s.size() > 1 && s.back() == '/')
    s.remove_suffix(1);
  return s;
}

} // namespace

const char* to_string(cgroup_version v) {
  return v == cgroup_version::v1 ? "v1" : "v2";
}

std::vector<cgroup_mount> parse_cgroup_mounts(std::string_view mountinfo) {
  std::vector<cgroup_mount> out;
  for (auto line : split(mountinfo, "\n"))
    if (auto m = parse_line(line))
      out.push_back(std::move(*m));
  return out;
}

std::string cgroup_layout::describe() const {
  std::string out;
  append_place(out, "cpu", cpu);
  out += ", ";
  append_place(out, "memory", memory);
  out += ", ";
  append_place(out, "pids", pids);
  out += ", unified: ";
  out += unified ? *unified : std::string{"none"};
  return out;
}

cgroup_layout make_cgroup_layout(std::string_view mountinfo, const std::string& root,
                                 const controllers_reader& read) {
  cgroup_layout layout;
  auto mounts = parse_cgroup_mounts(mountinfo);
  for (auto& m : mounts)
    layout.mount_points.push_back(root + m.mount_point);
  // The first mount of a hierarchy wins: later ones are bind mounts of the
  // same hierarchy (containers) and would read the same files.
  auto take_v1 = [&](std::optional<cgroup_place>& slot, std::string_view controller) {
    for (auto& m : mounts)
      if (m.version == cgroup_version::v1 && lists(m.controllers, controller)) {
        slot = cgroup_place{cgroup_version::v1, root + m.mount_point};
        return;
      }
  };
  take_v1(layout.cpu, "cpuacct");
  take_v1(layout.memory, "memory");
  take_v1(layout.pids, "pids");
  take_v1(layout.cpu_limit, "cpu");
  for (auto& m : mounts) {
    if (m.version != cgroup_version::v2)
      continue;
    auto mount_point = root + m.mount_point;
    if (!layout.unified)
      layout.unified = mount_point;
    auto text = read ? read(mount_point + "/cgroup.controllers") : std::nullopt;
    if (!text)
      continue;
    std::vector<std::string> served;
    for (auto c : split(*text, " \t\n"))
      served.emplace_back(c);
    // v1 already holds a controller it mounts: the kernel cannot enable it in
    // v2 then, so only fill what is still missing.
    auto offer = [&](std::optional<cgroup_place>& slot, std::string_view controller) {
      if (!slot && lists(served, controller))
        slot = cgroup_place{cgroup_version::v2, mount_point};
    };
    offer(layout.cpu, "cpu");
    offer(layout.memory, "memory");
    offer(layout.pids, "pids");
    offer(layout.cpu_limit, "cpu");
  }
  return layout;
}

cgroup_layout detect_cgroup_layout(const std::string& root) {
  auto mountinfo = read_small_file(root + "/proc/self/mountinfo");
  if (!mountinfo)
    return {};
  return make_cgroup_layout(*mountinfo, root, [](const std::string& path) {
    return read_small_file(path);
  });
}

std::optional<std::string> relative_cgroup_root(const cgroup_layout& layout,
                                                const std::string& cgroup_root,
                                                std::string& error) {
  if (cgroup_root == "auto")
    return std::string{"conductor"};
  std::vector<std::string> mounts;
  auto add = [&](const std::string& mp) {
    if (!lists(mounts, mp))
      mounts.push_back(mp);
  };
  for (auto* p : {&layout.cpu, &layout.memory, &layout.pids, &layout.cpu_limit})
    if (*p)
      add((*p)->mount_point);
  if (layout.unified)
    add(*layout.unified);
  for (const auto& mp : layout.mount_points)
    add(mp);
  auto mount_list = [&] {
    if (mounts.empty())
      return std::string{"no cgroup mounts were found"};
    std::string out = "cgroup mounts: ";
    for (size_t i = 0; i < mounts.size(); ++i)
      out += (i ? ", " : "") + mounts[i];
    return out;
  };
  if (cgroup_root.empty() || cgroup_root.front() != '/') {
    error = "collector.cgroup_root \"" + cgroup_root
            + "\" must be \"auto\" or an absolute path under a cgroup mount (" + mount_list()
            + ")";
    return std::nullopt;
  }
  // The longest mount point that is a path prefix: /sys/fs/cgroup/unified
  // rather than /sys/fs/cgroup when both are listed.
  auto path = trim_trailing_slashes(cgroup_root);
  std::optional<std::string_view> best;
  for (auto& mp : mounts) {
    auto base = trim_trailing_slashes(mp);
    bool under = base == "/" ? path.size() > 1
                             : path.size() > base.size() + 1
                                 && path.compare(0, base.size(), base) == 0
                                 && path[base.size()] == '/';
    if (under && (!best || base.size() > best->size()))
      best = base;
  }
  if (!best) {
    error = "collector.cgroup_root \"" + cgroup_root + "\" is not under a cgroup mount ("
            + mount_list() + ")";
    return std::nullopt;
  }
  auto rest = path.substr(best->size());
  // Rebuild from the components: drops doubled slashes, refuses "." and ".."
  // (the result is joined under every hierarchy's mount point).
  std::string out;
  for (auto part : split(rest, "/")) {
    if (part == "." || part == "..") {
      error = "collector.cgroup_root \"" + cgroup_root
              + "\" must not contain \".\" or \"..\" components";
      return std::nullopt;
    }
    if (!out.empty())
      out += '/';
    out += part;
  }
  if (out.empty()) {
    error = "collector.cgroup_root \"" + cgroup_root + "\" names a cgroup mount itself ("
            + mount_list() + "); it must be a directory under one";
    return std::nullopt;
  }
  return out;
}

} // namespace conductor
