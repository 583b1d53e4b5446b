// Smart communities end to end on a generated small city: the access and
// barrier sources defined as data, rejects per reason, the rules against the
// planted truth (community_truth.json), alarms and their errors, on SQLite
// and PostgreSQL.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "app/bigdata_cli.h"
#include "community/eval.h"
#include "community/service.h"
#include "fusion/ingest.h"
#include "gen/city_gen.h"
#include "gen/community_gen.h"
#include "sql/backend_test.h"

namespace jingwu::community {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const auth::Actor kAdmin{"admin", "admin", "test"};

// One generated city and event store for every test of the file.
class Communities : public sql::BackendTest {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("jingwu-community-" + std::to_string(getpid()));
    fs::remove_all(root_);
    gen::CityOptions o;
    o.out_dir = (root_ / "src").string();
    o.seed = 5;
    o.scale = "small";
    ASSERT_TRUE(gen::WriteCity(o).ok());
    ASSERT_TRUE(gen::WriteCommunities({.out_dir = o.out_dir, .seed = 5}).ok());
    std::ifstream in(root_ / "src" / "community_truth.json");
    truth_ = new json(json::parse(in));
    auto s = events::Store::Open((root_ / "events").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = s->release();
    ASSERT_TRUE(fusion::IngestFile(*store_, events::Source::kPlaces, (root_ / "src" / "places.csv").string()).ok());
    auto reg = fusion::SourceRegistry::Load(store_);
    ASSERT_TRUE(reg.ok());
    sources_ = reg->release();
    // The two sources are defined by the files the generator wrote beside their rows.
    for (const char* name : {"access", "barrier"}) {
      std::ifstream df(root_ / "src" / (std::string(name) + ".source.json"));
      std::string text((std::istreambuf_iterator<char>(df)), std::istreambuf_iterator<char>());
      auto def = fusion::ParseSourceDef(text);
      ASSERT_TRUE(def.ok()) << def.status().ToString();
      auto added = sources_->Add(*def, "test");
      ASSERT_TRUE(added.ok()) << added.status().ToString();
      auto r = fusion::IngestFile(*store_, **added, (root_ / "src" / (std::string(name) + ".csv")).string(),
                                  {.rejects_path = "-"});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      (*reports_)[name] = *r;
    }
  }
  static void TearDownTestSuite() {
    delete sources_;
    delete store_;
    delete truth_;
    sources_ = nullptr, store_ = nullptr, truth_ = nullptr;
    fs::remove_all(root_);
  }

  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (auto m : {audit::Migrations(), registry::Migrations(), Migrations()}) ASSERT_TRUE(db_->Migrate(m).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    registry_ = std::make_unique<registry::Service>(db_, log_.get(), &clock_);
    ASSERT_TRUE(registry_->Load().ok());
    registry_->SetAsOf((*truth_)["as_of"].get<std::string>());
    ASSERT_TRUE(registry_->Import(kAdmin, (root_ / "src").string()).ok());
    svc_ = std::make_unique<Service>(db_, log_.get(), registry_.get(), store_, sources_);
    auto imported = svc_->Import(kAdmin, (root_ / "src").string());
    ASSERT_TRUE(imported.ok()) << imported.status().ToString();
    files_.clear();
    for (const auto& f : *imported) files_[f.name] = f;
  }

  std::map<std::string, std::string> Places() {
    std::map<std::string, std::string> m;
    auto cs = svc_->Communities();
    EXPECT_TRUE(cs.ok());
    if (cs.ok())
      for (const auto& c : *cs) m[c.code] = c.place_code;
    return m;
  }

