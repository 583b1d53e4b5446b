#include "cases/service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sql/backend_test.h"

namespace jingwu::cases {
namespace {

const auth::Actor kClerk{"li.ming", "investigator", "10.0.0.1"};

Timestamp At(const char* s) { return *ParseTime(s); }

Case Sample() {
  Case c;
  c.kind = "criminal";
  c.category = "burglary";
  c.district_code = "460106";
  c.place = "龙华区滨海大道1号";
  c.occurred_at = At("2020-03-01T02:00:00");
  c.reported_at = At("2020-03-01T08:00:00");
  c.filed_at = At("2020-03-01T10:00:00");
  c.status = "filed";
  c.narrative = "入室盗窃";
  return c;
}

class CasesTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Migrate(audit::Migrations()).ok());
    ASSERT_TRUE(db_->Migrate(Migrations()).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    svc_ = std::make_unique<Service>(db_, log_.get(), &clock_);
  }
  int64_t Count() {
    auto p = svc_->Search({});
    return p.ok() ? p->total : -1;
  }

  ManualClock clock_{At("2021-01-01T00:00:00")};
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<Service> svc_;
};

TEST_P(CasesTest, CreateNumbersTheCaseAndRecordsHistory) {
  Case c = Sample();
  c.suspects.push_back({"46010019900101123x", "王某", "principal"});  // wrong check char: fixed below
  c.suspects[0].id_number = "460100199001011230";
  auto r = svc_->Create(kClerk, c);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->case_no, "A4601062020000001");
  EXPECT_EQ(r->version, 1);
  ASSERT_EQ(r->suspects.size(), 1u);
  EXPECT_EQ(r->suspects[0].id_number, "460100199001011230");
  auto again = svc_->Create(kClerk, Sample());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->case_no, "A4601062020000002");
  auto hist = svc_->History(r->id);
  ASSERT_TRUE(hist.ok());
  ASSERT_EQ(hist->size(), 1u);
  EXPECT_EQ((*hist)[0].actor, "li.ming");
  auto audit = log_->Query({.action = "case.create"});
  EXPECT_EQ(audit->total, 2);
}

TEST_P(CasesTest, ValidationErrorsAreSpecificAndStoreNothing) {
  struct Bad {
    std::function<void(Case&)> change;
    const char* code;
  };
  std::vector<Bad> bad = {
      {[](Case& c) { c.district_code = "110101"; }, "unknown_district"},
      {[](Case& c) { c.category = "jaywalking"; }, "unknown_category"},
      {[](Case& c) { c.kind = "civil"; }, "unknown_kind"},
      {[](Case& c) { c.status = "lost"; }, "unknown_status"},
      {[](Case& c) { c.solved_at = At("2020-02-28T00:00:00"); c.status = "solved"; }, "time_order"},
      {[](Case& c) { c.reported_at = At("2020-02-01T00:00:00"); }, "time_order"},
      {[](Case& c) { c.filed_at = At("2030-01-01T00:00:00"); }, "time_in_future"},
      {[](Case& c) { c.suspects.push_back({"460100199001011234", "王某", ""}); }, "invalid_id_number"},
      {[](Case& c) { c.status = "solved"; }, "validation_failed"},
      {[](Case& c) { c.seized_amount_cny = -1; }, "validation_failed"},
      {[](Case& c) { c.gang_id = 99; }, "unknown_gang"},
  };
  for (const auto& b : bad) {
    Case c = Sample();
    b.change(c);
    auto r = svc_->Create(kClerk, c);
    EXPECT_EQ(r.status().code(), b.code);
  }
  EXPECT_EQ(Count(), 0);
  auto dup = Sample();
  dup.case_no = "X1";
  ASSERT_TRUE(svc_->Create(kClerk, dup).ok());
  EXPECT_EQ(svc_->Create(kClerk, dup).status().code(), "case_no_taken");
  EXPECT_EQ(Count(), 1);
}

