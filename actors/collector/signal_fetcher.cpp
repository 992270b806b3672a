#include "actors/collector/signal_fetcher.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "actors/collector/http_get.hpp"
#include "actors/collector/plugin_signals.hpp"
#include "actors/http_request.hpp"
#include "actors/logger.hpp"

namespace conductor {

namespace {

using clock_type = std::chrono::steady_clock;

/// A fetch may take half an interval, so a round ends well before the next,
/// but never more than this: a signal that slow is not worth waiting for.
constexpr auto fetch_timeout_cap = std::chrono::seconds(2);

/// Values are fresh for this many intervals: one failed fetch leaves no gap,
/// three mean the endpoint is gone.
constexpr int fresh_intervals = 3;

/// A runtime's default /metrics (Go, JVM, Python clients) is tens of KiB; this
/// bounds what a misbehaving endpoint can make the thread hold.
constexpr size_t body_limit = 1024 * 1024;

/// One plugin's endpoint, prepared once per configure.
struct target {
  plugin_signals_settings settings;
  /// Why the URL cannot be fetched ("https is not supported"); "" = usable.
  std::string error;
  http_get_target get;
};

/// What the thread fetches, swapped whole by configure().
struct plan {
  std::vector<target> targets;
  /// The usable targets' requests, in the order of `usable`.
  std::vector<http_get_target> gets;
  std::vector<size_t> usable;
  std::chrono::nanoseconds interval{};
  uint64_t generation = 0;
};

std::chrono::nanoseconds sanitize(std::chrono::nanoseconds interval) {
  // The collector validates its interval; a zero here would spin the thread.
  return std::max<std::chrono::nanoseconds>(interval, std::chrono::milliseconds(1));
}

std::shared_ptr<const plan> make_plan(const std::vector<plugin_signals_settings>& targets,
                                      std::chrono::nanoseconds interval, uint64_t generation) {
  auto p = std::make_shared<plan>();
  p->interval = sanitize(interval);
  p->generation = generation;
  for (const auto& t : targets) {
    target x{t, {}, {}};
    x.error = prepare_http_request(t.url, x.get.address, x.get.request);
    if (!x.error.empty())
      CONDUCTOR_LOG(warn, "collector") << t.plugin << ": signals are not fetched from " << t.url
                                       << ": " << x.error;
    p->targets.push_back(std::move(x));
  }
  for (size_t i = 0; i < p->targets.size(); ++i)
    if (p->targets[i].error.empty()) {
      p->usable.push_back(i);
      p->gets.push_back(p->targets[i].get);
    }
  return p;
}

bool same_target(const plugin_signals_settings& a, const plugin_signals_settings& b) {
  return a.plugin == b.plugin && a.url == b.url && a.values == b.values;
}

/// A body cut at the limit may end in a cut line ("queue_depth 12" of
/// "queue_depth 123"): only whole lines are parsed.
void drop_partial_line(std::string& body) {
  auto eol = body.rfind('\n');
  body.erase(eol == std::string::npos ? 0 : eol + 1);
}

int wait_ms(clock_type::time_point until) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock_type::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

} // namespace

struct signal_fetcher::impl {
  // -- shared with configure() and take() (guarded by mutex) ------------------

  std::mutex mutex;
  std::shared_ptr<const plan> current;
  bool stopping = false;
  signal_board board;

  // -- shared without the lock --------------------------------------------------

  std::atomic<uint64_t> rounds{0};
  /// The last plan's generation handed out; plans are made outside the lock.
  std::atomic<uint64_t> generations{1};
  /// Written by configure() and the destructor to cut a wait or a round
  /// short; set before the thread starts and closed after it ends.
  int wake_fd = -1;
  std::thread thread;

  void wake() {
    uint64_t one = 1;
    while (::write(wake_fd, &one, sizeof(one)) < 0 && errno == EINTR) {
    }
  }

  void drain_wakes() {
    uint64_t count;
    while (::read(wake_fd, &count, sizeof(count)) < 0 && errno == EINTR) {
    }
  }

  /// Returns after `timeout_ms` (-1: no limit) or at a wake-up.
  void wait_for_wake(int timeout_ms) {
    pollfd p{wake_fd, POLLIN, 0};
    ::poll(&p, 1, timeout_ms);
  }

