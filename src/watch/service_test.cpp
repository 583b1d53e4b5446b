// Watchlists: approval by a second user, self-approval refused, expiry, and
// the store listener raising alerts for matching events (both backends).
#include "watch/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "fusion/ingest.h"
#include "sql/backend_test.h"

namespace jingwu::watch {
namespace {

namespace fs = std::filesystem;

const audit::Actor kInvestigator{"wang.inv", "investigator", "10.0.0.1"};
const audit::Actor kCommander{"li.cmd", "commander", "10.0.0.2"};
const audit::Actor kCommander2{"zhao.cmd", "commander", "10.0.0.3"};

class WatchTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Migrate(audit::Migrations()).ok());
    ASSERT_TRUE(db_->Migrate(Migrations()).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    dir_ = fs::temp_directory_path() / ("jingwu-watch-" + std::to_string(getpid()) + "-" + GetParam() + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto s = events::Store::Open(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    events_ = std::move(*s);
    ASSERT_TRUE(events_->UpsertPlaces({{0, "CP00001", "checkpoint", "滨海大道卡口", "460106", 20.03, 110.32},
                                       {0, "HT00001", "hotel", "椰城宾馆", "460106", 20.04, 110.33}})
                    .ok());
    svc_ = std::make_unique<Service>(db_, log_.get(), &clock_, events_.get());
    ASSERT_TRUE(svc_->Attach().ok());
  }
  void TearDown() override {
    svc_.reset();
    events_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  RequestInput Input(const std::string& entity = "PLATE:琼A12345") {
    return {entity, "涉嫌盗抢车辆", "《刑事诉讼法》第一百一十五条", clock_.Now() + 30 * 86400 * kMicrosPerSecond};
  }
  // One vehicle_pass row through the HTTP upload path (WAL, listener).
  void Pass(const std::string& plate, const std::string& at) {
    std::string body = "plate,plate_color,checkpoint_code,passed_at,direction,speed_kmh\n" + plate + ",蓝,CP00001," +
                       at + ",IN,60\n";
    fusion::IngestOptions o;
    o.check_existing = true;
    o.rejects_path = "-";
    auto r = fusion::IngestBody(*events_, events::Source::kVehiclePass, body, fusion::Format::kCsv, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->accepted, 1) << body;
    svc_->WaitIdle();
  }
  // One hotel check-in (links the guest and the phone they gave).
  void CheckIn(const std::string& id, const std::string& phone, const std::string& at) {
    std::string body = "id_type,id_number,name,nationality,phone,hotel_code,room,checkin_at,checkout_at\nID," + id +
                       ",王伟,CHN," + phone + ",HT00001,301," + at + ",\n";
    fusion::IngestOptions o;
    o.check_existing = true;
    o.rejects_path = "-";
    auto r = fusion::IngestBody(*events_, events::Source::kHotel, body, fusion::Format::kCsv, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->accepted, 1) << body << (r->rejects.empty() ? "" : r->rejects[0].reason);
    svc_->WaitIdle();
  }
  std::string Code(const Status& s) { return s.ok() ? "ok" : s.code(); }

  ManualClock clock_{*ParseTime("2026-03-01T09:00:00+08:00")};
  std::unique_ptr<audit::Log> log_;
  fs::path dir_;
  std::unique_ptr<events::Store> events_;
  std::unique_ptr<Service> svc_;
};

TEST_P(WatchTest, AnEntryIsActiveOnlyAfterASecondUserApproves) {
  auto e = svc_->Request(kInvestigator, Input());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->status, kPending);
  EXPECT_EQ(e->requested_by, "wang.inv");
  EXPECT_EQ(svc_->ActiveEntries(), 0u);
  Pass("琼A12345", "2026-03-01T09:05:00");
  EXPECT_EQ(svc_->AlertsRaised(), 0) << "a pending entry must not alert";

  auto a = svc_->Approve(kCommander, e->id, "同意");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->status, kActive);
  EXPECT_EQ(a->decided_by, "li.cmd");
  EXPECT_EQ(svc_->ActiveEntries(), 1u);
  // A decided entry cannot be decided again.
  EXPECT_EQ(Code(svc_->Approve(kCommander2, e->id, "").status()), code::kNotPending);
  EXPECT_EQ(Code(svc_->Reject(kCommander2, e->id, "").status()), code::kNotPending);
}

TEST_P(WatchTest, TheRequesterCanNeverApproveTheirOwnEntry) {
  auto e = svc_->Request(kCommander, Input());
  ASSERT_TRUE(e.ok());
  auto self = svc_->Approve(kCommander, e->id, "");
  EXPECT_EQ(Code(self.status()), code::kSelfApproval);
  EXPECT_EQ(self.status().kind(), ErrorKind::kPermissionDenied);
  EXPECT_EQ(Code(svc_->Reject(kCommander, e->id, "").status()), code::kSelfApproval);
  EXPECT_EQ(svc_->Get(e->id)->status, kPending);
  EXPECT_TRUE(svc_->Approve(kCommander2, e->id, "").ok());
}

TEST_P(WatchTest, RequestsAreValidated) {
  EXPECT_EQ(Code(svc_->Request(kInvestigator, Input("PLATE:XYZ")).status()), "invalid_plate");
  auto in = Input();
  in.reason = " ";
  EXPECT_EQ(Code(svc_->Request(kInvestigator, in).status()), code::kReasonRequired);
  in = Input();
  in.legal_basis = "";
  EXPECT_EQ(Code(svc_->Request(kInvestigator, in).status()), code::kLegalBasisRequired);
  in = Input();
  in.expires_at = clock_.Now();
  EXPECT_EQ(Code(svc_->Request(kInvestigator, in).status()), code::kInvalidExpiry);
  in.expires_at = clock_.Now() + 400 * 86400 * kMicrosPerSecond;
  EXPECT_EQ(Code(svc_->Request(kInvestigator, in).status()), code::kInvalidExpiry);
}

TEST_P(WatchTest, AMatchingEventRaisesAnAlertWithTheEvent) {
  // The plate is not in the store yet: it is resolved when it first appears.
  auto e = svc_->Request(kInvestigator, Input("PLATE:琼a12345"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->entity, "PLATE:琼A12345");
  ASSERT_TRUE(svc_->Approve(kCommander, e->id, "").ok());
  std::vector<Alert> pushed;
  std::mutex mu;
  svc_->AddAlertListener([&](const Alert& a) {
    std::lock_guard lock(mu);
    pushed.push_back(a);
  });
  Pass("琼B99999", "2026-03-01T09:04:00");  // someone else
  EXPECT_EQ(svc_->AlertsRaised(), 0);
  Pass("琼A12345", "2026-03-01T09:05:00");
  ASSERT_EQ(svc_->AlertsRaised(), 1);
  Pass("琼A12345", "2026-03-01T10:05:00");  // a known entity now
  ASSERT_EQ(svc_->AlertsRaised(), 2);
  auto list = svc_->Alerts("wang.inv", 0, 10, false, true);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  const Alert& a = (*list)[0];
  EXPECT_EQ(a.entry_id, e->id);
  EXPECT_EQ(a.officer, "wang.inv");
  EXPECT_EQ(a.source, "vehicle_pass");
  EXPECT_EQ(a.place_code, "CP00001");
  EXPECT_EQ(FormatTime(a.event_at), "2026-03-01T09:05:00+08:00");
  EXPECT_NE(a.record.find("琼A12345"), std::string::npos);
  std::lock_guard lock(mu);
  EXPECT_EQ(pushed.size(), 2u);
  // Acknowledged by its officer; not by another investigator.
  const audit::Actor other{"chen.inv", "investigator", "x"};
  EXPECT_EQ(Code(svc_->Acknowledge(other, a.id, false).status()), code::kNotYourAlert);
  auto ack = svc_->Acknowledge(kInvestigator, a.id, false);
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->acknowledged_by, "wang.inv");
  EXPECT_EQ(*svc_->CountAlerts("wang.inv", true), 1);
}

TEST_P(WatchTest, ExpiredAndRevokedEntriesStopAlerting) {
  auto e = svc_->Request(kInvestigator, Input());
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(svc_->Approve(kCommander, e->id, "").ok());
  Pass("琼A12345", "2026-03-01T09:05:00");
  EXPECT_EQ(svc_->AlertsRaised(), 1);
  clock_.Advance(31 * 86400 * kMicrosPerSecond);
  EXPECT_EQ(svc_->Get(e->id)->EffectiveStatus(clock_.Now()), kExpired);
  Pass("琼A12345", "2026-04-01T09:05:00");
  EXPECT_EQ(svc_->AlertsRaised(), 1) << "an expired entry must not alert";
  EXPECT_EQ(svc_->List(kExpired, "", 10)->size(), 1u);
  EXPECT_EQ(svc_->List(kActive, "", 10)->size(), 0u);

  auto e2 = svc_->Request(kInvestigator, Input());
  ASSERT_TRUE(e2.ok());
  ASSERT_TRUE(svc_->Approve(kCommander, e2->id, "").ok());
  Pass("琼A12345", "2026-04-01T10:05:00");
  EXPECT_EQ(svc_->AlertsRaised(), 2);
  const audit::Actor other{"chen.inv", "investigator", "x"};
  EXPECT_EQ(Code(svc_->Revoke(other, e2->id, "", false).status()), code::kNotYours);
  ASSERT_TRUE(svc_->Revoke(kInvestigator, e2->id, "已抓获", false).ok());
  EXPECT_EQ(svc_->ActiveEntries(), 0u);
  Pass("琼A12345", "2026-04-01T11:05:00");
  EXPECT_EQ(svc_->AlertsRaised(), 2) << "a revoked entry must not alert";
  EXPECT_EQ(Code(svc_->Revoke(kInvestigator, e2->id, "", false).status()), code::kNotActive);
}

TEST_P(WatchTest, APhoneEntryAlertsOnThePeopleWhoGaveThePhone) {
  CheckIn("460106198503120019", "13800138000", "2026-02-01T20:00:00");
  auto e = svc_->Request(kInvestigator, Input("PHONE:+86 138 0013 8000"));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->entity, "PHONE:13800138000");
  ASSERT_TRUE(svc_->Approve(kCommander, e->id, "").ok());
  CheckIn("460106198503120019", "13900139000", "2026-03-01T20:00:00");
  ASSERT_EQ(svc_->AlertsRaised(), 1);
  auto list = svc_->Alerts("wang.inv", 0, 10, false);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].entity, "PHONE:13800138000");
  EXPECT_EQ((*list)[0].via, "ID:460106198503120019");
  EXPECT_EQ((*list)[0].source, "hotel");
}

