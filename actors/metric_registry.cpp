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

std::string header(const std::string& name, std::string_view help, const char* type) {
  std::string out = "# HELP " + name + ' ';
  append_escaped(out, help, false);
  out += "\n# TYPE " + name + ' ' + type + '\n';
  return out;
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
  header_ = header(name_, help, type == metric_type::counter ? "counter" : "gauge");
}

metric_series& metric_family::add(const metric_labels& labels) {
  return series_.add(labels, [&](const std::string& key) {
    return std::make_unique<metric_series>(name_ + key + ' ');
  });
}

void metric_family::remove(const metric_series* series) {
  series_.remove(series);
}

std::optional<double> metric_family::value(const metric_labels& labels) const {
  if (const auto* series = series_.find(labels))
    return series->value();
  return std::nullopt;
}

void metric_family::render(std::string& out) const {
  series_.render(out, header_);
}

void metric_series::render(std::string& out) const {
  out += line_prefix_;
  append_sample_value(out, value());
  out += '\n';
}

metric_histogram::metric_histogram(const std::string& name, const std::string& labels,
                                   const std::vector<double>& bounds)
  : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  // `{a="x"}` -> `{a="x",le="` ; no labels -> `{le="`.
  auto open = labels.empty() ? std::string{"{"} : labels.substr(0, labels.size() - 1) + ',';
  for (size_t i = 0; i <= bounds.size(); ++i) {
    std::string prefix = name + "_bucket" + open + "le=\"";
    if (i < bounds.size())
      append_sample_value(prefix, bounds[i]);
    else
      prefix += "+Inf";
    prefixes_.push_back(prefix + "\"} ");
    counts_[i].store(0, std::memory_order_relaxed);
  }
  prefixes_.push_back(name + "_sum" + labels + ' ');
  prefixes_.push_back(name + "_count" + labels + ' ');
}

void metric_histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  auto current = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(current, current + v, std::memory_order_relaxed)) {
  }
}

uint64_t metric_histogram::cumulative(size_t i) const {
  uint64_t n = 0;
  for (size_t b = 0; b <= i && b <= bounds_.size(); ++b)
    n += counts_[b].load(std::memory_order_relaxed);
  return n;
}

uint64_t metric_histogram::count() const {
  return cumulative(bounds_.size());
}

void metric_histogram::render(std::string& out) const {
  // The count is the +Inf bucket, so a scrape racing an observe() never shows
  // a _count that disagrees with the buckets.
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    out += prefixes_[i];
    append_sample_value(out, static_cast<double>(running));
    out += '\n';
  }
  out += prefixes_[bounds_.size() + 1];
  append_sample_value(out, sum());
  out += '\n';
  out += prefixes_[bounds_.size() + 2];
  append_sample_value(out, static_cast<double>(running));
  out += '\n';
}

histogram_family::histogram_family(std::string name, std::string_view help,
                                   std::vector<double> bounds)
  : name_(std::move(name)), header_(header(name_, help, "histogram")),
    bounds_(std::move(bounds)) {
}

metric_histogram& histogram_family::add(const metric_labels& labels) {
  return series_.add(labels, [&](const std::string& key) {
    return std::make_unique<metric_histogram>(name_, key, bounds_);
  });
}

void histogram_family::remove(const metric_histogram* series) {
  series_.remove(series);
}

const metric_histogram* histogram_family::find(const metric_labels& labels) const {
  return series_.find(labels);
}

void histogram_family::render(std::string& out) const {
  series_.render(out, header_);
}

metric_family& metric_registry::gauge(std::string name, std::string_view help) {
  return add(std::move(name), help, metric_type::gauge);
}

metric_family& metric_registry::counter(std::string name, std::string_view help) {
  return add(std::move(name), help, metric_type::counter);
}

histogram_family& metric_registry::histogram(std::string name, std::string_view help,
                                             std::vector<double> bounds) {
  std::lock_guard<std::mutex> guard{mutex_};
  check_unused(name, true);
  for (auto& h : histograms_)
    if (h.name() == name)
      return h;
  return histograms_.emplace_back(std::move(name), help, std::move(bounds));
}

void metric_registry::check_unused(const std::string& name, bool histogram) const {
  bool taken = false;
  if (histogram)
    for (const auto& f : families_)
      taken = taken || f.name() == name;
  else
    for (const auto& h : histograms_)
      taken = taken || h.name() == name;
  if (taken)
    throw std::invalid_argument("metric family " + name + " registered twice with two types");
}

metric_family& metric_registry::add(std::string name, std::string_view help,
                                    metric_type type) {
  std::lock_guard<std::mutex> guard{mutex_};
  check_unused(name, false);
  for (auto& f : families_) {
    if (f.name() != name)
      continue;
    if (f.type() != type)
      throw std::invalid_argument("metric family " + name + " registered twice with two types");
    return f;
  }
  return families_.emplace_back(std::move(name), help, type);
}

const histogram_family* metric_registry::find_histogram(std::string_view name) const {
  std::lock_guard<std::mutex> guard{mutex_};
  for (const auto& h : histograms_)
    if (h.name() == name)
      return &h;
  return nullptr;
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
  for (const auto& h : histograms_)
    h.render(out);
  last_size_ = out.size();
  return out;
}

} // namespace conductor
