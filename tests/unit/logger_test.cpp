// conductor's own logger (actors/logger.hpp), with a capturing sink instead
// of stderr. Every test restores what tests/test_main.cpp set for the run
// (level error, text, stderr) on the way out, failed checks included (a failed
// CAF_REQUIRE aborts the whole process in CAF 0.17.6, so nothing is left to
// restore then).
#define CAF_SUITE logger

#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/logger.hpp"

using namespace conductor;

namespace {

/// Captures every line while alive; restores the run's defaults afterwards.
struct capture {
  std::vector<std::string> lines;

  capture(log::log_level level, log::log_format format) {
    log::configure(level, format);
    log::set_sink([this](std::string_view line) { lines.emplace_back(line); });
  }

  ~capture() {
    log::set_sink({});
    log::configure(log::log_level::error, log::log_format::text);
  }

  capture(const capture&) = delete;
  capture& operator=(const capture&) = delete;
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// "2024-05-01T12:34:56.789Z": RFC 3339 UTC with milliseconds.
bool looks_like_timestamp(const std::string& ts) {
  if (ts.size() != 24 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts[13] != ':'
      || ts[16] != ':' || ts[19] != '.' || ts[23] != 'Z')
    return false;
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u, 11u, 12u, 14u, 15u, 17u, 18u, 20u, 21u, 22u})
    if (ts[i] < '0' || ts[i] > '9')
      return false;
  return true;
}

/// A line without its trailing newline.
std::string chomp(const std::string& line) {
  return !line.empty() && line.back() == '\n' ? line.substr(0, line.size() - 1) : line;
}

} // namespace

CAF_TEST(text lines carry timestamp level component and message) {
  capture cap{log::log_level::info, log::log_format::text};
  int n = 3;
  CONDUCTOR_LOG(info, "collector") << "sampled " << n << " values";
  CONDUCTOR_LOG(warn, "scaler") << "memory " << 85.5 << '%';
  CAF_REQUIRE_EQUAL(cap.lines.size(), 2u);
  auto& first = cap.lines[0];
  CAF_CHECK_EQUAL(first.back(), '\n');
  CAF_CHECK(looks_like_timestamp(first.substr(0, 24)));
  CAF_CHECK(has(first, " info "));
  CAF_CHECK(has(first, "collector: sampled 3 values"));
  // One line per event: no newline inside.
  CAF_CHECK_EQUAL(chomp(first).find('\n'), std::string::npos);
  auto& second = cap.lines[1];
  CAF_CHECK(has(second, " warn "));
  CAF_CHECK(has(second, "scaler: memory 85.5%"));
}

CAF_TEST(text levels are padded to a fixed width) {
  capture cap{log::log_level::trace, log::log_format::text};
  CONDUCTOR_LOG(info, "a") << "x";
  CONDUCTOR_LOG(error, "a") << "x";
  CAF_REQUIRE_EQUAL(cap.lines.size(), 2u);
  // "<24-char timestamp> <5-char level> a: x": the component starts at column 31.
  CAF_CHECK_EQUAL(cap.lines[0].substr(24), " info  a: x\n");
  CAF_CHECK_EQUAL(cap.lines[1].substr(24), " error a: x\n");
}

CAF_TEST(json lines parse and carry ts level actor and msg) {
  capture cap{log::log_level::debug, log::log_format::json};
  CONDUCTOR_LOG(debug, "predictor") << "window " << 42 << " points, \"quoted\"";
  CAF_REQUIRE_EQUAL(cap.lines.size(), 1u);
  auto& line = cap.lines[0];
  CAF_CHECK_EQUAL(line.back(), '\n');
  auto j = nlohmann::json::parse(chomp(line), nullptr, false);
  CAF_REQUIRE(!j.is_discarded());
  CAF_REQUIRE(j.is_object());
  CAF_CHECK_EQUAL(j.size(), 4u);
  CAF_REQUIRE(j.contains("ts") && j["ts"].is_string());
  CAF_CHECK(looks_like_timestamp(j["ts"].get<std::string>()));
  CAF_CHECK_EQUAL(j.value("level", ""), "debug");
  CAF_CHECK_EQUAL(j.value("actor", ""), "predictor");
  CAF_CHECK_EQUAL(j.value("msg", ""), "window 42 points, \"quoted\"");
}

