// loader.cpp -- see loader.hpp.
//
// How it is put together:
// - `context` collects errors and remembers where each key was written, so rules that involve
//   two keys can point at the one the user actually wrote.
// - `map_reader` wraps one YAML map with its key path and its allowed keys: it reports unknown
//   and duplicate keys up front and reads the allowed ones.
// - `as_*` functions turn one node into one typed value, or record why they cannot. Scalars are
//   parsed here rather than with yaml-cpp's `as<T>`, whose fallback form silently hides bad
//   values (STYLE.md, pitfall 13) and whose error text has no key path.
// - One `read_*` function per section; cross-field rules come last in each.
// A value that failed to parse leaves the default in place and marks its key bad, so the
// cross-field rules skip it instead of reporting the same mistake twice.
#include "config/loader.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include "config/units.hpp"

namespace conductor::config {

std::string config_error::to_string() const {
  auto out = file;
  if (line > 0)
    out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty())
    out += key + ": ";
  out += message;
  return out;
}

namespace {

// -- text helpers ----------------------------------------------------------------------------

std::string quote(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty())
      out += separator;
    out += item;
  }
  return out;
}

/// What a node is, for "expected a map, got a list".
std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "null";
  }
}

/// Numbers in messages: whole numbers without exponent or decimals, so `800` stays `800`.
std::string show(double x) {
  if (std::abs(x) < 1e15 && x == std::floor(x))
    return std::to_string(static_cast<long long>(x));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", x);
  return buf;
}

std::string show(int x) {
  return std::to_string(x);
}

std::string show(uint64_t x) {
  return std::to_string(x);
}

std::string show(duration x) {
  return format_duration(x);
}

/// Optimal string alignment distance: Levenshtein plus swapping two neighbours, the typos
/// people make in key names (`polcy`, `intreval`).
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

/// The allowed key closest to `key` when it is close enough to be a typo of it (one edit for
/// short keys, two for most, three for long ones); empty otherwise.
std::string suggestion(std::string_view key, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    auto limit = candidate.size() <= 3 ? 1u : candidate.size() <= 9 ? 2u : 3u;
    auto distance = edit_distance(key, candidate);
    if (distance <= limit && (best.empty() || distance < best_distance)) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

bool is_absolute_path(const std::string& path) {
  return !path.empty() && path[0] == '/';
}

bool is_http_url(const std::string& url) {
  for (std::string_view scheme : {"http://", "https://"})
    if (url.size() > scheme.size() && url.compare(0, scheme.size(), scheme) == 0)
      return true;
  return false;
}

/// `[a-z0-9][a-z0-9_-]*`, at most 64 characters: plugin names become cgroup directory names,
/// metric labels and URL path segments, so they stay in a set that is safe in all three.
bool is_plugin_name(const std::string& name) {
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > 64 || !lower_or_digit(name[0]))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return lower_or_digit(c) || c == '_' || c == '-'; });
}

struct host_port {
  std::string host;
  int port = 0;
};

/// Splits `host:port` or `[v6-address]:port`; on failure returns nullopt and sets `why`.
std::optional<host_port> split_host_port(const std::string& text, int min_port, std::string& why) {
  host_port out;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      why = "expected host:port, got " + quote(text);
      return std::nullopt;
    }
    out.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      why = "expected host:port, got " + quote(text);
      return std::nullopt;
    }
    out.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (out.host.find(':') != std::string::npos) {
      why = "expected host:port with IPv6 addresses in brackets (e.g. [::1]:8888), got "
            + quote(text);
      return std::nullopt;
    }
  }
  if (out.host.empty()) {
    why = "expected host:port, got " + quote(text);
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || out.port < min_port
      || out.port > 65535) {
    why = "port must be an integer in " + std::to_string(min_port) + "..65535, got " + quote(port);
    return std::nullopt;
  }
  return out;
}

