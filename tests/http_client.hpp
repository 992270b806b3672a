// http_client.hpp -- a minimal blocking HTTP/1.0 client over loopback for tests
// that talk to a real server, and a free-port finder.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace conductor::test {

struct http_reply {
  /// 0 when the connection failed.
  int status = 0;
  std::string headers;
  std::string body;
};

/// A socket connected to 127.0.0.1:port with 10 s send and receive timeouts
/// (a hung server fails the test instead of hanging it), or -1.
inline int connect_loopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Sends `request` (a whole raw HTTP request) to 127.0.0.1:port and reads the
/// reply until the server closes. A hung server fails the test after 10 s
/// instead of hanging it.
inline http_reply http_exchange(uint16_t port, const std::string& request) {
  http_reply out;
  int fd = connect_loopback(port);
  if (fd < 0)
    return out;
  for (size_t sent = 0; sent < request.size();) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      return out;
    }
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    raw.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  auto end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || end == std::string::npos)
    return out;
  out.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  out.headers = raw.substr(0, end);
  out.body = raw.substr(end + 4);
  return out;
}

/// Sends one body-less request.
inline http_reply http_request_raw(uint16_t port, const std::string& method,
                                   const std::string& path) {
  return http_exchange(port, method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
}

inline http_reply http_get(uint16_t port, const std::string& path) {
  return http_request_raw(port, "GET", path);
}

/// A port that was free a moment ago (the kernel picks it; we release it).
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

} // namespace conductor::test
