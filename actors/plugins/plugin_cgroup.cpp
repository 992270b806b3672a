#include "actors/plugins/plugin_cgroup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "actors/proc_file.hpp"

namespace conductor {

namespace {

std::string reason(int err) {
  return std::strerror(err);
}

/// The v2 controllers the layout places on cgroup2 mount `mp`.
std::vector<std::string> v2_controllers(const cgroup_layout& layout, const std::string& mp) {
  std::vector<std::string> out;
  auto at = [&](const std::optional<cgroup_place>& p, const char* name) {
    if (p && p->version == cgroup_version::v2 && p->mount_point == mp
        && std::find(out.begin(), out.end(), name) == out.end())
      out.emplace_back(name);
  };
  at(layout.cpu, "cpu");
  at(layout.cpu_limit, "cpu");
  at(layout.memory, "memory");
  at(layout.pids, "pids");
  return out;
}

/// Enables `controllers` for the children of cgroup `dir`: "" or the error.
std::string enable_controllers(const std::string& dir, const std::vector<std::string>& controllers) {
  auto path = dir + "/cgroup.subtree_control";
  std::string enabled;
  if (int err = read_whole_file(path, enabled))
    return "cannot read " + path + ": " + reason(err);
  // subtree_control lists the enabled ones: "cpu memory pids\n".
  std::vector<std::string> listed;
  size_t pos = 0;
  while ((pos = enabled.find_first_not_of(" \n", pos)) != std::string::npos) {
    auto end = enabled.find_first_of(" \n", pos);
    listed.push_back(enabled.substr(pos, end - pos));
    pos = end;
  }
  std::string wanted;
  for (const auto& c : controllers)
    if (std::find(listed.begin(), listed.end(), c) == listed.end())
      wanted += (wanted.empty() ? "+" : " +") + c;
  if (wanted.empty())
    return {};
  if (int err = write_whole_file(path, wanted))
    return "cannot enable " + wanted + " in " + path + ": " + reason(err);
  return {};
}

} // namespace

std::vector<std::string> plugin_cgroup_mounts(const cgroup_layout& layout) {
  std::vector<std::string> out;
  auto add = [&](const std::string& mp) {
    if (std::find(out.begin(), out.end(), mp) == out.end())
      out.push_back(mp);
  };
  for (auto* p : {&layout.memory, &layout.pids, &layout.cpu, &layout.cpu_limit})
    if (*p)
      add((*p)->mount_point);
  if (layout.unified)
    add(*layout.unified);
  return out;
}

std::string create_plugin_cgroup(const cgroup_layout& layout, const std::string& relative_path) {
  for (const auto& mp : plugin_cgroup_mounts(layout)) {
    auto controllers = v2_controllers(layout, mp);
    std::string dir = mp;
    size_t pos = 0;
    // Down from the mount, one level at a time: each parent enables the
    // controllers for the level below before that level is created.
    while (pos <= relative_path.size()) {
      if (!controllers.empty())
        if (auto err = enable_controllers(dir, controllers); !err.empty())
          return err;
      auto end = relative_path.find('/', pos);
      if (end == std::string::npos)
        end = relative_path.size();
      dir += "/" + relative_path.substr(pos, end - pos);
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        return "cannot create cgroup " + dir + ": " + reason(errno);
      pos = end + 1;
    }
  }
  return {};
}

std::vector<std::string> plugin_cgroup_procs(const cgroup_layout& layout,
                                             const std::string& relative_path) {
  std::vector<std::string> out;
  for (const auto& mp : plugin_cgroup_mounts(layout))
    out.push_back(mp + "/" + relative_path + "/cgroup.procs");
  return out;
}

std::string remove_plugin_cgroup(const cgroup_layout& layout, const std::string& relative_path) {
  std::string errors;
  for (const auto& mp : plugin_cgroup_mounts(layout)) {
    auto dir = mp + "/" + relative_path;
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
      errors += (errors.empty() ? "" : "; ") + ("cannot remove cgroup " + dir + ": " + reason(errno));
  }
  return errors;
}

} // namespace conductor
