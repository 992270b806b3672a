#include "actors/metric_registry.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace conductor {

namespace {

// HELP text escapes backslash and newline; label values also the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out += c;
  }
}

} // namespace

std::string render_labels(const metric_labels& labels) {
  std::string out;
  if (labels.empty())
    return out;
  out += '{';
  for (const auto& [name, value] : labels) {
    if (out.size() > 1)
      out += ',';
    out += name;
    out += "=\"";
    append_escaped(out, value, true);
    out += '"';
  }
  out += '}';
  return out;
}

void append_sample_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, ec == std::errc{} ? end : buf);
  }
}

void metric_series::increment(double by) {
  auto current = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
  }
}

metric_family::metric_family(std::string name, std::string_view help, metric_type type)
  : name_(std::move(name)), type_(type) {
  header_ = "# HELP " + name_ + ' ';
  append_escaped(header_, help, false);
  header_ += "\n# TYPE " + name_ + (type == metric_type::counter ? " counter\n" : " gauge\n");
}

metric_series& metric_family::add(const metric_labels& labels) {
  auto key = render_labels(labels);
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = series_.find(key);
  if (i == series_.end()) {
    auto series = std::make_unique<metric_series>(name_ + key + ' ');
    i = series_.emplace(std::move(key), std::move(series)).first;
  }
  return *i->second;
}

void metric_family::remove(const metric_series* series) {
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto i = series_.begin(); i != series_.end(); ++i) {
    if (i->second.get() == series) {
      series_.erase(i);
      return;
    }
  }
}

std::optional<double> metric_family::value(const metric_labels& labels) const {
  auto key = render_labels(labels);
  std::lock_guard<std::mutex> guard{mutex_};
  if (auto i = series_.find(key); i != series_.end())
    return i->second->value();
  return std::nullopt;
}

void metric_family::render(std::string& out) const {
  std::lock_guard<std::mutex> guard{mutex_};
  if (series_.empty())
    return;
  out += header_;
  for (const auto& entry : series_) {
    out += entry.second->line_prefix();
    append_sample_value(out, entry.second->value());
    out += '\n';
  }
}

metric_family& metric_registry::gauge(std::string name, std::string_view help) {
  return add(std::move(name), help, metric_type::gauge);
}

metric_family& metric_registry::counter(std::string name, std::string_view help) {
  return add(std::move(name), help, metric_type::counter);
}

metric_family& metric_registry::add(std::string name, std::string_view help,
                                    metric_type type) {
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto& f : families_) {
    if (f.name() != name)
      continue;
    if (f.type() != type)
      throw std::invalid_argument("metric family " + name + " registered twice with two types");
    return f;
  }
  return families_.emplace_back(std::move(name), help, type);
}

const metric_family* metric_registry::find(std::string_view name) const {
  std::lock_guard<std::mutex> guard{mutex_};
  for (const auto& f : families_)
    if (f.name() == name)
      return &f;
  return nullptr;
}

std::string metric_registry::render() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::string out;
  out.reserve(last_size_ + last_size_ / 8);
  for (const auto& f : families_)
    f.render(out);
  last_size_ = out.size();
  return out;
}

} // namespace conductor
