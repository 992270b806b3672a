// The parser of a plugin's own signals (actors/collector/plugin_signals.hpp):
// Prometheus text and flat JSON bodies as plugins serve them, then truncated,
// corrupted and random bodies, which must yield fewer values, never a crash.
#define CAF_SUITE plugin_signals

#include <caf/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "actors/collector/plugin_signals.hpp"
#include "tests/require.hpp"

using namespace conductor;

namespace {

const std::vector<std::string> wanted{"queue_depth", "active_jobs"};

using values = std::map<std::string, double>;

/// What a Prometheus client library serves: HELP and TYPE lines, other
/// metrics, labels, a histogram whose series extend a wanted name.
constexpr const char* prometheus_body
  = "# HELP queue_depth Jobs waiting.\n"
    "# TYPE queue_depth gauge\n"
    "queue_depth 3\n"
    "# HELP active_jobs Jobs running.\n"
    "# TYPE active_jobs gauge\n"
    "active_jobs{worker=\"a\"} 1\n"
    "active_jobs{worker=\"b\"} 2.5\n"
    "active_jobs_total 99\n"
    "job_seconds_bucket{le=\"+Inf\"} 7\n"
    "process_resident_memory_bytes 1.2e+07\n";

/// The same values as a flat JSON object, with the kinds of members the
/// parser skips.
constexpr const char* json_body = R"({
  "queue_depth": 3,
  "active_jobs": 3.5,
  "name": "worker",
  "shards": [1, 2, 3],
  "detail": {"queue_depth": 100},
  "paused": null
})";

/// Parses `body` for `wanted`; a copy, so checks never hold into a temporary.
values parse(const std::string& body, const std::vector<std::string>& names = wanted) {
  return parse_plugin_signals(body, names);
}

} // namespace

// -- Prometheus text ------------------------------------------------------------

CAF_TEST(prometheus text yields the wanted names and sums their label sets) {
  auto v = parse(prometheus_body);
  CAF_CHECK_EQUAL(v, (values{{"queue_depth", 3}, {"active_jobs", 3.5}}));
}

CAF_TEST(prometheus names match exactly and unwanted names are left out) {
  auto v = parse(prometheus_body, {"active_jobs_total", "process_resident_memory_bytes",
                                   "job_seconds", "missing"});
  CAF_CHECK_EQUAL(v, (values{{"active_jobs_total", 99}, {"process_resident_memory_bytes", 1.2e7}}));
}

CAF_TEST(prometheus values with exponents infinities and nan) {
  auto v = parse("a 1e3\nb -2.5E-2\nc +Inf\nd -Inf\ne NaN\nf .5\ng +7\n",
                 {"a", "b", "c", "d", "e", "f", "g"});
  REQUIRE_EQUAL_OR_RETURN(v.size(), 7u);
  CAF_CHECK_EQUAL(v["a"], 1000.0);
  CAF_CHECK_EQUAL(v["b"], -0.025);
  // CAF compares doubles within an epsilon, which infinities never are.
  CAF_CHECK(std::isinf(v["c"]) && v["c"] > 0);
  CAF_CHECK(std::isinf(v["d"]) && v["d"] < 0);
  CAF_CHECK(std::isnan(v["e"]));
  CAF_CHECK_EQUAL(v["f"], 0.5);
  CAF_CHECK_EQUAL(v["g"], 7.0);
}

CAF_TEST(prometheus timestamps crlf blanks and a missing final newline) {
  auto v = parse("queue_depth 4 1700000000000\r\n\r\n   \n\tactive_jobs\t2", wanted);
  CAF_CHECK_EQUAL(v, (values{{"queue_depth", 4}, {"active_jobs", 2}}));
}

CAF_TEST(prometheus label values may hold braces spaces and escaped quotes) {
  auto v = parse("queue_depth{path=\"/a} b\",q=\"say \\\"hi\\\" \\\\\"} 5\n"
                 "queue_depth{}1\n",
                 wanted);
  CAF_CHECK_EQUAL(v, (values{{"queue_depth", 6}}));
}

CAF_TEST(openmetrics eof and comment lines are skipped) {
  auto v = parse("# TYPE queue_depth gauge\n# queue_depth 100\nqueue_depth 2\n# EOF\n");
  CAF_CHECK_EQUAL(v, (values{{"queue_depth", 2}}));
}

CAF_TEST(malformed prometheus lines are skipped and the rest is read) {
  auto v = parse("queue_depth\n"              // no value
                 "queue_depth abc\n"          // not a number
                 "queue_depth 1x\n"           // trailing junk in the number
                 "queue_depth +-1\n"          // two signs
                 "queue_depth{a=\"b\" 3\n"    // unclosed labels
                 "queue_depth{a=\"b} 3\n"     // unclosed quote
                 "queue_depth 0x10\n"         // hex is not the format's
                 "active_jobs 8\n");
  CAF_CHECK_EQUAL(v, (values{{"active_jobs", 8}}));
}

