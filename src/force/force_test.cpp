#include <gtest/gtest.h>

#include "auth/service.h"
#include "cases/service.h"
#include "force/inspection.h"
#include "force/service.h"
#include "identity/identity.h"
#include "sql/backend_test.h"

namespace jingwu::force {
namespace {

using nlohmann::json;

// ---- the rules, pure

constexpr int64_t kDay = 86400 * kMicrosPerSecond;
// 2020-03-02 (a Monday) at a local hour.
int64_t At(int day_offset, double hour) {
  return (DaysFromCivil(2020, 3, 2) + day_offset) * kDay + static_cast<int64_t>((hour - 8) * 3600) * kMicrosPerSecond;
}

struct Fixture {
  std::map<std::string, Reader> readers;
  std::map<std::string, CaseInfo> cases;
  RuleContext ctx;
  Fixture() {
    Reader w;
    w.police_no = "100001";
    w.unit_code = "460106010000";
    w.branch_district = "460106";
    w.id_number = "460100199001010011";
    w.household = {"460100199202020022"};
    readers["wang"] = w;
    CaseInfo open{"460106", At(-100, 9), 0, {"510100198001010033"}};
    CaseInfo closed{"460106", At(-100, 9), At(-10, 9), {}};
    CaseInfo other{"460108", At(-100, 9), 0, {"510100198001010044"}};
    cases = {{"A-OPEN", open}, {"A-CLOSED", closed}, {"A-OTHER", other}};
    ctx.reader = [this](const std::string& u) -> const Reader* {
      auto it = readers.find(u);
      return it == readers.end() ? nullptr : &it->second;
    };
    ctx.find_case = [this](const std::string& c) -> const CaseInfo* {
      auto it = cases.find(c);
      return it == cases.end() ? nullptr : &it->second;
    };
    ctx.protected_ids = {{"460100197001010055", "public_figure"}};
  }
};

std::set<std::string> Rules(const std::vector<Finding>& f) {
  std::set<std::string> out;
  for (const auto& x : f) out.insert(x.rule);
  return out;
}

TEST(InspectionRules, NightReadsWithoutACaseAreFlaggedAndACaseExcusesThem) {
  Fixture fx;
  RuleConfig cfg;
  int64_t id = 0;
  std::vector<Read> reads = {
      {++id, At(0, 10), "analyst", "entity.profile", "ID:460100198801010066", ""},         // office hours
      {++id, At(0, 2.5), "analyst", "entity.profile", "ID:460100198801010077", ""},        // night, no case
      {++id, At(1, 2.5), "analyst", "entity.profile", "ID:510100198001010033", "A-OPEN"},  // night, own open case
      {++id, At(5, 11), "analyst", "entity.profile", "ID:460100198801010088", ""},         // Saturday
  };
  std::map<int64_t, DayCount> days;
  auto f = RunReaderRules(cfg, fx.ctx, "wang", reads, INT64_MIN, &days);
  ASSERT_EQ(f.size(), 2u) << f[0].summary;
  EXPECT_EQ(f[0].rule, "off_shift");
  EXPECT_EQ(f[0].day, "2020-03-02");
  EXPECT_EQ(f[0].evidence, std::vector<int64_t>{2});
  EXPECT_EQ(f[0].facts["night"], 1);
  EXPECT_EQ(f[1].day, "2020-03-07");
  EXPECT_EQ(f[1].evidence, std::vector<int64_t>{4});
  EXPECT_EQ(days.size(), 3u);
  // With a roster, the reader's shifts decide instead of office hours.
  fx.readers["wang"].rostered = true;
  fx.readers["wang"].shifts = {{At(5, 8), At(5, 20)}};
  f = RunReaderRules(cfg, fx.ctx, "wang", reads, INT64_MIN, nullptr);
  ASSERT_EQ(f.size(), 1u);                                  // Saturday 11:00 is on the shift now
  EXPECT_EQ(f[0].evidence, (std::vector<int64_t>{1, 2}));  // Monday 10:00 is off this reader's roster
}

TEST(InspectionRules, CaseNumbersThatDoNotHoldAreNamed) {
  Fixture fx;
  RuleConfig cfg;
  std::vector<Read> reads = {
      {1, At(0, 10), "analyst", "entity.profile", "ID:460100198801010066", "A-NONE"},
      {2, At(0, 10.5), "analyst", "entity.profile", "ID:460100198801010066", "A-CLOSED"},
      {3, At(0, 11), "analyst", "entity.profile", "ID:460100198801010066", "A-OTHER"},
      {4, At(0, 11.5), "analyst", "entity.profile", "ID:510100198001010044", "A-OTHER"},  // named in it: fine
      {5, At(0, 12), "analyst", "entity.profile", "ID:460100198801010099", "A-OPEN"},    // own district: fine
  };
  auto f = RunReaderRules(cfg, fx.ctx, "wang", reads, INT64_MIN, nullptr);
  std::map<std::string, std::vector<int64_t>> problems;
  for (const auto& x : f)
    if (x.rule == "bad_case") problems[x.facts["problem"]] = x.evidence;
  EXPECT_EQ(problems["unknown_case"], std::vector<int64_t>{1});
  EXPECT_EQ(problems["closed_case"], std::vector<int64_t>{2});
  EXPECT_EQ(problems["other_unit"], std::vector<int64_t>{3});
  EXPECT_EQ(problems.size(), 3u);
}

TEST(InspectionRules, RepeatedAndProtectedReads) {
  Fixture fx;
  RuleConfig cfg;
  std::vector<Read> reads;
  int64_t id = 0;
  // The same person on days 0, 7 and 14 (within 30 days): repeat.
  for (int d : {0, 7, 14}) reads.push_back({++id, At(d, 10), "analyst", "entity.profile", "ID:460100198801010066", ""});
  // Twice only: not a repeat.
  for (int d : {1, 2}) reads.push_back({++id, At(d, 10), "analyst", "entity.profile", "ID:460100198801010011", ""});
  reads.push_back({++id, At(3, 10), "analyst", "entity.profile", "ID:460100199202020022", ""});  // household
  reads.push_back({++id, At(3, 11), "analyst", "entity.profile", "ID:460100197001010055", ""});  // public figure
  reads.push_back({++id, At(3, 12), "analyst", "entity.profile", "ID:460100199001010011", ""});  // self
  std::sort(reads.begin(), reads.end(), [](const Read& a, const Read& b) { return a.at_us < b.at_us; });
  auto f = RunReaderRules(cfg, fx.ctx, "wang", reads, INT64_MIN, nullptr);
  std::map<std::string, std::string> protected_of;
  int repeats = 0;
  for (const auto& x : f) {
    if (x.rule == "repeat") {
      ++repeats;
      EXPECT_EQ(x.subject, "ID:460100198801010066");
      EXPECT_EQ(x.evidence_count, 3);
    }
    if (x.rule == "protected") protected_of[x.subject] = x.facts["category"];
  }
  EXPECT_EQ(repeats, 1);
  EXPECT_EQ(protected_of["ID:460100199202020022"], "household");
  EXPECT_EQ(protected_of["ID:460100197001010055"], "public_figure");
  EXPECT_EQ(protected_of["ID:460100199001010011"], "self");
  EXPECT_EQ(protected_of.size(), 3u);
  // A wider window does not change it; a threshold of 4 removes it.
  cfg.repeat_min = 4;
  EXPECT_EQ(Rules(RunReaderRules(cfg, fx.ctx, "wang", reads, INT64_MIN, nullptr)).count("repeat"), 0u);
}

TEST(InspectionRules, VolumeNeedsBothOwnAndPeerBaselines) {
  Fixture fx;
  RuleConfig cfg;
  std::map<std::string, std::map<int64_t, DayCount>> days;
  for (int d = 0; d < 30; ++d) {
    for (int p = 0; p < 6; ++p) days["peer" + std::to_string(p)][d].reads = 20 + (d + p) % 7;
    days["busy"][d].reads = 100 + d % 9;  // steady and high: not flagged
    days["wang"][d].reads = 25 + d % 5;
  }
  days["wang"][29].reads = 900;  // one bulk day
  for (auto& [a, m] : days)
    for (auto& [d, c] : m) c.role = "analyst";
  auto f = RunVolumeRule(cfg, fx.ctx, days, INT64_MIN);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].actor, "wang");
  EXPECT_EQ(f[0].police_no, "100001");
  EXPECT_EQ(f[0].facts["reads"], 900);
  EXPECT_GT(f[0].facts["z_own"].get<double>(), 5);
  // Only days on or after days_from are judged (incremental runs).
  EXPECT_TRUE(RunVolumeRule(cfg, fx.ctx, days, 30).empty());
}

