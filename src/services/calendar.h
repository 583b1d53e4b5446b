// The business calendar behind the legal clocks: working days are Monday to
// Friday, minus public holidays, plus make-up working days (调休上班) that
// fall on a weekend. Days are counted as days since 1970-01-01 in
// Asia/Shanghai (core/time.h LocalDay).
//
// A time limit of N working days runs from the day after the start day
// (自受理之次日起计算): AddWorkingDays(start, N) is the N-th working day after
// start. Plain value; immutable after construction, so safe to share.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/status.h"

namespace jingwu::services {

class BusinessCalendar {
 public:
  // The State Council's 2025 and 2026 holiday arrangements.
  static BusinessCalendar China();
  // {"holidays": ["2026-10-01", ...], "workdays": ["2026-10-10", ...]}; replaces the defaults when given.
  static Result<BusinessCalendar> FromJson(const nlohmann::json& j);

  void AddHoliday(int64_t day) { holidays_.insert(day); }
  void AddWorkday(int64_t day) { workdays_.insert(day); }

  bool IsWorkingDay(int64_t day) const;
  // The n-th working day after `day` (n = 0: `day` itself).
  int64_t AddWorkingDays(int64_t day, int n) const;
  // Working days d with from < d <= to (0 when to <= from).
  int WorkingDaysBetween(int64_t from, int64_t to) const;

 private:
  std::set<int64_t> holidays_, workdays_;
};

// "2026-10-12" for a day number and back (invalid_date).
std::string DayString(int64_t day);
Result<int64_t> ParseDay(const std::string& text);

}  // namespace jingwu::services
