#include "actors/series_exporter.hpp"

#include "messages/series.hpp"

namespace conductor {

series_exporter::series_exporter(prometheus::Registry& registry) {
  for (const auto& f : series_catalog()) {
    if (f.counter)
      counters_.emplace(f.name,
                        &prometheus::BuildCounter().Name(f.name).Help(f.help).Register(registry));
    else
      gauges_.emplace(f.name,
                      &prometheus::BuildGauge().Name(f.name).Help(f.help).Register(registry));
  }
}

series_exporter::entry* series_exporter::find_or_add(const std::string& key) {
  if (auto i = entries_.find(key); i != entries_.end())
    return &i->second;
  if (rejected_set_.count(key))
    return nullptr;
  auto parsed = parse_series_key(key);
  entry e;
  if (parsed) {
    prometheus::Labels labels{parsed->second.begin(), parsed->second.end()};
    if (auto g = gauges_.find(parsed->first); g != gauges_.end()) {
      e.gauge_family = g->second;
      e.gauge = &g->second->Add(labels);
    } else if (auto c = counters_.find(parsed->first); c != counters_.end()) {
      e.counter_family = c->second;
      e.counter = &c->second->Add(labels);
    }
  }
  if (!e.gauge && !e.counter) {
    rejected_set_.insert(key);
    rejected_.push_back(key);
    return nullptr;
  }
  return &entries_.emplace(key, e).first->second;
}

void series_exporter::remove(const std::string& key) {
  auto i = entries_.find(key);
  if (i == entries_.end())
    return;
  if (i->second.gauge)
    i->second.gauge_family->Remove(i->second.gauge);
  else
    i->second.counter_family->Remove(i->second.counter);
  entries_.erase(i);
}

void series_exporter::update(const std::string& source,
                             const std::map<std::string, double>& series) {
  auto& seen = by_source_[source];
  for (auto i = seen.begin(); i != seen.end();) {
    if (series.count(*i) == 0) {
      remove(*i);
      i = seen.erase(i);
    } else {
      ++i;
    }
  }
  for (const auto& [key, value] : series) {
    auto* e = find_or_add(key);
    if (!e)
      continue;
    seen.insert(key);
    if (e->gauge) {
      e->gauge->Set(value);
    } else {
      // A counter that went backwards was reset (a reboot, a recreated
      // cgroup): everything since the reset is new.
      auto delta = value >= e->last ? value - e->last : value;
      if (delta > 0)
        e->counter->Increment(delta);
      e->last = value;
    }
  }
}

} // namespace conductor
