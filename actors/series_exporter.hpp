// series_exporter.hpp -- puts the series of resource samples on /metrics.
//
// Keys are exposition text (messages/series.hpp). A key is parsed once, when
// first seen; after that an update is a hash lookup and an atomic store.
// Series a source stops sending (a vanished device, a stopped plugin) are
// removed, so /metrics never shows a stale value as if it were current.
// Counters carry the kernel's cumulative value in the sample and are advanced
// by the difference; the exporter lives as long as the registry (not as long
// as the metrics actor), so a restarted actor does not count anything twice.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/metric_registry.hpp"

namespace conductor {

class series_exporter {
public:
  /// Registers every family of series_catalog() in `registry`.
  explicit series_exporter(metric_registry& registry);

  /// The newest series of `source`; those of its previous update that are
  /// missing now are removed.
  void update(const std::string& source, const std::map<std::string, double>& series);

  /// Keys that named no known family or did not parse, each counted once.
  const std::vector<std::string>& rejected() const {
    return rejected_;
  }

private:
  struct entry {
    metric_family* family = nullptr;
    metric_series* series = nullptr;
    /// The cumulative value last seen, for counters.
    double last = 0;
  };

  entry* find_or_add(const std::string& key);
  void remove(const std::string& key);

  std::unordered_map<std::string, metric_family*> families_;
  std::unordered_map<std::string, entry> entries_;
  /// Per source, the keys of its last update.
  std::unordered_map<std::string, std::unordered_set<std::string>> by_source_;
  std::unordered_set<std::string> rejected_set_;
  std::vector<std::string> rejected_;
};

} // namespace conductor
