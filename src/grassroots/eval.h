// Scoring the supervision alerts and the repeat-dispute flags against the
// truth `jingwu gen` planted (grassroots_truth.json), by key: site codes,
// licence numbers, hazard refs (inspection/item) and dispute refs.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/score.h"
#include "grassroots/service.h"

namespace jingwu::grassroots {

struct Evaluation {
  std::map<std::string, RuleScore> alerts;  // per alert kind
  RuleScore repeats;                        // dispute refs stored as repeats
  int64_t repeat_reasons_wrong = 0;         // found and planted, but for another reason
};

// refs: the import's refs (hazard refs and dispute refs to stored ids).
Result<Evaluation> Evaluate(Service& svc, const nlohmann::json& truth, const std::map<std::string, int64_t>& refs);

}  // namespace jingwu::grassroots
