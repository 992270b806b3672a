// Faults, on the real conductor binary: its HTTP port flooded with slow and
// half-open connections (slowloris: headers a byte at a time; connections
// opened and never used; requests half sent and half closed), each put back
// as soon as the server drops it. /healthz, /metrics and the API must keep
// answering within a bound (node/http_server.cpp says how).
#define CAF_SUITE node_fault_http

#include <caf/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>

#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

/// Attacking connections to 127.0.0.1:port, kept up by a thread of their
/// own: each one the server closes is opened again at once.
class flood {
public:
  enum kind { slow, silent, half_closed };

  flood(uint16_t port, int slow_n, int silent_n, int half_closed_n) : port_(port) {
    for (int i = 0; i < slow_n; ++i)
      conns_.push_back({-1, slow, false});
    for (int i = 0; i < silent_n; ++i)
      conns_.push_back({-1, silent, false});
    for (int i = 0; i < half_closed_n; ++i)
      conns_.push_back({-1, half_closed, false});
    thread_ = std::thread{[this] { run(); }};
  }

  ~flood() {
    stop_ = true;
    thread_.join();
    for (auto& c : conns_)
      if (c.fd >= 0)
        ::close(c.fd);
  }

  flood(const flood&) = delete;
  flood& operator=(const flood&) = delete;

  /// Connections established now.
  int established() const {
    return established_;
  }

  /// Connections the server closed (and that were opened again).
  int dropped() const {
    return dropped_;
  }

private:
  struct conn {
    int fd;
    kind what;
    bool up;
  };

  void open(conn& c) {
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    c.up = false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }

  void send_text(conn& c, const std::string& text) {
    ::send(c.fd, text.data(), text.size(), MSG_NOSIGNAL);
  }

  void run() {
    const std::string start = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    auto next_byte = std::chrono::steady_clock::now();
    while (!stop_) {
      std::vector<pollfd> fds;
      for (auto& c : conns_) {
        if (c.fd < 0)
          open(c);
        fds.push_back({c.fd, static_cast<short>(c.up ? POLLIN : POLLOUT), 0});
      }
      ::poll(fds.data(), fds.size(), 50);
      bool byte_due = std::chrono::steady_clock::now() >= next_byte;
      if (byte_due)
        next_byte += 250ms;
      int up = 0;
      for (size_t i = 0; i < conns_.size(); ++i) {
        auto& c = conns_[i];
        auto ev = fds[i].revents;
        if (!c.up && (ev & POLLOUT) && !(ev & (POLLERR | POLLHUP))) {
          c.up = true;
          if (c.what == slow)
            send_text(c, start);
          else if (c.what == half_closed) {
            send_text(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            ::shutdown(c.fd, SHUT_WR);
          }
        } else if (c.up && (ev & (POLLIN | POLLERR | POLLHUP))) {
          // The server answered (a timeout) or closed: drop it and come back.
          char buf[512];
          if (::recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0 || (ev & (POLLERR | POLLHUP))) {
            ::close(c.fd);
            c.fd = -1;
            ++dropped_;
            continue;
          }
        } else if (!c.up && (ev & (POLLERR | POLLHUP))) {
          ::close(c.fd);
          c.fd = -1;
          continue;
        } else if (c.up && c.what == slow && byte_due) {
          send_text(c, "a");
        }
        up += c.up ? 1 : 0;
      }
      established_ = up;
    }
  }

  uint16_t port_;
  std::vector<conn> conns_;
  std::atomic<bool> stop_{false};
  std::atomic<int> established_{0};
  std::atomic<int> dropped_{0};
  std::thread thread_;
};

/// How the endpoints answered while a flood went on.
struct under_flood {
  int answered = 0;
  int failed = 0;
  double slowest = 0;
};

/// Asks /healthz, /api/plugins and /metrics over and over for `how_long`.
under_flood ask_during(uint16_t port, std::chrono::seconds how_long) {
  under_flood out;
  auto until = std::chrono::steady_clock::now() + how_long;
  while (std::chrono::steady_clock::now() < until) {
    for (const char* path : {"/healthz", "/api/plugins", "/metrics"}) {
      auto asked = std::chrono::steady_clock::now();
      auto r = http_get(port, path);
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - asked;
      out.slowest = std::max(out.slowest, took.count());
      (r.status == 200 ? out.answered : out.failed) += 1;
    }
    std::this_thread::sleep_for(100ms);
  }
  return out;
}

} // namespace

