// The big-data core end to end on a `small` synthetic city: generate, ingest,
// and measure the analyses against the planted truth (truth.json).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/analysis.h"
#include "fusion/ingest.h"
#include "gen/city_gen.h"

namespace jingwu::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kEventFiles[][2] = {{"hotel", "hotel.csv"},
                                          {"vehicle_pass", "vehicle_pass.csv"},
                                          {"travel", "travel.csv"},
                                          {"dutyfree", "dutyfree.csv"},
                                          {"netcafe", "netcafe.csv"}};

// One generated city shared by the tests of this file (generation and ingest take seconds).
class BigData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("jingwu-bigdata-" + std::to_string(getpid()));
    fs::remove_all(root_);
    gen::CityOptions o;
    o.out_dir = (root_ / "src").string();
    o.seed = 11;
    o.scale = "small";
    ASSERT_TRUE(gen::WriteCity(o).ok());
    std::ifstream in(root_ / "src" / "truth.json");
    truth_ = json::parse(in);
    // The command line's bulk path (sorted files ingested per batch).
    auto s = events::Store::Open((root_ / "store").string(), {.bulk = true});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s).release();
    for (const char* f : {"places.csv", "residents.csv", "vehicles.csv"}) {
      std::string name = std::string(f).substr(0, std::string(f).size() - 4);
      auto r = fusion::IngestFile(*store_, *events::SourceFromName(name), (root_ / "src" / f).string());
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
    for (auto [source, file] : kEventFiles) {
      auto r = fusion::IngestFile(*store_, *events::SourceFromName(source), (root_ / "src" / file).string());
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      reports_[file] = *r;
    }
  }
  static void TearDownTestSuite() {
    delete store_;
    store_ = nullptr;
    fs::remove_all(root_);
  }

  static identity::EntityRef Ref(const std::string& s) {
    auto r = identity::ParseEntityRef(s);
    EXPECT_TRUE(r.ok()) << s;
    return r.ok() ? *r : identity::EntityRef{};
  }

  static inline fs::path root_;
  static inline json truth_;
  static inline events::Store* store_ = nullptr;
  static inline std::map<std::string, fusion::IngestReport> reports_;
};

TEST_F(BigData, RejectCountsMatchThePlantedBadRowsExactly) {
  int64_t total = 0;
  for (auto [source, file] : kEventFiles) {
    const auto& r = reports_.at(file);
    std::map<std::string, int64_t> want;
    for (auto& [reason, n] : truth_["rejects"][file].items())
      if (n.get<int64_t>() > 0) want[reason] = n.get<int64_t>();
    EXPECT_EQ(r.rejects_by_reason, want) << file;
    EXPECT_EQ(r.accepted, truth_["valid_events"][source].get<int64_t>()) << file;
    EXPECT_EQ(r.rows, truth_["rows"][file].get<int64_t>()) << file;
    // The rejects file holds exactly the rejected rows, each with a reason.
    std::ifstream rej(root_ / "src" / (std::string(file) + ".rejects.csv"));
    std::string line;
    int64_t lines = -1;  // header
    while (std::getline(rej, line)) ++lines;
    EXPECT_EQ(lines, r.rejected) << file;
    total += r.accepted;
  }
  // Distinct events can be fewer than accepted rows only by exact duplicates.
  EXPECT_LE(store_->TotalEvents(), total);
  EXPECT_GE(store_->TotalEvents(), total * 99 / 100);
}

