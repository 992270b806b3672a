#include "actors/logger.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <nlohmann/json.hpp>

namespace conductor::log {

namespace {

std::atomic<int> current_level{static_cast<int>(log_level::info)};
std::atomic<bool> json_format{false};
std::mutex sink_mutex;
std::function<void(std::string_view)> custom_sink;

/// RFC 3339 UTC with milliseconds: sortable, and what log shippers parse.
std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms.count()));
  return buf;
}

} // namespace

void configure(log_level level, log_format format) {
  current_level.store(static_cast<int>(level), std::memory_order_relaxed);
  json_format.store(format == log_format::json, std::memory_order_relaxed);
}

bool enabled(log_level level) {
  return static_cast<int>(level) >= current_level.load(std::memory_order_relaxed);
}

void set_sink(std::function<void(std::string_view)> sink) {
  std::lock_guard<std::mutex> guard{sink_mutex};
  custom_sink = std::move(sink);
}

void write(log_level level, std::string_view component, std::string_view message) {
  std::string out;
  if (json_format.load(std::memory_order_relaxed)) {
    nlohmann::json j{{"ts", utc_now()},
                     {"level", config::to_string(level)},
                     {"actor", component},
                     {"msg", message}};
    // Replacing invalid UTF-8 keeps a line from a /proc read or a child's
    // output from throwing inside the logger.
    out = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    char lvl[8];
    std::snprintf(lvl, sizeof(lvl), "%-5s", config::to_string(level));
    out = utc_now() + ' ' + lvl + ' ' + std::string{component} + ": " + std::string{message};
  }
  out += '\n';
  std::lock_guard<std::mutex> guard{sink_mutex};
  if (custom_sink)
    custom_sink(out);
  else
    std::fwrite(out.data(), 1, out.size(), stderr);
}

} // namespace conductor::log
