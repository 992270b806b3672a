// http_target_server.cpp -- the health targets of bench/health_load.sh: a minimal
// HTTP/1.1 server on 127.0.0.1, one thread, non-blocking sockets on epoll.
//
//   http_target_server PORT        (0: a port the kernel chooses)
//
// Prints the port it listens on as one line on stdout, then answers every
// request, whatever its method and path, with
//
//   HTTP/1.1 200 OK / Content-Length: 3 / Connection: close / body "ok\n"
//
// and closes the connection. A request is read up to the end of its head
// (\r\n\r\n); a body is never read. A head over 16 KiB, or a peer that closes
// before the end of its head, gets no answer and the connection is closed.
//
// SIGUSR1 prints "http_target_server: <accepted> connections accepted,
// <answered> requests answered" on stderr (counts since start), SIGTERM and
// SIGINT print the same and exit 0: the script reads the counts with it.
//
// Standalone on purpose: no conductor code and nothing beyond libc and
// libstdc++, so what conductor's checks cost is not mixed with this side.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr char response[] = "HTTP/1.1 200 OK\r\n"
                            "Content-Length: 3\r\n"
                            "Connection: close\r\n"
                            "\r\n"
                            "ok\n";
constexpr size_t response_size = sizeof response - 1;
constexpr size_t head_limit = 16 * 1024;
constexpr char head_end[] = "\r\n\r\n";

/// Per connection, indexed by fd: how far the request head is read, then how
/// much of the answer is sent.
struct connection {
  bool open = false;
  bool answering = false;   // the head is complete; sending the answer
  uint8_t matched = 0;      // bytes of "\r\n\r\n" matched at the end of what was read
  size_t head_bytes = 0;
  size_t sent = 0;
};

std::vector<connection> conns;
uint64_t accepted = 0;
uint64_t answered = 0;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "http_target_server: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void report() {
  std::fprintf(stderr, "http_target_server: %llu connections accepted, %llu requests answered\n",
               static_cast<unsigned long long>(accepted),
               static_cast<unsigned long long>(answered));
  std::fflush(stderr);
}

void close_conn(int fd) {
  conns[static_cast<size_t>(fd)] = connection{};
  ::close(fd); // also leaves the epoll set: the fd is never duplicated
}

/// Sends what is left of the answer. True when the connection is done with
/// (all sent, or the peer is gone) and has been closed.
bool send_answer(int epfd, int fd) {
  auto& c = conns[static_cast<size_t>(fd)];
  while (c.sent < response_size) {
    auto n = ::send(fd, response + c.sent, response_size - c.sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The socket buffer is full (it never is for 59 bytes on loopback, but
      // a non-blocking server must not assume it): wait until it drains.
      epoll_event ev{};
      ev.events = EPOLLOUT;
      ev.data.fd = fd;
      if (::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
        die("epoll_ctl(MOD)");
      return false;
    } else {
      close_conn(fd);
      return true;
    }
  }
  ++answered;
  close_conn(fd);
  return true;
}

/// Reads what the peer sent, looking for the end of the request head.
void on_readable(int epfd, int fd) {
  auto& c = conns[static_cast<size_t>(fd)];
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return; // the rest of the head is still to come
    if (n <= 0) {
      close_conn(fd); // the peer closed (or failed) before the end of its head
      return;
    }
    for (ssize_t i = 0; i < n; ++i) {
      char ch = buf[i];
      if (ch == head_end[c.matched])
        ++c.matched;
      else
        c.matched = ch == '\r' ? 1 : 0;
      if (c.matched == 4) {
        // Whatever follows the head (a body, a pipelined request) is left
        // unread: the answer says Connection: close.
        c.answering = true;
        send_answer(epfd, fd);
        return;
      }
    }
    c.head_bytes += static_cast<size_t>(n);
    if (c.head_bytes > head_limit) {
      close_conn(fd);
      return;
    }
  }
}

/// Accepts every pending connection. When out of file descriptors, the spare
/// one is given up for a moment to accept and drop a connection, so that a
/// level-triggered listening socket does not spin.
void on_acceptable(int epfd, int listen_fd, int& spare_fd) {
  for (;;) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return;
      if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
        ::close(spare_fd);
        int dropped = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (dropped >= 0)
          ::close(dropped);
        spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        std::fprintf(stderr, "http_target_server: out of file descriptors; dropped a connection\n");
        continue;
      }
      die("accept4");
    }
    ++accepted;
    if (static_cast<size_t>(fd) >= conns.size())
      conns.resize(static_cast<size_t>(fd) * 2 + 1);
    conns[static_cast<size_t>(fd)] = connection{};
    conns[static_cast<size_t>(fd)].open = true;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
      die("epoll_ctl(ADD)");
    // The request has most often arrived with the connection: read it now
    // rather than after one more epoll_wait.
    on_readable(epfd, fd);
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PORT   (0: the kernel chooses)\n", argv[0]);
    return 2;
  }
  char* end = nullptr;
  long port = std::strtol(argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || port < 0 || port > 65535) {
    std::fprintf(stderr, "http_target_server: bad port \"%s\"\n", argv[1]);
    return 2;
  }

  // Thousands of connections may be open at once: as many fds as allowed.
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &nofile);
  }

  // Signals are read from a signalfd in the loop, never handled asynchronously.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGUSR1);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  if (::sigprocmask(SIG_BLOCK, &signals, nullptr) < 0)
    die("sigprocmask");
  int sig_fd = ::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sig_fd < 0)
    die("signalfd");

  int listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd < 0)
    die("socket");
  int one = 1;
  if (::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
    die("setsockopt(SO_REUSEADDR)");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    die("bind");
  if (::listen(listen_fd, 4096) < 0) // capped by net.core.somaxconn
    die("listen");
  socklen_t len = sizeof addr;
  if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0)
    die("getsockname");
  std::printf("%u\n", static_cast<unsigned>(ntohs(addr.sin_port)));
  std::fflush(stdout);

  int spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0)
    die("epoll_create1");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd;
  if (::epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0)
    die("epoll_ctl(ADD listen)");
  ev.data.fd = sig_fd;
  if (::epoll_ctl(epfd, EPOLL_CTL_ADD, sig_fd, &ev) < 0)
    die("epoll_ctl(ADD signalfd)");

  std::vector<epoll_event> events(256);
  for (;;) {
    int n = ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[static_cast<size_t>(i)].data.fd;
      uint32_t what = events[static_cast<size_t>(i)].events;
      if (fd == listen_fd) {
        on_acceptable(epfd, listen_fd, spare_fd);
      } else if (fd == sig_fd) {
        signalfd_siginfo info;
        while (::read(sig_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
          report();
          if (info.ssi_signo != SIGUSR1)
            return 0;
        }
      } else if (static_cast<size_t>(fd) < conns.size() && conns[static_cast<size_t>(fd)].open) {
        // An fd closed earlier in this batch may have been reused by a
        // connection accepted since: its event is then simply a spurious one.
        if (conns[static_cast<size_t>(fd)].answering) {
          if (what & (EPOLLERR | EPOLLHUP))
            close_conn(fd);
          else
            send_answer(epfd, fd);
        } else {
          on_readable(epfd, fd);
        }
      }
    }
  }
}
