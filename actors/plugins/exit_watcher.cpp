#include "actors/plugins/exit_watcher.hpp"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "actors/plugins/plugin_process.hpp"

namespace conductor {

struct exit_watcher::impl {
  callback on_exit;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::mutex mutex;
  /// Handed over by watch(), not yet in epoll.
  std::vector<std::pair<pid_t, int>> queued;
  bool stopping = false;
  /// pidfd -> pid, of those in epoll.
  std::map<int, pid_t> watched;
  std::thread thread;

  void run() {
    epoll_event events[32];
    for (;;) {
      int n = ::epoll_wait(epoll_fd, events, 32, -1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return;
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == wake_fd) {
          if (!take_queue())
            return;
        } else {
          exited(fd);
        }
      }
    }
  }

  bool take_queue() {
    uint64_t count;
    while (::read(wake_fd, &count, sizeof(count)) < 0 && errno == EINTR) {
    }
    std::vector<std::pair<pid_t, int>> batch;
    {
      std::lock_guard<std::mutex> guard{mutex};
      if (stopping)
        return false;
      batch.swap(queued);
    }
    for (auto [pid, pidfd] : batch) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = pidfd;
      watched[pidfd] = pid;
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, pidfd, &ev) != 0)
        exited(pidfd); // not a pidfd: only an exit that already happened is seen
    }
    return true;
  }

  void exited(int pidfd) {
    auto i = watched.find(pidfd);
    if (i == watched.end())
      return;
    std::string status;
    if (!reap_plugin(i->second, status))
      return; // readable but not reapable yet: epoll reports it again
    auto pid = i->second;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, pidfd, nullptr);
    ::close(pidfd);
    watched.erase(i);
    try {
      on_exit(pid, std::move(status));
    } catch (...) {
      // Documented: the callback must not throw; the watcher goes on regardless.
    }
  }

  void wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof(one));
  }
};

exit_watcher::exit_watcher(callback on_exit) : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  d.on_exit = std::move(on_exit);
  d.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (d.epoll_fd < 0)
    throw std::system_error(errno, std::generic_category(), "exit_watcher: epoll_create1");
  d.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (d.wake_fd < 0) {
    ::close(d.epoll_fd);
    throw std::system_error(errno, std::generic_category(), "exit_watcher: eventfd");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = d.wake_fd;
  ::epoll_ctl(d.epoll_fd, EPOLL_CTL_ADD, d.wake_fd, &ev);
  d.thread = std::thread{[&d] {
    ::pthread_setname_np(::pthread_self(), "plugin-exits");
    d.run();
  }};
}

exit_watcher::~exit_watcher() {
  auto& d = *impl_;
  {
    std::lock_guard<std::mutex> guard{d.mutex};
    d.stopping = true;
  }
  d.wake();
  if (d.thread.joinable())
    d.thread.join();
  for (auto& [pidfd, pid] : d.watched)
    ::close(pidfd);
  for (auto& [pid, pidfd] : d.queued)
    ::close(pidfd);
  ::close(d.wake_fd);
  ::close(d.epoll_fd);
}

void exit_watcher::watch(pid_t pid, int pidfd) {
  {
    std::lock_guard<std::mutex> guard{impl_->mutex};
    impl_->queued.emplace_back(pid, pidfd);
  }
  impl_->wake();
}

} // namespace conductor
