#include "actors/proc_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace conductor {

proc_file::proc_file(std::string path, size_t capacity) : path_(std::move(path)) {
  buf_.resize(capacity == 0 ? 1 : capacity);
}

proc_file::~proc_file() {
  if (fd_ >= 0)
    ::close(fd_);
}

proc_file::proc_file(proc_file&& other) noexcept
  : path_(std::move(other.path_)), fd_(other.fd_), error_(other.error_),
    buf_(std::move(other.buf_)) {
  other.fd_ = -1;
}

std::optional<std::string_view> proc_file::read() {
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      error_ = errno;
      return std::nullopt;
    }
  }
  size_t used = 0;
  for (;;) {
    if (used == buf_.size())
      buf_.resize(buf_.size() * 2);
    auto n = ::pread(fd_, buf_.data() + used, buf_.size() - used, static_cast<off_t>(used));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      // Gone or broken (a vanished device, a removed cgroup): reopen next time.
      error_ = errno;
      ::close(fd_);
      fd_ = -1;
      return std::nullopt;
    }
    if (n == 0)
      break;
    used += static_cast<size_t>(n);
  }
  error_ = 0;
  return std::string_view{buf_.data(), used};
}

int read_whole_file(const std::string& path, std::string& out) {
  out.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  char buf[4096];
  int err = 0;
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      err = errno;
      break;
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return err;
}

std::optional<std::string> read_small_file(const std::string& path) {
  std::string out;
  if (read_whole_file(path, out) != 0)
    return std::nullopt;
  return out;
}

int write_whole_file(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return errno;
  int err = 0;
  auto n = ::write(fd, text.data(), text.size());
  if (n < 0)
    err = errno;
  else if (static_cast<size_t>(n) != text.size())
    err = EIO;
  ::close(fd);
  return err;
}

} // namespace conductor
