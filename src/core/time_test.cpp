#include "core/time.h"

#include <gtest/gtest.h>

namespace jingwu {
namespace {

struct TimeCase {
  const char* text;
  const char* utc;  // expected, as FormatTime(t, 0)
};

class ParseTimeValid : public ::testing::TestWithParam<TimeCase> {};

TEST_P(ParseTimeValid, ParsesToUtc) {
  auto t = ParseTime(GetParam().text);
  ASSERT_TRUE(t.ok()) << GetParam().text << ": " << t.status().ToString();
  EXPECT_EQ(FormatTime(*t, 0), GetParam().utc) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Iso8601, ParseTimeValid,
    ::testing::Values(TimeCase{"2020-01-31", "2020-01-30T16:00:00Z"},               // local midnight
                      TimeCase{"2020-01-31T08:00:00", "2020-01-31T00:00:00Z"},      // Shanghai by default
                      TimeCase{"2020-01-31 08:00", "2020-01-31T00:00:00Z"},         // space, no seconds
                      TimeCase{"2020-01-31T08:00:00Z", "2020-01-31T08:00:00Z"},     // explicit UTC
                      TimeCase{"2020-01-31T08:00:00+08:00", "2020-01-31T00:00:00Z"},
                      TimeCase{"2020-01-31T08:00:00+0800", "2020-01-31T00:00:00Z"},
                      TimeCase{"2020-01-31T08:00:00+08", "2020-01-31T00:00:00Z"},
                      TimeCase{"2020-01-31T08:00:00-05:30", "2020-01-31T13:30:00Z"},
                      TimeCase{"2020-02-29T23:59:59.999999Z", "2020-02-29T23:59:59Z"},  // leap day
                      TimeCase{"2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z"},         // 400-year leap
                      TimeCase{"1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"},         // before the epoch
                      TimeCase{"  2021-06-01T12:00:00Z  ", "2021-06-01T12:00:00Z"}));

class ParseTimeInvalid : public ::testing::TestWithParam<const char*> {};

TEST_P(ParseTimeInvalid, RejectsWithInvalidTime) {
  auto t = ParseTime(GetParam());
  ASSERT_FALSE(t.ok()) << GetParam();
  EXPECT_EQ(t.status().code(), "invalid_time");
  EXPECT_EQ(t.status().kind(), ErrorKind::kValidation);
}

INSTANTIATE_TEST_SUITE_P(Iso8601, ParseTimeInvalid,
                         ::testing::Values("", "2019-02-29", "1900-02-29", "2020-13-01", "2020-04-31", "2020-00-10",
                                           "2020-01-31T24:00:00", "2020-01-31T23:60:00", "2020-01-31T23:59:60",
                                           "2020-01-31T08", "2020/01/31", "20200131", "2020-01-31T08:00:00+15:00",
                                           "2020-01-31T08:00:00Zjunk", "2020-01-31T08:00:00.", "yesterday",
                                           "2020-1-31"));

TEST(Time, FractionKeepsMicroseconds) {
  auto t = ParseTime("2020-01-01T00:00:00.1234567Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->micros % kMicrosPerSecond, 123456);
  EXPECT_EQ(FormatTimeUtcMicros(*t), "2020-01-01T00:00:00.123456Z");
}

TEST(Time, FormatUsesShanghaiOffsetByDefault) {
  auto t = ParseTime("2020-01-31T23:30:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatTime(*t), "2020-02-01T07:30:00+08:00");
  EXPECT_EQ(FormatTime(*t, -90), "2020-01-31T22:00:00-01:30");
}

TEST(Time, FormatParseRoundTrip) {
  for (int64_t s : {int64_t{0}, int64_t{951782400}, int64_t{1700000000}, int64_t{-86401}}) {
    Timestamp t = Timestamp::FromSeconds(s);
    auto back = ParseTime(FormatTime(t));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->micros, t.micros);
  }
}

TEST(Time, ValidDates) {
  EXPECT_TRUE(IsValidDate(2024, 2, 29));
  EXPECT_FALSE(IsValidDate(2023, 2, 29));
  EXPECT_FALSE(IsValidDate(2100, 2, 29));
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
}

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  ManualClock c(Timestamp::FromSeconds(1000));
  EXPECT_EQ(c.Now().seconds(), 1000);
  c.Advance(30 * kMicrosPerSecond);
  EXPECT_EQ(c.Now().seconds(), 1030);
  c.Set(Timestamp::FromSeconds(5));
  EXPECT_EQ(c.Now().seconds(), 5);
}

TEST(Clock, OffsetClockAddsItsOffset) {
  OffsetClock c;
  SystemClock s;
  c.Advance(3600 * kMicrosPerSecond);
  int64_t diff = c.Now().micros - s.Now().micros;
  EXPECT_GE(diff, 3599 * kMicrosPerSecond);
  EXPECT_LE(diff, 3601 * kMicrosPerSecond);
}

}  // namespace
}  // namespace jingwu
