// Internal helpers of the grassroots module: reading a JSON body's fields with
// specific errors, dates, and code lists.
#pragma once

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "core/time.h"
#include "core/utf8.h"

namespace jingwu::grassroots::util {

using json = nlohmann::json;

template <size_t N>
bool OneOf(const char* const (&list)[N], const std::string& v) {
  return std::find_if(std::begin(list), std::end(list), [&](const char* x) { return v == x; }) != std::end(list);
}

// A string field, trimmed; missing gives "" unless required (422 missing_field).
// Longer than max characters or not UTF-8: 422 invalid_value.
Result<std::string> Str(const json& b, const char* key, bool required = false, size_t max = 200);
Result<int64_t> Int(const json& b, const char* key, int64_t def, bool required = false);
Result<double> Num(const json& b, const char* key, double def, bool required = false);
Result<bool> Bool(const json& b, const char* key, bool def, bool required = false);

// "YYYY-MM-DD" -> day number; 422 invalid_date naming the field.
Result<int64_t> Day(const std::string& text, const char* field);
// An ISO time, or now when empty; 422 invalid_time when in the future.
Result<Timestamp> TimeOrNow(const std::string& text, Timestamp now, const char* field);

// Haikou's four districts (GB/T 2260).
bool IsDistrict(const std::string& code);
// Within the city's box (lat 19.5–20.2, lon 110.0–110.8).
bool InCity(double lat, double lon);

}  // namespace jingwu::grassroots::util
