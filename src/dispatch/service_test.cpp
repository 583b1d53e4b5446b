#include "dispatch/service.h"

#include <gtest/gtest.h>

#include "sql/backend_test.h"

namespace jingwu::dispatch {
namespace {

const Actor kDisp{"li.disp", "dispatcher", "10.0.0.1"};
const std::vector<std::string> kStates = {"", "reserved", "assigned", "acknowledged", "en_route", "on_scene", "cleared"};

class DispatchTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Migrate(audit::Migrations()).ok());
    ASSERT_TRUE(db_->Migrate(Migrations()).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    Reopen();
  }
  // A fresh service that rebuilds its state from the stored timeline.
  void Reopen() {
    svc_ = std::make_unique<Service>(db_, log_.get(), &clock_);
    ASSERT_TRUE(svc_->Load().ok());
  }
  int64_t AddUnit(const std::string& call_sign, double lat, double lon, const std::string& type = "patrol_car") {
    UnitInput u;
    u.call_sign = call_sign;
    u.type = type;
    u.station = "中山派出所";
    u.lat = lat;
    u.lon = lon;
    auto r = svc_->CreateUnit(kDisp, u);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : 0;
  }
  IncidentInput Input() {
    IncidentInput in;
    in.category = "criminal";
    in.priority = 1;
    in.district_code = "460106";
    in.lat = 20.0300;
    in.lon = 110.3300;
    in.address = "龙华区国贸路";
    in.caller_phone = "+86 138 0013 8000";
    return in;
  }
  int64_t AddIncident() {
    auto r = svc_->CreateIncident(kDisp, Input());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : 0;
  }
  std::string Code(const Status& s) { return s.ok() ? "ok" : s.code(); }

  ManualClock clock_{Timestamp::FromSeconds(1767225600)};  // 2026-01-01T08:00+08:00
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<Service> svc_;
};

TEST_P(DispatchTest, StoreAppendsAtomicallyAndReadsInOrder) {
  Store store(db_);
  Event a{1, {10}, "x", "unit.created", 0, 1, {{"call_sign", "A"}}};
  Event b{2, {20}, "x", "incident.created", 7, 0, {{"priority", 1}}};
  ASSERT_TRUE(store.Append({a, b}).ok());
  // A batch with a duplicate seq fails as a whole: event 3 is not stored either.
  Event c{3, {30}, "x", "incident.feedback", 7, 0, {{"text", "t"}}};
  EXPECT_FALSE(store.Append({c, a}).ok());
  auto all = store.All();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].kind, "incident.created");
  EXPECT_EQ((*all)[1].data["priority"], 1);
  EXPECT_EQ((*all)[1].at.micros, 20);
  auto since = store.Since(1, 10);
  ASSERT_TRUE(since.ok());
  ASSERT_EQ(since->size(), 1u);
  EXPECT_EQ((*since)[0].seq, 2);
  auto inc = store.ForIncident(7);
  ASSERT_TRUE(inc.ok());
  EXPECT_EQ(inc->size(), 1u);
}

TEST_P(DispatchTest, EveryTransitionAllowedOrRefused) {
  // The table of docs/dispatch.md, checked pair by pair through the service.
  std::set<std::pair<std::string, std::string>> allowed = {
      {"", "reserved"},          {"", "assigned"},           {"reserved", "assigned"},  {"reserved", "cleared"},
      {"assigned", "acknowledged"}, {"assigned", "cleared"}, {"acknowledged", "en_route"},
      {"acknowledged", "on_scene"}, {"acknowledged", "cleared"}, {"en_route", "on_scene"}, {"en_route", "cleared"},
      {"on_scene", "cleared"},   {"cleared", "assigned"},    {"cleared", "reserved"}};
  // A path into each state from nothing.
  std::map<std::string, std::vector<std::string>> path = {
      {"", {}},
      {"reserved", {"reserved"}},
      {"assigned", {"assigned"}},
      {"acknowledged", {"assigned", "acknowledged"}},
      {"en_route", {"assigned", "acknowledged", "en_route"}},
      {"on_scene", {"assigned", "acknowledged", "en_route", "on_scene"}},
      {"cleared", {"assigned", "cleared"}}};
  int n = 0;
  for (const auto& from : kStates) {
    for (const auto& to : kStates) {
      if (to.empty()) continue;
      int64_t unit = AddUnit("U" + std::to_string(++n), 20.03, 110.33);
      int64_t inc = AddIncident();
      for (const auto& step : path[from]) ASSERT_TRUE(svc_->SetAssignment(kDisp, inc, unit, step).ok()) << step;
      auto r = svc_->SetAssignment(kDisp, inc, unit, to);
      bool want = allowed.count({from, to}) > 0;
      EXPECT_EQ(r.ok(), want) << from << " -> " << to << ": " << r.status().ToString();
      EXPECT_EQ(AllowedTransition(from, to), want) << from << " -> " << to;
      if (!want) {
        EXPECT_EQ(r.status().kind(), ErrorKind::kConflict);
        std::string code = (to == "assigned" || to == "reserved") && IsActive(from) ? "already_assigned" : "invalid_transition";
        EXPECT_EQ(r.status().code(), code) << from << " -> " << to;
        // Refused: the state is what it was.
        auto inc_now = svc_->GetIncident(inc);
        const Assignment* a = inc_now->FindAssignment(unit);
        EXPECT_EQ(a ? a->state : "", from);
      }
    }
  }
  EXPECT_EQ(Code(svc_->SetAssignment(kDisp, AddIncident(), 1, "parked").status()), "invalid_state");
}