TEST(InspectionRules, SettingsAreCheckedWhenMerged) {
  RuleConfig cfg;
  EXPECT_TRUE(cfg.Merge(json{{"repeat_min", 4}, {"volume_z", 6.5}}).ok());
  EXPECT_EQ(cfg.repeat_min, 4);
  EXPECT_EQ(cfg.Merge(json{{"repeat_min", 1}}).code(), "invalid_rules");
  EXPECT_EQ(cfg.Merge(json{{"no_such", 1}}).code(), "invalid_rules");
  EXPECT_EQ(cfg.Merge(json{{"office_from_hour", 20}, {"office_to_hour", 9}}).code(), "invalid_rules");
  EXPECT_EQ(cfg.repeat_min, 4);  // a refused change changes nothing
}

// ---- the service, on both databases

const auth::Actor kAdmin{"root", "admin", "cli"};

class ForceTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (auto m : {audit::Migrations(), auth::Migrations(), cases::Migrations(), dispatch::Migrations(),
                   registry::Migrations(), Migrations()})
      ASSERT_TRUE(db_->Migrate(m).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    auth_ = std::make_unique<auth::Service>(db_, log_.get(), &clock_, Config{});
    registry_ = std::make_unique<registry::Service>(db_, log_.get(), &clock_);
    ASSERT_TRUE(registry_->Load().ok());
    dispatch_ = std::make_unique<dispatch::Service>(db_, log_.get(), &clock_);
    ASSERT_TRUE(dispatch_->Load().ok());
    svc_ = std::make_unique<Service>(db_, log_.get(), &clock_, registry_.get());
    svc_->SetDispatch(dispatch_.get());
    ASSERT_TRUE(svc_->Load().ok());
    dispatch_->SetCrewSource(svc_.get());
    ASSERT_TRUE(svc_->CreateUnit(kAdmin, {"460100000000", "海口市公安局", "bureau", "", "460100"}).ok());
    ASSERT_TRUE(svc_->CreateUnit(kAdmin, {"460106000000", "龙华分局", "branch", "460100000000", "460106"}).ok());
    ASSERT_TRUE(svc_->CreateUnit(kAdmin, {"460106501000", "大同派出所", "station", "460106000000", ""}).ok());
    for (int i = 1; i <= 4; ++i) {
      Officer o;
      o.police_no = "10000" + std::to_string(i);
      o.name = "民警" + std::to_string(i);
      o.kind = "police";
      o.unit_code = "460106501000";
      ASSERT_TRUE(svc_->CreateOfficer(kAdmin, o).ok());
    }
  }

  int64_t Denied(const std::string& action) {
    auto p = log_->Query({.action = action, .outcome = "denied"});
    return p.ok() ? p->total : -1;
  }

  Shift Day(const std::string& date, std::vector<ShiftMember> m, const std::string& from = "08:00",
            const std::string& to = "20:00") {
    Shift s;
    s.unit_code = "460106501000";
    s.date = date;
    s.starts_at = date + "T" + from;
    s.ends_at = (to < from ? date.substr(0, 8) + std::to_string(std::stoi(date.substr(8)) + 1) : date) + "T" + to;
    s.members = std::move(m);
    return s;
  }

  ManualClock clock_{*ParseTime("2026-03-02T10:00:00+08:00")};
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<auth::Service> auth_;
  std::unique_ptr<registry::Service> registry_;
  std::unique_ptr<dispatch::Service> dispatch_;
  std::unique_ptr<Service> svc_;
};

