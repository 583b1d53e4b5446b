// Contact tracing's rules on a small hand-made store (same room, overlapping
// stays, same trip and near seats, same place within the window, outside
// the window), the health checkpoint source defined from its file, and the
// stored traces with their retention, on SQLite and PostgreSQL.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fusion/ingest.h"
#include "health/service.h"
#include "sql/backend_test.h"

namespace jingwu::health {
namespace {

namespace fs = std::filesystem;

std::string Id(int seq) { return *identity::MakeIdNumber("460106", 1980 + seq % 20, 1 + seq % 12, 1 + seq % 28, seq); }

class HealthTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    root_ = fs::temp_directory_path() / ("jingwu-health-" + std::to_string(getpid()) + "-" + GetParam());
    fs::remove_all(root_);
    auto s = events::Store::Open((root_ / "events").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    auto put = [&](events::Source src, const std::string& csv) {
      auto r = fusion::IngestBody(*store_, src, csv, fusion::Format::kCsv);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->rejected, 0) << csv;
    };
    put(events::Source::kPlaces,
        "code,kind,name,district_code,lat,lon\n"
        "HT00001,hotel,海景酒店,460106,20.02,110.33\nST001,station,美兰国际机场,460108,19.93,110.45\n"
        "JC001,health_checkpoint,绕城高速联合检查站,460106,20.00,110.30\n");
    auto reg = fusion::SourceRegistry::Load(store_.get());
    ASSERT_TRUE(reg.ok());
    sources_ = std::move(reg).value();
    std::ifstream df(fs::path(JINGWU_SOURCE_DIR) / "sources" / "health_checkpoint.json");
    std::stringstream text;
    text << df.rdbuf();
    auto def = fusion::ParseSourceDef(text.str());
    ASSERT_TRUE(def.ok()) << def.status().ToString();
    auto added = sources_->Add(*def, "test");
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    // The case (1) stays in room 1203 on 1-3 February; 2 shares the room; 3 overlaps in another room; 4 left before.
    put(events::Source::kHotel,
        "id_type,id_number,name,nationality,phone,hotel_code,room,checkin_at,checkout_at,birth_date\n"
        "ID," + Id(1) + ",甲,CHN,,HT00001,1203,2025-02-01T14:00:00,2025-02-03T11:00:00,\n"
        "ID," + Id(2) + ",乙,CHN,,HT00001,1203,2025-02-01T20:00:00,2025-02-03T11:00:00,\n"
        "ID," + Id(3) + ",丙,CHN,,HT00001,0808,2025-01-31T10:00:00,2025-02-02T12:00:00,\n"
        "ID," + Id(4) + ",丁,CHN,,HT00001,0808,2025-01-29T10:00:00,2025-01-31T12:00:00,\n");
    // Flight HU7781 on 4 February: the case in 12A, 5 in 13C (next row), 6 in 30F.
    put(events::Source::kTravel,
        "id_type,id_number,name,nationality,mode,station_code,direction,departs_at,trip_no,seat\n"
        "ID," + Id(1) + ",甲,CHN,AIR,ST001,OUT,2025-02-04T09:00:00,HU7781,12A\n"
        "ID," + Id(5) + ",戊,CHN,AIR,ST001,OUT,2025-02-04T09:00:00,HU7781,13C\n"
        "ID," + Id(6) + ",己,CHN,AIR,ST001,OUT,2025-02-04T09:00:00,HU7781,30F\n");
    // A road checkpoint on 31 January: 7 ten minutes after the case, 8 forty minutes after; 9 weeks before.
    auto r = fusion::IngestBody(*store_, **added,
                                "checkpoint_code,check_kind,id_type,id_number,nationality,plate,checked_at,temperature,health_code,result\n"
                                "JC001,road,ID," + Id(1) + ",,,2025-01-31T08:00:00,36.6,green,pass\n"
                                "JC001,road,ID," + Id(7) + ",,,2025-01-31T08:10:00,36.5,green,pass\n"
                                "JC001,road,ID," + Id(8) + ",,,2025-01-31T08:40:00,36.5,green,pass\n"
                                "JC001,road,ID," + Id(1) + ",,,2024-12-01T08:00:00,36.6,green,pass\n"
                                "JC001,road,ID," + Id(9) + ",,,2024-12-01T08:05:00,36.6,green,observe\n",
                                fusion::Format::kCsv);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->rejected, 0);
    ASSERT_TRUE(db_->Migrate(audit::Migrations()).ok());
    ASSERT_TRUE(db_->Migrate(Migrations()).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::map<std::string, std::set<std::string>> Kinds(const Trace& t) {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& c : t.contacts) out[store_->RefString(c.entity)] = c.kinds;
    return out;
  }
  fs::path root_;
  std::unique_ptr<events::Store> store_;
  std::unique_ptr<fusion::SourceRegistry> sources_;
  ManualClock clock_{*ParseTime("2025-02-06T10:00:00")};
  std::unique_ptr<audit::Log> log_;
};

