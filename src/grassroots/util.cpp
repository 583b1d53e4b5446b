#include "grassroots/util.h"

#include <cstdio>

namespace jingwu::grassroots::util {

Result<std::string> Str(const json& b, const char* key, bool required, size_t max) {
  if (!b.is_object() || !b.contains(key) || b[key].is_null()) {
    if (required) return Validation("missing_field", std::string(key) + " is required");
    return std::string();
  }
  if (!b[key].is_string()) return Validation("invalid_value", std::string(key) + " must be a string");
  const std::string& raw = b[key].get_ref<const std::string&>();
  if (!IsValidUtf8(raw)) return Validation("invalid_value", std::string(key) + " is not UTF-8 text");
  std::string v(TrimAscii(raw));
  if (required && v.empty()) return Validation("missing_field", std::string(key) + " is required");
  if (Utf8Chars(v) > max)
    return Validation("invalid_value", std::string(key) + " is at most " + std::to_string(max) + " characters");
  return v;
}

Result<int64_t> Int(const json& b, const char* key, int64_t def, bool required) {
  if (!b.is_object() || !b.contains(key) || b[key].is_null()) {
    if (required) return Validation("missing_field", std::string(key) + " is required");
    return def;
  }
  if (!b[key].is_number_integer()) return Validation("invalid_value", std::string(key) + " must be an integer");
  return b[key].get<int64_t>();
}

Result<double> Num(const json& b, const char* key, double def, bool required) {
  if (!b.is_object() || !b.contains(key) || b[key].is_null()) {
    if (required) return Validation("missing_field", std::string(key) + " is required");
    return def;
  }
  if (!b[key].is_number()) return Validation("invalid_value", std::string(key) + " must be a number");
  return b[key].get<double>();
}

Result<bool> Bool(const json& b, const char* key, bool def, bool required) {
  if (!b.is_object() || !b.contains(key) || b[key].is_null()) {
    if (required) return Validation("missing_field", std::string(key) + " is required");
    return def;
  }
  if (!b[key].is_boolean()) return Validation("invalid_value", std::string(key) + " must be true or false");
  return b[key].get<bool>();
}

Result<int64_t> Day(const std::string& text, const char* field) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || !IsValidDate(y, m, d))
    return Validation("invalid_date", std::string(field) + " is a date (YYYY-MM-DD)");
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

Result<Timestamp> TimeOrNow(const std::string& text, Timestamp now, const char* field) {
  if (text.empty()) return now;
  auto t = ParseTime(text);
  if (!t.ok()) return Validation("invalid_time", std::string(field) + " is not a time (2020-01-31T08:00:00+08:00)");
  if (t->micros > now.micros + 60 * kMicrosPerSecond)
    return Validation("invalid_time", std::string(field) + " is in the future");
  return *t;
}

bool IsDistrict(const std::string& code) {
  return code == "460105" || code == "460106" || code == "460107" || code == "460108";
}

bool InCity(double lat, double lon) { return lat >= 19.5 && lat <= 20.2 && lon >= 110.0 && lon <= 110.8; }

}  // namespace jingwu::grassroots::util