TEST_P(DispatchTest, UnitStateDoesNotBleedAcrossAssignments) {
  int64_t unit = AddUnit("琼A-ZS01", 20.03, 110.33);
  int64_t a = AddIncident(), b = AddIncident();
  for (auto s : {"assigned", "acknowledged", "en_route", "on_scene"}) ASSERT_TRUE(svc_->SetAssignment(kDisp, a, unit, s).ok());
  // Busy on A: cannot be dispatched to B.
  EXPECT_EQ(Code(svc_->SetAssignment(kDisp, b, unit, "assigned").status()), "unit_busy");
  ASSERT_TRUE(svc_->SetAssignment(kDisp, a, unit, "cleared").ok());
  auto rb = svc_->SetAssignment(kDisp, b, unit, "assigned");
  ASSERT_TRUE(rb.ok());
  EXPECT_EQ(rb->FindAssignment(unit)->state, "assigned");  // not on_scene from A
  EXPECT_EQ(rb->status, "dispatched");
  EXPECT_FALSE(rb->arrived_at.has_value());
  auto ra = svc_->GetIncident(a);
  EXPECT_EQ(ra->FindAssignment(unit)->state, "cleared");
  auto u = svc_->GetUnit(unit);
  EXPECT_EQ(u->current_incident, b);
  EXPECT_EQ(u->current_state, "assigned");
  // Same after rebuilding from the timeline.
  Reopen();
  EXPECT_EQ(svc_->GetUnit(unit)->current_incident, b);
  EXPECT_EQ(svc_->GetIncident(a)->FindAssignment(unit)->state, "cleared");
}

TEST_P(DispatchTest, CloseReleasesUnitsAtomicallyAndNeedsDisposition) {
  int64_t u1 = AddUnit("A1", 20.03, 110.33), u2 = AddUnit("A2", 20.03, 110.34), u3 = AddUnit("A3", 20.03, 110.35);
  int64_t inc = AddIncident();
  ASSERT_TRUE(svc_->SetAssignment(kDisp, inc, u1, "assigned").ok());
  ASSERT_TRUE(svc_->SetAssignment(kDisp, inc, u2, "reserved").ok());
  for (auto s : {"assigned", "acknowledged", "on_scene"}) ASSERT_TRUE(svc_->SetAssignment(kDisp, inc, u3, s).ok());
  int64_t before = svc_->LastSeq();
  EXPECT_EQ(Code(svc_->Close(kDisp, inc, "").status()), "disposition_required");
  EXPECT_EQ(Code(svc_->Close(kDisp, inc, "went_home").status()), "unknown_disposition");
  EXPECT_EQ(svc_->LastSeq(), before);  // nothing written
  EXPECT_EQ(svc_->GetUnit(u1)->current_incident, inc);

  auto closed = svc_->Close(kDisp, inc, "resolved");
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->status, "closed");
  EXPECT_EQ(closed->disposition, "resolved");
  EXPECT_EQ(svc_->LastSeq(), before + 4);  // three releases and the close
  for (int64_t u : {u1, u2, u3}) {
    EXPECT_EQ(svc_->GetUnit(u)->current_incident, 0);
    EXPECT_EQ(closed->FindAssignment(u)->state, "cleared");
  }
  EXPECT_EQ(Code(svc_->Close(kDisp, inc, "resolved").status()), "incident_closed");
  EXPECT_EQ(Code(svc_->SetAssignment(kDisp, inc, u1, "assigned").status()), "incident_closed");
  // The released units are free for the next incident.
  EXPECT_TRUE(svc_->SetAssignment(kDisp, AddIncident(), u3, "assigned").ok());
  Reopen();
  EXPECT_EQ(svc_->GetUnit(u1)->current_incident, 0);
  EXPECT_TRUE(svc_->GetIncident(inc)->closed());
}

