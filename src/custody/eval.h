// Scoring custody alerts against the generator's planted truth
// (custody_truth.json): per alert kind, the alerts that match a planted
// problem, the planted problems missed and the alerts that match none.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/score.h"
#include "custody/service.h"

namespace jingwu::custody {

// Detainee alerts are compared by the file's detainee ref (refs: ref ->
// detainee id, as Import returns them), room alerts by "FACILITY/ROOM".
std::map<std::string, RuleScore> ScoreAlerts(const std::vector<Alert>& alerts, const nlohmann::json& truth,
                                             const std::map<std::string, int64_t>& refs);

// The rejects planted in a file: reason -> rows.
std::map<std::string, int64_t> PlantedRejects(const nlohmann::json& truth, const std::string& file);

}  // namespace jingwu::custody
