// Internal: the supervision records as one snapshot, from which the site
// listings, the alerts (and their scoring) and the dashboard are computed.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "sql/database.h"

namespace jingwu::grassroots {

struct LicenceState {
  std::string no, item;
  int64_t limit = 0, from = 0, to = 0;  // days
  int64_t stock = 0;
};

struct HazardState {
  int64_t id = 0;
  std::string item, level;
  int64_t found_day = 0, deadline_day = 0;
  std::string deadline;
};

struct SiteState {
  std::string code, name, kind, district;
  sql::Row row{nullptr, {}};
  int64_t opened_day = 0, last_day = 0, next_due = 0;
  bool in_season = true;
  std::string last_inspected_at, counted_at;
  nlohmann::json counts;  // the last inspection's counts (licence -> quantity)
  std::vector<int64_t> inspection_days;
  std::vector<LicenceState> licences;
  std::vector<HazardState> open_hazards;
};

struct SupervisionState {
  int64_t today = 0;
  std::vector<SiteState> sites;
  std::map<std::string, size_t> index;  // code -> sites[i]
};

struct AlertState {
  std::string kind, site, licence;
  int64_t hazard = 0;
  std::string since;
  nlohmann::json detail;
};

Result<SupervisionState> LoadSupervision(sql::Database* db, int64_t today, const std::string& district);
std::vector<AlertState> SupervisionAlerts(const SupervisionState& st, int expiring_days);

}  // namespace jingwu::grassroots
