#include "custody/eval.h"

#include <set>

namespace jingwu::custody {

std::map<std::string, RuleScore> ScoreAlerts(const std::vector<Alert>& alerts, const nlohmann::json& truth,
                                             const std::map<std::string, int64_t>& refs) {
  std::map<int64_t, std::string> ref_of;
  for (const auto& [ref, id] : refs) ref_of[id] = ref;
  std::map<std::string, std::set<std::string>> planted, found;
  const auto& t = truth.value("alerts", nlohmann::json::object());
  for (const char* kind : {"overdue", "due_soon", "headcount_mismatch", "missed_patrol", "lawyer_not_arranged",
                           "no_admission_medical"}) {
    planted[kind];
    for (const auto& k : t.value(kind, nlohmann::json::array())) planted[kind].insert(k.get<std::string>());
  }
  for (const auto& a : alerts) {
    auto it = ref_of.find(a.detainee_id);
    found[a.kind].insert(a.detainee_id ? (it == ref_of.end() ? "id " + std::to_string(a.detainee_id) : it->second)
                                       : a.facility_code + "/" + a.room);
  }
  std::map<std::string, RuleScore> out;
  for (const auto& [kind, keys] : planted) out[kind] = ScoreKeys(keys, found[kind]);
  for (const auto& [kind, keys] : found)
    if (!out.count(kind)) out[kind] = ScoreKeys({}, keys);
  return out;
}

std::map<std::string, int64_t> PlantedRejects(const nlohmann::json& truth, const std::string& file) {
  std::map<std::string, int64_t> out;
  if (!truth.contains("rejects") || !truth["rejects"].contains(file)) return out;
  const nlohmann::json& planted = truth["rejects"][file];
  for (auto it = planted.begin(); it != planted.end(); ++it) out[it.key()] = it.value().get<int64_t>();
  return out;
}

}  // namespace jingwu::custody