CAF_TEST(json lines survive invalid utf8 and newlines in the message) {
  capture cap{log::log_level::info, log::log_format::json};
  CONDUCTOR_LOG(info, "collector") << "bad \xff\xfe bytes\nsecond line";
  CAF_REQUIRE_EQUAL(cap.lines.size(), 1u);
  auto text = chomp(cap.lines[0]);
  CAF_CHECK_EQUAL(text.find('\n'), std::string::npos);
  auto j = nlohmann::json::parse(text, nullptr, false);
  CAF_REQUIRE(!j.is_discarded());
  auto msg = j.value("msg", "");
  CAF_CHECK(has(msg, "bad "));
  CAF_CHECK(has(msg, " bytes\nsecond line"));
}

CAF_TEST(lines below the level are neither written nor evaluated) {
  capture cap{log::log_level::warn, log::log_format::text};
  int calls = 0;
  auto expensive = [&calls] {
    ++calls;
    return std::string{"computed"};
  };
  CONDUCTOR_LOG(trace, "x") << expensive();
  CONDUCTOR_LOG(debug, "x") << expensive();
  CONDUCTOR_LOG(info, "x") << expensive();
  CAF_CHECK_EQUAL(calls, 0);
  CAF_CHECK(cap.lines.empty());
  CONDUCTOR_LOG(warn, "x") << expensive();
  CONDUCTOR_LOG(error, "x") << expensive();
  CAF_CHECK_EQUAL(calls, 2);
  CAF_REQUIRE_EQUAL(cap.lines.size(), 2u);
  CAF_CHECK(has(cap.lines[0], "x: computed"));
}

CAF_TEST(enabled follows the configured level) {
  capture cap{log::log_level::info, log::log_format::text};
  CAF_CHECK(!log::enabled(log::log_level::trace));
  CAF_CHECK(!log::enabled(log::log_level::debug));
  CAF_CHECK(log::enabled(log::log_level::info));
  CAF_CHECK(log::enabled(log::log_level::warn));
  CAF_CHECK(log::enabled(log::log_level::error));
  log::configure(log::log_level::error, log::log_format::text);
  CAF_CHECK(!log::enabled(log::log_level::warn));
  CAF_CHECK(log::enabled(log::log_level::error));
}

CAF_TEST(the macro nests in an unbraced if else) {
  capture cap{log::log_level::info, log::log_format::text};
  int else_taken = 0;
  for (bool cond : {true, false}) {
    if (cond)
      CONDUCTOR_LOG(info, "branch") << "then";
    else
      ++else_taken;
  }
  CAF_CHECK_EQUAL(else_taken, 1);
  CAF_REQUIRE_EQUAL(cap.lines.size(), 1u);
  CAF_CHECK(has(cap.lines[0], "branch: then"));
}

CAF_TEST(an empty sink restores stderr and captures nothing more) {
  std::vector<std::string> seen;
  log::configure(log::log_level::info, log::log_format::text);
  log::set_sink([&seen](std::string_view line) { seen.emplace_back(line); });
  log::write(log::log_level::error, "direct", "one");
  log::set_sink({});
  log::configure(log::log_level::error, log::log_format::text);
  // This one goes to stderr (one line in the test output), not to `seen`.
  log::write(log::log_level::error, "logger_test", "expected on stderr: default sink restored");
  CAF_REQUIRE_EQUAL(seen.size(), 1u);
  CAF_CHECK(has(seen[0], "direct: one"));
}
