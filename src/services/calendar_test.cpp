#include "services/calendar.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace jingwu::services {
namespace {

int64_t Day(const char* s) { return *ParseDay(s); }

TEST(BusinessCalendar, WeekendsHolidaysAndMakeUpDays) {
  auto c = BusinessCalendar::China();
  EXPECT_TRUE(c.IsWorkingDay(Day("2026-09-29")));   // Tuesday
  EXPECT_FALSE(c.IsWorkingDay(Day("2026-09-26")));  // Saturday in 中秋
  EXPECT_FALSE(c.IsWorkingDay(Day("2026-10-01")));  // 国庆
  EXPECT_FALSE(c.IsWorkingDay(Day("2026-10-07")));
  EXPECT_TRUE(c.IsWorkingDay(Day("2026-10-10")));   // Saturday, make-up working day
  EXPECT_TRUE(c.IsWorkingDay(Day("2026-09-20")));   // Sunday, make-up working day
  EXPECT_FALSE(c.IsWorkingDay(Day("2026-10-11")));  // ordinary Sunday
  EXPECT_FALSE(c.IsWorkingDay(Day("2026-11-28")));  // ordinary Saturday
}

TEST(BusinessCalendar, DeadlineAcrossNationalDayAndAMakeUpSaturday) {
  auto c = BusinessCalendar::China();
  // Accepted Tue 29 Sep: Wed 30 Sep (1), 1–7 Oct holiday, Thu 8 (2), Fri 9 (3),
  // Sat 10 make-up (4), Mon 12 (5).
  EXPECT_EQ(DayString(c.AddWorkingDays(Day("2026-09-29"), 5)), "2026-10-12");
  EXPECT_EQ(DayString(c.AddWorkingDays(Day("2026-09-29"), 4)), "2026-10-10");
  EXPECT_EQ(DayString(c.AddWorkingDays(Day("2026-09-29"), 0)), "2026-09-29");
  // Fri 18 Sep: the next working day is the make-up Sunday 20 Sep.
  EXPECT_EQ(DayString(c.AddWorkingDays(Day("2026-09-18"), 1)), "2026-09-20");
  // Spring Festival 2026: 14 Feb (Sat) works, 15–23 off.
  EXPECT_EQ(DayString(c.AddWorkingDays(Day("2026-02-13"), 1)), "2026-02-14");
  EXPECT_EQ(DayString(c.AddWorkingDays(Day("2026-02-13"), 2)), "2026-02-24");
  EXPECT_EQ(c.WorkingDaysBetween(Day("2026-09-29"), Day("2026-10-12")), 5);
  EXPECT_EQ(c.WorkingDaysBetween(Day("2026-10-12"), Day("2026-09-29")), 0);
}

TEST(BusinessCalendar, FromJsonReplacesTheDefaults) {
  auto c = BusinessCalendar::FromJson({{"holidays", {"2027-01-01"}}, {"workdays", {"2027-01-02"}}});
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->IsWorkingDay(Day("2027-01-01")));  // Friday, holiday
  EXPECT_TRUE(c->IsWorkingDay(Day("2027-01-02")));   // Saturday, make-up
  EXPECT_TRUE(c->IsWorkingDay(Day("2026-10-01")));   // not a holiday in this calendar
  auto bad = BusinessCalendar::FromJson({{"holidays", {"2027-02-30"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), "invalid_date");
}

}  // namespace
}  // namespace jingwu::services