TEST_P(CasesTest, UpdateKeepsAHistoryOfEveryChangeAndRefusesStaleVersions) {
  auto c = svc_->Create(kClerk, Sample());
  ASSERT_TRUE(c.ok());
  Case edit = *c;
  edit.status = "solved";
  edit.solved_at = At("2020-03-05T12:00:00");
  edit.suspects = {{"460100199001011230", "王某", "principal"}};
  auto u = svc_->Update({"zhao", "investigator", "x"}, c->id, edit, 1);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->version, 2);
  EXPECT_EQ(u->status, "solved");
  // Someone still holding version 1 is refused, and nothing changes.
  Case stale = *c;
  stale.place = "elsewhere";
  EXPECT_EQ(svc_->Update(kClerk, c->id, stale, 1).status().code(), "version_conflict");
  auto hist = svc_->History(c->id);
  ASSERT_EQ(hist->size(), 2u);
  auto changes = nlohmann::json::parse((*hist)[1].changes);
  EXPECT_EQ((*hist)[1].actor, "zhao");
  EXPECT_EQ(changes["status"][0], "filed");
  EXPECT_EQ(changes["status"][1], "solved");
  EXPECT_TRUE(changes.contains("solved_at"));
  EXPECT_TRUE(changes.contains("suspects"));
  EXPECT_FALSE(changes.contains("place"));
  EXPECT_EQ(svc_->Get(c->id)->place, "龙华区滨海大道1号");
  // An invalid edit is refused and leaves the record as it was.
  Case worse = *u;
  worse.solved_at = At("2019-01-01T00:00:00");
  EXPECT_EQ(svc_->Update(kClerk, c->id, worse, 2).status().code(), "time_order");
  EXPECT_EQ(svc_->Get(c->id)->version, 2);
}

TEST_P(CasesTest, SearchFiltersByCodesTextAndTime) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(svc_->Create(kClerk, Sample()).ok());
  Case other = Sample();
  other.kind = "public_order";
  other.category = "vice";
  other.district_code = "460108";
  other.place = "美兰区海甸岛";
  other.occurred_at = At("2020-05-01T00:00:00");
  other.filed_at = At("2020-05-02T00:00:00");
  other.reported_at.reset();
  ASSERT_TRUE(svc_->Create(kClerk, other).ok());
  EXPECT_EQ(svc_->Search({.kinds = {"criminal"}})->total, 3);
  EXPECT_EQ(svc_->Search({.districts = {"460108", "460105"}})->total, 1);
  EXPECT_EQ(svc_->Search({.q = "海甸"})->total, 1);
  CaseFilter may;
  may.from = At("2020-05-01");
  may.to = At("2020-06-01");
  EXPECT_EQ(svc_->Search(may)->total, 1);
  auto page = svc_->Search({.page = 2, .page_size = 3});
  EXPECT_EQ(page->total, 4);
  EXPECT_EQ(page->items.size(), 1u);
}

TEST_P(CasesTest, GangsAndTrafficRecords) {
  Gang g;
  g.name = "某恶势力团伙";
  g.type = "evil";
  g.district_code = "460107";
  g.broken_up_at = At("2019-06-01T00:00:00");
  g.members = {{"460100199001011230", "王某", "leader"}};
  auto stored = svc_->CreateGang(kClerk, g);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  Case c = Sample();
  c.gang_id = stored->id;
  ASSERT_TRUE(svc_->Create(kClerk, c).ok());
  auto back = svc_->GetGang(stored->id);
  ASSERT_EQ(back->members.size(), 1u);
  ASSERT_EQ(back->case_nos.size(), 1u);
  g.type = "triad";
  EXPECT_EQ(svc_->CreateGang(kClerk, g).status().code(), "unknown_gang_type");
  EXPECT_EQ(svc_->AddAccident(kClerk, {0, At("2020-01-01T00:00:00"), "x", "999999", 1, 0, 1}).status().code(),
            "unknown_district");
  EXPECT_EQ(svc_->SetVehicleCount(kClerk, {2020, -5}).code(), "validation_failed");
  ASSERT_TRUE(svc_->SetVehicleCount(kClerk, {2020, 1000}).ok());
  ASSERT_TRUE(svc_->SetVehicleCount(kClerk, {2020, 2000}).ok());
  EXPECT_EQ(svc_->VehicleCounts()->size(), 1u);
  EXPECT_EQ(svc_->VehicleCounts()->at(0).year_end_count, 2000);
}

JW_INSTANTIATE_BACKENDS(CasesTest);

}  // namespace
}  // namespace jingwu::cases
