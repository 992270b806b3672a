// check_engine.cpp -- see check_engine.hpp.
//
// The loop: epoll_wait with the time to the nearest deadline as timeout; an
// eventfd wakes it when submit() queues work; every check in flight is an
// `op` in a slot table, found from the epoll event by slot index and a
// generation counter (so an event for a finished check is ignored); deadlines
// live in a min-heap with lazy deletion (an entry is skipped when its op has
// finished or moved its deadline). Slots, with their request and response
// buffers, are reused, so a steady stream of checks allocates little.
#include "actors/health/check_engine.hpp"

#include <sys/epoll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "actors/health/exec_check.hpp"
#include "actors/http_request.hpp"
#include "actors/health/process_check.hpp"
#include "actors/tcp_connect.hpp"
#include "actors/logger.hpp"

namespace conductor::health {

namespace {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;

/// The epoll key of the eventfd; op keys never reach it (slot < 2^31).
constexpr uint64_t wake_key = ~uint64_t{0};

/// After SIGKILL a check waits this long for the reap before it reports anyway.
constexpr auto kill_grace = std::chrono::seconds(2);

/// The destructor waits at most this long in all for killed commands to exit.
constexpr int shutdown_reap_ms = 1000;

enum class op_kind : uint8_t { tcp, http, exec };

enum class net_phase : uint8_t { connecting, sending, receiving };

/// Which descriptor of an op an epoll event is for.
enum fd_role : uint64_t { main_fd = 0, pid_fd = 1 };

/// "2s", "200ms", "1.5s", "250us".
std::string describe_duration(std::chrono::nanoseconds d) {
  char buf[32];
  auto ns = d.count();
  if (ns % 1'000'000'000 == 0)
    std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(ns / 1'000'000'000));
  else if (ns >= 1'000'000'000)
    std::snprintf(buf, sizeof(buf), "%.3gs", static_cast<double>(ns) / 1e9);
  else if (ns % 1'000'000 == 0)
    std::snprintf(buf, sizeof(buf), "%lldms", static_cast<long long>(ns / 1'000'000));
  else if (ns >= 1'000'000)
    std::snprintf(buf, sizeof(buf), "%.3gms", static_cast<double>(ns) / 1e6);
  else
    std::snprintf(buf, sizeof(buf), "%lldus", static_cast<long long>(ns / 1000));
  return buf;
}

/// One check in flight.
struct op {
  uint32_t generation = 0;
  bool active = false;
  /// exec only: the result went out at the end of the kill grace, the slot
  /// stays until the command is reaped.
  bool reported = false;
  bool killed = false;
  op_kind kind = op_kind::tcp;
  net_phase phase = net_phase::connecting;
  check_request request;
  time_point submitted;
  time_point deadline;
  /// The socket (tcp, http) or the output pipe (exec).
  int fd = -1;
  int pidfd = -1;
  pid_t pid = -1;
  size_t sent = 0;
  std::string send_buffer;
  socket_address address;
  http_response_reader reader;
  std::string output;
};

/// A check queued by submit() for the engine thread.
struct queued {
  check_request request;
  time_point submitted;
};

struct timer {
  time_point when;
  uint64_t key;
  bool operator>(const timer& other) const {
    return when > other.when;
  }
};

} // namespace

struct check_engine::impl {
  explicit impl(callback f) : on_result(std::move(f)), read_buffer(64 * 1024) {
  }

  ~impl() {
    if (epoll_fd >= 0)
      ::close(epoll_fd);
    if (wake_fd >= 0)
      ::close(wake_fd);
  }

  // -- state shared with submitters (guarded by mutex) --------------------

  std::mutex mutex;
  std::vector<queued> queue;
  bool stopping = false;
  std::atomic<size_t> in_flight{0};

  // -- engine thread only ---------------------------------------------------

  callback on_result;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::vector<queued> batch;
  std::vector<std::unique_ptr<op>> slots;
  std::vector<uint32_t> free_slots;
  std::vector<timer> timers;
  std::vector<char> read_buffer;
  std::thread thread;

  static uint64_t key_of(const op& o, uint32_t slot, fd_role role) {
    return (uint64_t{o.generation} << 32) | (uint64_t{slot} << 1) | role;
  }

  // -- loop -------------------------------------------------------------------

  void run() {
    std::vector<epoll_event> events(256);
    for (;;) {
      int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                           wait_timeout_ms());
      if (n < 0) {
        if (errno == EINTR)
          continue;
        // EBADF/EINVAL: nothing sensible is left to do.
        CONDUCTOR_LOG(error, "check_engine") << "epoll_wait failed, checks stop: "
                                             << std::strerror(errno);
        return;
      }
      for (int i = 0; i < n; ++i) {
        auto key = events[i].data.u64;
        if (key == wake_key) {
          if (!take_queue())
            return;
        } else {
          dispatch(key);
        }
      }
      expire(clock_type::now());
    }
  }

  /// Drains the eventfd and starts what was queued; false when stopping.
  bool take_queue() {
    uint64_t count;
    while (::read(wake_fd, &count, sizeof(count)) < 0 && errno == EINTR) {
    }
    {
      std::lock_guard<std::mutex> guard{mutex};
      if (stopping)
        return false;
      batch.swap(queue);
    }
    for (auto& q : batch)
      start(std::move(q));
    batch.clear();
    return true;
  }

  int wait_timeout_ms() const {
    if (timers.empty())
      return -1;
    auto left = timers.front().when - clock_type::now();
    if (left <= decltype(left)::zero())
      return 0;
    // Round up: waking early would only spin.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::min<decltype(ms)>(ms, INT_MAX));
  }

  void add_timer(op& o, uint32_t slot) {
    timers.push_back({o.deadline, key_of(o, slot, main_fd)});
    std::push_heap(timers.begin(), timers.end(), std::greater<>{});
  }

  /// The live op an epoll or timer key names, nullptr when it has finished.
  op* lookup(uint64_t key, uint32_t& slot) {
    slot = static_cast<uint32_t>((key & 0xffffffffu) >> 1);
    if (slot >= slots.size())
      return nullptr;
    auto* o = slots[slot].get();
    if (!o->active || o->generation != static_cast<uint32_t>(key >> 32))
      return nullptr;
    return o;
  }

  void expire(time_point now) {
    while (!timers.empty() && timers.front().when <= now) {
      auto t = timers.front();
      std::pop_heap(timers.begin(), timers.end(), std::greater<>{});
      timers.pop_back();
      uint32_t slot;
      auto* o = lookup(t.key, slot);
      if (o && !o->reported && o->deadline == t.when)
        on_timeout(*o, slot);
    }
  }

  // -- op lifetime ------------------------------------------------------------

  op& acquire(queued&& q, op_kind kind, uint32_t& slot) {
    if (free_slots.empty()) {
      slots.push_back(std::make_unique<op>());
      slot = static_cast<uint32_t>(slots.size() - 1);
    } else {
      slot = free_slots.back();
      free_slots.pop_back();
    }
    auto& o = *slots[slot];
    o.active = true;
    o.reported = false;
    o.killed = false;
    o.kind = kind;
    o.phase = net_phase::connecting;
    o.request = std::move(q.request);
    o.submitted = q.submitted;
    o.deadline = q.submitted + o.request.timeout;
    o.fd = -1;
    o.pidfd = -1;
    o.pid = -1;
    o.sent = 0;
    o.send_buffer.clear();
    o.output.clear();
    o.reader.reset({}, nullptr);
    return o;
  }

  void close_fd(int& fd) {
    if (fd < 0)
      return;
    // Explicitly: a copy of the descriptor in a concurrently forked process
    // would otherwise keep it registered.
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    fd = -1;
  }

  void release(op& o, uint32_t slot) {
    close_fd(o.fd);
    close_fd(o.pidfd);
    o.pid = -1;
    o.active = false;
    ++o.generation;
    o.request = check_request{};
    free_slots.push_back(slot);
  }

  bool watch(op& o, uint32_t slot, int fd, fd_role role, uint32_t events, int operation) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = key_of(o, slot, role);
    return ::epoll_ctl(epoll_fd, operation, fd, &ev) == 0;
  }

  void deliver(check_result&& r) {
    try {
      on_result(std::move(r));
    } catch (...) {
      // Documented: a throwing callback must not take the engine down.
    }
    in_flight.fetch_sub(1, std::memory_order_acq_rel);
  }

  /// Reports a check that never became an op.
  void report_now(queued& q, bool healthy, std::string detail) {
    check_result r;
    r.id = q.request.id;
    r.target = std::move(q.request.target);
    r.healthy = healthy;
    r.latency = clock_type::now() - q.submitted;
    r.detail = std::move(detail);
    deliver(std::move(r));
  }

  /// Reports `o` and frees its slot (an exec op keeps it while unreaped).
  void finish(op& o, uint32_t slot, bool healthy, std::string detail, int http_status = 0,
              int exit_code = -1, bool keep_for_reap = false) {
    check_result r;
    r.id = o.request.id;
    r.target = std::move(o.request.target);
    r.healthy = healthy;
    r.latency = clock_type::now() - o.submitted;
    r.detail = std::move(detail);
    r.http_status = http_status;
    r.exit_code = exit_code;
    if (o.kind == op_kind::exec)
      r.output.assign(o.output); // copy: the slot keeps its buffer's capacity
    if (keep_for_reap)
      o.reported = true;
    else
      release(o, slot);
    deliver(std::move(r));
  }

  // -- starting checks --------------------------------------------------------

  void start(queued&& q) {
    const auto& spec = q.request.spec;
    if (q.request.timeout <= std::chrono::nanoseconds::zero())
      return report_now(q, false, "timeout must be positive");
    if (spec.type == "process") {
      std::string detail;
      bool ok = check_process(q.request.pid, detail);
      return report_now(q, ok, std::move(detail));
    }
    uint32_t slot;
    if (spec.type == "http" || spec.type == "tcp") {
      bool http = spec.type == "http";
      auto& o = acquire(std::move(q), http ? op_kind::http : op_kind::tcp, slot);
      auto error = http ? prepare_http_request(o.request.spec.url, o.address, o.send_buffer)
                        : parse_host_port(o.request.spec.address, o.address);
      if (!error.empty())
        return finish(o, slot, false, std::move(error));
      if (http)
        o.reader.reset(o.request.spec.expect_body, &o.request.spec.expect_status);
      bool in_progress = false;
      int err = 0;
      o.fd = start_connect(o.address, in_progress, err);
      if (o.fd < 0)
        return finish(o, slot, false, describe_socket_error(err));
      // Connected at once or not, EPOLLOUT reports the outcome.
      if (!watch(o, slot, o.fd, main_fd, EPOLLOUT, EPOLL_CTL_ADD))
        return finish(o, slot, false, std::string{"epoll: "} + std::strerror(errno));
      add_timer(o, slot);
      return;
    }
    if (spec.type == "exec") {
      auto& o = acquire(std::move(q), op_kind::exec, slot);
      spawned_process p;
      auto error = spawn_check_process(o.request.spec.command, p);
      if (!error.empty())
        return finish(o, slot, false, std::move(error));
      o.pid = p.pid;
      o.pidfd = p.pidfd;
      o.fd = p.output;
      if (!watch(o, slot, o.fd, main_fd, EPOLLIN, EPOLL_CTL_ADD)
          || !watch(o, slot, o.pidfd, pid_fd, EPOLLIN, EPOLL_CTL_ADD)) {
        auto why = std::string{"epoll: "} + std::strerror(errno);
        kill_process_group(o.pid);
        reap_within(o.pid, o.pidfd, shutdown_reap_ms);
        return finish(o, slot, false, std::move(why));
      }
      add_timer(o, slot);
      return;
    }
    report_now(q, false, "unknown check type \"" + spec.type + "\"");
  }

  // -- events -----------------------------------------------------------------

  void dispatch(uint64_t key) {
    uint32_t slot;
    auto* o = lookup(key, slot);
    if (!o)
      return;
    if (o->kind == op_kind::exec) {
      if ((key & 1) == pid_fd)
        on_exit(*o, slot);
      else
        read_output(*o);
      return;
    }
    if (o->phase == net_phase::receiving)
      on_readable(*o, slot);
    else
      on_writable(*o, slot);
  }

  void on_writable(op& o, uint32_t slot) {
    if (o.phase == net_phase::connecting) {
      int err = 0;
      socklen_t len = sizeof(err);
      if (::getsockopt(o.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
      if (err == EINPROGRESS || err == EALREADY)
        return;
      if (err != 0)
        return finish(o, slot, false, describe_socket_error(err));
      if (o.kind == op_kind::tcp)
        return finish(o, slot, true, "connected");
      o.phase = net_phase::sending;
    }
    while (o.sent < o.send_buffer.size()) {
      auto n = ::send(o.fd, o.send_buffer.data() + o.sent, o.send_buffer.size() - o.sent,
                      MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
          return; // EPOLLOUT again when there is room
        if (errno == EPIPE || errno == ECONNRESET)
          return finish(o, slot, false, "connection closed before a response");
        return finish(o, slot, false, describe_socket_error(errno));
      }
      o.sent += static_cast<size_t>(n);
    }
    o.phase = net_phase::receiving;
    if (!watch(o, slot, o.fd, main_fd, EPOLLIN, EPOLL_CTL_MOD))
      return finish(o, slot, false, std::string{"epoll: "} + std::strerror(errno));
  }

  void on_readable(op& o, uint32_t slot) {
    for (;;) {
      auto n = ::recv(o.fd, read_buffer.data(), read_buffer.size(), 0);
      http_response_reader::progress p;
      if (n > 0) {
        p = o.reader.feed({read_buffer.data(), static_cast<size_t>(n)});
      } else if (n == 0) {
        p = o.reader.end_of_stream();
      } else if (errno == EINTR) {
        continue;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return;
      } else if (errno == ECONNRESET || o.reader.status() != 0) {
        // A server that closes with request bytes unread resets the
        // connection instead of closing it: the same as an end of stream
        // (whether the request had arrived is a race), judged on what came.
        p = o.reader.end_of_stream();
      } else {
        return finish(o, slot, false, describe_socket_error(errno));
      }
      if (p == http_response_reader::progress::more)
        continue;
      if (p == http_response_reader::progress::failed)
        return finish(o, slot, false, o.reader.error(), o.reader.status());
      std::string detail;
      bool ok = judge_http(o.reader.status(), o.request.spec.expect_status,
                           o.request.spec.expect_body, o.reader.body_found(), detail);
      return finish(o, slot, ok, std::move(detail), o.reader.status());
    }
  }

  /// Appends what the pipe holds to the output (up to the limit, the rest is
  /// discarded); closes the pipe at end of stream.
  void read_output(op& o) {
    while (o.fd >= 0) {
      auto n = ::read(o.fd, read_buffer.data(), read_buffer.size());
      if (n > 0) {
        auto room = exec_output_limit - std::min(exec_output_limit, o.output.size());
        o.output.append(read_buffer.data(), std::min(room, static_cast<size_t>(n)));
      } else if (n == 0) {
        close_fd(o.fd);
      } else if (errno != EINTR) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
          close_fd(o.fd);
        return;
      }
    }
  }

  void on_exit(op& o, uint32_t slot) {
    // Whatever the command left running in its group goes with it; the
    // leader is not reaped yet, so the group id is still its own.
    kill_process_group(o.pid);
    int status = 0;
    if (!try_reap(o.pid, status))
      return; // not yet (spurious wake-up)
    o.pid = -1;
    read_output(o);
    if (o.reported) {
      release(o, slot);
      return;
    }
    if (o.killed)
      return finish(o, slot, false,
                    "killed after timeout " + describe_duration(o.request.timeout));
    int exit_code = -1;
    std::string detail;
    bool ok = judge_exit(status, exit_code, detail);
    finish(o, slot, ok, std::move(detail), 0, exit_code);
  }

  void on_timeout(op& o, uint32_t slot) {
    auto after = describe_duration(o.request.timeout);
    if (o.kind != op_kind::exec) {
      const char* where = o.phase == net_phase::connecting ? " (connecting)"
                          : o.reader.status() != 0        ? " (reading the body)"
                                                          : " (waiting for the response)";
      return finish(o, slot, false, "timeout after " + after + where, o.reader.status());
    }
    if (!o.killed) {
      // Report once the group is gone, which takes a moment after SIGKILL.
      kill_process_group(o.pid);
      o.killed = true;
      o.deadline = clock_type::now() + kill_grace;
      add_timer(o, slot);
      return;
    }
    // Still not reaped (stuck in the kernel): report now, reap when it exits.
    finish(o, slot, false, "killed after timeout " + after + " (not reaped yet)", 0, -1, true);
  }

  // -- shutdown ---------------------------------------------------------------

  /// After the thread has stopped: kill and reap every command, close all.
  void shut_down() {
    for (auto& o : slots)
      if (o->active && o->pid > 0)
        kill_process_group(o->pid);
    auto until = clock_type::now() + std::chrono::milliseconds(shutdown_reap_ms);
    for (auto& o : slots) {
      if (!o->active)
        continue;
      if (o->pid > 0) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock_type::now());
        reap_within(o->pid, o->pidfd, static_cast<int>(std::max<long long>(0, left.count())));
      }
      if (o->fd >= 0)
        ::close(o->fd);
      if (o->pidfd >= 0)
        ::close(o->pidfd);
      o->fd = o->pidfd = -1;
      o->active = false;
    }
  }
};

check_engine::check_engine(callback on_result)
  : impl_(std::make_unique<impl>(std::move(on_result))) {
  auto& d = *impl_;
  d.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (d.epoll_fd < 0)
    throw std::system_error(errno, std::generic_category(), "check_engine: epoll_create1");
  d.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (d.wake_fd < 0)
    throw std::system_error(errno, std::generic_category(), "check_engine: eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = wake_key;
  if (::epoll_ctl(d.epoll_fd, EPOLL_CTL_ADD, d.wake_fd, &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "check_engine: epoll_ctl");
  d.thread = std::thread{[&d] {
    // Named, so per-thread CPU figures (top -H, bench/) show the checks apart.
    ::pthread_setname_np(::pthread_self(), "health-checks");
    d.run();
  }};
}

check_engine::~check_engine() {
  auto& d = *impl_;
  {
    std::lock_guard<std::mutex> guard{d.mutex};
    d.stopping = true;
  }
  uint64_t one = 1;
  while (::write(d.wake_fd, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
  if (d.thread.joinable())
    d.thread.join();
  d.shut_down();
}

void check_engine::submit(check_request request) {
  auto& d = *impl_;
  d.in_flight.fetch_add(1, std::memory_order_acq_rel);
  queued q{std::move(request), clock_type::now()};
  bool wake;
  {
    std::lock_guard<std::mutex> guard{d.mutex};
    // A non-empty queue already has a wake-up on the way.
    wake = d.queue.empty();
    d.queue.push_back(std::move(q));
  }
  if (wake) {
    uint64_t one = 1;
    while (::write(d.wake_fd, &one, sizeof(one)) < 0 && errno == EINTR) {
    }
  }
}

size_t check_engine::in_flight() const {
  return impl_->in_flight.load(std::memory_order_acquire);
}

} // namespace conductor::health
