#include "grassroots/eval.h"

#include <set>

namespace jingwu::grassroots {

Result<Evaluation> Evaluate(Service& svc, const nlohmann::json& truth, const std::map<std::string, int64_t>& refs) {
  Evaluation ev;
  // Hazard refs are inspection/item; dispute refs have no slash (ids of the two tables overlap).
  std::map<int64_t, std::string> hazard_ref, dispute_ref;
  for (const auto& [ref, id] : refs) (ref.find('/') != std::string::npos ? hazard_ref : dispute_ref)[id] = ref;
  JW_ASSIGN_OR_RETURN(json alerts, svc.Alerts(""));
  std::map<std::string, std::set<std::string>> found;
  for (const auto& a : alerts["items"]) {
    std::string kind = a["kind"];
    std::string key = a["site_code"];
    if (a["licence_no"].is_string()) key = a["licence_no"];
    if (a["hazard_id"].is_number_integer()) {
      auto it = hazard_ref.find(a["hazard_id"].get<int64_t>());
      key = it == hazard_ref.end() ? "hazard:" + std::to_string(a["hazard_id"].get<int64_t>()) : it->second;
    }
    found[kind].insert(key);
  }
  for (auto it = truth["alerts"].begin(); it != truth["alerts"].end(); ++it) {
    std::set<std::string> planted;
    for (const auto& k : it.value()) planted.insert(k.get<std::string>());
    ev.alerts[it.key()] = ScoreKeys(planted, found[it.key()]);
  }
  for (const auto& [kind, keys] : found)
    if (!ev.alerts.count(kind)) ev.alerts[kind] = ScoreKeys({}, keys);
  // Repeats: every stored dispute marked as one, by ref.
  std::set<std::string> planted, flagged;
  for (auto it = truth["repeats"].begin(); it != truth["repeats"].end(); ++it) planted.insert(it.key());
  JW_ASSIGN_OR_RETURN(json all, svc.Disputes("", "all", "", false, 1, 100000));
  for (const auto& d : all["items"]) {
    if (d["repeat_of"].is_null()) continue;
    auto it = dispute_ref.find(d["id"].get<int64_t>());
    std::string ref = it == dispute_ref.end() ? "dispute:" + std::to_string(d["id"].get<int64_t>()) : it->second;
    flagged.insert(ref);
    if (truth["repeats"].contains(ref) && truth["repeats"][ref]["reason"] != d["repeat_reason"]) ++ev.repeat_reasons_wrong;
  }
  ev.repeats = ScoreKeys(planted, flagged);
  return ev;
}

}  // namespace jingwu::grassroots