  static inline fs::path root_;
  static inline json* truth_ = nullptr;
  static inline events::Store* store_ = nullptr;
  static inline fusion::SourceRegistry* sources_ = nullptr;
  static inline auto* reports_ = new std::map<std::string, fusion::IngestReport>();
  ManualClock clock_{*ParseTime("2026-12-07T10:00:00+08:00")};
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<registry::Service> registry_;
  std::unique_ptr<Service> svc_;
  std::map<std::string, ImportFile> files_;
};

TEST_P(Communities, FilesLoadWithTheirPlantedRejectsPerReason) {
  const json& t = *truth_;
  for (const char* name : {"access", "barrier"}) {
    const auto& r = (*reports_)[name];
    std::map<std::string, int64_t> want = t["rejects"][name].get<std::map<std::string, int64_t>>();
    EXPECT_EQ(r.rejects_by_reason, want) << name;
    EXPECT_EQ(r.rows, t["rows"][name].get<int64_t>()) << name;
    EXPECT_EQ(r.accepted + r.already + r.rejected, r.rows) << name;
  }
  ASSERT_TRUE(files_.count("alarm.csv"));
  EXPECT_EQ(files_["alarm.csv"].rejected, (t["rejects"]["alarm"].get<std::map<std::string, int64_t>>()));
  EXPECT_EQ(files_["alarm.csv"].rows, t["rows"]["alarm"].get<int64_t>());
  EXPECT_EQ(files_["smart_communities.csv"].accepted, 57);
  auto cs = svc_->Communities();
  ASSERT_TRUE(cs.ok());
  EXPECT_EQ(cs->size(), 57u);
  // Importing again adds nothing.
  auto again = svc_->Import(kAdmin, (root_ / "src").string());
  ASSERT_TRUE(again.ok());
  for (const auto& f : *again) EXPECT_EQ(f.accepted, 0) << f.name;
}

TEST_P(Communities, RulesFindWhatWasPlantedAndNothingElse) {
  auto run = svc_->RunRules(kAdmin);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_GT(run->events_read, 100000);
  auto all = svc_->Findings({.page_size = 100000});
  ASSERT_TRUE(all.ok());
  auto scores = Score(all->first, *truth_, Places());
  for (const auto& [rule, s] : scores) {
    EXPECT_GT(s.planted, 0) << rule;
    EXPECT_EQ(s.recall(), 1.0) << rule << " missed " << (s.missed.empty() ? "" : s.missed[0]);
    EXPECT_EQ(s.precision(), 1.0) << rule << " false positive " << (s.false_positives.empty() ? "" : s.false_positives[0]);
  }
  // Regular visitors and elderly people living alone become registry tasks; a second run adds none.
  std::map<std::string, int64_t> kinds;
  ASSERT_TRUE(registry_->Tasks("", "open", "", 1, 1, &kinds).ok());
  EXPECT_EQ(kinds["care_visit"], scores["elderly_unseen"].planted);
  EXPECT_EQ(kinds["regular_visitor"], scores["unregistered_regular"].planted);
  auto second = svc_->RunRules(kAdmin);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->tasks, 0);
  EXPECT_TRUE(second->raised.empty());
  EXPECT_EQ(svc_->Findings({})->second, all->second);
  // A finding is closed once, with a note.
  int64_t id = all->first[0].id;
  auto no_note = svc_->CloseFinding(kAdmin, id, "  ");
  ASSERT_FALSE(no_note.ok());
  EXPECT_EQ(no_note.status().code(), "note_required");
  ASSERT_TRUE(svc_->CloseFinding(kAdmin, id, "上门核实，已登记").ok());
  auto twice = svc_->CloseFinding(kAdmin, id, "again");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), "finding_closed");
}

TEST_P(Communities, AlarmsKeepTheirTimersAndRefuseBadInput) {
  auto open = svc_->Alarms("", false);
  ASSERT_TRUE(open.ok());
  int64_t overdue_open = 0;
  for (const auto& t : (*truth_)["overdue_alarms"]) overdue_open += t["open"].get<bool>();
  int64_t overdue = 0;
  for (const auto& a : *open) overdue += a.overdue;
  EXPECT_EQ(overdue, overdue_open);
  EXPECT_EQ(static_cast<int64_t>(open->size()), overdue_open + 2);  // and two raised minutes ago
  EXPECT_TRUE((*open)[0].overdue);  // the overdue come first
  std::string community = (*open)[0].community_code;
  auto bad_kind = svc_->RaiseAlarm(kAdmin, {.community_code = community, .device = "D1", .kind = "flood"});
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_EQ(bad_kind.status().code(), "invalid_kind");
  auto unknown = svc_->RaiseAlarm(kAdmin, {.community_code = "SQ99999", .device = "D1", .kind = "smoke"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), "unknown_community");
  auto future = svc_->RaiseAlarm(kAdmin, {.community_code = community, .device = "D1", .kind = "smoke",
                                          .raised_at = "2099-01-01T00:00:00"});
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.status().code(), "invalid_time");
  auto raised = svc_->RaiseAlarm(kAdmin, {.community_code = community, .device = "D1", .kind = "smoke",
                                          .raised_at = "2025-12-31T23:50:00"});
  ASSERT_TRUE(raised.ok()) << raised.status().ToString();
  auto dup = svc_->RaiseAlarm(kAdmin, {.community_code = community, .device = "D1", .kind = "smoke",
                                       .raised_at = "2025-12-31T23:50:00"});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), "already_raised");
  auto early = svc_->ClearAlarm(kAdmin, raised->id, "2025-12-31T23:00:00", "");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), "invalid_time");
  auto cleared = svc_->ClearAlarm(kAdmin, raised->id, "2025-12-31T23:55:00", "误报");
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->minutes, 5);
  EXPECT_FALSE(cleared->overdue);
  auto again = svc_->ClearAlarm(kAdmin, raised->id, "", "");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), "already_cleared");
}

TEST_P(Communities, GateActivityCountsEachPassOnce) {
  auto cs = svc_->Communities();
  ASSERT_TRUE(cs.ok());
  const Community& c = (*cs)[0];
  auto a = svc_->GateActivity(c.code, "2025-12-15");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  int64_t in = 0, out = 0, cars = 0;
  for (int h = 0; h < 24; ++h) in += a->people_in[h], out += a->people_out[h], cars += a->vehicles_in[h] + a->vehicles_out[h];
  // Count the same day's rows of the file directly.
  int64_t want_in = 0, want_out = 0;
  std::ifstream f(root_ / "src" / "access.csv");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(c.place_code + ",", 0) == 0 && line.find(",2025-12-15T") != std::string::npos &&
        line.find(",granted") != std::string::npos)
      (line.find(",in,") != std::string::npos ? want_in : want_out)++;
  EXPECT_EQ(in, want_in);
  EXPECT_EQ(out, want_out);
  EXPECT_GT(in, 0);
  EXPECT_GT(cars, 0);
  auto bad = svc_->GateActivity("460199999999", "2025-12-15");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), "unknown_community");
}

JW_INSTANTIATE_BACKENDS(Communities);

}  // namespace
}  // namespace jingwu::community
