// tcp_connect.cpp -- see tcp_connect.hpp.
#include "actors/tcp_connect.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace conductor {

std::string make_address(std::string_view host, uint16_t port, socket_address& out) {
  out = socket_address{};
  std::string literal{host};
  if (literal.size() >= 2 && literal.front() == '[' && literal.back() == ']')
    literal = literal.substr(1, literal.size() - 2);
  if (literal == "localhost")
    literal = "127.0.0.1";
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (::inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.length = sizeof(sockaddr_in);
    return {};
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (::inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out.length = sizeof(sockaddr_in6);
    return {};
  }
  if (literal.empty())
    return "missing host";
  return "host \"" + std::string{host}
         + "\" is not an IP address (only IP literals and localhost; names are not resolved)";
}

bool parse_port(std::string_view text, uint16_t& port) {
  if (text.empty() || text.size() > 5)
    return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535)
    return false;
  port = static_cast<uint16_t>(value);
  return true;
}

std::string parse_host_port(std::string_view text, socket_address& out) {
  auto bad = [&](const char* why) { return "bad address \"" + std::string{text} + "\": " + why; };
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return bad("unclosed [");
    host = text.substr(0, close + 1);
    if (close + 1 >= text.size() || text[close + 1] != ':')
      return bad("missing port");
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return bad("missing port");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  uint16_t port = 0;
  if (!parse_port(port_text, port))
    return bad("port must be 1..65535");
  return make_address(host, port, out);
}

int start_connect(const socket_address& addr, bool& in_progress, int& error) {
  in_progress = false;
  error = 0;
  int fd = ::socket(addr.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = errno;
    return -1;
  }
  // Checks send one small request: do not hold it back for Nagle.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr.storage), addr.length) == 0)
    return fd;
  if (errno == EINPROGRESS || errno == EINTR) {
    in_progress = true;
    return fd;
  }
  error = errno;
  ::close(fd);
  return -1;
}

std::string describe_socket_error(int error) {
  switch (error) {
    case ECONNREFUSED:
      return "connection refused";
    case ECONNRESET:
      return "connection reset";
    case EPIPE:
      return "connection closed while sending";
    case ETIMEDOUT:
      return "connection timed out";
    case EHOSTUNREACH:
      return "host unreachable";
    case ENETUNREACH:
      return "network unreachable";
    case EADDRNOTAVAIL:
      return "address not available";
    case EMFILE:
    case ENFILE:
      return "out of file descriptors";
    default:
      return std::strerror(error);
  }
}

} // namespace conductor
