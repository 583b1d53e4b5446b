// Response-time KPIs computed from the timeline alone: per incident the times
// to answer, dispatch, acknowledge, arrive and close; per group (day,
// priority, district, unit type) their median, 90th percentile (nearest rank)
// and the share within target. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dispatch/model.h"

namespace jingwu::dispatch {

// Reference lines: NENA call answering (90% within 15 s) and NFPA 1221
// alarm processing (90% dispatched within 64 s).
inline constexpr int64_t kNenaAnswerS = 15, kNfpaDispatchS = 64;

struct KpiQuery {
  std::optional<Timestamp> from, to;  // on received time, inclusive
  std::string group_by = "day";       // day, priority, district, unit_type, all
};

struct Metric {
  std::string name;                  // answer, dispatch, acknowledge, arrive, close
  int64_t count = 0;                 // incidents that reached the step
  std::optional<double> median_s, p90_s;
  bool has_target = false;
  int64_t within = 0;                // of count, how many within their target
  std::optional<double> within_share;
};

struct KpiGroup {
  std::string key;
  int64_t incidents = 0;
  std::vector<Metric> metrics;
};

struct KpiReport {
  std::string group_by;
  std::vector<KpiGroup> groups;  // sorted by key
};

bool IsKpiGroupBy(std::string_view g);
// Nearest-rank percentile (p in (0, 1]) of a non-empty sorted list.
double NearestRank(const std::vector<double>& sorted, double p);
KpiReport ComputeKpis(const std::vector<Event>& events, const TargetTable& targets, const KpiQuery& q);

}  // namespace jingwu::dispatch