/// Whether a listen host only accepts connections from this machine.
bool is_loopback(const std::string& host) {
  if (host == "localhost")
    return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

// -- context ---------------------------------------------------------------------------------

/// Everything one load pass shares: the errors found so far and where each key was written.
class context {
public:
  explicit context(std::string file) : file_(std::move(file)) {
  }

  /// Records a problem at `mark` (0-based; a null mark gives an error without position).
  /// An identical error is recorded once: two rules may reach the same conclusion.
  void error(const YAML::Mark& mark, const std::string& key, std::string message) {
    bad_.insert(key);
    config_error e;
    e.file = file_;
    if (!mark.is_null() && mark.line >= 0) {
      e.line = mark.line + 1;
      e.column = mark.column + 1;
    }
    e.key = key;
    e.message = std::move(message);
    auto same = [&](const config_error& x) {
      return x.line == e.line && x.column == e.column && x.key == e.key && x.message == e.message;
    };
    if (std::none_of(errors_.begin(), errors_.end(), same))
      errors_.push_back(std::move(e));
  }

  /// Records a problem at the place `key` was written, when the file wrote it.
  void error_at(const std::string& key, std::string message) {
    auto i = marks_.find(key);
    error(i != marks_.end() ? i->second : YAML::Mark::null_mark(), key, std::move(message));
  }

  /// Notes that the file sets `key` at `mark`.
  void remember(const std::string& key, const YAML::Mark& mark) {
    marks_.emplace(key, mark);
  }

  /// Whether the file sets `key` (as opposed to the default being in effect).
  bool is_set(const std::string& key) const {
    return marks_.count(key) > 0;
  }

  /// Whether `key` already has an error.
  bool is_bad(const std::string& key) const {
    return bad_.count(key) > 0;
  }

  /// The errors in file order (those without a position first).
  std::vector<config_error> take_errors() {
    std::stable_sort(errors_.begin(), errors_.end(), [](const auto& x, const auto& y) {
      return std::pair{x.line, x.column} < std::pair{y.line, y.column};
    });
    return std::move(errors_);
  }

private:
  std::string file_;
  std::vector<config_error> errors_;
  std::map<std::string, YAML::Mark> marks_;
  std::set<std::string> bad_;
};

// -- single values -----------------------------------------------------------------------------
//
// Each takes the node, its key path and the context; returns the value or nullopt after
// recording an error at the node's position.

/// The text of a scalar, or an error saying `what` was expected instead.
std::optional<std::string> scalar_of(context& ctx, const YAML::Node& node, const std::string& path,
                                     const std::string& what) {
  ctx.remember(path, node.Mark());
  if (!node.IsScalar()) {
    ctx.error(node.Mark(), path, "expected " + what + ", got " + kind_of(node));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::string> as_string(context& ctx, const YAML::Node& node,
                                     const std::string& path) {
  return scalar_of(ctx, node, path, "a string");
}

/// Parses all of `text` as a T with from_chars (a leading `+` allowed); false otherwise.
template <class T>
bool parse_whole(std::string_view text, T& out) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-')
    text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

std::optional<int> as_int(context& ctx, const YAML::Node& node, const std::string& path) {
  auto text = scalar_of(ctx, node, path, "an integer");
  int value = 0;
  if (text && !parse_whole(*text, value)) {
    ctx.error(node.Mark(), path, "expected an integer, got " + quote(*text));
    return std::nullopt;
  }
  return text ? std::optional<int>{value} : std::nullopt;
}

/// A non-negative integer (counts such as tasks_max).
std::optional<uint64_t> as_count(context& ctx, const YAML::Node& node, const std::string& path) {
  auto text = scalar_of(ctx, node, path, "a non-negative integer");
  uint64_t value = 0;
  if (text && !parse_whole(*text, value)) {
    ctx.error(node.Mark(), path, "expected a non-negative integer, got " + quote(*text));
    return std::nullopt;
  }
  return text ? std::optional<uint64_t>{value} : std::nullopt;
}

/// A finite decimal number (`0.9`, `200`, `1e3`); `.inf` and `.nan` are not numbers here.
std::optional<double> as_number(context& ctx, const YAML::Node& node, const std::string& path) {
  auto text = scalar_of(ctx, node, path, "a number");
  double value = 0;
  if (text && (!parse_whole(*text, value) || !std::isfinite(value))) {
    ctx.error(node.Mark(), path, "expected a number, got " + quote(*text));
    return std::nullopt;
  }
  return text ? std::optional<double>{value} : std::nullopt;
}

std::optional<double> as_percent(context& ctx, const YAML::Node& node, const std::string& path) {
  auto value = as_number(ctx, node, path);
  if (value && (*value < 0 || *value > 100)) {
    ctx.error(node.Mark(), path, "must be a percentage in 0..100, got " + node.Scalar());
    return std::nullopt;
  }
  return value;
}

std::optional<duration> as_duration(context& ctx, const YAML::Node& node,
                                    const std::string& path) {
  auto text = scalar_of(ctx, node, path, "a duration");
  if (!text)
    return std::nullopt;
  auto parsed = parse_duration(*text);
  if (!parsed)
    ctx.error(node.Mark(), path, "invalid duration " + quote(*text) + ": " + parsed.error);
  return parsed.value;
}

std::optional<uint64_t> as_size(context& ctx, const YAML::Node& node, const std::string& path) {
  auto text = scalar_of(ctx, node, path, "a size");
  if (!text)
    return std::nullopt;
  auto parsed = parse_size(*text);
  if (!parsed)
    ctx.error(node.Mark(), path, "invalid size " + quote(*text) + ": " + parsed.error);
  return parsed.value;
}

/// A list of scalars; each element's position is remembered as `path[i]`.
std::optional<std::vector<std::string>> as_string_list(context& ctx, const YAML::Node& node,
                                                       const std::string& path) {
  ctx.remember(path, node.Mark());
  if (!node.IsSequence()) {
    ctx.error(node.Mark(), path, "expected a list of strings, got " + kind_of(node));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  size_t i = 0;
  for (const auto& item : node) {
    auto text = as_string(ctx, item, path + "[" + std::to_string(i++) + "]");
    if (text)
      out.push_back(*text);
    ok = ok && text.has_value();
  }
  return ok ? std::optional{std::move(out)} : std::nullopt;
}

// -- maps ------------------------------------------------------------------------------------

/// One YAML map at a key path, with the keys it may hold. Construction reports a node that is
/// not a map, unknown keys (suggesting the nearest allowed one) and duplicate keys; the read
/// functions then fetch allowed keys. A missing or null map reads as empty, and a key whose
/// value is null (`interval:` or `~`) counts as not set: every key is optional.
class map_reader {
public:
  /// `noun` names what the keys are when they form a closed set of names (e.g. "tier"): an
  /// unknown one is then reported as `unknown tier "huge" (expected small|medium|large)`.
  map_reader(context& ctx, const YAML::Node& node, std::string path,
             std::vector<std::string> keys, std::string noun = {})
    : ctx_(&ctx), node_(node), path_(std::move(path)), mark_(node.Mark()), keys_(std::move(keys)) {
    if (!node.IsDefined() || node.IsNull())
      return;
    if (!node.IsMap()) {
      ctx.error(mark_, path_,
                path_.empty() ? "the top level must be a map of sections, got " + kind_of(node)
                              : "expected a map, got " + kind_of(node));
      return;
    }
    // Range-for keeps each key/value pair alive for the body; `it->first` would refer into a
    // temporary that yaml-cpp's iterator returns by value.
    for (const auto& pair : node) {
      const YAML::Node& key = pair.first;
      if (!key.IsScalar()) {
        ctx.error(key.Mark(), path_, "expected a key name, got " + kind_of(key));
        continue;
      }
      const auto& name = key.Scalar();
      if (std::find(keys_.begin(), keys_.end(), name) == keys_.end()) {
        auto message = "unknown key " + quote(name);
        // yaml-cpp 0.7 reads `<<: *anchor` as a plain key; say so rather than "unknown".
        if (name == "<<")
          message += " (merge keys are not supported)";
        else if (!noun.empty())
          message = "unknown " + noun + " " + quote(name) + " (expected " + join(keys_, "|") + ")";
        else if (auto hint = suggestion(name, keys_); !hint.empty())
          message += " (did you mean " + quote(hint) + "?)";
        ctx.error(key.Mark(), path_, message);
      } else if (auto first = find(name)) {
        ctx.error(key.Mark(), path_,
                  "duplicate key " + quote(name) + " (first at line "
                    + std::to_string(first->key_mark.line + 1) + ")");
      } else {
        entries_.push_back(entry{name, pair.second, key.Mark()});
      }
    }
  }

  /// The nested map under `key`, allowed to hold `keys` (see the constructor for `noun`).
  map_reader section(std::string_view key, std::vector<std::string> keys,
                     std::string noun = {}) const {
    return map_reader{*ctx_, get(key), path_of(key), std::move(keys), std::move(noun)};
  }

  /// Whether the node is a map (false for a missing section and for a wrong kind).
  bool is_map() const {
    return node_.IsMap();
  }

  /// Whether the file sets `key` to something other than null.
  bool has(std::string_view key) const {
    auto e = find(key);
    return e != nullptr && !e->value.IsNull();
  }

  /// The value of `key`; a null node when absent.
  YAML::Node get(std::string_view key) const {
    assert(std::find(keys_.begin(), keys_.end(), key) != keys_.end());
    auto e = find(key);
    return e != nullptr ? e->value : YAML::Node{};
  }

  /// The dotted path of `key` in this map, e.g. `scaler.restore.cpu`.
  std::string path_of(std::string_view key) const {
    return path_.empty() ? std::string{key} : path_ + "." + std::string{key};
  }

  context& ctx() const {
    return *ctx_;
  }

  /// Reads `key` with `parse` (one of the as_* functions) into `out`, which may be an optional.
  /// Returns whether the key was set and valid; leaves `out` alone otherwise.
  template <class T, class Parse>
  bool read(std::string_view key, T& out, Parse parse) const {
    if (!has(key))
      return false;
    auto value = parse(*ctx_, get(key), path_of(key));
    if (!value)
      return false;
    out = std::move(*value);
    return true;
  }

  /// Reads a string that must be one of `choices`.
  bool read_choice(std::string_view key, std::string& out,
                   const std::vector<std::string>& choices) const {
    std::string text;
    if (!read(key, text, as_string))
      return false;
    if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
      error(key, "unknown value " + quote(text) + " (expected " + join(choices, "|") + ")");
      return false;
    }
    out = text;
    return true;
  }

  /// Reads an enum by its to_string() names, so the names live in one place.
  template <class Enum>
  bool read_enum(std::string_view key, Enum& out, std::initializer_list<Enum> values) const {
    std::vector<std::string> names;
    for (auto value : values)
      names.emplace_back(to_string(value));
    std::string text;
    if (!read_choice(key, text, names))
      return false;
    for (auto value : values)
      if (text == to_string(value))
        out = value;
    return true;
  }

  /// Reports `rule` at `key` unless `ok`, followed by the value as written. Returns `ok`, so
  /// a read and its range check chain with &&.
  bool require(bool ok, std::string_view key, const std::string& rule) const {
    if (ok)
      return true;
    auto message = rule;
    auto node = get(key);
    if (node.IsScalar() && !node.Scalar().empty())
      message += ", got " + node.Scalar();
    error(key, message);
    return false;
  }

  /// Reports a missing required key at this map. Returns whether `key` is set.
  bool require_key(std::string_view key) const {
    if (has(key))
      return true;
    ctx_->error(mark_, path_, "missing required key " + quote(key));
    return false;
  }

  /// Reports a problem with the value of `key` (at the map when the key is absent).
  void error(std::string_view key, std::string message) const {
    auto e = find(key);
    ctx_->error(e != nullptr ? e->value.Mark() : mark_, path_of(key), std::move(message));
  }

private:
  struct entry {
    std::string key;
    YAML::Node value;
    YAML::Mark key_mark;
  };

  const entry* find(std::string_view key) const {
    for (const auto& e : entries_)
      if (e.key == key)
        return &e;
    return nullptr;
  }

  context* ctx_;
  YAML::Node node_;
  std::string path_;
  YAML::Mark mark_;
  std::vector<std::string> keys_;
  /// The allowed keys the file sets, first occurrence only.
  std::vector<entry> entries_;
};

/// Calls `fn(item, item_path)` for each element of the list under `key`.
template <class Fn>
void for_each_item(const map_reader& r, std::string_view key, Fn fn) {
  if (!r.has(key))
    return;
  auto list = r.get(key);
  auto path = r.path_of(key);
  r.ctx().remember(path, list.Mark());
  if (!list.IsSequence()) {
    r.error(key, "expected a list, got " + kind_of(list));
    return;
  }
  size_t i = 0;
  for (const auto& item : list)
    fn(item, path + "[" + std::to_string(i++) + "]");
}

/// Reports a list element that is not a map; lists of records need maps.
bool expect_map(context& ctx, const YAML::Node& node, const std::string& path) {
  if (node.IsMap())
    return true;
  ctx.error(node.Mark(), path, "expected a map, got " + kind_of(node));
  return false;
}

// -- shared rules ----------------------------------------------------------------------------

/// Reads a duration that must be greater than zero (intervals, timeouts, retention).
bool read_positive(const map_reader& r, std::string_view key, duration& out) {
  return r.read(key, out, as_duration)
         && r.require(out > duration::zero(), key, "must be greater than 0");
}

bool read_at_least(const map_reader& r, std::string_view key, int& out, int min) {
  return r.read(key, out, as_int)
         && r.require(out >= min, key, "must be at least " + std::to_string(min));
}

bool read_url(const map_reader& r, std::string_view key, std::string& out) {
  if (!r.read(key, out, as_string))
    return false;
  if (is_http_url(out))
    return true;
  r.error(key, "expected an http:// or https:// URL, got " + quote(out));
  return false;
}

std::optional<host_port> read_host_port(const map_reader& r, std::string_view key,
                                        std::string& out, int min_port) {
  if (!r.read(key, out, as_string))
    return std::nullopt;
  std::string why;
  auto result = split_host_port(out, min_port, why);
  if (!result)
    r.error(key, why);
  return result;
}

/// An argv list: non-empty, with a non-empty program name.
bool read_command(const map_reader& r, std::string_view key, std::vector<std::string>& out) {
  if (!r.read(key, out, as_string_list))
    return false;
  if (out.empty()) {
    r.error(key, "must not be empty (expected [program, args...])");
    return false;
  }
  if (out.front().empty()) {
    r.ctx().error_at(r.path_of(key) + "[0]", "the program must not be empty");
    return false;
  }
  return true;
}

/// Remembers names with the line they first appeared on, so a duplicate names both places.
class unique_names {
public:
  explicit unique_names(std::string what) : what_(std::move(what)) {
  }

  /// Reports `name` (the value of `key` in `r`) if it was added before.
  void add(const map_reader& r, std::string_view key, const std::string& name) {
    auto line = r.get(key).Mark().line + 1;
    auto [i, added] = first_line_.emplace(name, line);
    if (!added)
      r.error(key, "duplicate " + what_ + " " + quote(name) + " (first at line "
                     + std::to_string(i->second) + ")");
  }

private:
  std::string what_;
  std::map<std::string, int> first_line_;
};

enum class relation { less, at_most, greater, at_least };

const char* words(relation r) {
  switch (r) {
    case relation::less:
      return "less than";
    case relation::at_most:
      return "at most";
    case relation::greater:
      return "greater than";
    default:
      return "at least";
  }
}

relation flipped(relation r) {
  switch (r) {
    case relation::less:
      return relation::greater;
    case relation::at_most:
      return relation::at_least;
    case relation::greater:
      return relation::less;
    default:
      return relation::at_most;
  }
}

template <class T>
bool holds(const T& a, relation r, const T& b) {
  switch (r) {
    case relation::less:
      return a < b;
    case relation::at_most:
      return a <= b;
    case relation::greater:
      return a > b;
    default:
      return a >= b;
  }
}

/// Checks the cross-field rule `a r b`, where either value may be a default. The error goes to
/// `a` when the file sets it, else to `b` with the rule turned around, so it points at a line
/// the user wrote. Skipped when either key already has an error: one mistake, one message.
template <class T>
void check_order(context& ctx, const std::string& a, const T& a_value, relation r,
                 const std::string& b, const T& b_value) {
  if (holds(a_value, r, b_value) || ctx.is_bad(a) || ctx.is_bad(b))
    return;
  if (ctx.is_set(a) || !ctx.is_set(b))
    ctx.error_at(a, std::string{"must be "} + words(r) + " " + b + " (" + show(b_value)
                      + "), got " + show(a_value));
  else
    ctx.error_at(b, std::string{"must be "} + words(flipped(r)) + " " + a + " ("
                      + show(a_value) + "), got " + show(b_value));
}

// -- sections --------------------------------------------------------------------------------

void read_node(const map_reader& top, node_section& out) {
  auto r = top.section("node", {"name", "data_dir"});
  r.read("name", out.name, as_string);
  if (r.read("data_dir", out.data_dir, as_string) && out.data_dir.empty())
    r.error("data_dir", "must not be empty");
}

void read_logging(const map_reader& top, logging_section& out) {
  auto r = top.section("logging", {"level", "format"});
  r.read_enum("level", out.level,
              {log_level::trace, log_level::debug, log_level::info, log_level::warn,
               log_level::error});
  r.read_enum("format", out.format, {log_format::text, log_format::json});
}

void read_collector(const map_reader& top, collector_section& out) {
  auto r = top.section("collector", {"interval", "filesystems", "cgroup_root"});
  if (r.read("interval", out.interval, as_duration))
    r.require(out.interval >= 100ms, "interval", "must be at least 100ms");
  if (r.read("filesystems", out.filesystems, as_string_list)) {
    if (out.filesystems.empty())
      r.error("filesystems", "must list at least one mount point");
    for (size_t i = 0; i < out.filesystems.size(); ++i)
      if (!is_absolute_path(out.filesystems[i]))
        r.ctx().error_at(r.path_of("filesystems") + "[" + std::to_string(i) + "]",
                         "expected an absolute path, got " + quote(out.filesystems[i]));
  }
  if (r.read("cgroup_root", out.cgroup_root, as_string) && out.cgroup_root != "auto"
      && !is_absolute_path(out.cgroup_root))
    r.error("cgroup_root", "expected \"auto\" or an absolute path, got " + quote(out.cgroup_root));
}

void read_prediction(const map_reader& top, prediction_section& out) {
  auto r = top.section("prediction",
                       {"step", "window", "horizon", "model", "interval", "min_confidence"});
  read_positive(r, "step", out.step);
  read_positive(r, "window", out.window);
  read_positive(r, "horizon", out.horizon);
  r.read_choice("model", out.model, {"auto", "ols", "naive", "damped"});
  if (r.read("interval", out.interval, as_number))
    r.require(out.interval > 0 && out.interval < 1, "interval", "must be in (0, 1)");
  if (r.read("min_confidence", out.min_confidence, as_number))
    r.require(out.min_confidence >= 0 && out.min_confidence <= 1, "min_confidence",
              "must be in [0, 1]");
  // Forecasting `horizon` ahead needs at least that much history, in steps no coarser than it.
  auto& ctx = r.ctx();
  check_order(ctx, r.path_of("window"), out.window, relation::at_least, r.path_of("horizon"),
              out.horizon);
  check_order(ctx, r.path_of("step"), out.step, relation::at_most, r.path_of("horizon"),
              out.horizon);
}

/// The keys of a health check (health.targets[] adds `name`).
const std::vector<std::string>& check_keys() {
  static const std::vector<std::string> keys{"type",     "url",     "address",       "command",
                                             "interval", "timeout", "expect_status",
                                             "expect_body"};
  return keys;
}

/// Reads one health check. `in_plugin` allows type `process` (a plugin's own process is the
/// only one the node knows); `health` supplies the interval and timeout a check inherits.
void read_check(const map_reader& r, check_spec& out, bool in_plugin,
                const health_section& health) {
  std::vector<std::string> types{"http", "tcp", "exec"};
  if (in_plugin)
    types.emplace_back("process");
  if (r.require_key("type")) {
    auto node = r.get("type");
    if (!in_plugin && node.IsScalar() && node.Scalar() == "process")
      r.error("type", "\"process\" is only valid in a plugin's health (expected http|tcp|exec)");
    else
      r.read_choice("type", out.type, types);
  }
  // Keys of another type are errors, so that a misplaced key is not silently ignored.
  static const std::map<std::string, std::vector<std::string>> used_by_type{
    {"http", {"url", "expect_status", "expect_body"}},
    {"tcp", {"address"}},
    {"exec", {"command"}},
    {"process", {}},
  };
  if (!out.type.empty()) {
    const auto& used = used_by_type.at(out.type);
    for (std::string key : {"url", "address", "command", "expect_status", "expect_body"})
      if (r.has(key) && std::find(used.begin(), used.end(), key) == used.end())
        r.error(key, "does not apply to type " + out.type);
  }
  if (out.type == "http") {
    if (r.require_key("url"))
      read_url(r, "url", out.url);
    for_each_item(r, "expect_status", [&](const YAML::Node& item, const std::string& path) {
      auto code = as_int(r.ctx(), item, path);
      if (code && (*code < 100 || *code > 599))
        r.ctx().error(item.Mark(), path, "must be an HTTP status in 100..599, got " + show(*code));
      else if (code)
        out.expect_status.push_back(*code);
    });
    r.read("expect_body", out.expect_body, as_string);
  } else if (out.type == "tcp") {
    if (r.require_key("address"))
      read_host_port(r, "address", out.address, 1);
  } else if (out.type == "exec") {
    if (r.require_key("command"))
      read_command(r, "command", out.command);
  }
  duration d;
  if (read_positive(r, "interval", d))
    out.interval = d;
  if (read_positive(r, "timeout", d))
    out.timeout = d;
  // A check that may run longer than its interval overlaps the next one.
  if (out.interval || out.timeout)
    check_order(r.ctx(), out.timeout ? r.path_of("timeout") : "health.timeout",
                out.timeout.value_or(health.timeout), relation::at_most,
                out.interval ? r.path_of("interval") : "health.interval",
                out.interval.value_or(health.interval));
}

void read_breaker(const map_reader& health, breaker_section& out) {
  auto r = health.section("breaker", {"failure_threshold", "failure_rate", "window",
                                      "reset_timeout", "backoff", "max_reset_timeout",
                                      "half_open_trials"});
  read_at_least(r, "failure_threshold", out.failure_threshold, 1);
  if (r.read("failure_rate", out.failure_rate, as_number))
    r.require(out.failure_rate >= 0 && out.failure_rate <= 1, "failure_rate", "must be in [0, 1]");
  read_at_least(r, "window", out.window, 1);
  read_positive(r, "reset_timeout", out.reset_timeout);
  if (r.read("backoff", out.backoff, as_number))
    r.require(out.backoff >= 1, "backoff", "must be at least 1");
  read_positive(r, "max_reset_timeout", out.max_reset_timeout);
  read_at_least(r, "half_open_trials", out.half_open_trials, 1);
  check_order(r.ctx(), r.path_of("max_reset_timeout"), out.max_reset_timeout, relation::at_least,
              r.path_of("reset_timeout"), out.reset_timeout);
}

void read_health(const map_reader& top, health_section& out) {
  auto r = top.section("health", {"interval", "timeout", "stagger", "pressure_backoff", "breaker",
                                  "targets"});
  read_positive(r, "interval", out.interval);
  read_positive(r, "timeout", out.timeout);
  check_order(r.ctx(), r.path_of("timeout"), out.timeout, relation::at_most, r.path_of("interval"),
              out.interval);
  r.read_enum("stagger", out.stagger, {stagger_kind::even, stagger_kind::jitter});
  if (r.read("pressure_backoff", out.pressure_backoff, as_number))
    r.require(out.pressure_backoff >= 1, "pressure_backoff", "must be at least 1");
  read_breaker(r, out.breaker);
  unique_names names{"target name"};
  for_each_item(r, "targets", [&](const YAML::Node& item, const std::string& path) {
    if (!expect_map(r.ctx(), item, path))
      return;
    auto keys = check_keys();
    keys.insert(keys.begin(), "name");
    map_reader t{r.ctx(), item, path, keys};
    health_target target;
    if (t.require_key("name") && t.read("name", target.name, as_string)) {
      if (target.name.empty())
        t.error("name", "must not be empty");
      else
        names.add(t, "name", target.name);
    }
    read_check(t, target.check, false, out);
    out.targets.push_back(std::move(target));
  });
}

/// The keys of a policy profile, allowed under scaler.policies.<name> and directly under scaler.
const std::vector<std::string>& policy_keys() {
  static const std::vector<std::string> keys{
    "scale_up",  "scale_down", "confirm_up",  "confirm_down",  "cooldown",       "up_factor",
    "down_factor", "sizing",   "headroom",    "peak_window",   "seasonal_days",  "seasonal_window"};
  return keys;
}

/// Reads the profile keys `r` sets into `out`, leaving the others unset so the result can be
/// laid over any profile.
void read_policy_keys(const map_reader& r, policy_override& out) {
  auto percents = [&](std::string_view key, std::optional<double>& cpu,
                      std::optional<double>& memory, std::optional<double>& tasks) {
    auto m = r.section(key, {"cpu", "memory", "tasks"});
    m.read("cpu", cpu, as_percent);
    m.read("memory", memory, as_percent);
    m.read("tasks", tasks, as_percent);
  };
  percents("scale_up", out.scale_up_cpu, out.scale_up_memory, out.scale_up_tasks);
  percents("scale_down", out.scale_down_cpu, out.scale_down_memory, out.scale_down_tasks);
  int count = 0;
  if (read_at_least(r, "confirm_up", count, 1))
    out.confirm_up = count;
  if (read_at_least(r, "confirm_down", count, 1))
    out.confirm_down = count;
  r.read("cooldown", out.cooldown, as_duration);
  double factor = 0;
  if (r.read("up_factor", factor, as_number)
      && r.require(factor > 1, "up_factor", "must be greater than 1"))
    out.up_factor = factor;
  if (r.read("down_factor", factor, as_number)
      && r.require(factor > 0 && factor < 1, "down_factor", "must be in (0, 1)"))
    out.down_factor = factor;
  std::string sizing;
  if (r.read_choice("sizing", sizing, sizing_names()))
    out.sizing = sizing;
  double headroom = 0;
  if (r.read("headroom", headroom, as_number)
      && r.require(headroom >= 0 && headroom <= 1000, "headroom", "must be in [0, 1000] (percent)"))
    out.headroom = headroom;
  duration window{};
  if (read_positive(r, "peak_window", window))
    out.peak_window = window;
  if (read_positive(r, "seasonal_window", window)) {
    if (r.require(window <= 12h, "seasonal_window", "must be at most 12h"))
      out.seasonal_window = window;
  }
  int days = 0;
  if (read_at_least(r, "seasonal_days", days, 0)) {
    if (r.require(days <= 14, "seasonal_days", "must be at most 14"))
      out.seasonal_days = days;
  }
}

/// The built-in profile `name` with `o` laid over it, merged by effective_policy() so that
/// scaler.policies.<name> and the keys directly under scaler merge the same way.
policy_profile merged_profile(const std::string& name, const policy_override& o) {
  scaler_section s; // holds default_policies()
  s.policy = name;
  s.overrides = o;
  return effective_policy(s);
}

/// Resizing up above scale_up and down below scale_down only makes sense with a gap between.
/// `key_of("scale_up.cpu")` names where each value came from.
void check_profile(context& ctx, const policy_profile& p,
                   const std::function<std::string(const std::string&)>& key_of) {
  for (auto [resource, field] : {std::pair{"cpu", &resource_percent::cpu},
                                 std::pair{"memory", &resource_percent::memory},
                                 std::pair{"tasks", &resource_percent::tasks}}) {
    check_order(ctx, key_of(std::string{"scale_down."} + resource), p.scale_down.*field,
                relation::less, key_of(std::string{"scale_up."} + resource), p.scale_up.*field);
  }
}

/// The threshold keys of scaler: and of scaler.tiers.<name>, by their path below either.
const std::vector<std::string>& threshold_keys() {
  static const std::vector<std::string> keys{"degrade.cpu", "degrade.memory", "restore.cpu",
                                             "restore.memory", "emergency.memory"};
  return keys;
}

/// Reads degrade / restore / emergency below `r` (scaler or a tier) into the fields `fields`
/// points to, in threshold_keys() order. Notes each key the file sets in `set` by its full path.
void read_thresholds(const map_reader& r, const std::array<double*, 5>& fields,
                     std::set<std::string>* set) {
  auto degrade = r.section("degrade", {"cpu", "memory"});
  auto restore = r.section("restore", {"cpu", "memory"});
  auto emergency = r.section("emergency", {"memory"});
  const std::array<std::pair<const map_reader*, const char*>, 5> keys{
    std::pair{&degrade, "cpu"}, std::pair{&degrade, "memory"}, std::pair{&restore, "cpu"},
    std::pair{&restore, "memory"}, std::pair{&emergency, "memory"}};
  for (size_t i = 0; i < keys.size(); ++i) {
    auto [section, key] = keys[i];
    if (section->read(key, *fields[i], as_percent) && set != nullptr)
      set->insert(section->path_of(key));
  }
}

/// Without a gap between restore and degrade the cascade would oscillate, and an emergency
/// must lie beyond the degrade threshold. `key_of("degrade.cpu")` names where each value came
/// from; `values` holds them in threshold_keys() order.
void check_thresholds(context& ctx, const std::array<double, 5>& values,
                      const std::function<std::string(const std::string&)>& key_of) {
  enum { degrade_cpu, degrade_memory, restore_cpu, restore_memory, emergency_memory };
  check_order(ctx, key_of("restore.cpu"), values[restore_cpu], relation::less,
              key_of("degrade.cpu"), values[degrade_cpu]);
  check_order(ctx, key_of("restore.memory"), values[restore_memory], relation::less,
              key_of("degrade.memory"), values[degrade_memory]);
  check_order(ctx, key_of("emergency.memory"), values[emergency_memory], relation::greater,
              key_of("degrade.memory"), values[degrade_memory]);
}

/// A tier's thresholds in threshold_keys() order.
std::array<double, 5> threshold_values(const tier_spec& t) {
  return {t.degrade_cpu, t.degrade_memory, t.restore_cpu, t.restore_memory, t.emergency_memory};
}

/// scaler.tiers: the file's values laid over the built-in tiers, each checked on its own and
/// as combined with the thresholds set directly under scaler (which win over any tier's).
void read_tiers(const map_reader& scaler, scaler_section& out) {
  auto& ctx = scaler.ctx();
  auto tiers = scaler.section("tiers", tier_names(), "tier");
  for (const auto& name : tier_names()) {
    auto t = tiers.section(name, {"max_cores", "max_memory", "degrade", "restore", "emergency"});
    auto& spec = out.tiers[name];
    uint64_t cores = 0;
    if (t.read("max_cores", cores, as_count)
        && t.require(cores <= std::numeric_limits<unsigned>::max(), "max_cores",
                     "must be at most " + show(uint64_t{std::numeric_limits<unsigned>::max()})))
      spec.max_cores = static_cast<unsigned>(cores);
    t.read("max_memory", spec.max_memory, as_size);
    read_thresholds(t, {&spec.degrade_cpu, &spec.degrade_memory, &spec.restore_cpu,
                        &spec.restore_memory, &spec.emergency_memory},
                    nullptr);
    auto prefix = t.path_of("");
    check_thresholds(ctx, threshold_values(spec),
                     [&](const std::string& key) { return prefix + key; });
  }
  // A threshold set under scaler: replaces the tier's on every host, so each tier's remaining
  // values must still fit around it. Runs after the checks of scaler: and of each tier, whose
  // errors mark their keys bad, so a mistake found there is not reported again here.
  const std::array<double, 5> top_level{out.degrade_cpu, out.degrade_memory, out.restore_cpu,
                                        out.restore_memory, out.emergency_memory};
  for (const auto& name : tier_names()) {
    auto values = threshold_values(out.tiers[name]);
    for (size_t i = 0; i < values.size(); ++i)
      if (out.explicit_keys.count(scaler.path_of(threshold_keys()[i])) > 0)
        values[i] = top_level[i];
    auto prefix = tiers.path_of(name) + ".";
    check_thresholds(ctx, values, [&](const std::string& key) {
      auto top = scaler.path_of(key);
      return out.explicit_keys.count(top) > 0 ? top : prefix + key;
    });
  }
}

void read_scaler(const map_reader& top, scaler_section& out) {
  std::vector<std::string> keys{"mode",          "policy",   "evaluation_interval",
                                "degrade",       "restore",  "emergency",
                                "stabilization", "min_step", "suspend_after_failures",
                                "flap_budget",   "reserves", "policies",
                                "probation",     "tiers",    "probation_memory_pressure"};
  keys.insert(keys.end(), policy_keys().begin(), policy_keys().end());
  auto r = top.section("scaler", keys);
  auto& ctx = r.ctx();
  r.read_enum("mode", out.mode,
              {scaler_mode::enabled, scaler_mode::disabled, scaler_mode::manual});
  r.read_choice("policy", out.policy, policy_names());
  read_positive(r, "evaluation_interval", out.evaluation_interval);
  read_policy_keys(r, out.overrides);
  read_thresholds(r, {&out.degrade_cpu, &out.degrade_memory, &out.restore_cpu,
                      &out.restore_memory, &out.emergency_memory},
                  &out.explicit_keys);
  r.read("stabilization", out.stabilization, as_duration);
  auto step = r.section("min_step", {"cpu_quota", "memory_max", "tasks_max"});
  if (step.read("cpu_quota", out.min_step_cpu_quota, as_number))
    step.require(out.min_step_cpu_quota >= 0, "cpu_quota", "must be at least 0");
  step.read("memory_max", out.min_step_memory_max, as_size);
  step.read("tasks_max", out.min_step_tasks_max, as_count);
  read_at_least(r, "suspend_after_failures", out.suspend_after_failures, 1);
  read_at_least(r, "flap_budget", out.flap_budget, 1);
  auto reserves = r.section("reserves", {"cpu_cores", "memory"});
  if (reserves.read("cpu_cores", out.reserve_cpu_cores, as_number)) {
    out.explicit_keys.insert(reserves.path_of("cpu_cores"));
    reserves.require(out.reserve_cpu_cores >= 0, "cpu_cores", "must be at least 0");
  }
  if (reserves.read("memory", out.reserve_memory, as_size))
    out.explicit_keys.insert(reserves.path_of("memory"));
  auto scaler_prefix = r.path_of("");
  check_thresholds(ctx,
                   {out.degrade_cpu, out.degrade_memory, out.restore_cpu, out.restore_memory,
                    out.emergency_memory},
                   [&](const std::string& key) { return scaler_prefix + key; });
  read_positive(r, "probation", out.probation);
  r.read("probation_memory_pressure", out.probation_memory_pressure, as_percent);
  read_tiers(r, out);
  auto policies = r.section("policies", policy_names());
  for (const auto& name : policy_names()) {
    policy_override o;
    read_policy_keys(policies.section(name, policy_keys()), o);
    out.policies[name] = merged_profile(name, o);
    auto prefix = policies.path_of(name) + ".";
    check_profile(ctx, out.policies[name], [&](const std::string& key) { return prefix + key; });
  }
  // The chosen profile with the overrides applied; each key named where its value came from.
  // Pairs without overrides repeat the check above, and the context drops the duplicate.
  const auto& o = out.overrides;
  std::set<std::string> overridden;
  auto note = [&](const auto& value, const char* key) {
    if (value)
      overridden.insert(key);
  };
  note(o.scale_up_cpu, "scale_up.cpu");
  note(o.scale_up_memory, "scale_up.memory");
  note(o.scale_up_tasks, "scale_up.tasks");
  note(o.scale_down_cpu, "scale_down.cpu");
  note(o.scale_down_memory, "scale_down.memory");
  note(o.scale_down_tasks, "scale_down.tasks");
  auto policy_prefix = policies.path_of(out.policy) + ".";
  check_profile(ctx, effective_policy(out), [&](const std::string& key) {
    return overridden.count(key) > 0 ? r.path_of(key) : policy_prefix + key;
  });
}

const std::vector<std::string>& limit_keys() {
  static const std::vector<std::string> keys{"cpu_quota", "memory_max", "tasks_max"};
  return keys;
}

void read_limits(const map_reader& r, limit_set& out) {
  double cpu = 0;
  if (r.read("cpu_quota", cpu, as_number)
      && r.require(cpu > 0, "cpu_quota", "must be greater than 0"))
    out.cpu_quota = cpu;
  uint64_t bytes = 0;
  if (r.read("memory_max", bytes, as_size)
      && r.require(bytes > 0, "memory_max", "must be greater than 0"))
    out.memory_max = bytes;
  uint64_t tasks = 0;
  if (r.read("tasks_max", tasks, as_count)
      && r.require(tasks > 0, "tasks_max", "must be greater than 0"))
    out.tasks_max = tasks;
}

/// Reads `[min, max]` for one limit: both greater than zero, min <= max.
template <class T, class Parse, class Show>
void read_bound(const map_reader& r, std::string_view key, std::optional<std::pair<T, T>>& out,
                Parse parse, Show show_value) {
  if (!r.has(key))
    return;
  auto& ctx = r.ctx();
  const auto node = r.get(key);
  auto path = r.path_of(key);
  ctx.remember(path, node.Mark());
  if (!node.IsSequence() || node.size() != 2) {
    r.error(key, "expected [min, max], got "
                   + (node.IsSequence() ? "a list of " + std::to_string(node.size())
                                        : kind_of(node)));
    return;
  }
  auto min = parse(ctx, node[0], path + "[0]");
  auto max = parse(ctx, node[1], path + "[1]");
  bool ok = min && max;
  for (auto [value, index] : {std::pair{&min, 0}, std::pair{&max, 1}}) {
    if (*value && **value <= T{}) {
      ctx.error(node[index].Mark(), path + "[" + std::to_string(index) + "]",
                "must be greater than 0, got " + node[index].Scalar());
      ok = false;
    }
  }
  if (!ok)
    return;
  if (*min > *max) {
    r.error(key, "min " + show_value(*min) + " is greater than max " + show_value(*max));
    return;
  }
  out = std::pair{*min, *max};
}

/// Reports a limit outside its plugin's bounds; the cascade and the resizer only move limits
/// within bounds, so a limit outside them could never be reached again.
template <class T, class Show>
void check_within(context& ctx, const std::string& limit_key, const std::optional<T>& limit,
                  const std::optional<std::pair<T, T>>& bounds, const std::string& bounds_key,
                  Show show_value) {
  if (!limit || !bounds || (*limit >= bounds->first && *limit <= bounds->second))
    return;
  ctx.error_at(limit_key, "must be within " + bounds_key + " [" + show_value(bounds->first) + ", "
                            + show_value(bounds->second) + "], got " + show_value(*limit));
}

void check_limits_within(context& ctx, const std::string& limits_path, const limit_set& limits,
                         const std::string& bounds_path, const limit_bounds& bounds) {
  auto number = [](double x) { return show(x); };
  auto count = [](uint64_t x) { return show(x); };
  check_within(ctx, limits_path + ".cpu_quota", limits.cpu_quota, bounds.cpu_quota,
               bounds_path + ".cpu_quota", number);
  check_within(ctx, limits_path + ".memory_max", limits.memory_max, bounds.memory_max,
               bounds_path + ".memory_max", format_size);
  check_within(ctx, limits_path + ".tasks_max", limits.tasks_max, bounds.tasks_max,
               bounds_path + ".tasks_max", count);
}

void read_env(const map_reader& r, std::map<std::string, std::string>& out) {
  if (!r.has("env"))
    return;
  auto& ctx = r.ctx();
  auto node = r.get("env");
  auto path = r.path_of("env");
  ctx.remember(path, node.Mark());
  if (!node.IsMap()) {
    r.error("env", "expected a map of variable names to values, got " + kind_of(node));
    return;
  }
  for (const auto& pair : node) {
    const YAML::Node& key = pair.first;
    if (!key.IsScalar() || key.Scalar().empty() || key.Scalar().find('=') != std::string::npos) {
      ctx.error(key.Mark(), path, "invalid variable name " + quote(key.Scalar()));
      continue;
    }
    const auto& name = key.Scalar();
    // `VAR:` with no value sets the variable to the empty string.
    auto value = pair.second.IsNull() ? std::optional<std::string>{""}
                                      : as_string(ctx, pair.second, path + "." + name);
    if (!value)
      continue;
    if (!out.emplace(name, *value).second)
      ctx.error(key.Mark(), path, "duplicate key " + quote(name));
  }
}

/// Signals a plugin may ask to be drained with: the ones servers conventionally handle.
const std::vector<std::string>& drain_signals() {
  static const std::vector<std::string> names{"SIGTERM", "SIGINT",  "SIGHUP",
                                              "SIGUSR1", "SIGUSR2", "SIGQUIT"};
  return names;
}

void read_variants(const map_reader& r, plugin_spec& plugin) {
  unique_names names{"variant name"};
  for_each_item(r, "variants", [&](const YAML::Node& item, const std::string& path) {
    if (!expect_map(r.ctx(), item, path))
      return;
    map_reader v{r.ctx(), item, path, {"name", "command", "limits"}};
    variant_spec variant;
    if (v.require_key("name") && v.read("name", variant.name, as_string)) {
      if (!is_plugin_name(variant.name))
        v.error("name", "must match [a-z0-9][a-z0-9_-]* (at most 64 characters), got "
                          + quote(variant.name));
      else
        names.add(v, "name", variant.name);
    }
    if (v.require_key("command"))
      read_command(v, "command", variant.command);
    read_limits(v.section("limits", limit_keys()), variant.limits);
    plugin.variants.push_back(std::move(variant));
  });
}

void read_plugin(const map_reader& r, plugin_spec& out, unique_names& names,
                 const health_section& health) {
  auto& ctx = r.ctx();
  if (r.require_key("name") && r.read("name", out.name, as_string)) {
    if (!is_plugin_name(out.name))
      r.error("name", "must match [a-z0-9][a-z0-9_-]* (at most 64 characters), got "
                        + quote(out.name));
    else
      names.add(r, "name", out.name);
  }
  r.read("priority", out.priority, as_int);
  if (r.require_key("command"))
    read_command(r, "command", out.command);
  r.read("working_dir", out.working_dir, as_string);
  read_env(r, out.env);
  read_variants(r, out);
  read_limits(r.section("limits", limit_keys()), out.limits);
  auto bounds = r.section("bounds", limit_keys());
  auto number = [](double x) { return show(x); };
  auto count = [](uint64_t x) { return show(x); };
  read_bound(bounds, "cpu_quota", out.bounds.cpu_quota, as_number, number);
  read_bound(bounds, "memory_max", out.bounds.memory_max, as_size, format_size);
  read_bound(bounds, "tasks_max", out.bounds.tasks_max, as_count, count);
  auto bounds_path = r.path_of("bounds");
  check_limits_within(ctx, r.path_of("limits"), out.limits, bounds_path, out.bounds);
  for (size_t i = 0; i < out.variants.size(); ++i)
    check_limits_within(ctx, r.path_of("variants") + "[" + std::to_string(i) + "].limits",
                        out.variants[i].limits, bounds_path, out.bounds);
  if (r.has("health")) {
    auto h = r.section("health", check_keys());
    if (h.is_map()) {
      check_spec check;
      read_check(h, check, true, health);
      out.health = std::move(check);
      // Health results, breakers and their series are keyed by target name,
      // and a plugin's check is named after the plugin.
      for (const auto& t : health.targets)
        if (t.name == out.name)
          r.error("name", "plugin " + quote(out.name)
                            + " has a health check and health.targets has a target of the"
                              " same name: rename one");
    }
  }
  auto drain = r.section("drain", {"signal", "url", "grace"});
  drain.read_choice("signal", out.drain.signal, drain_signals());
  read_url(drain, "url", out.drain.url);
  if (drain.has("signal") && drain.has("url"))
    drain.error("url", "set either drain.signal or drain.url, not both");
  drain.read("grace", out.drain.grace, as_duration);
  read_at_least(r, "start_retries", out.start_retries, 0);
  if (r.has("metrics")) {
    auto m = r.section("metrics", {"url", "values"});
    if (m.is_map()) {
      plugin_metrics_spec metrics;
      if (m.require_key("url"))
        read_url(m, "url", metrics.url);
      if (m.require_key("values") && m.read("values", metrics.values, as_string_list)) {
        if (metrics.values.empty())
          m.error("values", "must list at least one value name");
        for (size_t i = 0; i < metrics.values.size(); ++i)
          if (metrics.values[i].empty())
            ctx.error_at(m.path_of("values") + "[" + std::to_string(i) + "]",
                         "must not be empty");
      }
      out.metrics = std::move(metrics);
    }
  }
}

const std::vector<std::string>& plugin_keys() {
  static const std::vector<std::string> keys{
    "name",   "priority", "command", "working_dir", "env",           "variants",
    "limits", "bounds",   "health",  "drain",       "start_retries", "metrics"};
  return keys;
}

void read_plugins(const map_reader& top, std::vector<plugin_spec>& out,
                  const health_section& health) {
  unique_names names{"plugin name"};
  for_each_item(top, "plugins", [&](const YAML::Node& item, const std::string& path) {
    if (!expect_map(top.ctx(), item, path))
      return;
    plugin_spec plugin;
    read_plugin(map_reader{top.ctx(), item, path, plugin_keys()}, plugin, names, health);
    out.push_back(std::move(plugin));
  });
}

void read_persistence(const map_reader& top, persistence_section& out) {
  auto r = top.section("persistence", {"path", "retention", "batch"});
  if (r.read("path", out.path, as_string) && out.path.empty())
    r.error("path", "must not be empty");
  read_positive(r, "retention", out.retention);
  read_positive(r, "batch", out.batch);
}

void read_http(const map_reader& top, http_section& out) {
  auto r = top.section("http", {"listen", "token", "token_file", "max_body"});
  auto listen = read_host_port(r, "listen", out.listen, 0);
  r.read("token", out.token, as_string);
  r.read("token_file", out.token_file, as_string);
  if (!out.token.empty() && !out.token_file.empty())
    r.error("token_file", "set either http.token or http.token_file, not both");
  if (r.read("max_body", out.max_body, as_size))
    r.require(out.max_body > 0, "max_body", "must be greater than 0");
  // The API can stop plugins and change limits: off this machine it must ask for a token.
  if (listen && !is_loopback(listen->host) && out.token.empty() && out.token_file.empty())
    r.error("listen", "non-loopback host " + quote(listen->host)
                        + " requires http.token or http.token_file");
}

void read_inspect(const map_reader& top, inspect_section& out) {
  auto r = top.section("inspect", {"listen", "tls"});
  auto listen = read_host_port(r, "listen", out.listen, 0);
  auto tls = r.section("tls", {"cert", "key", "ca"});
  tls.read("cert", out.tls.cert, as_string);
  tls.read("key", out.tls.key, as_string);
  tls.read("ca", out.tls.ca, as_string);
  if (!out.tls.cert.empty() && out.tls.key.empty())
    tls.error("cert", "needs inspect.tls.key as well");
  if (out.tls.cert.empty() && !out.tls.key.empty())
    tls.error("key", "needs inspect.tls.cert as well");
  // CAF's OpenSSL module is always mutual: the node checks its peers against the CA.
  if (!out.tls.cert.empty() && !out.tls.key.empty() && out.tls.ca.empty())
    tls.error("cert", "needs inspect.tls.ca as well (the CA that signs conductorctl's certificates)");
  // The inspector takes commands: off this machine only behind TLS.
  if (listen && !is_loopback(listen->host) && out.tls.cert.empty())
    r.error("listen", "non-loopback host " + quote(listen->host)
                        + " requires inspect.tls (cert and key)");
}

void read_notify(const map_reader& top, notify_section& out) {
  auto r = top.section("notify", {"webhooks"});
  for_each_item(r, "webhooks", [&](const YAML::Node& item, const std::string& path) {
    auto& ctx = r.ctx();
    if (!expect_map(ctx, item, path))
      return;
    map_reader w{ctx, item, path, {"url", "events", "timeout", "retries"}};
    webhook_spec hook;
    if (w.require_key("url"))
      read_url(w, "url", hook.url);
    if (w.read("events", hook.events, as_string_list)) {
      const auto& known = webhook_event_names();
      for (size_t i = 0; i < hook.events.size(); ++i)
        if (std::find(known.begin(), known.end(), hook.events[i]) == known.end())
          ctx.error_at(w.path_of("events") + "[" + std::to_string(i) + "]",
                       "unknown value " + quote(hook.events[i]) + " (expected " + join(known, "|")
                         + ")");
    }
    read_positive(w, "timeout", hook.timeout);
    read_at_least(w, "retries", hook.retries, 0);
    out.webhooks.push_back(std::move(hook));
  });
}

node_config read_config(context& ctx, const YAML::Node& root) {
  node_config cfg;
  static const std::vector<std::string> sections{
    "node",    "logging",     "collector", "prediction", "health", "scaler",
    "plugins", "persistence", "http",      "inspect",    "notify"};
  map_reader top{ctx, root, "", sections};
  read_node(top, cfg.node);
  read_logging(top, cfg.logging);
  read_collector(top, cfg.collector);
  read_prediction(top, cfg.prediction);
  read_health(top, cfg.health); // before plugins: their checks inherit interval and timeout
  read_scaler(top, cfg.scaler);
  read_plugins(top, cfg.plugins, cfg.health);
  read_persistence(top, cfg.persistence);
  read_http(top, cfg.http);
  read_inspect(top, cfg.inspect);
  read_notify(top, cfg.notify);
  return cfg;
}

/// Reads a whole file; on failure returns false with the system's reason in `why`.
bool read_file(const std::string& path, std::string& out, std::string& why) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{std::fopen(path.c_str(), "rb"),
                                                      &std::fclose};
  if (!file) {
    why = std::strerror(errno);
    return false;
  }
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), file.get())) > 0)
    out.append(buf, n);
  if (std::ferror(file.get())) {
    why = std::strerror(errno);
    return false;
  }
  return true;
}

