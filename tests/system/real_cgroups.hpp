// real_cgroups.hpp -- what the real-cgroup suites create on the host: a
// plugin's cgroup directories in every hierarchy the layout names (enabling
// the v2 controllers on the way) and a child process that allocates memory on
// command. Everything is undone by the destructor, whatever check fails.
// Needs root and writable cgroup mounts; the suites skip with a printed
// reason otherwise.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "actors/cgroup_layout.hpp"
#include "tests/system/child_process.hpp"

namespace conductor::test {

inline constexpr size_t mib = 1024 * 1024;
inline constexpr size_t child_allocation = 64 * mib;

/// Writes `text` to an existing (cgroup) file; 0 or the errno. (Not named
/// write_file: node_fixture.hpp has one, and two inline functions of one
/// signature are one function to the linker, which picked this one for the
/// node suites in the ASan build.)
inline int write_existing(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  auto n = ::write(fd, text.data(), text.size());
  int err = n < 0 ? errno : 0;
  ::close(fd);
  return err;
}

/// The whole file, "" when it cannot be read.
inline std::string read_file(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return out;
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

inline bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

/// Whitespace-separated words of a cgroup.controllers-like file.
inline std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find_first_not_of(" \t\n", pos)) != std::string::npos) {
    auto end = text.find_first_of(" \t\n", pos);
    out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

/// The child: waits for 'a' on `cmd`, then maps and touches 64 MiB and answers
/// 'd' on `ack`; exits when `cmd` closes. Only async-signal-safe calls: the
/// test runner may have had threads when it forked.
[[noreturn]] inline void child_main(int cmd, int ack, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent)
    ::_exit(1);
  char c;
  for (;;) {
    auto n = ::read(cmd, &c, 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      ::_exit(0);
    if (c == 'a') {
      void* p = ::mmap(nullptr, child_allocation, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED)
        ::_exit(2);
      ::memset(p, 1, child_allocation);
      char d = 'd';
      if (::write(ack, &d, 1) != 1)
        ::_exit(3);
    }
  }
}

/// Owns what the test creates on the host: the cgroup directories, the
/// controllers it enabled at a cgroup2 root, and the child. The destructor
/// undoes all of it, so an early return leaves nothing behind.
class real_cgroups {
public:
  real_cgroups(cgroup_layout layout, std::string parent_rel)
    : layout_(std::move(layout)), parent_rel_(std::move(parent_rel)) {
    rel_ = parent_rel_ + "/plugin";
    auto add = [&](const std::string& mp) {
      if (std::find(mounts_.begin(), mounts_.end(), mp) == mounts_.end())
        mounts_.push_back(mp);
    };
    for (auto* p : {&layout_.memory, &layout_.pids, &layout_.cpu, &layout_.cpu_limit})
      if (*p)
        add((*p)->mount_point);
    if (layout_.unified)
      add(*layout_.unified);
  }

  ~real_cgroups() {
    kill_child();
    std::string ignored;
    remove_dirs(ignored);
    for (auto& [path, text] : to_revert_)
      write_existing(path, text);
  }

  real_cgroups(const real_cgroups&) = delete;
  real_cgroups& operator=(const real_cgroups&) = delete;

  const std::string& rel() const {
    return rel_;
  }
  const std::vector<std::string>& mounts() const {
    return mounts_;
  }
  std::string dir(const std::string& mount_point) const {
    return mount_point + "/" + rel_;
  }

  /// Creates <mount>/<parent>/plugin everywhere, enabling the v2 controllers
  /// on the way. Returns "" or why not; `skip` tells a host that does not let
  /// us (read-only or delegated cgroupfs) from a failure.
  std::string create(bool& skip) {
    skip = false;
    for (auto& mp : mounts_) {
      auto controllers = v2_controllers_at(mp);
      if (!controllers.empty()) {
        auto root_ctl = mp + "/cgroup.subtree_control";
        auto enabled = words(read_file(root_ctl));
        for (auto& c : controllers) {
          if (std::find(enabled.begin(), enabled.end(), c) != enabled.end())
            continue;
          if (int err = write_existing(root_ctl, "+" + c)) {
            skip = true;
            return "cannot enable " + c + " in " + root_ctl + ": " + std::strerror(err);
          }
          to_revert_.emplace_back(root_ctl, "-" + c);
        }
      }
      for (auto& sub : {parent_rel_, rel_}) {
        auto path = mp + "/" + sub;
        if (::mkdir(path.c_str(), 0755) == 0) {
          created_.push_back(path);
        } else if (errno != EEXIST) {
          int err = errno;
          skip = err == EROFS || err == EACCES || err == EPERM;
          return "mkdir " + path + ": " + std::strerror(err);
        }
        if (sub == parent_rel_)
          for (auto& c : controllers)
            if (int err = write_existing(path + "/cgroup.subtree_control", "+" + c))
              return "cannot enable " + c + " in " + path + ": " + std::strerror(err);
      }
    }
    return {};
  }

  /// Forks the child; "" or why not.
  std::string start_child() {
    int cmd[2], ack[2];
    if (::pipe2(cmd, O_CLOEXEC) != 0)
      return "pipe failed";
    if (::pipe2(ack, O_CLOEXEC) != 0) {
      ::close(cmd[0]);
      ::close(cmd[1]);
      return "pipe failed";
    }
    auto parent = ::getpid();
    child_ = ::fork();
    if (child_ == 0) {
      ::close(cmd[1]);
      ::close(ack[0]);
      child_main(cmd[0], ack[1], parent);
    }
    ::close(cmd[0]);
    ::close(ack[1]);
    to_child_ = cmd[1];
    from_child_ = ack[0];
    if (child_ < 0)
      return "fork failed";
    return {};
  }

  pid_t child() const {
    return child_;
  }

  /// Moves the child into the cgroup in every hierarchy; "" or why not.
  std::string move_child() {
    for (auto& mp : mounts_) {
      auto procs = dir(mp) + "/cgroup.procs";
      if (int err = write_existing(procs, std::to_string(child_)))
        return "write " + procs + ": " + std::strerror(err);
    }
    return {};
  }

  /// Asks the child to touch 64 MiB and waits (bounded) for it to finish.
  bool child_allocates() {
    char a = 'a';
    if (::write(to_child_, &a, 1) != 1)
      return false;
    pollfd p{from_child_, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1)
      return false;
    char d = 0;
    return ::read(from_child_, &d, 1) == 1 && d == 'd';
  }

  void kill_child() {
    if (to_child_ >= 0)
      ::close(to_child_);
    if (from_child_ >= 0)
      ::close(from_child_);
    to_child_ = from_child_ = -1;
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      while (::waitpid(child_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    child_ = -1;
  }

  /// rmdir of everything created, children first. A cgroup whose last task
  /// just exited may still answer EBUSY: wait for cgroup.procs to empty (at
  /// most a second), then try once more.
  bool remove_dirs(std::string& why) {
    bool ok = true;
    for (auto i = created_.rbegin(); i != created_.rend(); ++i) {
      auto& path = *i;
      if (::rmdir(path.c_str()) == 0 || errno == ENOENT)
        continue;
      test::eventually([&] { return words(read_file(path + "/cgroup.procs")).empty(); },
                 std::chrono::seconds(1));
      if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
        why += "rmdir " + path + ": " + std::strerror(errno) + "; ";
        ok = false;
      }
    }
    created_.clear();
    return ok;
  }

private:
  /// The v2 controllers the layout reads from the cgroup2 mount `mp`.
  std::vector<std::string> v2_controllers_at(const std::string& mp) const {
    std::vector<std::string> out;
    auto at = [&](const std::optional<cgroup_place>& p, const char* name) {
      if (p && p->version == cgroup_version::v2 && p->mount_point == mp)
        out.emplace_back(name);
    };
    at(layout_.cpu, "cpu");
    at(layout_.memory, "memory");
    at(layout_.pids, "pids");
    return out;
  }

  cgroup_layout layout_;
  std::string parent_rel_;
  std::string rel_;
  std::vector<std::string> mounts_;
  std::vector<std::string> created_;
  std::vector<std::pair<std::string, std::string>> to_revert_;
  pid_t child_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
};

/// Creates the test's cgroups. False when the test must stop: skipped (a
/// host that does not let us, with the reason printed) or failed (checked).
inline bool create_or_skip(real_cgroups& cg) {
  bool skip = false;
  auto why = cg.create(skip);
  if (skip) {
    CAF_MESSAGE("skipped: " << why);
    return false;
  }
  CAF_CHECK_EQUAL(why, "");
  return why.empty();
}

} // namespace conductor::test