TEST_P(DispatchTest, CloseThatCannotBeStoredChangesNothing) {
  int64_t u1 = AddUnit("A1", 20.03, 110.33);
  int64_t inc = AddIncident();
  ASSERT_TRUE(svc_->SetAssignment(kDisp, inc, u1, "assigned").ok());
  // Occupy the seq the close's second event would take: the batch must fail whole.
  int64_t next = svc_->LastSeq();
  ASSERT_TRUE(db_->Exec("INSERT INTO dispatch_events (seq, at_us, actor, kind, incident_id, unit_id, data) "
                        "VALUES (?, 0, 'x', 'noise', 0, 0, '{}')",
                        {next + 2})
                  .ok());
  EXPECT_FALSE(svc_->Close(kDisp, inc, "resolved").ok());
  EXPECT_FALSE(svc_->GetIncident(inc)->closed());
  EXPECT_EQ(svc_->GetUnit(u1)->current_incident, inc);
  auto stored = Store(db_).ForIncident(inc);
  ASSERT_TRUE(stored.ok());
  for (const auto& e : *stored) EXPECT_NE(e.kind, "incident.closed");
  EXPECT_EQ(stored->back().kind, "assignment.state");
  EXPECT_EQ(stored->back().data["state"], "assigned");
}

TEST_P(DispatchTest, InvalidInputGetsSpecificCodesAndWritesNothing) {
  int64_t unit = AddUnit("A1", 20.03, 110.33);
  int64_t before = svc_->LastSeq();
  auto in = Input();
  in.category = "alien_landing";
  EXPECT_EQ(Code(svc_->CreateIncident(kDisp, in).status()), "unknown_category");
  in = Input();
  in.priority = 5;
  EXPECT_EQ(Code(svc_->CreateIncident(kDisp, in).status()), "invalid_priority");
  in = Input();
  in.lat = 39.9;  // Beijing
  in.lon = 116.4;
  EXPECT_EQ(Code(svc_->CreateIncident(kDisp, in).status()), "outside_service_area");
  in = Input();
  in.lat = 200;
  EXPECT_EQ(Code(svc_->CreateIncident(kDisp, in).status()), "invalid_coordinates");
  in = Input();
  in.district_code = "110101";
  EXPECT_EQ(Code(svc_->CreateIncident(kDisp, in).status()), "unknown_district");
  in = Input();
  in.caller_phone = "call me maybe";
  EXPECT_EQ(Code(svc_->CreateIncident(kDisp, in).status()), "invalid_phone");
  UnitInput u{"A1", "patrol_car", "", {}, "on_duty", 20.03, 110.33};
  EXPECT_EQ(Code(svc_->CreateUnit(kDisp, u).status()), "duplicate_call_sign");
  u.call_sign = "A2";
  u.type = "tank";
  EXPECT_EQ(Code(svc_->CreateUnit(kDisp, u).status()), "unknown_unit_type");
  EXPECT_EQ(Code(svc_->SetAvailability(kDisp, unit, "asleep").status()), "invalid_availability");
  EXPECT_EQ(Code(svc_->ReportPosition(kDisp, unit, 0, 0).status()), "outside_service_area");
  EXPECT_EQ(Code(svc_->SetAssignment(kDisp, 99, unit, "assigned").status()), "incident_not_found");
  EXPECT_EQ(svc_->LastSeq(), before);
  // A unit dispatched twice.
  int64_t inc = AddIncident();
  ASSERT_TRUE(svc_->SetAssignment(kDisp, inc, unit, "assigned").ok());
  EXPECT_EQ(Code(svc_->SetAssignment(kDisp, inc, unit, "assigned").status()), "already_assigned");
  EXPECT_EQ(Code(svc_->SetAvailability(kDisp, unit, "off_duty").status()), "unit_assigned");
  int64_t off = AddUnit("A3", 20.03, 110.33);
  ASSERT_TRUE(svc_->SetAvailability(kDisp, off, "off_duty").ok());
  EXPECT_EQ(Code(svc_->SetAssignment(kDisp, inc, off, "assigned").status()), "unit_unavailable");
}

