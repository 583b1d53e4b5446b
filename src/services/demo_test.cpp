#include <gtest/gtest.h>

#include "services/service.h"

namespace jingwu::services {
namespace {

// The demo year reproduces the published sizes exactly and is deterministic.
TEST(ServicesDemo, PublishedSizesAndDeterminism) {
  auto apps = GenerateDemo(BusinessCalendar::China(), 5, 2025, 7);
  ASSERT_EQ(apps.size(), 138000u);
  int64_t nov1 = DaysFromCivil(2025, 11, 1), first = DaysFromCivil(2025, 1, 1);
  int64_t settled = 0, online = 0, commitments = 0, pending_followed = 0, late = 0, rated = 0, last_day = 0;
  std::set<std::string> channels, items;
  for (const auto& a : apps) {
    int64_t day = LocalDay(a.submitted_at);
    ASSERT_GE(day, first);
    last_day = std::max(last_day, day);
    if (a.item_code == "HZ001" && day < nov1 && (a.state == "approved" || a.state == "issued")) ++settled;
    online += a.channel == "online";
    commitments += a.commitment;
    pending_followed += a.paused_days > 0;
    const Item* it = FindItem(a.item_code);
    ASSERT_NE(it, nullptr);
    late += a.decided_working_days > it->promised_days;
    rated += a.rating.has_value();
    channels.insert(a.channel);
    items.insert(a.item_code);
    // Every record is consistent with the workflow: a decided case has its clock figure.
    if (IsDecided(a.state)) {
      ASSERT_GE(a.decided_working_days, 0) << a.item_code;
    }
  }
  EXPECT_EQ(settled, 23492);
  EXPECT_EQ(last_day, DaysFromCivil(2025, 12, 31));
  EXPECT_EQ(channels.size(), 4u);
  EXPECT_EQ(items.size(), Catalogue().size());
  EXPECT_GT(commitments, 0);
  EXPECT_GT(pending_followed, 0);
  EXPECT_GT(late, 0);
  EXPECT_GT(rated, 0);
  EXPECT_GT(online, 138000 / 2);
  auto again = GenerateDemo(BusinessCalendar::China(), 5, 2025, 7);
  EXPECT_EQ(ApplicationJson(again[12345]).dump(), ApplicationJson(apps[12345]).dump());
}

}  // namespace
}  // namespace jingwu::services