/// Counts the documents of a YAML stream without building them, and notices when the
/// parser stops making progress. yaml-cpp 0.7 (Debian 12) has a parser that, on a token
/// it cannot start a node with at the top level (a lone ",", found by fuzz/config_fuzz.cpp),
/// reports an empty document without consuming the token, again and again: YAML::LoadAll
/// then loops forever and allocates until the process dies (fixed upstream in yaml-cpp
/// PR #1319, 2024). Two documents starting at the same position are that loop.
class document_counter : public YAML::EventHandler {
public:
  /// Documents seen so far.
  size_t count = 0;
  /// Where the second document's content starts (its first node).
  YAML::Mark second_mark = YAML::Mark::null_mark();
  /// Set when the parser repeats a document at the same position: it is stuck there.
  std::optional<YAML::Mark> stuck;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (count > 0 && mark.pos == start_.pos)
      stuck = mark;
    start_ = mark;
    ++count;
    first_node_ = true;
  }
  void OnDocumentEnd() override {
  }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    node(mark);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    node(mark);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {
  }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {
  }

private:
  void node(const YAML::Mark& mark) {
    if (first_node_ && count == 2)
      second_mark = mark;
    first_node_ = false;
  }

  YAML::Mark start_ = YAML::Mark::null_mark();
  bool first_node_ = false;
};

} // namespace

