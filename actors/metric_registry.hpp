// metric_registry.hpp -- Prometheus families and series, rendered straight to
// the text exposition format.
//
// Why not prometheus-cpp: its scrape copies every family, series and label map
// into a snapshot and then formats doubles through std::ostream; that was 80 %
// of conductor's CPU per scrape. Here each series renders its `name{labels} `
// prefix once, when created, and a scrape appends prefixes and values
// (std::to_chars) into one string. Values are atomics, so the actors that
// update them and the HTTP thread that renders them need no common lock; only
// adding and removing series takes the family's mutex.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor {

/// Label name to value; rendered in name order.
using metric_labels = std::map<std::string, std::string>;

enum class metric_type { gauge, counter };

/// `{a="x",b="y"}` with values escaped as the exposition format requires;
/// empty for no labels.
std::string render_labels(const metric_labels& labels);

/// A sample value as the exposition format writes it: shortest round-trip
/// decimal, `+Inf`, `-Inf` or `NaN`.
void append_sample_value(std::string& out, double value);

/// The series of one family, keyed by their rendered label set so that they
/// render in a stable order. Adding, removing and rendering take the mutex;
/// values are the series' own atomics.
template <class Series>
class labelled_series {
public:
  /// The series with these labels; `make(rendered_labels)` creates it on
  /// first use. The reference stays valid until the series is removed.
  template <class Make>
  Series& add(const metric_labels& labels, Make make) {
    auto key = render_labels(labels);
    std::lock_guard<std::mutex> guard{mutex_};
    auto i = map_.find(key);
    if (i == map_.end()) {
      auto series = make(key);
      i = map_.emplace(std::move(key), std::move(series)).first;
    }
    return *i->second;
  }

  /// Removes a series add() returned; unknown pointers are ignored.
  void remove(const Series* series) {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto i = map_.begin(); i != map_.end(); ++i) {
      if (i->second.get() == series) {
        map_.erase(i);
        return;
      }
    }
  }

  /// The series with these labels, or null.
  const Series* find(const metric_labels& labels) const {
    auto key = render_labels(labels);
    std::lock_guard<std::mutex> guard{mutex_};
    auto i = map_.find(key);
    return i == map_.end() ? nullptr : i->second.get();
  }

  /// Appends `header` and every series; nothing while there is none.
  void render(std::string& out, const std::string& header) const {
    std::lock_guard<std::mutex> guard{mutex_};
    if (map_.empty())
      return;
    out += header;
    for (const auto& entry : map_)
      entry.second->render(out);
  }

private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Series>, std::less<>> map_;
};

/// One series of a family: its value and its rendered line prefix.
class metric_series {
public:
  explicit metric_series(std::string line_prefix) : line_prefix_(std::move(line_prefix)) {
  }

  void set(double v) {
    value_.store(v, std::memory_order_relaxed);
  }

  void increment(double by = 1);

  double value() const {
    return value_.load(std::memory_order_relaxed);
  }

  /// Appends the series' line.
  void render(std::string& out) const;

private:
  /// `name{labels} `, ready to be followed by the value.
  std::string line_prefix_;
  std::atomic<double> value_{0};
};

class metric_family {
public:
  metric_family(std::string name, std::string_view help, metric_type type);

  /// The series with these labels, created on first use. The reference stays
  /// valid until the series is removed.
  metric_series& add(const metric_labels& labels);

  /// Removes a series this family returned; unknown pointers are ignored.
  void remove(const metric_series* series);

  /// The value of the series with these labels, if there is one.
  std::optional<double> value(const metric_labels& labels) const;

  const std::string& name() const {
    return name_;
  }

  metric_type type() const {
    return type_;
  }

  /// Appends the family's HELP and TYPE lines and one line per series;
  /// appends nothing while the family has no series.
  void render(std::string& out) const;

private:
  std::string name_;
  std::string header_;
  metric_type type_;
  labelled_series<metric_series> series_;
};

/// One series of a histogram family: observations counted into fixed
/// buckets. Rendered as Prometheus does: cumulative `_bucket{le}` lines, `+Inf`
/// last, then `_sum` and `_count`.
class metric_histogram {
public:
  /// `bounds`: the family's upper bounds, ascending, without +Inf.
  metric_histogram(const std::string& name, const std::string& labels,
                   const std::vector<double>& bounds);

  void observe(double v);

  /// Observations so far, and their sum.
  uint64_t count() const;
  double sum() const {
    return sum_.load(std::memory_order_relaxed);
  }

  /// Observations <= bounds[i] (i < bounds.size()), or all (i == size()).
  uint64_t cumulative(size_t i) const;

  void render(std::string& out) const;

private:
  const std::vector<double>& bounds_;
  /// Per bucket `name_bucket{labels,le="x"} `, the +Inf one last, then the
  /// `_sum` and `_count` prefixes.
  std::vector<std::string> prefixes_;
  /// Per bucket (not cumulative), the +Inf bucket last.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

class histogram_family {
public:
  histogram_family(std::string name, std::string_view help, std::vector<double> bounds);

  metric_histogram& add(const metric_labels& labels);
  void remove(const metric_histogram* series);
  /// The series with these labels, if there is one.
  const metric_histogram* find(const metric_labels& labels) const;

  const std::string& name() const {
    return name_;
  }

  void render(std::string& out) const;

private:
  std::string name_;
  std::string header_;
  std::vector<double> bounds_;
  labelled_series<metric_histogram> series_;
};

class metric_registry {
public:
  metric_family& gauge(std::string name, std::string_view help);
  metric_family& counter(std::string name, std::string_view help);
  /// `bounds`: ascending upper bounds of the buckets, +Inf implied.
  histogram_family& histogram(std::string name, std::string_view help,
                              std::vector<double> bounds);

  /// The family called `name`, or null.
  const metric_family* find(std::string_view name) const;
  const histogram_family* find_histogram(std::string_view name) const;

  /// The text exposition (format 0.0.4) of every family that has series.
  std::string render() const;

private:
  metric_family& add(std::string name, std::string_view help, metric_type type);
  /// Throws std::invalid_argument when `name` is a histogram (or, with
  /// `histogram`, a gauge or counter).
  void check_unused(const std::string& name, bool histogram) const;

  mutable std::mutex mutex_;
  /// Deques so that families never move: actors hold references to them.
  std::deque<metric_family> families_;
  std::deque<histogram_family> histograms_;
  /// The size of the last rendering, to allocate once per scrape.
  mutable std::size_t last_size_ = 0;
};

} // namespace conductor