TEST_P(HealthTest, TraceFindsEveryKindOfContactAndRanksTheClosestFirst) {
  auto t = RunTrace(*store_, sources_.get(), {identity::Kind::kId, Id(1)}, *ParseTime("2025-02-05T10:00:00"), {});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  using S = std::set<std::string>;
  std::map<std::string, S> want = {{"ID:" + Id(2), {"overlap_stay", "same_room"}},
                                   {"ID:" + Id(3), {"overlap_stay"}},
                                   {"ID:" + Id(5), {"same_place", "same_trip", "near_seat"}},
                                   {"ID:" + Id(6), {"same_place", "same_trip"}},
                                   {"ID:" + Id(7), {"same_place"}}};
  EXPECT_EQ(Kinds(*t), want);  // 4 left before the case came, 8 passed 40 minutes later, 9 is outside the 14 days
  EXPECT_EQ(t->case_events, 3);
  EXPECT_EQ(store_->RefString(t->contacts[0].entity), "ID:" + Id(2));  // the roommate, then the seat neighbour
  EXPECT_EQ(store_->RefString(t->contacts[1].entity), "ID:" + Id(5));
  // The roommate overlapped from 20:00 on the 1st to 11:00 on the 3rd: 39 hours.
  EXPECT_EQ(t->contacts[0].overlap_seconds, 39 * 3600);
  // A wider window reaches the December pass; a narrower one drops 7.
  auto wide = RunTrace(*store_, sources_.get(), {identity::Kind::kId, Id(1)}, *ParseTime("2025-02-05T10:00:00"), {28, 1800});
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(Kinds(*wide).count("ID:" + Id(9)), 0u);  // 1 December is 66 days back
  auto narrow = RunTrace(*store_, sources_.get(), {identity::Kind::kId, Id(1)}, *ParseTime("2025-02-05T10:00:00"), {14, 300});
  ASSERT_TRUE(narrow.ok());
  EXPECT_EQ(Kinds(*narrow).count("ID:" + Id(7)), 0u);
  // Bad options; an unknown person has no contacts.
  EXPECT_EQ(RunTrace(*store_, sources_.get(), {identity::Kind::kId, Id(1)}, clock_.Now(), {0}).status().code(), "invalid_value");
  EXPECT_EQ(RunTrace(*store_, sources_.get(), {identity::Kind::kId, Id(1)}, clock_.Now(), {14, 90000}).status().code(),
            "invalid_value");
  auto none = RunTrace(*store_, sources_.get(), {identity::Kind::kId, Id(11)}, clock_.Now(), {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->contacts.empty());
}

TEST_P(HealthTest, TracesAreKeptUntilTheirRetentionEndsThenDeletedAndAudited) {
  Service svc(db_, log_.get(), &clock_, store_.get(), sources_.get(), {.trace_retention_days = 7});
  const auth::Actor a{"analyst1", "analyst", "test"};
  std::string bad = Id(1);
  bad.back() = bad.back() == '1' ? '2' : '1';  // the check digit wrong
  EXPECT_EQ(svc.Trace(a, bad, "", "2025-02-05T10:00:00", 14, 30, "卫健流调〔2025〕1号", "流调").status().code(),
            "invalid_id_number");
  EXPECT_EQ(svc.Trace(a, Id(1), "", "2025-03-05T10:00:00", 14, 30, "卫健流调〔2025〕1号", "流调").status().code(), "invalid_time");
  EXPECT_EQ(svc.Trace(a, Id(1), "", "yesterday", 14, 30, "卫健流调〔2025〕1号", "流调").status().code(), "invalid_time");
  EXPECT_EQ(svc.Trace(a, Id(1), "", "2025-02-05T10:00:00", 14, 2000, "卫健流调〔2025〕1号", "流调").status().code(),
            "invalid_value");
  auto t = svc.Trace(a, Id(1), "", "2025-02-05T10:00:00", 14, 30, "卫健流调〔2025〕1号", "流调");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->contacts, 5);
  EXPECT_EQ(t->expires_at, "2025-02-13T10:00:00+08:00");
  auto got = svc.GetTrace(t->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->result["contacts"].size(), 5u);
  EXPECT_EQ(got->case_no, "卫健流调〔2025〕1号");
  // A day before the end it is kept; at the end it is deleted, and the deletion is audited.
  clock_.Set(*ParseTime("2025-02-12T10:00:00"));
  EXPECT_EQ(*svc.PurgeExpired(), 0);
  EXPECT_EQ(svc.Traces()->size(), 1u);
  clock_.Set(*ParseTime("2025-02-13T10:00:00"));
  EXPECT_EQ(svc.Traces()->size(), 0u);
  EXPECT_EQ(svc.GetTrace(t->id).status().code(), "unknown_trace");
  auto entries = log_->Query({.action = "health.trace.expire"});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->items.size(), 1u);
  EXPECT_EQ(entries->items[0].actor, "system");
  EXPECT_EQ(entries->items[0].target, std::to_string(t->id));
  EXPECT_EQ(svc.DeleteTrace(a, t->id).code(), "unknown_trace");
}

TEST_P(HealthTest, FiguresCountChecksOnceWhetherByPersonOrPlate) {
  Service svc(db_, log_.get(), &clock_, store_.get(), sources_.get());
  auto f = svc.Figures();
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)["totals"]["passes"], 5);
  EXPECT_EQ((*f)["totals"]["temperature_checks"], 5);
  EXPECT_EQ((*f)["totals"]["observation"], 1);
  EXPECT_EQ((*f)["totals"]["road_checkpoints"], 1);
  EXPECT_EQ((*f)["published"]["isolated"], 103);
  auto h = svc.Throughput("JC001", "2025-01-31");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)["hours"][8]["passes"], 3);
  EXPECT_EQ(svc.Throughput("HT00001", "2025-01-31").status().code(), "unknown_checkpoint");
  EXPECT_EQ(svc.Throughput("JC001", "31/01/2025").status().code(), "invalid_date");
  auto fl = svc.Flagged("", "2024-12-01", 10);
  ASSERT_TRUE(fl.ok());
  ASSERT_EQ((*fl)["flagged"].size(), 1u);
  EXPECT_EQ((*fl)["flagged"][0]["person"], "ID:" + Id(9));
  EXPECT_EQ((*fl)["flagged"][0]["result"], "observe");
}

JW_INSTANTIATE_BACKENDS(HealthTest);

}  // namespace
}  // namespace jingwu::health