TEST_F(BigData, CollisionFindsEveryPlantedSuspect) {
  int64_t true_pos = 0, reported = 0, planted = 0;
  for (const json& scenario : truth_["collisions"]) {
    std::vector<Window> windows;
    for (const json& w : scenario["windows"]) {
      auto r = ParseRange(w["from"].get<std::string>(), w["to"].get<std::string>());
      ASSERT_TRUE(r.ok());
      windows.push_back({w["place"].get<std::string>(), r->from, r->to});
    }
    auto c = RunCollision(*store_, windows);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    std::set<std::string> found;
    for (const auto& h : c->hits) {
      found.insert(store_->RefString(h.entity));
      EXPECT_EQ(h.matched, static_cast<int>(windows.size()));
      std::set<int> windows_with_evidence;
      for (const auto& [w, e] : h.evidence) windows_with_evidence.insert(w);
      EXPECT_EQ(windows_with_evidence.size(), windows.size());
    }
    for (const json& s : scenario["suspects"]) {
      ++planted;
      if (found.count(s.get<std::string>())) ++true_pos;
      else ADD_FAILURE() << "planted suspect not found: " << s;
    }
    reported += static_cast<int64_t>(found.size());
  }
  ASSERT_GT(planted, 0);
  double recall = static_cast<double>(true_pos) / static_cast<double>(planted);
  double precision = reported ? static_cast<double>(true_pos) / static_cast<double>(reported) : 0;
  EXPECT_EQ(recall, 1.0);
  EXPECT_GE(precision, 0.95) << true_pos << " of " << reported;
}

TEST_F(BigData, CotravelFindsThePlantedGroups) {
  int64_t true_pos = 0, reported = 0, planted = 0;
  for (const json& g : truth_["cotravel_groups"]) {
    std::vector<std::string> members;
    for (const json& m : g["members"]) members.push_back(m.get<std::string>());
    for (const std::string& m : members) {
      auto c = RunCotravel(*store_, Ref(m), g.value("within", 120), 5, {});
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      std::set<std::string> found;
      for (const auto& h : c->hits) {
        found.insert(store_->RefString(h.entity));
        // Evidence: a pair per occasion, at the same place, within the bound.
        EXPECT_EQ(h.evidence.size(), static_cast<size_t>(h.count));
        for (const auto& p : h.evidence) {
          EXPECT_EQ(p.mine.place, p.theirs.place);
          EXPECT_LE(std::abs(static_cast<int64_t>(p.mine.time) - static_cast<int64_t>(p.theirs.time)), 120);
        }
      }
      for (const std::string& other : members) {
        if (other == m) continue;
        ++planted;
        if (found.count(other)) ++true_pos;
        else ADD_FAILURE() << m << " should co-travel with " << other;
      }
      reported += static_cast<int64_t>(found.size());
    }
  }
  ASSERT_GT(planted, 0);
  EXPECT_EQ(true_pos, planted);
  EXPECT_GE(static_cast<double>(true_pos) / static_cast<double>(reported), 0.95) << true_pos << "/" << reported;
}