// Somebody the store has never seen checks in giving a watched phone: the
// entry learns the link from the same batch and alerts on that check-in.
TEST_P(WatchTest, APhoneEntryFollowsANewcomerWhoGivesThePhone) {
  auto e = svc_->Request(kInvestigator, Input("PHONE:13800138000"));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_TRUE(svc_->Approve(kCommander, e->id, "").ok());
  CheckIn("460106198503120035", "13900139000", "2026-03-01T20:00:00");  // another phone: nothing
  EXPECT_EQ(svc_->AlertsRaised(), 0);
  CheckIn("460106198503120019", "13800138000", "2026-03-01T21:00:00");  // a newcomer with the watched phone
  ASSERT_EQ(svc_->AlertsRaised(), 1);
  auto list = svc_->Alerts("wang.inv", 0, 10, false);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].via, "ID:460106198503120019");
}

// A hotel check-in without an ID number (name, birth date, phone) is its own
// PERSON record: it alerts on a watched person once merged into them (its
// events so far, then every new one) and stops when the merge is undone.
TEST_P(WatchTest, ARecordMergedIntoAWatchedPersonAlertsAndFollowsIt) {
  const std::string id = "460106198503120019", person = "ID:" + id, record = "PERSON:王伟/19850312/13800138000";
  CheckIn(id, "13800138000", "2026-02-01T20:00:00");
  auto e = svc_->Request(kInvestigator, Input(person));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_TRUE(svc_->Approve(kCommander, e->id, "").ok());
  auto no_id = [&](const std::string& at) {
    std::string body =
        "id_type,id_number,name,nationality,phone,hotel_code,room,checkin_at,checkout_at,birth_date\n"
        "ID,,王伟,CHN,13800138000,HT00001,302," + at + ",,1985-03-12\n";
    fusion::IngestOptions o;
    o.check_existing = true;
    auto r = fusion::IngestBody(*events_, events::Source::kHotel, body, fusion::Format::kCsv, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->unresolved, 1);
    svc_->WaitIdle();
  };
  no_id("2026-03-01T20:00:00");
  EXPECT_EQ(svc_->AlertsRaised(), 0) << "not known to be the watched person yet";
  auto rid = events_->FindEntity(*identity::ParseEntityRef(record));
  auto pid = events_->FindEntity(*identity::ParseEntityRef(person));
  ASSERT_TRUE(rid && pid);
  ASSERT_TRUE(events_->SetMerge(*rid, *pid, "{}").ok());
  svc_->WaitIdle();
  ASSERT_EQ(svc_->AlertsRaised(), 1);
  auto list = svc_->Alerts("wang.inv", 0, 10, false);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].entity, person);
  EXPECT_EQ((*list)[0].via, record);
  EXPECT_EQ((*list)[0].place_code, "HT00001");
  no_id("2026-03-02T20:00:00");
  EXPECT_EQ(svc_->AlertsRaised(), 2) << "a merged record's new events alert";
  ASSERT_TRUE(events_->RemoveMerge(*rid, "{}").ok());
  no_id("2026-03-03T20:00:00");
  EXPECT_EQ(svc_->AlertsRaised(), 2) << "undone: the record is not the person any more";
}

TEST_P(WatchTest, AnExpiredPendingEntryCannotBeApproved) {
  auto e = svc_->Request(kInvestigator, Input());
  ASSERT_TRUE(e.ok());
  clock_.Advance(31 * 86400 * kMicrosPerSecond);
  EXPECT_EQ(Code(svc_->Approve(kCommander, e->id, "").status()), code::kExpired);
}

JW_INSTANTIATE_BACKENDS(WatchTest);

}  // namespace
}  // namespace jingwu::watch