TEST_P(ForceTest, UnitsFormATreeAndBadUnitsAreRefused) {
  EXPECT_EQ(svc_->CreateUnit(kAdmin, {"460106501000", "x", "station", "460106000000", ""}).status().code(), "unit_exists");
  EXPECT_EQ(svc_->CreateUnit(kAdmin, {"460199000000", "x", "station", "469999999999", ""}).status().code(), "unknown_unit");
  EXPECT_EQ(svc_->CreateUnit(kAdmin, {"46A", "x", "station", "460106000000", ""}).status().code(), "invalid_unit_code");
  auto sub = svc_->Subtree("460106000000");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(*sub, (std::set<std::string>{"460106000000", "460106501000"}));
  auto units = svc_->Units();
  ASSERT_EQ(units->size(), 3u);
  EXPECT_EQ(units->at(2).district_code, "460106");  // inherited from the branch
  EXPECT_EQ(units->at(2).personnel, 4);
  EXPECT_EQ(Denied("force.unit.create"), 3);
}

TEST_P(ForceTest, LeavingTheForceDisablesTheAccountInTheSameTransaction) {
  auto u = auth_->CreateUser(kAdmin, {"wang.hai", "", "correct-horse-battery", {"investigator"}});
  ASSERT_TRUE(u.ok());
  auto login = auth_->Login({"wang.hai", "correct-horse-battery", "", "10.0.0.1"});
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(svc_->UpdateOfficer(kAdmin, "100001", json{{"username", "wang.hai"}}).ok());
  // One account, one person.
  EXPECT_EQ(svc_->UpdateOfficer(kAdmin, "100002", json{{"username", "wang.hai"}}).status().code(), "account_linked");
  EXPECT_EQ(svc_->UpdateOfficer(kAdmin, "100002", json{{"username", "nobody"}}).status().code(), "unknown_user");
  auto left = svc_->UpdateOfficer(kAdmin, "100001", json{{"status", "left"}});
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_EQ(left->left_at, "2026-03-02");
  auto user = auth_->FindUser("wang.hai");
  ASSERT_TRUE(user.ok());
  EXPECT_TRUE(user->disabled);
  EXPECT_FALSE(auth_->Authenticate(login->token, "10.0.0.1").ok());
  EXPECT_EQ(svc_->UpdateOfficer(kAdmin, "100001", json{{"status", "on_duty"}}).status().code(), "officer_left");
  EXPECT_EQ(svc_->UpdateOfficer(kAdmin, "100002", json{{"status", "retired"}}).status().code(), "invalid_status");
  EXPECT_EQ(svc_->UpdateOfficer(kAdmin, "100002", json{{"unit_code", "999"}}).status().code(), "unknown_unit");
  EXPECT_EQ(svc_->GetOfficer("100002")->unit_code, "460106501000");  // nothing half-written
}

