// Grassroots policing on SQLite and PostgreSQL: the edges the clock decides
// (a licence's last day, a deadline today, an inspection due today, a
// retail point out of season, the six-month repeat window), stock never
// above the licence, and the phone's sync stored exactly once.
#include <gtest/gtest.h>

#include "audit/audit.h"
#include "grassroots/service.h"
#include "identity/identity.h"
#include "sql/backend_test.h"

namespace jingwu::grassroots {
namespace {

const auth::Actor kOfficer{"li.wei", "commander", "10.0.0.9"};
Timestamp T(const char* s) { return *ParseTime(s); }

class GrassrootsTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (auto m : {audit::Migrations(), Migrations()}) ASSERT_TRUE(db_->Migrate(m).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    svc_ = std::make_unique<Service>(db_, log_.get(), &clock_);
    Site("FW1", "fireworks_wholesale", "2024-01-01");
    Licence("L-FW1", "FW1", "fireworks", 100, "2025-01-01", "2025-03-31");
  }
  void Site(const char* code, const char* kind, const char* opened) {
    auto r = svc_->CreateSite(kOfficer, {{"code", code}, {"name", std::string("场所") + code}, {"kind", kind},
                                         {"district_code", "460106"}, {"address", "龙华区某路1号"}, {"lat", 20.02},
                                         {"lon", 110.33}, {"opened_on", opened}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  void Licence(const char* no, const char* site, const char* item, int64_t limit, const char* from, const char* to) {
    auto r = svc_->CreateLicence(kOfficer, {{"licence_no", no}, {"site_code", site}, {"item", item}, {"limit", limit},
                                            {"valid_from", from}, {"valid_to", to}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  std::string MoveCode(const char* site, const char* licence, int64_t delta, const char* at = "") {
    auto r = svc_->Move(kOfficer, site, {{"licence_no", licence}, {"delta", delta}, {"at", at}});
    return r.ok() ? "ok" : r.status().code();
  }
  std::map<std::string, int> AlertKinds() {
    auto a = svc_->Alerts("");
    EXPECT_TRUE(a.ok());
    std::map<std::string, int> out;
    for (const auto& x : (*a)["items"]) ++out[x["kind"].get<std::string>()];
    return out;
  }
  json Checklist(const std::string& kind, const std::string& failed = "", const std::string& deadline = "") {
    json c = json::array();
    for (const auto& item : ChecklistOf(kind)) {
      json x = {{"item", item}, {"ok", item != failed}};
      if (item == failed) x["deadline"] = deadline;
      c.push_back(x);
    }
    return c;
  }

  ManualClock clock_{T("2025-02-10T09:00:00")};
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<Service> svc_;
};

TEST_P(GrassrootsTest, StockStaysWithinTheLicenceAndItsValidity) {
  EXPECT_EQ(MoveCode("FW1", "L-FW1", 100), "ok");                 // exactly the limit
  EXPECT_EQ(MoveCode("FW1", "L-FW1", 1), "over_licence_limit");
  EXPECT_EQ(MoveCode("FW1", "L-FW1", -101), "insufficient_stock");
  EXPECT_EQ(MoveCode("FW1", "L-FW1", -40), "ok");
  EXPECT_EQ(MoveCode("FW1", "L-XX", 1), "unknown_licence");
  EXPECT_EQ(MoveCode("FW9", "L-FW1", 1), "unknown_site");
  EXPECT_EQ(MoveCode("FW1", "L-FW1", 5, "2024-12-31T23:59:00+08:00"), "licence_expired");  // the day before it starts
  EXPECT_EQ(MoveCode("FW1", "L-FW1", 5, "2025-01-01T00:00:00+08:00"), "ok");              // its first day
  EXPECT_EQ(MoveCode("FW1", "L-FW1", 5, "2023-06-01T10:00:00+08:00"), "invalid_time");     // before the site opened
  EXPECT_EQ(MoveCode("FW1", "L-FW1", 5, "2025-02-11T10:00:00+08:00"), "invalid_time");     // tomorrow
  auto site = svc_->Site("FW1");
  ASSERT_TRUE(site.ok());
  EXPECT_EQ((*site)["licences"][0]["stock"], 65);
  EXPECT_EQ((*site)["movements"].size(), 3u);
}

TEST_P(GrassrootsTest, ALicenceExpiresTheDayAfterItsLastDayAndOnlyWithStockLeft) {
  ASSERT_EQ(MoveCode("FW1", "L-FW1", 10), "ok");
  ASSERT_TRUE(svc_->Inspect(kOfficer, {{"site_code", "FW1"}, {"checklist", Checklist("fireworks_wholesale")}}).ok());
  clock_.Set(T("2025-03-01T12:00:00"));  // 30 days before the end: expiring
  EXPECT_EQ(AlertKinds()["licence_expiring"], 1);
  clock_.Set(T("2025-03-31T23:00:00"));  // the last day: still valid
  EXPECT_EQ(AlertKinds()["licence_expired"], 0);
  clock_.Set(T("2025-04-01T08:00:00"));
  EXPECT_EQ(AlertKinds()["licence_expired"], 1);
  ASSERT_EQ(MoveCode("FW1", "L-FW1", -10), "ok");  // emptied: nothing held under an expired licence
  EXPECT_EQ(AlertKinds()["licence_expired"], 0);
}

TEST_P(GrassrootsTest, DeadlinesAndInspectionsAreOverdueFromTheDayAfter) {
  auto made = svc_->Inspect(kOfficer, {{"site_code", "FW1"}, {"at", "2025-02-10T08:00:00+08:00"},
                                        {"checklist", Checklist("fireworks_wholesale", "fire_equipment", "2025-02-15")}});
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  ASSERT_EQ((*made)["hazards"].size(), 1u);
  // A deadline on the day of the inspection is refused; the checklist is answered whole.
  auto same_day = svc_->Inspect(kOfficer, {{"site_code", "FW1"}, {"checklist", Checklist("fireworks_wholesale", "fire_equipment", "2025-02-10")}});
  EXPECT_EQ(same_day.status().code(), "invalid_date");
  clock_.Set(T("2025-02-15T23:00:00"));
  EXPECT_EQ(AlertKinds()["rectification_overdue"], 0);
  clock_.Set(T("2025-02-16T00:30:00"));
  EXPECT_EQ(AlertKinds()["rectification_overdue"], 1);
  // 30 days after 10 February is due on 12 March; overdue from 13 March.
  clock_.Set(T("2025-03-12T10:00:00"));
  EXPECT_EQ(AlertKinds()["inspection_overdue"], 0);
  clock_.Set(T("2025-03-13T10:00:00"));
  EXPECT_EQ(AlertKinds()["inspection_overdue"], 1);
  auto dash = svc_->Dashboard();
  ASSERT_TRUE(dash.ok());
  EXPECT_EQ((*dash)["totals"]["due"], 1);
  EXPECT_EQ((*dash)["totals"]["hazards"]["overdue"], 1);
  EXPECT_EQ((*dash)["totals"]["hazards"]["gt30"], 1);
}

TEST_P(GrassrootsTest, ARetailPointIsInspectedOnlyInSeason) {
  Site("FR1", "fireworks_retail", "2024-12-01");
  Licence("L-FR1", "FR1", "fireworks", 50, "2024-12-20", "2025-02-28");
  // In season, never inspected: due 15 days after the season started (4 January), overdue now (with the
  // wholesale store, never inspected since it opened).
  EXPECT_EQ(AlertKinds()["inspection_overdue"], 2);
  clock_.Set(T("2025-03-05T10:00:00"));  // the season is over: not due
  auto sites = svc_->Sites("", "fireworks_retail", "");
  ASSERT_TRUE(sites.ok());
  EXPECT_FALSE((*sites)["items"][0]["in_season"].get<bool>());
  EXPECT_TRUE((*sites)["items"][0]["next_due"].is_null());
  EXPECT_EQ(AlertKinds()["inspection_overdue"], 1);  // only the wholesale store
}

TEST_P(GrassrootsTest, ARepeatIsTheSamePersonOrBuildingWithinSixMonths) {
  auto dispute = [&](const char* at, const char* id_number, const char* address_code) {
    json b = {{"station_code", "S1"}, {"source", "walk_in"}, {"kind", "neighbour"}, {"address", "龙华区某小区"},
              {"summary", "噪音"}, {"reported_at", at}, {"parties", {{{"name", "甲"}, {"id_number", id_number}}}}};
    if (*address_code) b["address_code"] = address_code;
    auto r = svc_->CreateDispute(kOfficer, b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : json();
  };
  clock_.Set(T("2025-12-31T12:00:00"));
  const std::string p1 = *identity::MakeIdNumber("460106", 1990, 3, 7, 202), p2 = *identity::MakeIdNumber("460106", 1980, 1, 1, 1);
  json a = dispute("2025-01-10T10:00:00+08:00", p1.c_str(), "");
  json b = dispute("2025-07-05T10:00:00+08:00", p1.c_str(), "");  // 176 days later: a repeat
  EXPECT_EQ(b["repeat_of"], a["id"]);
  EXPECT_EQ(b["repeat_reason"], "same_party");
  json c = dispute("2025-12-30T10:00:00+08:00", p1.c_str(), "");  // 178 days after b: a repeat of b
  EXPECT_EQ(c["repeat_of"], b["id"]);
  json d = dispute("2025-03-01T10:00:00+08:00", p2.c_str(), "");  // another person
  EXPECT_TRUE(d["repeat_of"].is_null());
  // Without a party there is no dispute.
  auto none = svc_->CreateDispute(kOfficer, {{"station_code", "S1"}, {"source", "walk_in"}, {"kind", "family"},
                                             {"address", "x"}, {"summary", "y"}, {"parties", json::array()}});
  EXPECT_EQ(none.status().code(), "party_required");
  auto figures = svc_->Stations();
  ASSERT_TRUE(figures.ok());
  ASSERT_EQ((*figures)["items"].size(), 1u);
  EXPECT_EQ((*figures)["items"][0]["disputes"], 4);
  EXPECT_EQ((*figures)["items"][0]["repeats"], 2);
  EXPECT_DOUBLE_EQ((*figures)["items"][0]["repeat_rate"].get<double>(), 0.5);
}

TEST_P(GrassrootsTest, ANoteSyncedTwiceIsStoredOnce) {
  const auth::Actor phone{"patrol", "patrol_officer", "10.0.0.7"};
  json ops = {{"ops", {{{"op_id", "0f1e2d3c-note"}, {"kind", "note"}, {"text", "巡逻无异常"}}}}};
  auto first = svc_->Sync(phone, ops);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)["results"][0]["status"], "stored");
  auto again = svc_->Sync(phone, ops);
  EXPECT_EQ((*again)["results"][0]["status"], "duplicate");
  // The same op id from another officer's phone is that officer's own note.
  auto other = svc_->Sync({"wang", "patrol_officer", "10.0.0.8"}, ops);
  EXPECT_EQ((*other)["results"][0]["status"], "stored");
  auto notes = svc_->MobileNotes(phone);
  EXPECT_EQ((*notes)["total"], 1);
}

JW_INSTANTIATE_BACKENDS(GrassrootsTest);

}  // namespace
}  // namespace jingwu::grassroots