load_result load_config_text(const std::string& text, const std::string& file_name) {
  context ctx{file_name};
  load_result result;
  try {
    // Count first (see document_counter: LoadAll may never return), then build the first
    // document alone: YAML::Load parses one document and returns.
    std::istringstream in{text};
    YAML::Parser parser{in};
    document_counter docs;
    while (!docs.stuck && parser.HandleNextDocument(docs))
      continue;
    if (docs.stuck) {
      auto pos = static_cast<size_t>(docs.stuck->pos);
      ctx.error(*docs.stuck, "",
                "yaml syntax error: unexpected "
                  + (pos < text.size() ? quote(std::string(1, text[pos])) : "end of file"));
    } else {
      if (docs.count > 1)
        ctx.error(docs.second_mark, "",
                  "expected one YAML document, found " + std::to_string(docs.count));
      if (docs.count > 0)
        result.config = read_config(ctx, YAML::Load(text));
    }
  } catch (const YAML::ParserException& e) {
    ctx.error(e.mark, "", "yaml syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    ctx.error(e.mark, "", "yaml error: " + e.msg);
  } catch (const std::exception& e) {
    ctx.error(YAML::Mark::null_mark(), "", std::string{"internal error: "} + e.what());
  } catch (...) {
    ctx.error(YAML::Mark::null_mark(), "", "internal error");
  }
  result.errors = ctx.take_errors();
  return result;
}

load_result load_config_file(const std::string& path, std::string* text_out) {
  std::string text;
  std::string why;
  if (!read_file(path, text, why)) {
    load_result result;
    config_error e;
    e.file = path;
    e.message = "cannot read file: " + why;
    result.errors.push_back(std::move(e));
    return result;
  }
  auto result = load_config_text(text, path);
  if (text_out)
    *text_out = std::move(text);
  return result;
}

} // namespace conductor::config
