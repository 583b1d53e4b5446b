// The stay rules (rules.h) and the policy document (policy.h): the 24-hour
// boundary, local days for the limit, overstay days and the fine cap,
// departures to the mainland, island trains, stays without an exit.
#include <gtest/gtest.h>

#include "core/time.h"
#include "stays/policy.h"
#include "stays/rules.h"

namespace jingwu::stays {
namespace {

constexpr int64_t kH = 3600, kD = 86400;

int64_t T(const char* iso) { return ParseTime(iso)->seconds(); }

const Policy& Default() {
  static Policy p = *ParsePolicy(DefaultPolicyJson());
  return p;
}

Trip In(const char* at, const char* trip = "HU123", const char* place = "ST001") { return {T(at), true, place, trip, ""}; }
Trip Out(const char* at, const char* trip = "HU124", const char* place = "ST001") { return {T(at), false, place, trip, ""}; }
Lodging Hotel(const char* from, const char* to) {
  Lodging l;
  l.from = T(from);
  l.to = T(to);
  l.registered = l.from;
  l.kind = "hotel";
  l.place = "HT00001";
  return l;
}

std::vector<std::string> Kinds(const Stay& s) {
  std::vector<std::string> k;
  for (const auto& a : s.alerts) k.push_back(a.kind);
  return k;
}

TEST(StayPolicy, DefaultIsHainans59CountriesFor30Days) {
  const Policy& p = Default();
  EXPECT_EQ(p.countries.size(), 59u);
  EXPECT_EQ(p.AllowedDays("RUS"), 30);
  EXPECT_EQ(p.AllowedDays("CHN"), 0);
  EXPECT_EQ(p.registration_hours, 24);
  EXPECT_EQ(p.reminder_days, 3);
  EXPECT_TRUE(p.IsInternational("HU123"));
  EXPECT_FALSE(p.IsInternational("HU7123"));
  for (const char* lang : {"en", "ru", "ko", "ja", "zh"}) EXPECT_TRUE(p.texts.count(lang)) << lang;
  EXPECT_EQ(p.LanguageOf("RUS"), "ru");
  EXPECT_EQ(p.LanguageOf("KOR"), "ko");
  EXPECT_EQ(p.LanguageOf("USA"), "en");
}

TEST(StayPolicy, BadDocumentsAreRefusedWithTheReason) {
  EXPECT_EQ(ParsePolicy("[]").status().code(), "invalid_policy");
  EXPECT_EQ(ParsePolicy(R"({"countries": []})").status().code(), "invalid_policy");
  EXPECT_EQ(ParsePolicy(R"({"countries": ["RUSSIA"], "texts": {"en": "x"}})").status().code(), "invalid_policy");
  EXPECT_EQ(ParsePolicy(R"({"countries": ["RUS"], "days": 0, "texts": {"en": "x"}})").status().code(), "invalid_policy");
  EXPECT_EQ(ParsePolicy(R"({"countries": ["RUS"], "ports": {"ST001": "harbour"}, "texts": {"en": "x"}})").status().code(),
            "invalid_policy");
  EXPECT_EQ(ParsePolicy(R"({"countries": ["RUS"], "international_trip": "(", "texts": {"en": "x"}})").status().code(),
            "invalid_policy");
  EXPECT_EQ(ParsePolicy(R"({"countries": ["RUS"], "languages": {"RUS": "ru"}, "texts": {"en": "x"}})").status().code(),
            "invalid_policy");  // no Russian text
  auto p = ParsePolicy(R"({"countries": ["RUS", {"code": "SGP", "days": 15}], "days": 21, "texts": {"en": "x"}})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->AllowedDays("RUS"), 21);
  EXPECT_EQ(p->AllowedDays("SGP"), 15);
  EXPECT_EQ(ParseOptions(R"({"polcy": {}})").status().code(), "invalid_config");
  EXPECT_EQ(ParseOptions(R"({"as_of": "2026-01-01T00:00:00"})")->as_of, "2026-01-01T00:00:00");
}

TEST(StayRules, LocalMidnightIsShanghaiDays) {
  // 2025-03-01T23:30+08:00 is 15:30 UTC: its local day starts 2025-03-01T00:00+08:00.
  EXPECT_EQ(LocalMidnight(T("2025-03-01T23:30:00")), T("2025-03-01T00:00:00"));
  EXPECT_EQ(LocalMidnight(T("2025-03-01T00:30:00+00:00")), T("2025-03-01T00:00:00"));  // 08:30 local
  EXPECT_EQ(LocalMidnight(T("2025-03-01T20:00:00+00:00")), T("2025-03-02T00:00:00"));  // 04:00 local, next day
  EXPECT_EQ(LocalMidnight(T("2025-03-01T10:00:00"), 30), T("2025-03-31T00:00:00"));
}

TEST(StayRules, ARegisteredVisitLeavingInTimeRaisesNothing) {
  auto stays = BuildStays(Default(), "RUS/123456789", {In("2025-03-01T10:00:00"), Out("2025-03-08T18:00:00")},
                          {Hotel("2025-03-01T13:00:00", "2025-03-04T11:00:00"),
                           Hotel("2025-03-04T15:00:00", "2025-03-08T10:00:00")},
                          T("2025-06-01T00:00:00"));
  ASSERT_EQ(stays.size(), 1u);
  EXPECT_EQ(stays[0].status, "left");
  EXPECT_EQ(stays[0].deadline, T("2025-03-31T00:00:00"));  // the entry day is day 1 of 30
  EXPECT_EQ(stays[0].lodgings.size(), 2u);
  EXPECT_TRUE(stays[0].alerts.empty()) << ::testing::PrintToString(Kinds(stays[0]));
}

TEST(StayRules, TheTwentyFourHourBoundary) {
  auto at = [](const char* checkin) {
    return BuildStays(Default(), "KOR/12345678", {In("2025-03-01T10:00:00"), Out("2025-03-06T18:00:00")},
                      {Hotel(checkin, "2025-03-06T10:00:00")}, T("2025-04-01T00:00:00"))[0];
  };
  EXPECT_TRUE(at("2025-03-02T10:00:00").alerts.empty());  // exactly 24 h: in time
  Stay late = at("2025-03-02T10:00:01");
  ASSERT_EQ(Kinds(late), std::vector<std::string>{kNoRegistration});
  EXPECT_EQ(late.alerts[0].raised, T("2025-03-02T10:00:00"));
  EXPECT_EQ(*late.alerts[0].resolved, T("2025-03-02T10:00:01"));
  EXPECT_EQ(late.alerts[0].resolution, "registered");
  EXPECT_EQ(late.alerts[0].hours_late, 1);
  EXPECT_EQ(late.alerts[0].since, T("2025-03-01T10:00:00"));
}

TEST(StayRules, AnUnregisteredVisitorIsOpenUntilRegisteredOrGone) {
  std::vector<Trip> trips = {In("2025-03-01T10:00:00")};
  // Before 24 h nothing; after, an open alert.
  EXPECT_TRUE(BuildStays(Default(), "USA/123456789", trips, {}, T("2025-03-02T09:59:59"))[0].alerts.empty());
  Stay open = BuildStays(Default(), "USA/123456789", trips, {}, T("2025-03-02T10:00:00"))[0];
  ASSERT_EQ(Kinds(open), std::vector<std::string>{kNoRegistration});
  EXPECT_FALSE(open.alerts[0].resolved);
  // A host registers a private stay later: resolved then, late by the hours past 24.
  Lodging priv;
  priv.from = T("2025-03-01T12:00:00");
  priv.registered = T("2025-03-02T20:30:00");
  priv.kind = "private";
  Stay fixed = BuildStays(Default(), "USA/123456789", trips, {priv}, T("2025-03-03T00:00:00"))[0];
  ASSERT_EQ(Kinds(fixed), std::vector<std::string>{kNoRegistration});
  EXPECT_EQ(*fixed.alerts[0].resolved, T("2025-03-02T20:30:00"));
  EXPECT_EQ(fixed.alerts[0].hours_late, 11);
  // Leaving without ever registering: resolved by the departure.
  trips.push_back(Out("2025-03-04T09:00:00"));
  Stay gone = BuildStays(Default(), "USA/123456789", trips, {}, T("2025-03-05T00:00:00"))[0];
  ASSERT_EQ(Kinds(gone), std::vector<std::string>{kNoRegistration});
  EXPECT_EQ(gone.alerts[0].resolution, "departed");
}

TEST(StayRules, AGapAfterLeavingAHotel) {
  Stay s = BuildStays(Default(), "RUS/123456789", {In("2025-03-01T10:00:00"), Out("2025-03-09T18:00:00")},
                      {Hotel("2025-03-01T12:00:00", "2025-03-03T10:00:00"),
                       Hotel("2025-03-04T16:00:00", "2025-03-09T10:00:00")},
                      T("2025-04-01T00:00:00"))[0];
  ASSERT_EQ(Kinds(s), std::vector<std::string>{kNoRegistration});
  EXPECT_EQ(s.alerts[0].since, T("2025-03-03T10:00:00"));
  EXPECT_EQ(s.alerts[0].raised, T("2025-03-04T10:00:00"));
  EXPECT_EQ(s.alerts[0].hours_late, 6);
}

TEST(StayRules, TheLimitRemindsThenOverstaysWithTheFineCapped) {
  std::vector<Trip> trips = {In("2025-03-01T23:30:00")};  // late on day 1
  std::vector<Lodging> hotel = {Hotel("2025-03-02T01:00:00", "2025-06-30T10:00:00")};
  // 2025-03-28: deadline 03-31 minus 3 days → reminder due from 03-28 00:00.
  Stay before = BuildStays(Default(), "RUS/123456789", trips, hotel, T("2025-03-27T23:59:59"))[0];
  EXPECT_TRUE(before.alerts.empty());
  Stay due = BuildStays(Default(), "RUS/123456789", trips, hotel, T("2025-03-28T00:00:00"))[0];
  ASSERT_EQ(Kinds(due), std::vector<std::string>{kLimitApproaching});
  EXPECT_FALSE(due.alerts[0].resolved);
  // One second past the limit: one day over, ¥500.
  Stay over = BuildStays(Default(), "RUS/123456789", trips, hotel, T("2025-03-31T00:00:01"))[0];
  ASSERT_EQ(Kinds(over), (std::vector<std::string>{kLimitApproaching, kOverstay}));
  EXPECT_EQ(over.alerts[0].resolution, "limit_passed");
  EXPECT_EQ(over.alerts[1].days_over, 1);
  EXPECT_EQ(over.alerts[1].fine, 500);
  // Exactly 25 days past: the 26th day has begun; capped at ¥10,000.
  Stay long_over = BuildStays(Default(), "RUS/123456789", trips, hotel, T("2025-04-25T00:00:00"))[0];
  EXPECT_EQ(long_over.alerts[1].days_over, 26);
  EXPECT_EQ(long_over.alerts[1].fine, 10000);
  // Left on the last allowed day at 23:59: no overstay, the reminder resolved by the departure.
  trips.push_back(Out("2025-03-30T23:59:00"));
  Stay left = BuildStays(Default(), "RUS/123456789", trips, hotel, T("2025-04-25T00:00:00"))[0];
  ASSERT_EQ(Kinds(left), std::vector<std::string>{kLimitApproaching});
  EXPECT_EQ(left.alerts[0].resolution, "departed");
}

TEST(StayRules, LeavingForTheMainlandEndsTheStayWithAnAlert) {
  for (auto exit : {Out("2025-03-05T09:00:00", "HK123", "ST002"), Out("2025-03-05T09:00:00", "D7123", "ST005"),
                    Out("2025-03-05T09:00:00", "CZ6789", "ST001")}) {
    Stay s = BuildStays(Default(), "JPN/12345678", {In("2025-03-01T10:00:00"), exit},
                        {Hotel("2025-03-01T12:00:00", "2025-03-05T08:00:00")}, T("2025-04-01T00:00:00"))[0];
    EXPECT_EQ(s.status, "mainland") << exit.place;
    ASSERT_EQ(Kinds(s), std::vector<std::string>{kMainland}) << exit.place;
    EXPECT_EQ(s.alerts[0].place, exit.place);
  }
  // The island ring's trains are movements within Hainan.
  Stay ring = BuildStays(Default(), "JPN/12345678",
                         {In("2025-03-01T10:00:00"), Out("2025-03-03T09:00:00", "D7300", "ST006"),
                          In("2025-03-04T09:00:00", "D7301", "ST006"), Out("2025-03-05T18:00:00")},
                         {Hotel("2025-03-01T12:00:00", "2025-03-05T08:00:00")}, T("2025-04-01T00:00:00"))[0];
  EXPECT_EQ(ring.status, "left");
  EXPECT_EQ(ring.trips.size(), 4u);
  EXPECT_TRUE(ring.alerts.empty());
}

TEST(StayRules, OnlyVisaFreeEntriesOpenStays) {
  // A nationality the policy does not list, a domestic arrival, a departure outside a stay.
  EXPECT_TRUE(BuildStays(Default(), "IND/12345678", {In("2025-03-01T10:00:00")}, {}, T("2025-05-01T00:00:00")).empty());
  EXPECT_TRUE(BuildStays(Default(), "RUS/123456789", {In("2025-03-01T10:00:00", "HU7123"), Out("2025-03-02T10:00:00", "HK1", "ST002")},
                         {}, T("2025-05-01T00:00:00"))
                  .empty());
  // A second entry with no exit seen between: the first ended somewhere else (unknown), judged up to the re-entry.
  auto two = BuildStays(Default(), "RUS/123456789",
                        {In("2025-03-01T10:00:00"), In("2025-05-01T10:00:00"), Out("2025-05-03T10:00:00")},
                        {Hotel("2025-03-01T12:00:00", "2025-03-04T10:00:00"), Hotel("2025-05-01T12:00:00", "2025-05-03T09:00:00")},
                        T("2025-06-01T00:00:00"));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].status, "unknown");
  EXPECT_FALSE(two[0].exit);
  EXPECT_EQ(two[1].status, "left");
  EXPECT_TRUE(two[1].alerts.empty());
  // Rows after now are not seen yet.
  auto early = BuildStays(Default(), "RUS/123456789", {In("2025-03-01T10:00:00"), Out("2025-03-05T10:00:00")}, {},
                          T("2025-03-01T12:00:00"));
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].status, "in_hainan");
}

}  // namespace
}  // namespace jingwu::stays
