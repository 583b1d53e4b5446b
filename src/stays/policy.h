// The visa-free stay policy (docs/stays.md): which nationalities may enter
// Hainan without a visa and for how long, how soon accommodation must be
// registered, when the visitor is reminded, the fine band, which ports lead
// abroad, to the mainland or around the island, and the reminder texts.
// Data, not code: the default is the JSON document below (the 2018 Hainan
// policy: 59 countries, 30 days); a bureau replaces it in config.json
// ("stays": {"policy": {...}} or {"policy_file": "..."}).
#pragma once

#include <cstdint>
#include <map>
#include <regex>
#include <string>

#include "core/status.h"

namespace jingwu::stays {

// What leaving (OUT) or arriving (IN) at a port means.
enum class PortKind {
  kAirport,   // international flights (by trip number) lead abroad, others to the mainland
  kMainland,  // ferries and trains to the mainland (三港一站)
  kIsland,    // trains around the island: a movement within Hainan
};

struct Policy {
  std::string name;
  std::map<std::string, int> countries;  // ISO 3166 alpha-3 -> allowed days
  int registration_hours = 24;
  int reminder_days = 3;
  int64_t fine_per_day = 500;   // CNY, Exit and Entry Administration Law art. 78
  int64_t fine_cap = 10000;
  std::map<std::string, PortKind> ports;  // places.csv code -> kind
  std::string international_trip;         // ECMAScript regex over the trip number
  std::regex international;               // compiled from it
  std::map<std::string, std::string> languages;  // nationality -> reminder language
  std::string default_language = "en";
  std::map<std::string, std::string> texts;      // language -> text with {name} {last_day} {days}
  std::string json;                              // the document it was read from

  // Days allowed for a nationality; 0 = not visa-free.
  int AllowedDays(const std::string& nationality) const;
  std::string LanguageOf(const std::string& nationality) const;
  bool IsInternational(const std::string& trip) const;
};

// The built-in policy document.
const std::string& DefaultPolicyJson();

// Parses and checks a policy document (422 invalid_policy with the reason).
Result<Policy> ParsePolicy(const std::string& json);

// The "stays" object of config.json: {"policy": {...}} or {"policy_file":
// PATH}, "as_of" (a time: the stay clock starts there, for a demo of past
// data), "webhook_url" (reminders are POSTed there) and "sweep_seconds".
struct Options {
  Policy policy;
  std::string as_of;
  std::string webhook_url;
  int sweep_seconds = 60;
};
Result<Options> ParseOptions(const std::string& json);

}  // namespace jingwu::stays
