// tcp_connect.hpp -- the address rules and the non-blocking connect shared by
// the health checks' tcp and http kinds and the plugin manager's drain call.
//
// Hosts are IP literals ("127.0.0.1", "[::1]") or "localhost" (127.0.0.1).
// Any other name is refused rather than resolved: getaddrinfo blocks, and the
// engine's one thread must never wait on DNS. No CAF, no threads.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace conductor {

/// Where a check connects to.
struct socket_address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

/// Fills `out` from a host (IP literal, bracketed IPv6 literal or "localhost")
/// and a port; "" on success, else why the host cannot be used.
std::string make_address(std::string_view host, uint16_t port, socket_address& out);

/// Parses "host:port" (IPv6 as "[::1]:80") into `out`; "" on success, else the
/// reason, e.g. `bad address "x": missing port`.
std::string parse_host_port(std::string_view text, socket_address& out);

/// Parses a decimal port in 1..65535; false when `text` is anything else.
bool parse_port(std::string_view text, uint16_t& port);

/// Starts a non-blocking, close-on-exec TCP connect to `addr`. Returns the
/// socket (connected or still connecting: `in_progress` tells), or -1 with
/// `error` set to the errno (a refused loopback connect fails right here).
int start_connect(const socket_address& addr, bool& in_progress, int& error);

/// The errno of a failed connect, send or receive in the words a result
/// detail uses: "connection refused", "connection reset", "host unreachable"...
std::string describe_socket_error(int error);

} // namespace conductor
