#include "replay/csv_trace.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <iterator>

namespace conductor::replay {

namespace {

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

/// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, size_t pos, size_t n, unsigned& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

bool parse_number(std::string_view s, double& out) {
  // from_chars rejects a leading '+' and whitespace: trim the latter only.
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  if (s.empty())
    return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size() && std::isfinite(out);
}

/// Splits one line on commas into `fields` (reused).
void split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t start = 0;
  for (;;) {
    auto comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return;
    }
    fields.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

/// The largest |seconds since the epoch| a row may have (1843-04 to 2096-10): the replay
/// runs on a nanosecond clock in an int64, and two rows further apart than 2^63 ns (292
/// years) made its step and its times out of range (llround of a huge or infinite value:
/// "-1e308" and "1e308" read as epoch seconds gave an infinite spacing; found by
/// fuzz/csv_fuzz.cpp's invariants). Within +-4e9 s every difference fits.
constexpr double max_abs_seconds = 4e9;

} // namespace

bool parse_timestamp(std::string_view text, double& seconds) {
  auto s = trim(text);
  unsigned y, mo, d, h, mi, sec;
  if (s.size() >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == ' ' || s[10] == 'T')
      && s[13] == ':' && s[16] == ':' && digits(s, 0, 4, y) && digits(s, 5, 2, mo)
      && digits(s, 8, 2, d) && digits(s, 11, 2, h) && digits(s, 14, 2, mi)
      && digits(s, 17, 2, sec)) {
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
      return false;
    double fraction = 0;
    auto rest = s.substr(19);
    if (!rest.empty() && rest.back() == 'Z')
      rest.remove_suffix(1);
    if (!rest.empty()) {
      if (rest.front() != '.' || rest.size() < 2)
        return false;
      double f = 0;
      double scale = 0.1;
      for (char c : rest.substr(1)) {
        if (c < '0' || c > '9')
          return false;
        f += (c - '0') * scale;
        scale /= 10;
      }
      fraction = f;
    }
    seconds = static_cast<double>(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec)
              + fraction;
    return true;
  }
  return parse_number(s, seconds);
}

bool parse_trace(std::string text, const std::string& name, const std::string& column,
                 trace& out, std::string& error) {
  out = trace{};
  out.text = std::move(text);
  out.column = column;
  std::string_view rest{out.text};
  auto next_line = [&rest]() {
    auto eol = rest.find('\n');
    auto line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    return line;
  };
  auto fail = [&](size_t line, const std::string& message) {
    error = name + ":" + std::to_string(line) + ": " + message;
    return false;
  };
  if (rest.empty())
    return fail(1, "empty file: expected a header such as \"timestamp,value\"");
  std::vector<std::string_view> fields;
  split_fields(next_line(), fields);
  size_t ts_col = fields.size();
  size_t value_col = fields.size();
  std::string names;
  for (size_t i = 0; i < fields.size(); ++i) {
    auto f = trim(fields[i]);
    names += (i ? ", " : "") + std::string{f};
    if (f == "timestamp")
      ts_col = i;
    else if (f == column)
      value_col = i;
  }
  if (ts_col == fields.size())
    return fail(1, "no \"timestamp\" column in the header (columns: " + names + ")");
  if (value_col == fields.size())
    return fail(1, "no column \"" + column + "\" in the header (columns: " + names + ")");
  // A row per line, roughly: reserving saves the vector's regrowth.
  out.rows.reserve(static_cast<size_t>(std::count(rest.begin(), rest.end(), '\n')) + 1);
  size_t line_no = 1;
  double previous = -INFINITY;
  while (!rest.empty()) {
    auto line = next_line();
    ++line_no;
    if (line.empty() && rest.empty())
      break; // the final newline
    split_fields(line, fields);
    if (fields.size() <= std::max(ts_col, value_col))
      return fail(line_no, "expected at least " + std::to_string(std::max(ts_col, value_col) + 1)
                             + " fields, got " + std::to_string(fields.size()));
    trace_row row;
    row.timestamp = trim(fields[ts_col]);
    if (!parse_timestamp(row.timestamp, row.seconds))
      return fail(line_no, "timestamp \"" + std::string{row.timestamp}
                             + "\" is neither YYYY-MM-DD HH:MM:SS nor epoch seconds");
    if (std::fabs(row.seconds) > max_abs_seconds)
      return fail(line_no, "timestamp \"" + std::string{row.timestamp}
                             + "\" is out of range: replay takes times within 4e9 s of 1970"
                               " (1843-04 to 2096-10)");
    row.value_text = trim(fields[value_col]);
    if (!parse_number(fields[value_col], row.value))
      return fail(line_no, column + " \"" + std::string{trim(fields[value_col])}
                             + "\" is not a finite number");
    if (row.seconds <= previous && out.out_of_order++ == 0)
      out.first_out_of_order_line = line_no;
    previous = std::max(previous, row.seconds);
    out.rows.push_back(row);
  }
  if (out.rows.empty())
    return fail(2, "no rows after the header");
  return true;
}

bool read_trace(const std::string& path, const std::string& column, trace& out,
                std::string& error) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>{std::cin}, std::istreambuf_iterator<char>{});
  } else {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
      error = path + ": cannot open for reading";
      return false;
    }
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
      text.append(buf, n);
    bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) {
      error = path + ": read error";
      return false;
    }
  }
  return parse_trace(std::move(text), path, column, out, error);
}

double median_spacing(const trace& t) {
  if (t.rows.size() < 2)
    return 0;
  std::vector<double> diffs;
  auto n = std::min<size_t>(t.rows.size() - 1, 1000);
  diffs.reserve(n);
  for (size_t i = 1; i <= n; ++i)
    diffs.push_back(t.rows[i].seconds - t.rows[i - 1].seconds);
  std::nth_element(diffs.begin(), diffs.begin() + static_cast<long>(diffs.size() / 2),
                   diffs.end());
  return diffs[diffs.size() / 2];
}

} // namespace conductor::replay
