#include "stays/policy.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace jingwu::stays {

using nlohmann::json;

int Policy::AllowedDays(const std::string& nationality) const {
  auto it = countries.find(nationality);
  return it == countries.end() ? 0 : it->second;
}

std::string Policy::LanguageOf(const std::string& nationality) const {
  auto it = languages.find(nationality);
  return it == languages.end() ? default_language : it->second;
}

bool Policy::IsInternational(const std::string& trip) const {
  return !international_trip.empty() && std::regex_match(trip, international);
}

const std::string& DefaultPolicyJson() {
  static const std::string kJson = R"json({
  "name": "海南入境免签（59国，30天）",
  "days": 30,
  "countries": ["RUS","GBR","FRA","DEU","NOR","UKR","ITA","AUT","FIN","NLD","DNK","CHE","SWE","ESP","BEL","CZE",
                "EST","GRC","HUN","ISL","IRL","LVA","LTU","MKD","MLT","POL","PRT","SRB","SVK","SVN","MNE","ROU",
                "ALB","CYP","BIH","MCO","BGR","HRV","LUX","BLR","USA","CAN","BRA","MEX","ARG","CHL","AUS","NZL",
                "KOR","JPN","SGP","MYS","THA","KAZ","PHL","IDN","BRN","ARE","QAT"],
  "registration_hours": 24,
  "reminder_days": 3,
  "fine_per_day": 500,
  "fine_cap": 10000,
  "ports": {"ST001": "airport", "ST002": "mainland", "ST003": "mainland", "ST004": "mainland",
            "ST005": "mainland", "ST006": "island", "ST007": "island"},
  "international_trip": "^[A-Z0-9]{2}[0-9]{3}$",
  "languages": {"RUS": "ru", "BLR": "ru", "KAZ": "ru", "KOR": "ko", "JPN": "ja", "SGP": "zh"},
  "default_language": "en",
  "texts": {
    "en": "Dear {name}, your visa-free stay in Hainan ends on {last_day} (day {days}). Please leave China by then, or apply to the exit-entry administration of the public security bureau before that day to extend your stay. Overstaying is fined CNY 500 per day. Haikou Public Security Bureau",
    "ru": "Уважаемый(ая) {name}, срок вашего безвизового пребывания на Хайнане истекает {last_day} (день {days}). Пожалуйста, покиньте Китай до этой даты или заранее обратитесь в отдел въезда и выезда бюро общественной безопасности для продления пребывания. Штраф за превышение срока — 500 юаней в день. Бюро общественной безопасности г. Хайкоу",
    "ko": "{name}님, 하이난 무비자 체류 기간이 {last_day}({days}일째)에 만료됩니다. 그 전에 중국을 출국하시거나, 만료일 전에 공안국 출입국관리부서에 체류 연장을 신청하십시오. 초과 체류 시 하루 500위안의 벌금이 부과됩니다. 하이커우시 공안국",
    "ja": "{name}様、海南省でのビザなし滞在期間は{last_day}（{days}日目）に終了します。それまでに中国を出国するか、期限前に公安局出入境管理部門で滞在延長を申請してください。超過滞在には1日500元の罰金が科されます。海口市公安局",
    "zh": "{name}您好：您在海南的免签停留期限至{last_day}（第{days}天）届满。请在此之前离境，或在期满前向公安机关出入境管理部门申请延长停留。逾期停留将按每日500元处以罚款。海口市公安局"
  }
})json";
  return kJson;
}

