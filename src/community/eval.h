// Scoring the smart-community rules against the generator's planted truth
// (community_truth.json): per rule, the findings that match a planted case,
// the planted cases missed and the findings that match none.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "community/service.h"

namespace jingwu::community {

struct RuleScore {
  int64_t planted = 0, found = 0, true_positives = 0;
  std::vector<std::string> missed, false_positives;  // subjects
  double recall() const { return planted ? static_cast<double>(true_positives) / static_cast<double>(planted) : 1.0; }
  double precision() const { return found ? static_cast<double>(true_positives) / static_cast<double>(found) : 1.0; }
};

// Keys compared: unregistered_regular and elderly_unseen by person and
// community place code; cloned_card by card; alarm_overdue by device and
// raised time. `places` maps registry community codes to place codes.
std::map<std::string, RuleScore> Score(const std::vector<Finding>& findings, const nlohmann::json& truth,
                                       const std::map<std::string, std::string>& places);

}  // namespace jingwu::community
