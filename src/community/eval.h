// Scoring the smart-community rules against the generator's planted truth
// (community_truth.json): per rule, the findings that match a planted case,
// the planted cases missed and the findings that match none.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "community/service.h"
#include "core/score.h"

namespace jingwu::community {

using RuleScore = jingwu::RuleScore;  // core/score.h

// Keys compared: unregistered_regular and elderly_unseen by person and
// community place code; cloned_card by card; alarm_overdue by device and
// raised time. `places` maps registry community codes to place codes.
std::map<std::string, RuleScore> Score(const std::vector<Finding>& findings, const nlohmann::json& truth,
                                       const std::map<std::string, std::string>& places);

}  // namespace jingwu::community
