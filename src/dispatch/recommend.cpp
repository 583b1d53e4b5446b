#include "dispatch/recommend.h"

#include <algorithm>

namespace jingwu::dispatch {

double StraightLineEta::Seconds(const Unit& u, double lat, double lon, double* distance_m) const {
  double d = HaversineMeters(u.lat, u.lon, lat, lon);
  if (distance_m) *distance_m = d;
  const UnitTypeInfo* t = FindUnitType(u.type);
  double speed_ms = (t ? t->speed_kmh : 30.0) / 3.6;
  return d * detour_ / speed_ms;
}

bool IsAvailableFor(const Unit& u, const CategoryInfo& category) {
  if (u.availability != kOnDuty || u.current_incident != 0) return false;
  if (std::find(category.unit_types.begin(), category.unit_types.end(), u.type) != category.unit_types.end())
    return true;
  return std::find(u.capabilities.begin(), u.capabilities.end(), category.code) != u.capabilities.end();
}

std::vector<Recommendation> Recommend(const std::map<int64_t, Unit>& units, const Incident& incident, Timestamp now,
                                      const EtaModel& eta, int64_t stale_after_s, size_t limit,
                                      const std::function<bool(const Unit&)>& eligible) {
  std::vector<Recommendation> out;
  const CategoryInfo* cat = FindCategory(incident.category);
  if (!cat || incident.closed()) return out;
  out.reserve(units.size());
  for (const auto& [id, u] : units) {
    if (!IsAvailableFor(u, *cat) || (eligible && !eligible(u))) continue;
    Recommendation r;
    r.unit_id = id;
    r.eta_s = eta.Seconds(u, incident.lat, incident.lon, &r.distance_m);
    r.position_age_s = std::max<int64_t>(0, (now.micros - u.position_at.micros) / kMicrosPerSecond);
    r.stale = r.position_age_s > stale_after_s;
    out.push_back(r);
  }
  auto before = [](const Recommendation& a, const Recommendation& b) {
    if (a.stale != b.stale) return !a.stale;
    if (a.eta_s != b.eta_s) return a.eta_s < b.eta_s;
    return a.unit_id < b.unit_id;
  };
  size_t n = std::min(limit, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), before);
  out.resize(n);
  return out;
}

}  // namespace jingwu::dispatch
