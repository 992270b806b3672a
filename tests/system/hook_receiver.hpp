// hook_receiver.hpp -- a webhook receiver on 127.0.0.1 for the tests: it
// keeps the body of every POST, and can fail the first ones to show retries.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace conductor::test {

/// Receives webhooks: keeps every POST's body and answers 200, or 500 to the
/// first `failures` requests (to see retries).
class hook_receiver {
public:
  explicit hook_receiver(int failures = 0) : failures_(failures) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 16);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread{[this] { serve(); }};
  }
  ~hook_receiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const {
    return port_;
  }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> guard{mtx_};
    return bodies_;
  }

private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0)
        continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0)
        continue;
      timeval tv{5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      std::string raw;
      char buf[4096];
      size_t want = std::string::npos;
      while (want == std::string::npos || raw.size() < want) {
        auto n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0)
          break;
        raw.append(buf, static_cast<size_t>(n));
        auto head_end = raw.find("\r\n\r\n");
        auto cl = raw.find("Content-Length: ");
        if (want == std::string::npos && head_end != std::string::npos && cl != std::string::npos)
          want = head_end + 4 + std::stoul(raw.substr(cl + 16));
      }
      auto head_end = raw.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::lock_guard<std::mutex> guard{mtx_};
        bodies_.push_back(raw.substr(head_end + 4));
      }
      std::string reply = failures_-- > 0 ? "HTTP/1.1 500 Oops\r\n" : "HTTP/1.1 200 OK\r\n";
      reply += "Content-Length: 0\r\nConnection: close\r\n\r\n";
      ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int failures_ = 0;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mtx_;
  std::vector<std::string> bodies_;
};

} // namespace conductor::test
