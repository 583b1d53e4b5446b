#include "services/calendar.h"

#include <cstdio>

#include "core/time.h"

namespace jingwu::services {

namespace {
int64_t D(int y, unsigned m, unsigned d) { return DaysFromCivil(y, m, d); }
void Range(BusinessCalendar& c, int y, unsigned m, unsigned d1, unsigned d2) {
  for (unsigned d = d1; d <= d2; ++d) c.AddHoliday(D(y, m, d));
}
}  // namespace

BusinessCalendar BusinessCalendar::China() {
  BusinessCalendar c;
  // 2025 (国办发明电〔2024〕12号).
  c.AddHoliday(D(2025, 1, 1));
  Range(c, 2025, 1, 28, 31);
  Range(c, 2025, 2, 1, 4);
  c.AddWorkday(D(2025, 1, 26)), c.AddWorkday(D(2025, 2, 8));
  Range(c, 2025, 4, 4, 6);
  Range(c, 2025, 5, 1, 5);
  c.AddWorkday(D(2025, 4, 27));
  Range(c, 2025, 5, 31, 31);
  Range(c, 2025, 6, 1, 2);
  Range(c, 2025, 10, 1, 8);
  c.AddWorkday(D(2025, 9, 28)), c.AddWorkday(D(2025, 10, 11));
  // 2026.
  Range(c, 2026, 1, 1, 3);
  c.AddWorkday(D(2026, 1, 4));
  Range(c, 2026, 2, 15, 23);
  c.AddWorkday(D(2026, 2, 14)), c.AddWorkday(D(2026, 2, 28));
  Range(c, 2026, 4, 4, 6);
  Range(c, 2026, 5, 1, 5);
  c.AddWorkday(D(2026, 5, 9));
  Range(c, 2026, 6, 19, 21);
  Range(c, 2026, 9, 25, 27);
  Range(c, 2026, 10, 1, 7);
  c.AddWorkday(D(2026, 9, 20)), c.AddWorkday(D(2026, 10, 10));
  return c;
}

Result<BusinessCalendar> BusinessCalendar::FromJson(const nlohmann::json& j) {
  BusinessCalendar c;
  for (const char* key : {"holidays", "workdays"}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_array()) return Validation("invalid_calendar", std::string(key) + " must be an array of dates");
    for (const auto& v : j[key]) {
      if (!v.is_string()) return Validation("invalid_calendar", std::string(key) + " must hold date strings");
      JW_ASSIGN_OR_RETURN(int64_t day, ParseDay(v.get<std::string>()));
      if (std::string(key) == "holidays") c.AddHoliday(day);
      else c.AddWorkday(day);
    }
  }
  return c;
}

bool BusinessCalendar::IsWorkingDay(int64_t day) const {
  if (workdays_.count(day)) return true;
  if (holidays_.count(day)) return false;
  int64_t wd = ((day % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday: 0 = Monday
  return wd < 5;
}

int64_t BusinessCalendar::AddWorkingDays(int64_t day, int n) const {
  while (n > 0) {
    ++day;
    if (IsWorkingDay(day)) --n;
  }
  return day;
}

int BusinessCalendar::WorkingDaysBetween(int64_t from, int64_t to) const {
  int n = 0;
  for (int64_t d = from + 1; d <= to; ++d)
    if (IsWorkingDay(d)) ++n;
  return n;
}

std::string DayString(int64_t day) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

Result<int64_t> ParseDay(const std::string& text) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || !IsValidDate(y, m, d))
    return Validation("invalid_date", "'" + text + "' is not a date (YYYY-MM-DD)");
  return DaysFromCivil(y, m, d);
}

}  // namespace jingwu::services
