#include "community/eval.h"

#include <set>

#include "core/time.h"

namespace jingwu::community {

namespace {
// The same instant whatever the text's form (the files have no offset; findings do).
std::string Instant(const std::string& text) {
  auto t = ParseTime(text);
  return t.ok() ? std::to_string(t->micros) : text;
}
}  // namespace

std::map<std::string, RuleScore> Score(const std::vector<Finding>& findings, const nlohmann::json& truth,
                                       const std::map<std::string, std::string>& places) {
  std::map<std::string, std::set<std::string>> planted, found;
  auto place = [&](const std::string& code) {
    auto it = places.find(code);
    return it == places.end() ? code : it->second;
  };
  for (const char* rule : {"unregistered_regular", "elderly_unseen"}) {
    const char* key = std::string(rule) == "unregistered_regular" ? "unregistered_regulars" : "elderly_unseen";
    for (const auto& t : truth.value(key, nlohmann::json::array()))
      planted[rule].insert(t.value("person", "") + "@" + t.value("community", ""));
  }
  for (const auto& t : truth.value("cloned_cards", nlohmann::json::array())) planted["cloned_card"].insert("CARD:" + t.value("card", ""));
  for (const auto& t : truth.value("overdue_alarms", nlohmann::json::array()))
    planted["alarm_overdue"].insert(t.value("device", "") + "@" + Instant(t.value("raised_at", "")));
  for (const auto& f : findings) {
    auto d = nlohmann::json::parse(f.detail, nullptr, false);
    if (f.rule == "unregistered_regular" || f.rule == "elderly_unseen")
      found[f.rule].insert(f.subject + "@" + place(f.community_code));
    else if (f.rule == "cloned_card")
      found[f.rule].insert(f.subject);
    else if (f.rule == "alarm_overdue" && d.is_object())
      found[f.rule].insert(d.value("device", "") + "@" + Instant(d.value("raised_at", "")));
  }
  std::map<std::string, RuleScore> out;
  for (const char* rule : {"unregistered_regular", "elderly_unseen", "cloned_card", "alarm_overdue"})
    out[rule] = ScoreKeys(planted[rule], found[rule]);
  return out;
}

}  // namespace jingwu::community
