// scoped_mount.hpp -- a mount a test makes and that is undone when the test
// ends, whatever happens (a full tmpfs, a read-only bind, a loop image).
#pragma once

#include <sys/mount.h>

#include <string>

namespace conductor::test {

struct scoped_mount {
  std::string target;
  bool ok = false;
  scoped_mount(const char* source, const std::string& where, const char* type,
               unsigned long flags, const char* options)
    : target(where) {
    ok = ::mount(source, where.c_str(), type, flags, options) == 0;
  }
  ~scoped_mount() {
    if (ok)
      ::umount2(target.c_str(), MNT_DETACH);
  }
  scoped_mount(const scoped_mount&) = delete;
  scoped_mount& operator=(const scoped_mount&) = delete;
};

} // namespace conductor::test
