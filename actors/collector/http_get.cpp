#include "actors/collector/http_get.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "actors/http_request.hpp"

namespace conductor {

namespace {

using clock_type = std::chrono::steady_clock;

enum class phase { connecting, sending, receiving, finished };

/// One GET in flight.
struct connection {
  int fd = -1;
  phase at = phase::connecting;
  size_t sent = 0;
  http_response_reader reader;
};

class get_round {
public:
  get_round(const std::vector<http_get_target>& targets, size_t body_limit)
    : targets_(targets), conns_(targets.size()), results_(targets.size()) {
    for (size_t i = 0; i < targets.size(); ++i) {
      auto& c = conns_[i];
      c.reader.reset_for_body(body_limit);
      bool in_progress = false;
      int err = 0;
      c.fd = start_connect(targets[i].address, in_progress, err);
      if (c.fd < 0)
        fail(i, describe_socket_error(err));
      else if (!in_progress)
        c.at = phase::sending;
    }
  }

  ~get_round() {
    for (auto& c : conns_)
      if (c.fd >= 0)
        ::close(c.fd);
  }

  get_round(const get_round&) = delete;
  get_round& operator=(const get_round&) = delete;

  /// Polls until every GET finished, the deadline or a cancel.
  void run(clock_type::time_point deadline, int cancel_fd, bool& cancelled) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (;;) {
      fds.clear();
      which.clear();
      if (cancel_fd >= 0)
        fds.push_back({cancel_fd, POLLIN, 0});
      for (size_t i = 0; i < conns_.size(); ++i) {
        auto& c = conns_[i];
        if (c.at == phase::finished)
          continue;
        fds.push_back({c.fd, static_cast<short>(c.at == phase::receiving ? POLLIN : POLLOUT), 0});
        which.push_back(i);
      }
      if (which.empty())
        return;
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock_type::now());
      if (left.count() <= 0) {
        for (auto i : which)
          fail(i, timeout_detail(conns_[i]));
        return;
      }
      int n = ::poll(fds.data(), fds.size(),
                     static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
      if (n < 0 && errno != EINTR) {
        for (auto i : which)
          fail(i, describe_socket_error(errno));
        return;
      }
      if (n <= 0)
        continue;
      size_t first = 0;
      if (cancel_fd >= 0) {
        if (fds[0].revents != 0) {
          cancelled = true;
          return;
        }
        first = 1;
      }
      for (size_t k = first; k < fds.size(); ++k)
        if (fds[k].revents != 0)
          step(which[k - first]);
    }
  }

  std::vector<http_get_result> take() {
    return std::move(results_);
  }

private:
  static std::string timeout_detail(const connection& c) {
    if (c.at == phase::connecting)
      return "timeout (connecting)";
    if (c.reader.status() != 0)
      return "timeout (reading the body)";
    return "timeout (waiting for the response)";
  }

  void finish(size_t i) {
    auto& c = conns_[i];
    if (c.fd >= 0)
      ::close(c.fd);
    c.fd = -1;
    c.at = phase::finished;
  }

  void fail(size_t i, std::string why) {
    results_[i].ok = false;
    results_[i].error = std::move(why);
    finish(i);
  }

  /// Advances GET `i` as far as its socket lets it without blocking.
  void step(size_t i) {
    auto& c = conns_[i];
    if (c.at == phase::connecting) {
      int err = 0;
      socklen_t len = sizeof(err);
      if (::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
      if (err == EINPROGRESS || err == EALREADY)
        return;
      if (err != 0)
        return fail(i, describe_socket_error(err));
      c.at = phase::sending;
    }
    if (c.at == phase::sending) {
      const auto& request = targets_[i].request;
      while (c.sent < request.size()) {
        auto n = ::send(c.fd, request.data() + c.sent, request.size() - c.sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
          continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
          return; // POLLOUT again when there is room
        if (n < 0)
          return fail(i, errno == EPIPE || errno == ECONNRESET
                           ? "connection closed before a response"
                           : describe_socket_error(errno));
        c.sent += static_cast<size_t>(n);
      }
      c.at = phase::receiving;
      return; // POLLIN next
    }
    receive(i);
  }

  void receive(size_t i) {
    auto& c = conns_[i];
    char buf[16 * 1024];
    for (;;) {
      auto n = ::recv(c.fd, buf, sizeof(buf), 0);
      http_response_reader::progress p;
      if (n > 0) {
        p = c.reader.feed({buf, static_cast<size_t>(n)});
      } else if (n == 0) {
        p = c.reader.end_of_stream();
      } else if (errno == EINTR) {
        continue;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return;
      } else if (errno == ECONNRESET && c.reader.status() != 0) {
        // A server closing with our request unread resets rather than
        // closes: judged on what arrived, as the health checks do.
        p = c.reader.end_of_stream();
      } else {
        return fail(i, describe_socket_error(errno));
      }
      if (p == http_response_reader::progress::more)
        continue;
      if (p == http_response_reader::progress::failed)
        return fail(i, c.reader.error());
      auto status = c.reader.status();
      if (status < 200 || status > 299)
        return fail(i, "HTTP " + std::to_string(status));
      auto& r = results_[i];
      r.ok = true;
      r.body = c.reader.body();
      r.truncated = c.reader.body_truncated();
      return finish(i);
    }
  }

  const std::vector<http_get_target>& targets_;
  std::vector<connection> conns_;
  std::vector<http_get_result> results_;
};

} // namespace

std::vector<http_get_result> http_get_all(const std::vector<http_get_target>& targets,
                                          clock_type::time_point deadline, size_t body_limit,
                                          int cancel_fd, bool& cancelled) {
  cancelled = false;
  get_round r{targets, body_limit};
  r.run(deadline, cancel_fd, cancelled);
  return r.take();
}

} // namespace conductor