TEST_F(BigData, TrajectoryIsInTimeOrderWithRecords) {
  std::string who = truth_["collisions"][0]["suspects"][0];
  auto t = RunTrajectory(*store_, Ref(who), {});
  ASSERT_TRUE(t.ok());
  ASSERT_GE(t->events.size(), truth_["collisions"][0]["windows"].size());
  for (size_t i = 1; i < t->events.size(); ++i) EXPECT_LE(t->events[i - 1].time, t->events[i].time);
  json j = ToJson(*store_, *t);
  EXPECT_EQ(j["entity"], who);
  for (const json& e : j["events"]) {
    EXPECT_FALSE(e["record"].empty());
    EXPECT_NE(e["place"], "?");
  }
  // A time range narrows it; an unknown entity has no events.
  auto narrowed = RunTrajectory(*store_, Ref(who), {t->events.back().time, t->events.back().time});
  ASSERT_TRUE(narrowed.ok());
  EXPECT_GE(narrowed->events.size(), 1u);
  EXPECT_LT(narrowed->events.size(), t->events.size());
  auto none = RunTrajectory(*store_, Ref("PHONE:13900000000"), {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->events.empty());
}

TEST_F(BigData, CountersAgreeWithTheEvents) {
  int64_t sum = 0;
  for (const auto& c : store_->CountsBySourceDay(0, 1 << 30)) sum += c.count;
  EXPECT_EQ(sum, store_->TotalEvents());
  int64_t by_district = 0;
  for (const auto& c : store_->CountsByDistrictMonth()) by_district += c.count;
  EXPECT_EQ(by_district, store_->TotalEvents());
  auto busiest = store_->BusiestEntities(1);
  ASSERT_EQ(busiest.size(), 1u);
  int64_t n = 0;
  ASSERT_TRUE(store_->ScanEntity(busiest[0].first, 0, 0xFFFFFFFFu, [&](const events::Event&) {
    ++n;
    return true;
  }).ok());
  EXPECT_EQ(n, busiest[0].second);
}

TEST_F(BigData, ReingestAddsNothing) {
  int64_t before = store_->TotalEvents();
  auto r = fusion::IngestFile(*store_, events::Source::kHotel, (root_ / "src" / "hotel.csv").string());
  ASSERT_TRUE(r.ok());
  // Nothing is stored again, and the report says so: accepted 0, all already.
  EXPECT_EQ(r->accepted, 0);
  EXPECT_GT(r->already, 0);
  EXPECT_EQ(r->already + r->rejected, r->rows);
  EXPECT_EQ(store_->TotalEvents(), before);
}

// The same rows in another file (no checkpoint applies) add and count nothing:
// the store drops events it holds already.
TEST_F(BigData, OverlappingFileAddsNothing) {
  int64_t before = store_->TotalEvents();
  std::ifstream in(root_ / "src" / "vehicle_pass.csv");
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> rows;
  while (std::getline(in, line)) rows.push_back(line);
  fs::path part = root_ / "src" / "vehicle_pass_tail.csv";
  {
    std::ofstream out(part);
    out << header << "\n";
    for (size_t i = rows.size() / 2; i < rows.size(); ++i) out << rows[i] << "\n";
  }
  auto r = fusion::IngestFile(*store_, events::Source::kVehiclePass, part.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->accepted, 1000);
  EXPECT_EQ(r->already, 0);  // not known from a checkpoint...
  EXPECT_EQ(store_->TotalEvents(), before);  // ...but nothing new is stored or counted
  int64_t sum = 0;
  for (const auto& c : store_->CountsBySourceDay(0, 1 << 30)) sum += c.count;
  EXPECT_EQ(sum, before);
}

TEST_F(BigData, BadWindowsAreRejected) {
  EXPECT_EQ(RunCollision(*store_, {}).status().code(), "invalid_window");
  EXPECT_EQ(RunCollision(*store_, {{"HT99999", 0, 10}}).status().code(), "unknown_place");
  EXPECT_EQ(ParseWindow("HT00001,2025-02-30T10:00,2025-03-01").status().code(), "invalid_time");
  EXPECT_EQ(ParseWindow("HT00001").status().code(), "invalid_window");
  EXPECT_EQ(ParseRange("2025-03-02", "2025-03-01").status().code(), "invalid_time");
}

// A second writer on the same folder gets a clear error.
TEST_F(BigData, SecondWriterIsRefused) {
  // Within one process RocksDB refuses the second open too (its LOCK file).
  auto second = events::Store::Open((root_ / "store").string());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), "data_folder_busy");
}