TEST_P(ForceTest, RosterConflictsAreRefusedWithSpecificErrors) {
  ASSERT_TRUE(svc_->CreateShift(kAdmin, Day("2026-03-02", {{"100001", "", ""}})).ok());
  EXPECT_EQ(svc_->CreateShift(kAdmin, Day("2026-03-02", {{"100001", "", ""}}, "12:00", "22:00")).status().code(),
            "double_shift");
  // Ends 20:00, the next starts 02:00: six hours of rest, under eight.
  EXPECT_EQ(svc_->CreateShift(kAdmin, Day("2026-03-03", {{"100001", "", ""}}, "02:00", "08:00")).status().code(),
            "rest_too_short");
  EXPECT_EQ(svc_->CreateShift(kAdmin, Day("2026-03-04", {{"100002", "", ""}, {"100002", "", ""}})).status().code(),
            "double_shift");
  ASSERT_TRUE(svc_->UpdateOfficer(kAdmin, "100003", json{{"status", "leave"}}).ok());
  EXPECT_EQ(svc_->CreateShift(kAdmin, Day("2026-03-04", {{"100003", "", ""}})).status().code(), "officer_unavailable");
  EXPECT_EQ(svc_->CreateShift(kAdmin, Day("2026-03-04", {{"199999", "", ""}})).status().code(), "unknown_officer");
  EXPECT_EQ(svc_->CreateShift(kAdmin, Day("2026-03-04", {{"100002", "", "琼A-ZZ99"}})).status().code(), "unknown_call_sign");
  Shift backwards = Day("2026-03-04", {});
  backwards.ends_at = "2026-03-04T07:00";
  EXPECT_EQ(svc_->CreateShift(kAdmin, backwards).status().code(), "invalid_shift");
  Shift elsewhere = Day("2026-03-04", {});
  elsewhere.unit_code = "460199999999";
  EXPECT_EQ(svc_->CreateShift(kAdmin, elsewhere).status().code(), "unknown_unit");
  // Nothing of a refused shift was stored.
  EXPECT_EQ(svc_->Shifts("", "", "")->size(), 1u);
  EXPECT_EQ(Denied("force.shift.create"), 8);
}

