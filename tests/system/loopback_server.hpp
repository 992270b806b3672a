// loopback_server.hpp -- what the health suites run checks against: a tiny
// blocking HTTP server on 127.0.0.1, switched between answering 200, 500, a
// chunked body, hanging and closing at once, and a sink that collects the
// check engine's results for the test thread to wait on (a condition
// variable, never a blind sleep). The signal suites serve their own bodies
// from it (server_mode::body).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "actors/health/check_engine.hpp"

namespace conductor::test {

using namespace std::chrono_literals;

// -- a tiny blocking HTTP server ------------------------------------------------

enum class server_mode { ok, fail, chunked, hang, close_early, body };

/// Listens on 127.0.0.1 (a kernel-chosen port) and serves one connection at a
/// time on its own thread. `hang` accepts and never answers (the sockets are
/// held until the server is destroyed); `close_early` accepts and closes;
/// `body` answers 200 with what set_body() gave.
class test_http_server {
public:
  /// `port` 0: one the kernel chooses (port() tells which).
  explicit test_http_server(uint16_t port = 0) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    socklen_t len = sizeof(addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
        || ::listen(listen_fd_, 1024) != 0
        || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      return;
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread{[this] { serve(); }};
  }

  ~test_http_server() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
    for (int fd : held_)
      ::close(fd);
    ::close(listen_fd_);
  }

  test_http_server(const test_http_server&) = delete;
  test_http_server& operator=(const test_http_server&) = delete;

  /// 0 when the server could not start.
  uint16_t port() const {
    return port_;
  }

  void set_mode(server_mode m) {
    mode_ = m;
  }

  /// Serves `body` as `content_type` from now on (server_mode::body).
  void set_body(std::string content_type, std::string body) {
    std::lock_guard<std::mutex> guard{mutex_};
    content_type_ = std::move(content_type);
    body_ = std::move(body);
    mode_ = server_mode::body;
  }

  std::string url(const std::string& path = "/health") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  /// The last request received (whole head).
  std::string last_request() {
    std::lock_guard<std::mutex> guard{mutex_};
    return last_request_;
  }

  size_t accepted() const {
    return accepted_;
  }

private:
  void serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0)
        continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      ++accepted_;
      handle(fd);
    }
  }

  void handle(int fd) {
    auto mode = mode_.load();
    if (mode == server_mode::close_early) {
      ::close(fd);
      return;
    }
    if (mode == server_mode::hang) {
      held_.push_back(fd);
      return;
    }
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string request;
    char buf[2048];
    while (request.find("\r\n\r\n") == std::string::npos) {
      auto n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0)
        break;
      request.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard<std::mutex> guard{mutex_};
      last_request_ = request;
    }
    std::string reply;
    if (mode == server_mode::ok) {
      std::string body = "status: all good\n";
      reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
              + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    } else if (mode == server_mode::body) {
      std::lock_guard<std::mutex> guard{mutex_};
      reply = "HTTP/1.1 200 OK\r\nContent-Type: " + content_type_ + "\r\nContent-Length: "
              + std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
    } else if (mode == server_mode::fail) {
      reply = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\n"
              "Connection: close\r\n\r\nbroken";
    } else {
      // The needle "all good" is split across two chunks.
      reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
              "b\r\nstatus: all\r\n"
              "6\r\n good\n\r\n"
              "0\r\n\r\n";
    }
    for (size_t sent = 0; sent < reply.size();) {
      auto n = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
      if (n <= 0)
        break;
      sent += static_cast<size_t>(n);
    }
    ::close(fd);
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<server_mode> mode_{server_mode::ok};
  std::atomic<size_t> accepted_{0};
  std::vector<int> held_;
  std::mutex mutex_;
  std::string last_request_;
  std::string content_type_;
  std::string body_;
  std::thread thread_;
};

// -- results ----------------------------------------------------------------------

/// Collects results from the engine thread; tests wait on it.
class result_sink {
public:
  health::check_engine::callback callback() {
    return [this](health::check_result r) {
      std::lock_guard<std::mutex> guard{mutex_};
      results_.push_back(std::move(r));
      cv_.notify_all();
    };
  }

  /// Waits until the result for `id` arrives (up to `limit`).
  std::optional<health::check_result> wait_for(uint64_t id, std::chrono::milliseconds limit = 5s) {
    std::unique_lock<std::mutex> lock{mutex_};
    std::optional<health::check_result> out;
    cv_.wait_for(lock, limit, [&] {
      for (auto& r : results_)
        if (r.id == id) {
          out = r;
          return true;
        }
      return false;
    });
    return out;
  }

  /// Waits until `n` results arrived in all.
  bool wait_count(size_t n, std::chrono::milliseconds limit = 5s) {
    std::unique_lock<std::mutex> lock{mutex_};
    return cv_.wait_for(lock, limit, [&] { return results_.size() >= n; });
  }

  /// The detail of result `id` ("<none>" if it did not come), by value:
  /// CAF_CHECK_EQUAL must not hold a reference into a temporary.
  std::string detail_of(uint64_t id) {
    auto r = wait_for(id);
    return r ? r->detail : std::string{"<none>"};
  }

  std::vector<health::check_result> all() {
    std::lock_guard<std::mutex> guard{mutex_};
    return results_;
  }

  size_t count() {
    std::lock_guard<std::mutex> guard{mutex_};
    return results_.size();
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<health::check_result> results_;
};

} // namespace conductor::test