Result<Policy> ParsePolicy(const std::string& text) {
  auto bad = [](const std::string& why) { return Validation("invalid_policy", "stay policy: " + why); };
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return bad("not a JSON object");
  Policy p;
  p.json = j.dump();
  p.name = j.value("name", "");
  int days = j.value("days", 30);
  if (days < 1 || days > 366) return bad("days is 1-366");
  if (!j.contains("countries") || !j["countries"].is_array() || j["countries"].empty())
    return bad("countries is a list of ISO 3166 alpha-3 codes");
  for (const auto& c : j["countries"]) {
    if (c.is_string()) {
      std::string code = c.get<std::string>();
      if (code.size() != 3) return bad("country " + code + " is not an alpha-3 code");
      p.countries[code] = days;
    } else if (c.is_object() && c.contains("code") && c["code"].is_string()) {
      int d = c.value("days", days);
      if (d < 1 || d > 366) return bad("days is 1-366");
      p.countries[c["code"].get<std::string>()] = d;
    } else {
      return bad("countries is a list of codes or {code, days}");
    }
  }
  p.registration_hours = j.value("registration_hours", 24);
  p.reminder_days = j.value("reminder_days", 3);
  p.fine_per_day = j.value("fine_per_day", int64_t{500});
  p.fine_cap = j.value("fine_cap", int64_t{10000});
  if (p.registration_hours < 1 || p.registration_hours > 240) return bad("registration_hours is 1-240");
  if (p.reminder_days < 0 || p.reminder_days > 30) return bad("reminder_days is 0-30");
  if (j.contains("ports")) {
    if (!j["ports"].is_object()) return bad("ports maps place codes to airport, mainland or island");
    for (auto& [code, kind] : j["ports"].items()) {
      std::string k = kind.is_string() ? kind.get<std::string>() : "";
      if (k == "airport") p.ports[code] = PortKind::kAirport;
      else if (k == "mainland") p.ports[code] = PortKind::kMainland;
      else if (k == "island") p.ports[code] = PortKind::kIsland;
      else return bad("port " + code + " is airport, mainland or island");
    }
  }
  p.international_trip = j.value("international_trip", "");
  try {
    p.international = std::regex(p.international_trip, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error&) {
    return bad("international_trip is not a regular expression");
  }
  if (j.contains("languages") && j["languages"].is_object())
    for (auto& [nat, lang] : j["languages"].items())
      if (lang.is_string()) p.languages[nat] = lang.get<std::string>();
  p.default_language = j.value("default_language", "en");
  if (j.contains("texts") && j["texts"].is_object())
    for (auto& [lang, t] : j["texts"].items())
      if (t.is_string()) p.texts[lang] = t.get<std::string>();
  if (!p.texts.count(p.default_language)) return bad("texts has no text in the default language " + p.default_language);
  for (const auto& [nat, lang] : p.languages)
    if (!p.texts.count(lang)) return bad("no reminder text in " + lang + " (the language of " + nat + ")");
  return p;
}

Result<Options> ParseOptions(const std::string& text) {
  json j = json::parse(text.empty() ? "{}" : text, nullptr, false);
  if (!j.is_object()) return Validation("invalid_config", "config \"stays\" is not an object");
  Options o;
  std::string doc = DefaultPolicyJson();
  if (j.contains("policy")) {
    doc = j["policy"].dump();
  } else if (j.contains("policy_file")) {
    std::ifstream f(j["policy_file"].get<std::string>());
    if (!f) return Validation("invalid_config", "cannot read the stay policy file " + j["policy_file"].get<std::string>());
    std::stringstream ss;
    ss << f.rdbuf();
    doc = ss.str();
  }
  JW_ASSIGN_OR_RETURN(o.policy, ParsePolicy(doc));
  o.as_of = j.value("as_of", "");
  o.webhook_url = j.value("webhook_url", "");
  o.sweep_seconds = j.value("sweep_seconds", 60);
  if (o.sweep_seconds < 1) return Validation("invalid_config", "stays.sweep_seconds is at least 1");
  for (auto& [k, v] : j.items())
    if (k != "policy" && k != "policy_file" && k != "as_of" && k != "webhook_url" && k != "sweep_seconds")
      return Validation("invalid_config", "unknown key stays." + k);
  return o;
}

}  // namespace jingwu::stays
