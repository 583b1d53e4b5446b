#include "dispatch/recommend.h"

#include <gtest/gtest.h>

#include "dispatch/kpi.h"

namespace jingwu::dispatch {
namespace {

const Timestamp kNow = Timestamp::FromSeconds(1767225600);

Unit MakeUnit(int64_t id, const std::string& type, double lat, double lon, int64_t age_s = 10) {
  Unit u;
  u.id = id;
  u.call_sign = "U" + std::to_string(id);
  u.type = type;
  u.lat = lat;
  u.lon = lon;
  u.position_at = kNow + (-age_s * kMicrosPerSecond);
  return u;
}

Incident At(double lat, double lon, const std::string& category = "criminal") {
  Incident inc;
  inc.id = 1;
  inc.lat = lat;
  inc.lon = lon;
  inc.category = category;
  return inc;
}

std::vector<int64_t> Ids(const std::vector<Recommendation>& r) {
  std::vector<int64_t> out;
  for (const auto& x : r) out.push_back(x.unit_id);
  return out;
}

TEST(Haversine, KnownDistance) {
  // One degree of latitude is about 111.2 km.
  EXPECT_NEAR(HaversineMeters(20.0, 110.3, 21.0, 110.3), 111195, 50);
  EXPECT_NEAR(HaversineMeters(20.03, 110.33, 20.03, 110.33), 0, 1e-6);
}

TEST(Recommend, OrdersByEtaNotByIdOrDistanceAlone) {
  std::map<int64_t, Unit> units;
  // 1: patrol car 2 km away; 2: foot patrol 1 km away (slow); 3: car 1.5 km away.
  units[1] = MakeUnit(1, "patrol_car", 20.03 + 2000 / 111195.0, 110.33);
  units[2] = MakeUnit(2, "foot", 20.03 + 1000 / 111195.0, 110.33);
  units[3] = MakeUnit(3, "patrol_car", 20.03 - 1500 / 111195.0, 110.33);
  StraightLineEta eta(1.4);
  auto r = Recommend(units, At(20.03, 110.33), kNow, eta, 300, 10);
  EXPECT_EQ(Ids(r), (std::vector<int64_t>{3, 1, 2}));
  // ETA = distance × 1.4 ÷ speed: 1.5 km at 40 km/h = 189 s.
  EXPECT_NEAR(r[0].distance_m, 1500, 2);
  EXPECT_NEAR(r[0].eta_s, 1500 * 1.4 / (40 / 3.6), 0.5);
  EXPECT_NEAR(r[2].eta_s, 1000 * 1.4 / (5 / 3.6), 1);
}

TEST(Recommend, NeverSkipsANearerFreeUnit) {
  std::map<int64_t, Unit> units;
  for (int i = 1; i <= 50; ++i) units[i] = MakeUnit(i, "patrol_car", 20.03 + i * 0.002, 110.33);
  units[51] = MakeUnit(51, "patrol_car", 20.0301, 110.33);  // the nearest, added last
  units[1].current_incident = 9;                            // busy
  units[2].availability = "off_duty";
  auto r = Recommend(units, At(20.03, 110.33), kNow, StraightLineEta(), 300, 3);
  EXPECT_EQ(Ids(r), (std::vector<int64_t>{51, 3, 4}));
}

TEST(Recommend, StalePositionsRankLastAndAreFlagged) {
  std::map<int64_t, Unit> units;
  units[1] = MakeUnit(1, "patrol_car", 20.0301, 110.33, /*age_s=*/301);  // nearest but stale
  units[2] = MakeUnit(2, "patrol_car", 20.05, 110.33, 300);              // exactly at the limit: fresh
  units[3] = MakeUnit(3, "patrol_car", 20.04, 110.33, 20);
  auto r = Recommend(units, At(20.03, 110.33), kNow, StraightLineEta(), 300, 10);
  EXPECT_EQ(Ids(r), (std::vector<int64_t>{3, 2, 1}));
  EXPECT_TRUE(r[2].stale);
  EXPECT_EQ(r[2].position_age_s, 301);
  EXPECT_FALSE(r[1].stale);
}

TEST(Recommend, OnlyUnitsThatFitTheCategory) {
  std::map<int64_t, Unit> units;
  units[1] = MakeUnit(1, "traffic", 20.0301, 110.33);
  units[2] = MakeUnit(2, "foot", 20.0302, 110.33);
  units[3] = MakeUnit(3, "special", 20.0303, 110.33);
  units[4] = MakeUnit(4, "foot", 20.0304, 110.33);
  units[4].capabilities = {"traffic"};  // a foot officer trained for traffic
  EXPECT_EQ(Ids(Recommend(units, At(20.03, 110.33, "traffic"), kNow, StraightLineEta(), 300, 10)),
            (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(Ids(Recommend(units, At(20.03, 110.33, "criminal"), kNow, StraightLineEta(), 300, 10)),
            (std::vector<int64_t>{3, 2, 4}));  // the special car is faster than the foot patrols
}

// A hand-computed timeline: three incidents on one day.
TEST(Kpis, MatchHandComputedTimeline) {
  std::vector<Event> ev;
  int64_t seq = 0;
  auto at = [](int64_t s) { return Timestamp::FromSeconds(1767225600 + s); };  // 2026-01-01 08:00 +08:00
  auto add = [&](int64_t t, std::string kind, int64_t inc, int64_t unit, json d) {
    ev.push_back({++seq, at(t), "x", kind, inc, unit, d});
  };
  add(0, "unit.created", 0, 1, {{"type", "patrol_car"}, {"lat", 20.03}, {"lon", 110.33}});
  add(0, "unit.created", 0, 2, {{"type", "motorcycle"}, {"lat", 20.03}, {"lon", 110.33}});
  // Incident 1 (urban, P1): rang -10 s, received 0, dispatched 40, ack 60, arrived 200, closed 1000.
  add(0, "incident.created", 1, 0,
      {{"received_at", at(0).micros}, {"rang_at", at(-10).micros}, {"priority", 1}, {"district_code", "460106"},
       {"area", "urban"}, {"category", "criminal"}});
  add(40, "assignment.state", 1, 1, {{"state", "assigned"}});
  add(60, "assignment.state", 1, 1, {{"state", "acknowledged"}});
  add(200, "assignment.state", 1, 1, {{"state", "on_scene"}});
  add(1000, "incident.closed", 1, 0, {{"disposition", "resolved"}});
  // Incident 2 (urban, P2): rang -20 s, received 100, dispatched 200 (100 s), ack 220 (20 s), arrived 500 (400 s).
  add(100, "incident.created", 2, 0,
      {{"received_at", at(100).micros}, {"rang_at", at(80).micros}, {"priority", 2}, {"district_code", "460108"},
       {"area", "urban"}, {"category", "dispute"}});
  add(200, "assignment.state", 2, 2, {{"state", "assigned"}});
  add(220, "assignment.state", 2, 2, {{"state", "acknowledged"}});
  add(500, "assignment.state", 2, 2, {{"state", "on_scene"}});
  // Incident 3 (suburban, P1): received 300, dispatched 360 (60 s), never acknowledged.
  add(300, "incident.created", 3, 0,
      {{"received_at", at(300).micros}, {"priority", 1}, {"district_code", "460107"}, {"area", "suburban"},
       {"category", "traffic"}});
  add(360, "assignment.state", 3, 1, {{"state", "assigned"}});

  auto r = ComputeKpis(ev, TargetTable::Defaults(), {.group_by = "all"});
  ASSERT_EQ(r.groups.size(), 1u);
  const auto& g = r.groups[0];
  EXPECT_EQ(g.incidents, 3);
  auto m = [&](const std::string& n) {
    for (const auto& x : g.metrics)
      if (x.name == n) return x;
    return Metric{};
  };
  // answer: 10, 20 → median (nearest rank) 10, p90 20, both within 15 s? 10 yes, 20 no.
  EXPECT_EQ(m("answer").count, 2);
  EXPECT_EQ(*m("answer").median_s, 10);
  EXPECT_EQ(*m("answer").p90_s, 20);
  EXPECT_DOUBLE_EQ(*m("answer").within_share, 0.5);
  // dispatch: 40, 60, 100 → median 60, p90 100; within 64 s: 2 of 3.
  EXPECT_EQ(m("dispatch").count, 3);
  EXPECT_EQ(*m("dispatch").median_s, 60);
  EXPECT_EQ(*m("dispatch").p90_s, 100);
  EXPECT_NEAR(*m("dispatch").within_share, 2.0 / 3, 1e-9);
  // acknowledge: 20, 20 → within 30 s: both.
  EXPECT_EQ(m("acknowledge").count, 2);
  EXPECT_EQ(*m("acknowledge").median_s, 20);
  EXPECT_DOUBLE_EQ(*m("acknowledge").within_share, 1.0);
  // arrive: 200, 400 (urban target 300) → median 200, p90 400, share 0.5.
  EXPECT_EQ(*m("arrive").median_s, 200);
  EXPECT_EQ(*m("arrive").p90_s, 400);
  EXPECT_DOUBLE_EQ(*m("arrive").within_share, 0.5);
  // close: 1000 only, no target.
  EXPECT_EQ(m("close").count, 1);
  EXPECT_EQ(*m("close").median_s, 1000);
  EXPECT_FALSE(m("close").within_share.has_value());

  auto by_priority = ComputeKpis(ev, TargetTable::Defaults(), {.group_by = "priority"});
  ASSERT_EQ(by_priority.groups.size(), 2u);
  EXPECT_EQ(by_priority.groups[0].key, "1");
  EXPECT_EQ(by_priority.groups[0].incidents, 2);
  auto by_type = ComputeKpis(ev, TargetTable::Defaults(), {.group_by = "unit_type"});
  ASSERT_EQ(by_type.groups.size(), 2u);
  EXPECT_EQ(by_type.groups[0].key, "motorcycle");
  EXPECT_EQ(by_type.groups[1].incidents, 2);
  auto by_day = ComputeKpis(ev, TargetTable::Defaults(), {.group_by = "day"});
  ASSERT_EQ(by_day.groups.size(), 1u);
  EXPECT_EQ(by_day.groups[0].key, "2026-01-01");
  // A window that keeps only incident 3.
  auto late = ComputeKpis(ev, TargetTable::Defaults(), {.from = at(250), .to = std::nullopt, .group_by = "all"});
  ASSERT_EQ(late.groups.size(), 1u);
  EXPECT_EQ(late.groups[0].incidents, 1);
}

TEST(Targets, ConfigMergesOntoDefaults) {
  auto t = TargetTable::FromJson(json::parse(R"({"3": {"urban": {"arrival_s": 900}}})"));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->For(3, "urban").arrival_s, 900);
  EXPECT_EQ(t->For(3, "urban").acknowledge_s, 30);
  EXPECT_EQ(t->For(1, "suburban").arrival_s, 600);
  EXPECT_FALSE(TargetTable::FromJson(json::parse(R"({"7": {}})")).ok());
  EXPECT_FALSE(TargetTable::FromJson(json::parse(R"({"1": {"urban": {"arrival_s": -1}}})")).ok());
}

}  // namespace
}  // namespace jingwu::dispatch
