// Unit recommendation for an incident: the available units that fit its
// category, ordered by estimated travel time. Units whose last position is
// older than the stale age are flagged and ranked after every fresh one, so a
// nearer free unit with a current position is never skipped for a stale one.
//
// The ETA sits behind EtaModel so that a road-network model can replace the
// straight-line one. Pure functions; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "dispatch/model.h"

namespace jingwu::dispatch {

class EtaModel {
 public:
  virtual ~EtaModel() = default;
  // Seconds for the unit to reach (lat, lon); sets *distance_m to the distance used.
  virtual double Seconds(const Unit& u, double lat, double lon, double* distance_m) const = 0;
};

// Great-circle distance × detour factor ÷ speed of the unit type.
class StraightLineEta final : public EtaModel {
 public:
  explicit StraightLineEta(double detour = 1.4) : detour_(detour) {}
  double Seconds(const Unit& u, double lat, double lon, double* distance_m) const override;
  double detour() const { return detour_; }

 private:
  double detour_;
};

struct Recommendation {
  int64_t unit_id = 0;
  double distance_m = 0;     // on the ground (great circle)
  double eta_s = 0;
  int64_t position_age_s = 0;
  bool stale = false;
};

// Whether the unit may be dispatched now to an incident of this category.
bool IsAvailableFor(const Unit& u, const CategoryInfo& category);

// eligible (optional): a further test a unit must pass, e.g. a crew on the roster.
std::vector<Recommendation> Recommend(const std::map<int64_t, Unit>& units, const Incident& incident, Timestamp now,
                                      const EtaModel& eta, int64_t stale_after_s, size_t limit,
                                      const std::function<bool(const Unit&)>& eligible = {});

}  // namespace jingwu::dispatch