CAF_TEST(slow and half open connections leave healthz metrics and the api answering) {
  node_fixture f;
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  {
    // 80 connections held: five times the 16 workers the server once had,
    // fewer than it has now. For longer than the server's header timeout,
    // so that dropped attackers come back while we ask.
    flood attack{f.port, 64, 8, 8};
    CAF_REQUIRE(eventually([&] { return attack.established() >= 80; }));
    auto r = ask_during(f.port, 5s);
    CAF_MESSAGE(r.answered << " answered, " << r.failed << " failed, slowest " << r.slowest
                           << " s; " << attack.established() << " attackers up, "
                           << attack.dropped() << " dropped by the server");
    CAF_CHECK_EQUAL(r.failed, 0);
    CAF_CHECK_GREATER(r.answered, 30);
    CAF_CHECK_LESS(r.slowest, 1.0);
    // The server bounds how long a connection may dawdle over its head.
    CAF_CHECK_GREATER(attack.dropped(), 0);
  }
  {
    // 160: more than every worker. A request waits for one of them to time
    // out (2 s) and is answered.
    flood attack{f.port, 160, 0, 0};
    CAF_REQUIRE(eventually([&] { return attack.established() >= 150; }));
    auto r = ask_during(f.port, 4s);
    CAF_MESSAGE(r.answered << " answered, " << r.failed << " failed, slowest " << r.slowest
                           << " s beyond the workers");
    CAF_CHECK_EQUAL(r.failed, 0);
    CAF_CHECK_GREATER(r.answered, 2);
    CAF_CHECK_LESS(r.slowest, 3.5);
  }
  // And afterwards it is its old self.
  auto asked = std::chrono::steady_clock::now();
  CAF_CHECK_EQUAL(http_get(f.port, "/healthz").status, 200);
  CAF_CHECK_LESS(std::chrono::steady_clock::now() - asked, 1s);
  CAF_CHECK(node.running());
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(a connection that never finishes its request is closed after the request timeout) {
  node_fixture f;
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  // Blocks until the server closes (recv gives 0), at most the socket's 10 s.
  auto closed_after = [](int fd) {
    auto opened = std::chrono::steady_clock::now();
    char buf[512];
    while (::recv(fd, buf, sizeof(buf), 0) > 0) {
    }
    ::close(fd);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - opened).count();
  };
  // Silent, and a head cut short: each holds its worker for the request
  // timeout (2 s), no longer.
  int silent = connect_loopback(f.port);
  int partial = connect_loopback(f.port);
  CAF_REQUIRE(silent >= 0 && partial >= 0);
  std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  ::send(partial, head.data(), head.size(), MSG_NOSIGNAL);
  auto partial_for = 0.0;
  std::thread other{[&] { partial_for = closed_after(partial); }};
  auto silent_for = closed_after(silent);
  other.join();
  CAF_MESSAGE("closed after " << silent_for << " s (silent) and " << partial_for
                              << " s (partial head)");
  CAF_CHECK_GREATER(silent_for, 1.5);
  CAF_CHECK_LESS(silent_for, 3.5);
  CAF_CHECK_GREATER(partial_for, 1.5);
  CAF_CHECK_LESS(partial_for, 3.5);
  // A kept-alive connection gets its answer, then has 1 s for its next request.
  int kept = connect_loopback(f.port);
  CAF_REQUIRE(kept >= 0);
  std::string req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ::send(kept, req.data(), req.size(), MSG_NOSIGNAL);
  char buf[512];
  auto n = ::recv(kept, buf, sizeof(buf), 0);
  CAF_REQUIRE(n > 0);
  CAF_CHECK_EQUAL(std::string(buf, static_cast<size_t>(n)).compare(0, 15, "HTTP/1.1 200 OK"), 0);
  auto idle_for = closed_after(kept);
  CAF_MESSAGE("kept-alive connection closed after " << idle_for << " s idle");
  CAF_CHECK_GREATER(idle_for, 0.5);
  CAF_CHECK_LESS(idle_for, 2.5);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}