// kill -9 during ingest, then a re-run: exactly the clean result.
TEST(BigDataCrash, RerunAfterKillNineEndsWithTheCleanResult) {
  fs::path root = fs::temp_directory_path() / ("jingwu-crash-" + std::to_string(getpid()));
  fs::remove_all(root);
  gen::CityOptions o;
  o.out_dir = (root / "src").string();
  o.seed = 5;
  o.scale = "small";
  ASSERT_TRUE(gen::WriteCity(o).ok());
  // Loads places and vehicle passes; `after_batches` (if > 0) writes a byte to
  // `signal_fd` once that many batches of passes are stored.
  auto load = [&](const fs::path& dir, size_t batch, int after_batches = 0, int signal_fd = -1) -> int64_t {
    auto s = events::Store::Open(dir.string(), {.bulk = true});
    if (!s.ok()) return -1;
    fusion::IngestOptions opt;
    opt.batch_rows = batch;
    opt.rejects_path = "-";
    auto places = fusion::IngestFile(**s, events::Source::kPlaces, (root / "src" / "places.csv").string(), opt);
    if (!places.ok()) return -1;
    int stored = 0;
    if (after_batches > 0)
      (*s)->AddListener([&](const std::vector<events::Event>&) {
        if (++stored == after_batches) (void)!write(signal_fd, "x", 1);
      });
    auto r = fusion::IngestFile(**s, events::Source::kVehiclePass, (root / "src" / "vehicle_pass.csv").string(), opt);
    if (!r.ok()) return -1;
    return (*s)->TotalEvents();
  };
  int64_t clean = load(root / "clean", 5000);
  ASSERT_GT(clean, 0);
  // A child ingests in small batches and is killed right after its k-th batch
  // is stored (while the next ones are being written); a re-run completes it.
  for (int k : {1, 6, 14}) {
    fs::path dir = root / ("crash" + std::to_string(k));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      load(dir, 5000, k, fds[1]);
      _exit(0);
    }
    close(fds[1]);
    char c;
    ASSERT_EQ(read(fds[0], &c, 1), 1) << "the child stored " << k << " batches";
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(fds[0]);
    int64_t stored = -1;
    {
      auto s = events::Store::Open(dir.string(), {.read_only = true});
      ASSERT_TRUE(s.ok());
      stored = (*s)->TotalEvents();
    }
    EXPECT_GT(stored, 0) << "killed after batch " << k;
    EXPECT_LT(stored, clean) << "killed after batch " << k;
    EXPECT_EQ(load(dir, 5000), clean) << "after kill -9 following batch " << k;
  }
  fs::remove_all(root);
}

// Uploads (the HTTP path) go through the write-ahead log; the same records
// twice add nothing.
TEST(BigDataUpload, BodiesLoadOnceWithRejects) {
  fs::path root = fs::temp_directory_path() / ("jingwu-upload-" + std::to_string(getpid()));
  fs::remove_all(root);
  auto s = events::Store::Open(root.string());
  ASSERT_TRUE(s.ok());
  auto places = fusion::IngestBody(**s, events::Source::kPlaces,
                                   "code,kind,name,district_code,lat,lon\nKK00001,checkpoint,卡口,460106,20.0,110.3\n",
                                   fusion::Format::kCsv);
  ASSERT_TRUE(places.ok());
  std::string csv =
      "plate,plate_color,checkpoint_code,passed_at,direction,speed_kmh\n"
      "琼A12345,蓝,KK00001,2025-03-01T10:00:00,IN,40\n"
      "琼A12345,蓝,KK00001,2025-03-01T10:00:00,IN,40\n"  // the same event twice
      "琼AI2345,蓝,KK00001,2025-03-01T10:00:00,IN,40\n"
      "琼B22222,蓝,KK99999,2025-03-01T10:00:00,IN,40\n"
      "琼B22222,蓝,KK00001,2025-02-30T10:00:00,IN,40\n";
  auto r = fusion::IngestBody(**s, events::Source::kVehiclePass, csv, fusion::Format::kCsv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->already, 1);  // the same event again within the upload
  EXPECT_EQ(r->rejects_by_reason, (std::map<std::string, int64_t>{
                                      {"invalid_plate", 1}, {"unknown_place", 1}, {"invalid_time", 1}}));
  EXPECT_EQ((*s)->TotalEvents(), 1);
  std::string ndjson = R"({"plate":"琼A12345","checkpoint_code":"KK00001","passed_at":"2025-03-01T10:00:00","lane":"3"})"
                       "\n{not json}\n";
  r = fusion::IngestBody(**s, events::Source::kVehiclePass, ndjson, fusion::Format::kNdjson);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 0);  // stored by the CSV upload before
  EXPECT_EQ(r->already, 1);
  EXPECT_EQ(r->rejects_by_reason, (std::map<std::string, int64_t>{{"malformed_row", 1}}));
  EXPECT_EQ((*s)->TotalEvents(), 1);
  // A missing required column stops before anything is written.
  auto bad = fusion::IngestBody(**s, events::Source::kVehiclePass, "plate,passed_at\n琼A54321,2025-03-01T10:00:00\n",
                                fusion::Format::kCsv);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), "missing_columns");
  EXPECT_EQ((*s)->TotalEvents(), 1);
  s->reset();
  fs::remove_all(root);
}

}  // namespace
}  // namespace jingwu::analysis
