// http_client.hpp -- a minimal blocking HTTP/1.0 client over loopback for tests
// that talk to a real server, and a free-port finder.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace conductor::test {

struct http_reply {
  /// 0 when the connection failed.
  int status = 0;
  std::string headers;
  std::string body;
};

/// Sends one request to 127.0.0.1:port and reads the reply until EOF.
inline http_reply http_request_raw(uint16_t port, const std::string& method,
                                   const std::string& path) {
  http_reply out;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return out;
  }
  auto req = method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return out;
  }
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0)
    raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  auto end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || end == std::string::npos)
    return out;
  out.status = std::stoi(raw.substr(raw.find(' ') + 1, 3));
  out.headers = raw.substr(0, end);
  out.body = raw.substr(end + 4);
  return out;
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