TEST_P(ForceTest, TheRosterDecidesWhichCarsAreRecommended) {
  dispatch::UnitInput a{"琼A-DT01", "patrol_car", "大同派出所", {}, "on_duty", 20.032, 110.334};
  dispatch::UnitInput b{"琼A-DT02", "patrol_car", "大同派出所", {}, "on_duty", 20.033, 110.335};
  auto ua = dispatch_->CreateUnit(kAdmin, a);
  auto ub = dispatch_->CreateUnit(kAdmin, b);
  ASSERT_TRUE(ua.ok() && ub.ok());
  dispatch::IncidentInput in;
  in.lat = 20.03;
  in.lon = 110.33;
  in.district_code = "460106";
  in.category = "criminal";
  in.narrative = "电动车被盗";
  auto inc = dispatch_->CreateIncident(kAdmin, in);
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  auto ids = [&] {
    std::set<int64_t> out;
    auto recs = dispatch_->Recommend(inc->id, 10);
    if (!recs.ok()) return out;
    for (const auto& r : recs.value()) out.insert(r.unit_id);
    return out;
  };
  EXPECT_EQ(ids(), (std::set<int64_t>{ua->id, ub->id}));  // no roster at the station yet
  auto shift = svc_->CreateShift(kAdmin, Day("2026-03-02", {{"100001", "", "琼A-DT01"}, {"100002", "", "琼A-DT01"}}));
  ASSERT_TRUE(shift.ok()) << shift.status().ToString();
  EXPECT_EQ(ids(), std::set<int64_t>{ua->id});  // the station keeps a roster: DT02 has no crew
  auto crew = svc_->CrewOf("琼A-DT01", "大同派出所", clock_.Now());
  EXPECT_TRUE(crew.rostered);
  ASSERT_EQ(crew.members.size(), 2u);
  EXPECT_EQ(crew.members[0].second, "民警1");
  // On leave: no longer in the car.
  ASSERT_TRUE(svc_->UpdateOfficer(kAdmin, "100002", json{{"status", "leave"}}).ok());
  EXPECT_EQ(svc_->CrewOf("琼A-DT01", "大同派出所", clock_.Now()).members.size(), 1u);
  ASSERT_TRUE(svc_->RemoveMember(kAdmin, shift->id, "100001").ok());
  ASSERT_TRUE(svc_->RemoveMember(kAdmin, shift->id, "100002").ok());
  EXPECT_TRUE(ids().empty());  // the crew went off: no car left to recommend
  clock_.Advance(12 * kMicrosPerHour);
  EXPECT_TRUE(svc_->CrewOf("琼A-DT01", "大同派出所", clock_.Now()).members.empty());
}

