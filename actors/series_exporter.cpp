#include "actors/series_exporter.hpp"

#include "messages/series.hpp"

namespace conductor {

series_exporter::series_exporter(metric_registry& registry) {
  for (const auto& f : series_catalog())
    families_.emplace(f.name, f.counter ? &registry.counter(f.name, f.help)
                                        : &registry.gauge(f.name, f.help));
}

series_exporter::entry* series_exporter::find_or_add(const std::string& key) {
  if (auto i = entries_.find(key); i != entries_.end())
    return &i->second;
  if (rejected_set_.count(key))
    return nullptr;
  auto parsed = parse_series_key(key);
  entry e;
  if (parsed) {
    if (auto f = families_.find(parsed->first); f != families_.end()) {
      e.family = f->second;
      e.series = &f->second->add({parsed->second.begin(), parsed->second.end()});
    }
  }
  if (!e.series) {
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
  i->second.family->remove(i->second.series);
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
    if (e->family->type() == metric_type::gauge) {
      e->series->set(value);
    } else {
      // A counter that went backwards was reset (a reboot, a recreated
      // cgroup): everything since the reset is new.
      auto delta = value >= e->last ? value - e->last : value;
      if (delta > 0)
        e->series->increment(delta);
      e->last = value;
    }
  }
}

} // namespace conductor
