#include "actors/collector/plugin_signals.hpp"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <system_error>

#include <nlohmann/json.hpp>

namespace conductor {

namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool is_wanted(std::string_view name, const std::vector<std::string>& wanted) {
  for (const auto& w : wanted)
    if (w == name)
      return true;
  return false;
}

/// A Prometheus sample value: Go's float syntax as the format defines it.
/// from_chars takes "inf", "nan" and exponents in any case, but no leading
/// '+', which "+Inf" has.
std::optional<double> parse_value(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-')
      return std::nullopt; // "+-1"
  }
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

/// Where the label set starting at `open` (a '{') ends: one past its '}'.
/// Label values are quoted and may hold '}', spaces and escaped quotes.
/// npos when the set does not close on this line.
size_t skip_labels(std::string_view line, size_t open) {
  bool quoted = false;
  for (size_t i = open + 1; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '\\')
        ++i; // the escaped character, whatever it is
      else if (c == '"')
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '}') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

/// One sample line: its metric name and value, when the name is wanted and
/// the line well formed.
std::optional<std::pair<std::string_view, double>>
parse_sample_line(std::string_view line, const std::vector<std::string>& wanted) {
  size_t i = 0;
  while (i < line.size() && is_blank(line[i]))
    ++i;
  if (i == line.size() || line[i] == '#')
    return std::nullopt;
  auto name_begin = i;
  while (i < line.size() && line[i] != '{' && !is_blank(line[i]))
    ++i;
  auto name = line.substr(name_begin, i - name_begin);
  // Most lines of a real /metrics are other metrics: reject them before
  // looking at labels and values.
  if (name.empty() || !is_wanted(name, wanted))
    return std::nullopt;
  if (i < line.size() && line[i] == '{') {
    i = skip_labels(line, i);
    if (i == std::string_view::npos)
      return std::nullopt;
  }
  // A bare name ended at a blank; after labels the blank is optional, as
  // Prometheus's own parser has it.
  while (i < line.size() && is_blank(line[i]))
    ++i;
  auto value_begin = i;
  while (i < line.size() && !is_blank(line[i]))
    ++i;
  auto value = parse_value(line.substr(value_begin, i - value_begin));
  if (!value)
    return std::nullopt;
  return std::make_pair(name, *value);
}

std::map<std::string, double> parse_prometheus(std::string_view body,
                                               const std::vector<std::string>& wanted) {
  std::map<std::string, double> out;
  size_t pos = 0;
  while (pos < body.size()) {
    auto eol = body.find('\n', pos);
    if (eol == std::string_view::npos)
      eol = body.size();
    auto line = body.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    auto sample = parse_sample_line(line, wanted);
    if (!sample)
      continue;
    // Several label sets of one name are summed (see the header).
    auto [it, added] = out.try_emplace(std::string{sample->first}, sample->second);
    if (!added)
      it->second += sample->second;
  }
  return out;
}

/// Collects the numbers and booleans of a JSON object's top level. SAX, not a
/// document: nothing is built for the nested parts that are skipped, and the
/// parser keeps its nesting on a heap stack, so a deeply nested body cannot
/// exhaust the thread's stack.
class flat_object_reader final : public nlohmann::json_sax<nlohmann::json> {
public:
  explicit flat_object_reader(const std::vector<std::string>& wanted) : wanted_(wanted) {
  }

  std::map<std::string, double> take() {
    return std::move(found_);
  }

  bool null() override {
    return scalar(std::nullopt);
  }
  bool boolean(bool v) override {
    return scalar(v ? 1.0 : 0.0);
  }
  bool number_integer(number_integer_t v) override {
    return scalar(static_cast<double>(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    return scalar(static_cast<double>(v));
  }
  bool number_float(number_float_t v, const string_t&) override {
    return scalar(static_cast<double>(v));
  }
  bool string(string_t&) override {
    return scalar(std::nullopt);
  }
  bool binary(binary_t&) override {
    return scalar(std::nullopt);
  }
  bool start_object(std::size_t) override {
    // The document must be an object; anything nested in it is skipped.
    if (depth_ == 0 && seen_top_)
      return false;
    seen_top_ = true;
    ++depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1)
      key_ = is_wanted(k, wanted_) ? std::optional<std::string>{k} : std::nullopt;
    return true;
  }
  bool end_object() override {
    --depth_;
    if (depth_ == 1)
      key_.reset();
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 0)
      return false; // a top-level array is not the flat object asked for
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    if (depth_ == 1)
      key_.reset();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

private:
  bool scalar(std::optional<double> v) {
    if (depth_ == 0)
      return false; // a bare scalar document
    if (depth_ == 1 && key_) {
      if (v)
        found_[*key_] = *v; // a repeated key: the last one wins, as in most parsers
      key_.reset();
    }
    return true;
  }

  const std::vector<std::string>& wanted_;
  std::map<std::string, double> found_;
  std::optional<std::string> key_;
  size_t depth_ = 0;
  bool seen_top_ = false;
};

std::map<std::string, double> parse_json(std::string_view body,
                                         const std::vector<std::string>& wanted) {
  flat_object_reader reader{wanted};
  try {
    if (!nlohmann::json::sax_parse(body.begin(), body.end(), &reader))
      return {};
  } catch (...) {
    // sax_parse reports errors through parse_error, but the body is a
    // stranger's: whatever else it provokes must not reach the fetcher.
    return {};
  }
  return reader.take();
}

} // namespace

std::map<std::string, double> parse_plugin_signals(std::string_view body,
                                                   const std::vector<std::string>& wanted) {
  auto text = body;
  if (text.substr(0, utf8_bom.size()) == utf8_bom)
    text.remove_prefix(utf8_bom.size());
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || wanted.empty())
    return {};
  if (text[first] == '{')
    return parse_json(text, wanted);
  return parse_prometheus(text, wanted);
}

} // namespace conductor