TEST_P(ForceTest, ALateAcknowledgementIsAFindingAgainstTheCrewOnShift) {
  auto unit = dispatch_->CreateUnit(kAdmin, {"琼A-DT01", "patrol_car", "大同派出所", {}, "on_duty", 20.032, 110.334});
  ASSERT_TRUE(unit.ok());
  ASSERT_TRUE(svc_->CreateShift(kAdmin, Day("2026-03-02", {{"100001", "", "琼A-DT01"}})).ok());
  dispatch::IncidentInput in;
  in.lat = 20.03;
  in.lon = 110.33;
  in.district_code = "460106";
  in.category = "criminal";
  in.narrative = "手机被抢";
  auto late = dispatch_->CreateIncident(kAdmin, in);
  auto prompt = dispatch_->CreateIncident(kAdmin, in);
  ASSERT_TRUE(late.ok() && prompt.ok());
  ASSERT_TRUE(dispatch_->SetAssignment(kAdmin, prompt->id, unit->id, "assigned").ok());
  clock_.Advance(10 * kMicrosPerSecond);
  ASSERT_TRUE(dispatch_->SetAssignment(kAdmin, prompt->id, unit->id, "acknowledged").ok());
  ASSERT_TRUE(dispatch_->Close(kAdmin, prompt->id, dispatch::Dispositions().front().code).ok());
  ASSERT_TRUE(dispatch_->SetAssignment(kAdmin, late->id, unit->id, "assigned").ok());
  clock_.Advance(95 * kMicrosPerSecond);  // 签收 after 95 s: the target is 30 s
  ASSERT_TRUE(dispatch_->SetAssignment(kAdmin, late->id, unit->id, "acknowledged").ok());
  auto run = svc_->RunInspection(true);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  auto found = svc_->Findings({.rule = "dispatch_timer"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->second, 1);  // the prompt incident and the open steps of the late one raise nothing
  const Finding& f = found->first[0];
  EXPECT_EQ(f.subject, "incident:" + std::to_string(late->id));
  EXPECT_EQ(f.facts["step"], "acknowledge");
  EXPECT_EQ(f.facts["late_s"], 65);
  EXPECT_EQ(f.police_no, "100001");
  EXPECT_EQ(f.unit_code, "460106501000");
  EXPECT_EQ(f.facts["crew"][0]["name"], "民警1");
  EXPECT_EQ(svc_->RunInspection(false)->raised, 0);
}

TEST_P(ForceTest, AttendanceIsAllOrNothingAndHoursAreCounted) {
  ASSERT_TRUE(svc_->CreateCourse(kAdmin, {"SH", "射击训练", "shooting", 4, 70}).ok());
  EXPECT_EQ(svc_->CreateCourse(kAdmin, {"X1", "x", "karaoke", 4, 70}).status().code(), "invalid_kind");
  Session s;
  s.course_code = "SH";
  s.starts_at = "2026-02-10T09:00";
  auto made = svc_->CreateSession(kAdmin, s);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->hours, 4);
  std::vector<Attendance> bad = {{made->id, "100001", "", 4, 88.0, true}, {made->id, "100002", "", 4, 101.0, true}};
  EXPECT_EQ(svc_->RecordAttendance(kAdmin, made->id, bad).status().code(), "invalid_score");
  std::vector<Attendance> unknown = {{made->id, "100001", "", 4, 88.0, true}, {made->id, "199999", "", 4, 60.0, true}};
  EXPECT_EQ(svc_->RecordAttendance(kAdmin, made->id, unknown).status().code(), "unknown_officer");
  EXPECT_EQ(svc_->GetSession(made->id)->second.size(), 0u);  // nothing half-written
  std::vector<Attendance> good = {{made->id, "100001", "", 0, 88.0, true}, {made->id, "100002", "", 4, 55.0, true}};
  ASSERT_TRUE(svc_->RecordAttendance(kAdmin, made->id, good).ok());
  auto got = svc_->GetSession(made->id);
  ASSERT_EQ(got->second.size(), 2u);
  EXPECT_TRUE(got->second[0].passed);
  EXPECT_FALSE(got->second[1].passed);  // 55 is under the pass mark of 70
  auto hours = svc_->Hours(2026, "460106000000");
  ASSERT_TRUE(hours.ok());
  ASSERT_EQ(hours->size(), 4u);
  std::map<std::string, TrainingRow> by;
  for (const auto& h : *hours) by[h.police_no] = h;
  EXPECT_EQ(by["100001"].hours, 4);
  EXPECT_EQ(by["100002"].failed, 1);
  EXPECT_TRUE(by["100003"].behind);  // nothing of the 40 hours required
  EXPECT_EQ((*svc_->TrainingSummary(2026, 2026))["attendances"], 2);
}