CAF_TEST(nothing wanted or nothing served yields nothing) {
  CAF_CHECK(parse(prometheus_body, {}).empty());
  CAF_CHECK(parse("").empty());
  CAF_CHECK(parse(" \n\t\r\n").empty());
  CAF_CHECK(parse("# only comments\n").empty());
}

// -- JSON ---------------------------------------------------------------------------

CAF_TEST(a flat json object yields its top level numbers) {
  CAF_CHECK_EQUAL(parse(json_body), (values{{"queue_depth", 3}, {"active_jobs", 3.5}}));
}

CAF_TEST(json booleans count as one and zero and other kinds are skipped) {
  auto v = parse(R"({"a": true, "b": false, "c": "3", "d": null, "e": [4], "f": {"g": 5},
                     "h": -1.5e2, "i": 18446744073709551615})",
                 {"a", "b", "c", "d", "e", "f", "g", "h", "i"});
  CAF_CHECK_EQUAL(v, (values{{"a", 1}, {"b", 0}, {"h", -150}, {"i", 18446744073709551615.0}}));
}

CAF_TEST(json after white space and a byte order mark is still json) {
  CAF_CHECK_EQUAL(parse("\xEF\xBB\xBF \n\t{\"queue_depth\": 7}"), (values{{"queue_depth", 7}}));
}

CAF_TEST(a json key after a nested member is read at the top level again) {
  auto v = parse(R"({"x": {"queue_depth": 1, "y": [{"active_jobs": 2}]}, "queue_depth": 9})");
  CAF_CHECK_EQUAL(v, (values{{"queue_depth", 9}}));
}

CAF_TEST(invalid json yields nothing at all) {
  // A cut document could end in a cut number: nothing of it is trusted.
  CAF_CHECK(parse(R"({"queue_depth": 12)").empty());
  CAF_CHECK(parse(R"({"queue_depth": 12,})").empty());
  CAF_CHECK(parse(R"({"queue_depth": 1} trailing)").empty());
  CAF_CHECK(parse(R"({"queue_depth": NaN})").empty());
  CAF_CHECK(parse(R"({queue_depth: 1})").empty());
  CAF_CHECK(parse("{").empty());
}

CAF_TEST(a body that does not start with a brace is read as prometheus text) {
  // A JSON array or scalar is no flat object; as text it has no sample lines.
  CAF_CHECK(parse(R"([{"queue_depth": 1}])").empty());
  CAF_CHECK(parse("3").empty());
}

// -- garbage ------------------------------------------------------------------------

CAF_TEST(every prefix of a valid body parses without harm) {
  // What a connection cut at any byte leaves: Prometheus keeps the whole
  // lines before the cut (the fetcher drops a cut last line), JSON nothing
  // until it is whole.
  std::string prom = prometheus_body;
  for (size_t n = 0; n <= prom.size(); ++n) {
    auto v = parse(prom.substr(0, n));
    CAF_CHECK_LESS_OR_EQUAL(v.size(), 2u);
  }
  std::string json = json_body;
  for (size_t n = 0; n < json.size(); ++n)
    CAF_CHECK(parse(json.substr(0, n)).empty());
  CAF_CHECK_EQUAL(parse(json).size(), 2u);
}

CAF_TEST(random bytes and mutated bodies never crash the parser) {
  std::mt19937 rng{20240611};
  std::uniform_int_distribution<int> byte{0, 255};
  // Characters that matter to either grammar, to reach deeper than noise.
  const std::string alphabet = "{}[]\":,#\\ \t\r\n+-.eE0123456789aIfNn_queue_depth";
  std::uniform_int_distribution<size_t> pick{0, alphabet.size() - 1};
  // Whatever the input, at most the wanted names come back.
  bool bounded = true;
  size_t found = 0;
  auto run = [&](const std::string& body) {
    auto n = parse(body).size();
    bounded = bounded && n <= wanted.size();
    found += n;
  };
  for (int trial = 0; trial < 2000; ++trial) {
    std::string body;
    auto len = static_cast<size_t>(byte(rng)) + 1;
    for (size_t i = 0; i < len; ++i)
      body += trial % 2 == 0 ? static_cast<char>(byte(rng)) : alphabet[pick(rng)];
    if (trial % 3 == 0)
      body.insert(0, "{");
    run(body);
  }
  // Mutations of the real bodies: one byte replaced, every position.
  for (std::string base : {std::string{prometheus_body}, std::string{json_body}}) {
    for (size_t i = 0; i < base.size(); ++i) {
      auto body = base;
      body[i] = static_cast<char>(byte(rng));
      run(body);
    }
  }
  // Deep nesting must not exhaust the stack.
  run(std::string(100000, '['));
  run("{\"a\":" + std::string(100000, '['));
  run("{\"a\":" + std::string(50000, '{'));
  CAF_MESSAGE(found << " values found in garbage");
  CAF_CHECK(bounded);
}
