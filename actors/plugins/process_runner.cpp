#include "actors/plugins/process_runner.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "actors/http_request.hpp"
#include "actors/logger.hpp"
#include "actors/tcp_connect.hpp"

namespace conductor {

namespace {

/// How long a drain call may take: the plugin's grace runs meanwhile anyway.
constexpr int drain_call_ms = 2000;

/// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0)
      return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR)
      continue;
    return n == 1 && (p.revents & events) != 0;
  }
}

/// POSTs to `url` and reads the status line; "" or why it failed.
std::string post(const std::string& url, int& status) {
  socket_address addr;
  std::string request;
  if (auto err = prepare_http_request(url, addr, request, "POST"); !err.empty())
    return err;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_call_ms);
  bool in_progress = false;
  int error = 0;
  int fd = start_connect(addr, in_progress, error);
  if (fd < 0)
    return describe_socket_error(error);
  std::string why;
  socklen_t len = sizeof(error);
  if (in_progress
      && (!wait_for(fd, POLLOUT, deadline)
          || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0)) {
    why = error != 0 ? describe_socket_error(error) : "timeout connecting";
  }
  for (size_t sent = 0; why.empty() && sent < request.size();) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0)
      sent += static_cast<size_t>(n);
    else if (n < 0 && errno == EAGAIN && wait_for(fd, POLLOUT, deadline))
      continue;
    else
      why = n < 0 ? describe_socket_error(errno) : "connection closed";
  }
  http_response_reader reader;
  reader.reset({}, nullptr);
  char buf[1024];
  while (why.empty() && reader.status() == 0) {
    if (!wait_for(fd, POLLIN, deadline)) {
      why = "timeout waiting for the answer";
      break;
    }
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      why = n < 0 ? describe_socket_error(errno) : "connection closed before an answer";
      break;
    }
    if (reader.feed(std::string_view{buf, static_cast<size_t>(n)})
        == http_response_reader::progress::failed)
      why = "not an HTTP answer";
  }
  ::close(fd);
  status = reader.status();
  return why;
}

class real_runner final : public process_runner {
public:
  explicit real_runner(exit_watcher::callback on_exit) : watcher_(std::move(on_exit)) {
  }

  ~real_runner() override {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& t : calls_)
      t.join();
  }

  std::string start(const plugin_spawn& request, pid_t& pid) override {
    plugin_pid p;
    auto err = spawn_plugin(request, p);
    if (!err.empty())
      return err;
    pid = p.pid;
    watcher_.watch(p.pid, p.pidfd);
    return {};
  }

  void signal(pid_t pid, int signo) override {
    signal_plugin(pid, signo);
  }

  void call_drain_url(const std::string& plugin, const std::string& url) override {
    std::lock_guard<std::mutex> guard{mutex_};
    // Off the actor's thread: a slow plugin must not hold the others up.
    calls_.emplace_back([plugin, url] {
      int status = 0;
      auto why = post(url, status);
      if (!why.empty())
        CONDUCTOR_LOG(warn, "plugins") << plugin << ": drain call to " << url << " failed: "
                                       << why;
      else
        CONDUCTOR_LOG(info, "plugins") << plugin << ": drain call to " << url << " answered "
                                       << status;
    });
  }

private:
  exit_watcher watcher_;
  std::mutex mutex_;
  std::vector<std::thread> calls_;
};

} // namespace

std::unique_ptr<process_runner> make_process_runner(exit_watcher::callback on_exit) {
  return std::make_unique<real_runner>(std::move(on_exit));
}

} // namespace conductor