TEST_P(ForceTest, FindingsNeedTwoInspectorsAndNobodyReviewsThemselves) {
  auto own_id = identity::MakeIdNumber("460100", 1990, 1, 1, 11);
  ASSERT_TRUE(own_id.ok());
  ASSERT_TRUE(svc_->UpdateOfficer(kAdmin, "100001", json{{"id_number", *own_id}}).ok());
  auto u = auth_->CreateUser(kAdmin, {"wang.hai", "", "correct-horse-battery", {"analyst"}});
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(svc_->UpdateOfficer(kAdmin, "100001", json{{"username", "wang.hai"}}).ok());
  // wang.hai reads a colleague's data (officer 100002 has no ID number; use the public list).
  ASSERT_TRUE(db_->Exec("INSERT INTO force_protected (id_number, category, note) VALUES ('460100197001010055', "
                        "'public_figure', '')")
                  .ok());
  std::vector<audit::Entry> history;
  audit::Entry e;
  e.at = *ParseTime("2026-02-02T10:00:00+08:00");
  e.actor = "wang.hai";
  e.role = "analyst";
  e.action = "entity.profile";
  e.target = "ID:460100197001010055";
  e.purpose = "核查";
  e.outcome = "ok";
  history.push_back(e);
  ASSERT_TRUE(svc_->ImportHistory(kAdmin, history, "test").ok());
  auto run = svc_->RunInspection(true);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->raised, 1);
  EXPECT_EQ(svc_->RunInspection(true)->raised, 0);  // keyed: nothing twice
  auto list = svc_->Findings({});
  ASSERT_EQ(list->second, 1);
  const Finding& f = list->first[0];
  EXPECT_EQ(f.rule, "protected");
  EXPECT_EQ(f.police_no, "100001");
  const auth::Actor zhao{"zhao", "inspector", "cli"}, qian{"qian", "inspector", "cli"}, wang{"wang.hai", "inspector", "cli"};
  EXPECT_EQ(svc_->ProposeDecision(wang, f.id, "dismiss", "我查的是自己").status().code(), "own_finding");
  EXPECT_EQ(svc_->ProposeDecision(zhao, f.id, "confirm", "").status().code(), "reason_required");
  ASSERT_TRUE(svc_->ProposeDecision(zhao, f.id, "confirm", "无案由查询公众人物").ok());
  EXPECT_EQ(svc_->ProposeDecision(qian, f.id, "dismiss", "再议再议").status().code(), "finding_not_open");
  EXPECT_EQ(svc_->ApproveDecision(zhao, f.id).status().code(), "four_eyes_required");
  // A discipline record only follows a confirmed finding.
  Discipline d{0, "100001", "", "warning", "2026-03-02", "违规查询公民个人信息，予以警告", f.id, "", ""};
  EXPECT_EQ(svc_->AddDiscipline(qian, d).status().code(), "finding_not_confirmed");
  auto done = svc_->ApproveDecision(qian, f.id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, "confirmed");
  EXPECT_EQ(done->decided_by, "qian");
  auto rec = svc_->AddDiscipline(qian, d);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(svc_->GetFinding(f.id)->discipline_id, rec->id);
  EXPECT_EQ(svc_->AddDiscipline(qian, d).status().code(), "finding_has_record");
  EXPECT_EQ(Denied("inspection.finding.propose"), 3);
  EXPECT_EQ(Denied("inspection.finding.approve"), 1);
}

TEST_P(ForceTest, TheTrackerShowsUnitsAfterTheDelayAndWithholdsOpenCases) {
  ASSERT_TRUE(svc_->UpdateOfficer(kAdmin, "100001", json{{"username", "wang.hai"}}).status().code() == "unknown_user");
  ASSERT_TRUE(auth_->CreateUser(kAdmin, {"wang.hai", "", "correct-horse-battery", {"analyst"}}).ok());
  ASSERT_TRUE(svc_->UpdateOfficer(kAdmin, "100001", json{{"username", "wang.hai"}}).ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO cases (case_no, kind, category, district_code, place, filed_at, closed_at, status, "
                        "narrative, incident_ref, seized_goods, seized_amount_cny, version, created_at, updated_at) VALUES "
                        "('A1', 'criminal', 'theft', '460106', '', '2026-01-01T00:00:00+08:00', NULL, 'filed', '', '', '', 0, 1, '', ''),"
                        "('A2', 'criminal', 'theft', '460106', '', '2026-01-01T00:00:00+08:00', '2026-01-20T00:00:00+08:00', "
                        "'closed', '', '', '', 0, 1, '', '')")
                  .ok());
  std::vector<audit::Entry> h;
  auto add = [&](const char* at, const char* case_no) {
    audit::Entry e;
    e.at = *ParseTime(at);
    e.actor = "wang.hai";
    e.action = "entity.profile";
    e.target = "ID:460106199001010011";
    e.case_no = case_no;
    e.outcome = "ok";
    h.push_back(e);
  };
  add("2026-01-05T10:00", "");    // shown
  add("2026-01-06T10:00", "A1");  // open case: withheld
  add("2026-01-07T10:00", "A2");  // closed since: shown with its number
  add("2026-02-25T10:00", "");    // within the 30 days: not yet
  ASSERT_TRUE(svc_->ImportHistory(kAdmin, h, "test").ok());
  auto v = svc_->ReadsOf("460106199001010011");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->reads.size(), 2u);
  EXPECT_EQ(v->withheld_open_case, 1);
  EXPECT_EQ(v->withheld_recent, 1);
  EXPECT_EQ(v->reads[0].case_no, "A2");
  EXPECT_EQ(v->reads[0].purpose_category, "case_investigation");
  EXPECT_EQ(v->reads[0].unit_name, "大同派出所");
  EXPECT_TRUE(v->reads[0].officer.empty());  // the unit, not the officer
  EXPECT_EQ(v->reads[1].purpose_category, "verification");
}

JW_INSTANTIATE_BACKENDS(ForceTest);

}  // namespace
}  // namespace jingwu::force
