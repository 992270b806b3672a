// config_fuzz.cpp -- the YAML config loader and validator (config/loader.hpp).
//
// Input: the bytes of a config file, loaded with load_config_text (the code
// path load_config_file takes after reading the file) as "fuzz.yaml".
// Invariants:
// - no crash, hang or sanitizer report whatever the text (the loader is the
//   one boundary between a file and the node: nothing may escape it);
// - a failed load has errors, each naming the file and saying something,
//   and rendered by to_string() starting with the file name; positions are
//   1-based when known, never negative;
// - an ok load has no errors, and what the API later shows of it (the scaler
//   section as written, as JSON: config/scaler_patch.hpp) renders without
//   throwing, as GET /api/autoscaler/config does.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "config/scaler_patch.hpp"
#include "fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace conductor::config;
  const std::string text{reinterpret_cast<const char*>(data), size};
  const std::string file = "fuzz.yaml";
  auto result = load_config_text(text, file);
  FUZZ_CHECK(result.ok() == result.errors.empty(), "ok() is no errors");
  for (const auto& e : result.errors) {
    FUZZ_CHECK(e.file == file, "every error names the file");
    FUZZ_CHECK(!e.message.empty(), "every error says something");
    FUZZ_CHECK(e.line >= 0 && e.column >= 0, "positions are never negative");
    FUZZ_CHECK(e.line > 0 || e.column == 0, "no column without a line");
    auto shown = e.to_string();
    FUZZ_CHECK(shown.compare(0, file.size(), file) == 0, "to_string starts with the file");
    FUZZ_CHECK(shown.find(e.message) != std::string::npos, "to_string holds the message");
  }
  if (result.ok()) {
    // What config_keeper renders for GET /api/autoscaler/config.
    auto written = scaler_as_written(text, nlohmann::json::object());
    std::string dumped;
    try {
      dumped = nlohmann::json{{"scaler", written}}.dump();
    } catch (const nlohmann::json::exception& e) {
      FUZZ_CHECK(false, e.what());
    }
    FUZZ_CHECK(!dumped.empty(), "rendered");
  }
  return 0;
}