  void run() {
    uint64_t planned_generation = 0;
    auto next = clock_type::now();
    for (;;) {
      // Drained before the plan is read: a configure() after this point
      // leaves the eventfd readable, so its wake-up is never lost.
      drain_wakes();
      std::shared_ptr<const plan> p;
      {
        std::lock_guard<std::mutex> guard{mutex};
        if (stopping)
          return;
        p = current;
      }
      if (p->generation != planned_generation) {
        planned_generation = p->generation;
        next = clock_type::now();
      }
      if (p->targets.empty()) {
        wait_for_wake(-1);
        continue;
      }
      if (clock_type::now() < next) {
        wait_for_wake(wait_ms(next));
        continue;
      }
      if (!fetch(*p))
        continue; // cancelled: stopping or a new plan
      // Planned from the schedule, not from when the round ended; slots a
      // stalled round overran are skipped, not made up.
      next += p->interval;
      auto now = clock_type::now();
      if (next <= now)
        next += p->interval * ((now - next) / p->interval + 1);
    }
  }

  /// One round over every target; false when cancelled (nothing recorded).
  bool fetch(const plan& p) {
    auto timeout = std::min<std::chrono::nanoseconds>(p.interval / 2, fetch_timeout_cap);
    bool cancelled = false;
    auto results = http_get_all(p.gets, clock_type::now() + timeout, body_limit, wake_fd,
                                cancelled);
    if (cancelled)
      return false;
    // Parsed before the lock: the probe must never wait for a big body.
    std::vector<std::map<std::string, double>> values(results.size());
    for (size_t k = 0; k < results.size(); ++k) {
      auto& r = results[k];
      const auto& t = p.targets[p.usable[k]].settings;
      if (!r.ok) {
        CONDUCTOR_LOG(debug, "collector") << t.plugin << ": signals from " << t.url
                                          << " failed: " << r.error;
        continue;
      }
      if (r.truncated)
        drop_partial_line(r.body);
      values[k] = parse_plugin_signals(r.body, t.values);
      if (values[k].empty())
        CONDUCTOR_LOG(debug, "collector") << t.plugin << ": " << t.url
                                          << " served none of the values asked for";
    }
    auto stamp = clock_type::now().time_since_epoch();
    std::lock_guard<std::mutex> guard{mutex};
    // A plan replaced while the round was parsed: its plugins may be gone.
    if (stopping || current->generation != p.generation)
      return false;
    for (size_t k = 0; k < results.size(); ++k) {
      const auto& plugin = p.targets[p.usable[k]].settings.plugin;
      if (results[k].ok)
        board.put(plugin, std::move(values[k]), stamp);
      else
        board.fail(plugin);
    }
    // An unusable URL fails every round, so the error count shows it.
    for (const auto& t : p.targets)
      if (!t.error.empty())
        board.fail(t.settings.plugin);
    rounds.fetch_add(1, std::memory_order_release);
    return true;
  }
};

signal_fetcher::signal_fetcher(const std::vector<plugin_signals_settings>& targets,
                               std::chrono::nanoseconds interval)
  : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  d.current = make_plan(targets, interval, 1);
  d.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (d.wake_fd < 0)
    throw std::system_error(errno, std::generic_category(), "signal_fetcher: eventfd");
  try {
    d.thread = std::thread{[&d] {
      // Named, so per-thread CPU figures (top -H, bench/) show the fetches apart.
      ::pthread_setname_np(::pthread_self(), "plugin-signals");
      d.run();
    }};
  } catch (...) {
    ::close(d.wake_fd);
    throw;
  }
}

signal_fetcher::~signal_fetcher() {
  auto& d = *impl_;
  {
    std::lock_guard<std::mutex> guard{d.mutex};
    d.stopping = true;
  }
  d.wake();
  if (d.thread.joinable())
    d.thread.join();
  ::close(d.wake_fd);
}

void signal_fetcher::configure(const std::vector<plugin_signals_settings>& targets,
                               std::chrono::nanoseconds interval) {
  auto& d = *impl_;
  auto next = make_plan(targets, interval, d.generations.fetch_add(1) + 1);
  {
    std::lock_guard<std::mutex> guard{d.mutex};
    // Values fetched for another URL or other names would be reported as
    // this configuration's: drop them.
    for (const auto& old : d.current->targets) {
      auto kept = std::any_of(next->targets.begin(), next->targets.end(), [&](const target& t) {
        return same_target(t.settings, old.settings);
      });
      if (!kept)
        d.board.forget(old.settings.plugin);
    }
    d.current = std::move(next);
  }
  d.wake();
}

signal_board::taken signal_fetcher::take(const std::string& plugin) {
  auto& d = *impl_;
  std::lock_guard<std::mutex> guard{d.mutex};
  auto max_age = d.current->interval * fresh_intervals;
  return d.board.take(plugin, clock_type::now().time_since_epoch(), max_age);
}

uint64_t signal_fetcher::rounds() const {
  return impl_->rounds.load(std::memory_order_acquire);
}

} // namespace conductor
