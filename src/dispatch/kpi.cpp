#include "dispatch/kpi.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace jingwu::dispatch {

bool IsKpiGroupBy(std::string_view g) {
  return g == "day" || g == "priority" || g == "district" || g == "unit_type" || g == "all";
}

double NearestRank(const std::vector<double>& sorted, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

namespace {
struct Acc {
  std::vector<double> values;
  int64_t within = 0;
  bool has_target = false;
  void Add(double v, std::optional<int64_t> target) {
    values.push_back(v);
    if (target) {
      has_target = true;
      if (v <= static_cast<double>(*target)) ++within;
    }
  }
};

double Secs(Timestamp a, Timestamp b) { return static_cast<double>(b.micros - a.micros) / kMicrosPerSecond; }
}  // namespace

KpiReport ComputeKpis(const std::vector<Event>& events, const TargetTable& targets, const KpiQuery& q) {
  State s;
  for (const auto& e : events) s.Apply(e);
  static const char* kNames[] = {"answer", "dispatch", "acknowledge", "arrive", "close"};
  struct Group {
    int64_t incidents = 0;
    std::map<std::string, Acc> acc;
  };
  std::map<std::string, Group> groups;
  for (const auto& [id, inc] : s.incidents) {
    if (q.from && inc.received_at < *q.from) continue;
    if (q.to && inc.received_at > *q.to) continue;
    std::string key;
    if (q.group_by == "day") key = FormatTime(inc.received_at).substr(0, 10);
    else if (q.group_by == "priority") key = std::to_string(inc.priority);
    else if (q.group_by == "district") key = inc.district;
    else if (q.group_by == "unit_type") {
      key = "none";
      if (!inc.assignments.empty()) {
        auto u = s.units.find(inc.assignments.front().unit_id);
        if (u != s.units.end()) key = u->second.type;
      }
    } else key = "all";
    Group& g = groups[key];
    ++g.incidents;
    const Targets& t = targets.For(inc.priority, inc.area);
    if (inc.rang_at) g.acc["answer"].Add(Secs(*inc.rang_at, inc.received_at), kNenaAnswerS);
    if (inc.dispatched_at) g.acc["dispatch"].Add(Secs(inc.received_at, *inc.dispatched_at), kNfpaDispatchS);
    if (inc.dispatched_at && inc.acknowledged_at)
      g.acc["acknowledge"].Add(Secs(*inc.dispatched_at, *inc.acknowledged_at), t.acknowledge_s);
    if (inc.arrived_at) g.acc["arrive"].Add(Secs(inc.received_at, *inc.arrived_at), t.arrival_s);
    if (inc.closed_at) g.acc["close"].Add(Secs(inc.received_at, *inc.closed_at), std::nullopt);
  }
  KpiReport r;
  r.group_by = q.group_by;
  for (auto& [key, g] : groups) {
    KpiGroup out{key, g.incidents, {}};
    for (const char* name : kNames) {
      Metric m;
      m.name = name;
      auto it = g.acc.find(name);
      if (it != g.acc.end() && !it->second.values.empty()) {
        auto& v = it->second.values;
        std::sort(v.begin(), v.end());
        m.count = static_cast<int64_t>(v.size());
        m.median_s = NearestRank(v, 0.5);
        m.p90_s = NearestRank(v, 0.9);
        m.has_target = it->second.has_target;
        m.within = it->second.within;
        if (m.has_target) m.within_share = static_cast<double>(m.within) / static_cast<double>(m.count);
      }
      out.metrics.push_back(m);
    }
    r.groups.push_back(std::move(out));
  }
  return r;
}

}  // namespace jingwu::dispatch