TEST_P(DispatchTest, CallerPhoneIsNormalisedAndItsRecordingAudited) {
  auto inc = svc_->CreateIncident(kDisp, Input());
  ASSERT_TRUE(inc.ok());
  EXPECT_EQ(inc->caller_phone, "13800138000");
  EXPECT_EQ(MaskPhone(inc->caller_phone), "138****8000");
  auto page = log_->Query({.action = "dispatch.incident_create"});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 1);
  EXPECT_EQ(page->items[0].target, "incident:" + std::to_string(inc->id));
  EXPECT_EQ(page->items[0].actor, "li.disp");
}

TEST_P(DispatchTest, TimersEscalateOnceWithTheClock) {
  int64_t unit = AddUnit("A1", 20.03, 110.33);
  int64_t inc = AddIncident();  // urban, priority 1: ack 30 s, arrival 300 s, feedback 1800 s
  EXPECT_EQ(svc_->GetIncident(inc)->area, "urban");
  ASSERT_TRUE(svc_->SetAssignment(kDisp, inc, unit, "assigned").ok());
  clock_.Advance(30 * kMicrosPerSecond);
  EXPECT_EQ(svc_->CheckTimers(), 0);  // due at 30 s, not yet past
  clock_.Advance(1 * kMicrosPerSecond);
  EXPECT_EQ(svc_->CheckTimers(), 1);
  EXPECT_EQ(svc_->CheckTimers(), 0);  // once
  EXPECT_EQ(svc_->GetIncident(inc)->escalations, std::vector<std::string>{"acknowledge"});
  ASSERT_TRUE(svc_->SetAssignment(kDisp, inc, unit, "acknowledged").ok());
  clock_.Advance(270 * kMicrosPerSecond);  // 301 s after receipt
  EXPECT_EQ(svc_->CheckTimers(), 1);
  auto now = svc_->GetIncident(inc);
  EXPECT_EQ(now->escalations, (std::vector<std::string>{"acknowledge", "arrival"}));
  auto timers = svc_->Timers(*now, clock_.Now());
  ASSERT_EQ(timers.size(), 3u);
  EXPECT_TRUE(timers[0].overdue);  // acknowledged late
  EXPECT_TRUE(timers[1].overdue && !timers[1].met);
  EXPECT_FALSE(timers[2].overdue);
  // A suburban incident gets 10 minutes to arrive.
  auto in = Input();
  in.lat = 19.83;
  in.lon = 110.47;
  in.district_code = "460107";
  auto sub = svc_->CreateIncident(kDisp, in);
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->area, "suburban");
  auto t = svc_->Timers(*sub, clock_.Now());
  EXPECT_EQ(t[0].step, "arrival");
  EXPECT_EQ(t[0].due.micros - t[0].started.micros, 600 * kMicrosPerSecond);
}

TEST_P(DispatchTest, ListenersSeeEveryEventInOrder) {
  std::vector<int64_t> seen;
  svc_->AddListener([&](const Event& e) { seen.push_back(e.seq); });
  int64_t unit = AddUnit("A1", 20.03, 110.33);
  int64_t inc = AddIncident();
  ASSERT_TRUE(svc_->SetAssignment(kDisp, inc, unit, "assigned").ok());
  ASSERT_TRUE(svc_->Close(kDisp, inc, "resolved").ok());
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  auto tl = svc_->Timeline(inc);
  ASSERT_TRUE(tl.ok());
  std::vector<std::string> kinds;
  for (const auto& e : *tl) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"incident.created", "assignment.state", "assignment.state", "incident.closed"}));
  EXPECT_EQ((*tl)[0].actor, "li.disp");
}

TEST_P(DispatchTest, SeedDemoOnlyOnAnEmptyTimeline) {
  auto n = SeedDemo(*svc_);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_GE(*n, 40);
  EXPECT_EQ(svc_->ListUnits().size(), static_cast<size_t>(*n));
  EXPECT_EQ(svc_->ListIncidents({}).size(), 4u);
  auto again = SeedDemo(*svc_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

JW_INSTANTIATE_BACKENDS(DispatchTest);

}  // namespace
}  // namespace jingwu::dispatch
