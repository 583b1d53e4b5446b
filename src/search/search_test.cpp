// One-box search, profiles and the relationship graph on small hand-made
// worlds: kind detection, n-gram recall, exact identifiers, catch-up after
// kill -9 (no lost, no doubled documents), hub limits, link evidence.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "fusion/ingest.h"
#include "search/graph.h"
#include "search/index.h"

namespace jingwu::search {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Id(int seq, int year = 1985) { return *identity::MakeIdNumber("460106", year, 3, 12, seq); }

fs::path TempDir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("jingwu-search-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  return p;
}

void Load(events::Store& s, events::Source src, const std::string& csv) {
  auto r = fusion::IngestBody(s, src, csv, fusion::Format::kCsv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rejected, 0) << csv;
}

const char* kPlaces =
    "code,kind,name,district_code,lat,lon\n"
    "HT00001,hotel,椰城大酒店,460106,20.03,110.33\n"
    "KK00001,checkpoint,海秀路卡口,460106,20.02,110.31\n"
    "ST00001,station,美兰机场,460108,19.94,110.46\n";

// 张伟 and 李伟 share room 1203 on one night and adjacent seats on a flight;
// 王芳 gave 张伟's phone at a hotel; 赵强 lives at 张伟's address; 张伟 owns 琼A12345.
class World : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = TempDir("world");
    auto s = events::Store::Open((root_ / "events").string());
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
    Load(*store_, events::Source::kPlaces, kPlaces);
    zhang_ = Id(11);
    li_ = Id(13);
    wang_ = Id(22);
    zhao_ = Id(31);
    Load(*store_, events::Source::kHotel,
         "id_type,id_number,name,nationality,phone,hotel_code,room,checkin_at,checkout_at\n"
         "ID," + zhang_ + ",张伟,CHN,13800138000,HT00001,1203,2025-03-01T20:00:00,2025-03-02T12:00:00\n"
         "ID," + li_ + ",李伟,CHN,13900139000,HT00001,1203,2025-03-01T21:30:00,2025-03-02T12:00:00\n"
         "ID," + wang_ + ",王芳,CHN,13800138000,HT00001,0801,2025-04-01T20:00:00,2025-04-02T12:00:00\n");
    Load(*store_, events::Source::kTravel,
         "id_type,id_number,name,nationality,mode,station_code,direction,departs_at,trip_no,seat\n"
         "ID," + zhang_ + ",张伟,CHN,AIR,ST00001,OUT,2025-03-05T09:00:00,HU7781,12A\n"
         "ID," + li_ + ",李伟,CHN,AIR,ST00001,OUT,2025-03-05T09:00:00,HU7781,12B\n"
         "ID," + wang_ + ",王芳,CHN,AIR,ST00001,OUT,2025-03-05T09:00:00,HU7781,30C\n");
    Load(*store_, events::Source::kResidents,
         "id_type,id_number,name,gender,birth_date,phone,address_code,address,moved_in_at\n"
         "ID," + zhang_ + ",张伟,M,1985-03-12,13800138000,460106001,龙华区滨海大道88号,2020-01-01\n"
         "ID," + zhao_ + ",赵强,M,1985-03-12,13700137000,460106001,龙华区滨海大道88号,2021-01-01\n");
    Load(*store_, events::Source::kVehicles,
         "plate,plate_color,owner_id_type,owner_id_number,owner_name,vehicle_type,brand,color,registered_at\n"
         "琼A12345,蓝,ID," + zhang_ + ",张伟,小型轿车,比亚迪,白,2022-05-01\n");
    auto ix = Index::Open((root_ / "search").string(), store_.get());
    ASSERT_TRUE(ix.ok()) << ix.status().ToString();
    index_ = std::move(*ix);
    auto n = index_->CatchUp();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
  }
  void TearDown() override {
    index_.reset();
    store_.reset();
    fs::remove_all(root_);
  }
  events::EntityId IdOf(const std::string& ref) {
    auto r = identity::ParseEntityRef(ref);
    EXPECT_TRUE(r.ok()) << ref;
    auto id = store_->FindEntity(*r);
    EXPECT_TRUE(id.has_value()) << ref;
    return id.value_or(0);
  }
  std::set<std::string> Refs(const Results& r) {
    std::set<std::string> out;
    for (const auto& h : r.entities) out.insert(h.ref);
    return out;
  }

  fs::path root_;
  std::unique_ptr<events::Store> store_;
  std::unique_ptr<Index> index_;
  std::string zhang_, li_, wang_, zhao_;
};

TEST(KindDetection, EachIdentifierKindAndBadInput) {
  identity::EntityRef r;
  EXPECT_TRUE(identity::DetectKind(Id(11), &r));
  EXPECT_EQ(r.kind, identity::Kind::kId);
  EXPECT_TRUE(identity::DetectKind("琼A12345", &r));
  EXPECT_EQ(r.kind, identity::Kind::kPlate);
  EXPECT_TRUE(identity::DetectKind("13800138000", &r));
  EXPECT_EQ(r.kind, identity::Kind::kPhone);
  EXPECT_TRUE(identity::DetectKind("RUS/751234567", &r));
  EXPECT_EQ(r.kind, identity::Kind::kPassport);
  std::string bad_check = Id(11);
  bad_check.back() = bad_check.back() == '1' ? '2' : '1';
  for (std::string bad : {std::string("张伟"), std::string(""), std::string("12345"), bad_check,
                          std::string("ZZZ/123"), std::string("琼A1234567"), std::string("\xff\xfe")})
    EXPECT_FALSE(identity::DetectKind(bad, &r)) << bad;
}

TEST_F(World, ExactIdentifierGoesToTheDictionary) {
  auto r = index_->Search(zhang_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, "ID");
  ASSERT_EQ(r->entities.size(), 1u);
  EXPECT_TRUE(r->entities[0].exact);
  EXPECT_EQ(r->entities[0].ref, "ID:" + zhang_);
  EXPECT_EQ(r->entities[0].names, std::vector<std::string>{"张伟"});
  EXPECT_EQ(r->entities[0].sources.at("hotel"), 1);
  EXPECT_EQ(r->entities[0].sources.at("travel"), 1);
  EXPECT_EQ(r->entities[0].sources.at("residents"), 1);
  auto plate = index_->Search("琼a12345");
  ASSERT_TRUE(plate.ok());
  EXPECT_EQ(plate->kind, "PLATE");
  ASSERT_EQ(plate->entities.size(), 1u);
  auto phone = index_->Search("PHONE:13800138000");
  ASSERT_TRUE(phone.ok());
  ASSERT_EQ(phone->entities.size(), 1u);
  EXPECT_EQ(phone->entities[0].ref, "PHONE:13800138000");
  // A valid identifier nobody has is an empty answer, not an error.
  auto none = index_->Search("13311112222");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->entities.empty());
  EXPECT_FALSE(index_->Search("   ").ok());
}

TEST_F(World, CjkNgramRecall) {
  auto wei = index_->Search("伟");
  ASSERT_TRUE(wei.ok());
  EXPECT_EQ(wei->kind, "text");
  EXPECT_TRUE(Refs(*wei).count("ID:" + zhang_));
  EXPECT_TRUE(Refs(*wei).count("ID:" + li_));
  EXPECT_FALSE(Refs(*wei).count("ID:" + wang_));
  auto zw = index_->Search("张伟");
  ASSERT_TRUE(zw.ok());
  ASSERT_FALSE(zw->entities.empty());
  EXPECT_EQ(zw->entities[0].ref, "ID:" + zhang_);
  EXPECT_FALSE(Refs(*zw).count("ID:" + li_));
  // Part of an address finds the residents; a place by its name.
  auto addr = index_->Search("滨海大道");
  ASSERT_TRUE(addr.ok());
  EXPECT_TRUE(Refs(*addr).count("ID:" + zhao_));
  auto place = index_->Search("美兰机场");
  ASSERT_TRUE(place.ok());
  ASSERT_FALSE(place->places.empty());
  EXPECT_EQ(place->places[0].code, "ST00001");
}

TEST_F(World, IncrementalUpdatesFollowTheStore) {
  index_->Follow(store_.get());
  Load(*store_, events::Source::kNetcafe,
       "id_number,name,cafe_code,login_at,logout_at,seat\n" + Id(41) + ",陈伟,HT00001,2025-05-01T10:00:00,,7\n");
  bool found = false;
  for (int i = 0; i < 100 && !found; ++i) {
    auto r = index_->Search("陈伟");
    found = r.ok() && Refs(*r).count("ID:" + Id(41));
    if (!found) usleep(20000);
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(index_->committed_seq(), store_->JournalHead());
  index_->Stop();
  // The follower pruned what the index committed, keeping the newest entry, so
  // numbering goes on after a restart and the index misses nothing.
  uint64_t head = store_->JournalHead();
  ASSERT_GT(head, 1u);
  std::vector<uint64_t> left;
  ASSERT_TRUE(store_->ScanJournal(0, [&](uint64_t seq, const std::vector<events::EntityId>&) {
                      left.push_back(seq);
                      return true;
                    }).ok());
  EXPECT_EQ(left, std::vector<uint64_t>{head});
  index_.reset();
  store_.reset();
  auto s = events::Store::Open((root_ / "events").string());
  ASSERT_TRUE(s.ok());
  store_ = std::move(*s);
  EXPECT_EQ(store_->JournalHead(), head);
  Load(*store_, events::Source::kNetcafe,
       "id_number,name,cafe_code,login_at,logout_at,seat\n" + Id(43) + ",钱伟,HT00001,2025-05-02T10:00:00,,8\n");
  EXPECT_EQ(store_->JournalHead(), head + 1);
  auto ix = Index::Open((root_ / "search").string(), store_.get());
  ASSERT_TRUE(ix.ok());
  index_ = std::move(*ix);
  ASSERT_TRUE(index_->CatchUp().ok());
  auto r = index_->Search("钱伟");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(Refs(*r).count("ID:" + Id(43)));
}

TEST_F(World, ProfileLinksCarryTheirEvidence) {
  json p = Profile(*store_, IdOf("ID:" + zhang_));
  EXPECT_EQ(p["entity"]["names"], json::array({"张伟"}));
  std::map<std::string, json> by_ref;
  for (const auto& i : p["identifiers"]) by_ref[i["ref"]] = i;
  ASSERT_TRUE(by_ref.count("PHONE:13800138000"));
  const json& phone = by_ref["PHONE:13800138000"];
  EXPECT_EQ(phone["sources"]["hotel"], 1);
  EXPECT_EQ(phone["sources"]["residents"], 1);
  std::set<std::string> ev_sources;
  for (const auto& e : phone["evidence"]) ev_sources.insert(e["source"]);
  EXPECT_EQ(ev_sources, (std::set<std::string>{"hotel", "residents"}));
  for (const auto& e : phone["evidence"])
    if (e["source"] == "hotel") {
      EXPECT_EQ(e["place"], "HT00001");
      EXPECT_EQ(e["record"]["room"], "1203");
    }
  ASSERT_TRUE(by_ref.count("PLATE:琼A12345"));
  EXPECT_EQ(by_ref["PLATE:琼A12345"]["evidence"][0]["record"]["brand"], "比亚迪");
  EXPECT_EQ(p["latest"].size(), 2u);
  EXPECT_EQ(p["latest"][0]["source"], "travel");  // newest first
  EXPECT_EQ(p["places"].size(), 2u);
}

TEST_F(World, GraphEdgesWithKindAndEvidence) {
  GraphOptions o;
  o.depth = 1;
  Graph g = BuildGraph(*store_, index_.get(), IdOf("ID:" + zhang_), o);
  std::map<std::pair<std::string, std::string>, Edge> edges;
  for (const Edge& e : g.edges) edges[{store_->RefString(e.b), e.kind}] = e;
  ASSERT_TRUE(edges.count({"ID:" + li_, "co_lodging"}));
  EXPECT_EQ((edges[{"ID:" + li_, "co_lodging"}].evidence[0].detail), "room 1203");
  ASSERT_TRUE(edges.count({"ID:" + li_, "same_trip"}));
  EXPECT_FALSE(edges.count({"ID:" + wang_, "same_trip"}));  // seat 30C is not adjacent
  ASSERT_TRUE(edges.count({"ID:" + wang_, "shared_phone"}));
  ASSERT_TRUE(edges.count({"ID:" + zhao_, "shared_address"}));
  ASSERT_TRUE(edges.count({"PLATE:琼A12345", "owns_vehicle"}));
  EXPECT_FALSE(edges.count({"ID:" + wang_, "co_lodging"}));  // another room, another night
  Graph g2 = BuildGraph(*store_, index_.get(), IdOf("ID:" + zhang_), {.depth = 2});
  EXPECT_GE(g2.nodes.size(), g.nodes.size());
  // A store from before the stay index reads the hotel's day instead: the same 同住 edges.
  GraphOptions scan = o;
  scan.use_stay_index = false;
  std::set<std::pair<std::string, int64_t>> by_index, by_scan;
  for (const Edge& e : EdgesOf(*store_, nullptr, IdOf("ID:" + zhang_), o))
    if (e.kind == "co_lodging") by_index.insert({store_->RefString(e.b), e.weight});
  for (const Edge& e : EdgesOf(*store_, nullptr, IdOf("ID:" + zhang_), scan))
    if (e.kind == "co_lodging") by_scan.insert({store_->RefString(e.b), e.weight});
  EXPECT_EQ(by_index, (std::set<std::pair<std::string, int64_t>>{{"ID:" + li_, 1}}));
  EXPECT_EQ(by_scan, by_index);
}

// A phone given by 300 people: every node shows its top N edges and counts the rest.
TEST(GraphLimits, HubExpandsGracefully) {
  fs::path root = TempDir("hub");
  auto s = events::Store::Open((root / "events").string());
  ASSERT_TRUE(s.ok());
  Load(**s, events::Source::kPlaces, kPlaces);
  std::string csv = "id_type,id_number,name,nationality,phone,hotel_code,room,checkin_at,checkout_at\n";
  for (int i = 0; i < 300; ++i)
    csv += "ID," + Id(i, 1970 + i % 30) + ",用户" + std::to_string(i) + ",CHN,13512345678,HT00001," +
           std::to_string(100 + i) + ",2025-03-01T20:00:00,\n";
  Load(**s, events::Source::kHotel, csv);
  auto phone = (*s)->FindEntity({identity::Kind::kPhone, "13512345678"});
  ASSERT_TRUE(phone);
  GraphOptions o;
  o.depth = 2;
  o.per_node = 15;
  auto t0 = std::chrono::steady_clock::now();
  Graph g = BuildGraph(**s, nullptr, *phone, o);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(g.nodes.empty());
  EXPECT_EQ(g.nodes[0].more, 300 - 15);
  for (const Node& n : g.nodes) {
    size_t out = 0;
    for (const Edge& e : g.edges) out += e.a == n.id;
    EXPECT_LE(out, o.per_node);
    if (n.expanded && n.depth == 1) {
      EXPECT_GT(n.more, 0);  // 299 others share the phone
    }
  }
  EXPECT_LE(g.nodes.size(), 1 + 15 + 15 * 15u);
  std::printf("hub graph depth 2: %zu nodes, %zu edges in %.1f ms\n", g.nodes.size(), g.edges.size(), ms);
  s->reset();
  fs::remove_all(root);
}

// The index catches up after being killed mid-way: every entity has exactly one document.
TEST(SearchCrash, CatchUpAfterKillNineLosesAndDoublesNothing) {
  fs::path root = TempDir("crash");
  const std::string events_dir = (root / "events").string(), search_dir = (root / "search").string();
  auto add_people = [&](int from, int to) {
    auto s = events::Store::Open(events_dir);
    ASSERT_TRUE(s.ok());
    if ((*s)->Places().empty()) Load(**s, events::Source::kPlaces, kPlaces);
    for (int b = from; b < to; b += 500) {
      std::string csv = "id_type,id_number,name,nationality,phone,hotel_code,room,checkin_at,checkout_at\n";
      for (int i = b; i < std::min(to, b + 500); ++i)
        csv += "ID," + Id(i % 1000, 1940 + i / 1000) + ",住客" + std::to_string(i) + ",CHN,1380000" +
               std::to_string(1000 + i % 9000) + ",HT00001,101,2025-03-01T20:00:00,\n";
      Load(**s, events::Source::kHotel, csv);
    }
  };
  auto verify = [&](const std::string& when) {
    auto s = events::Store::Open(events_dir, {.read_only = true});
    ASSERT_TRUE(s.ok());
    // The killed writer's lock goes with it (Xapian may release it a moment later).
    auto ix = Index::Open(search_dir, s->get());
    for (int i = 0; i < 500 && !ix.ok(); ++i) {  // up to 10 s on a loaded machine
      usleep(20000);
      ix = Index::Open(search_dir, s->get());
    }
    ASSERT_TRUE(ix.ok()) << ix.status().ToString();
    ASSERT_TRUE((*ix)->CatchUp().ok());
    int64_t entities = (*s)->EntityCount();
    EXPECT_EQ((*ix)->doc_count(), entities + static_cast<int64_t>((*s)->Places().size())) << when;
    for (events::EntityId e = 1; e <= entities; ++e) ASSERT_EQ((*ix)->DocsForEntity(e), 1) << when << " entity " << e;
    EXPECT_EQ((*ix)->committed_seq(), (*s)->JournalHead()) << when;
  };
  auto child_index = [&](int delay_ms) -> bool {
    pid_t pid = fork();
    if (pid == 0) {
      auto s = events::Store::Open(events_dir, {.read_only = true});
      if (!s.ok()) _exit(2);
      auto ix = Index::Open(search_dir, s->get());
      if (!ix.ok()) _exit(3);
      (*ix)->set_commit_every(200);
      (void)(*ix)->CatchUp();
      _exit(0);
    }
    usleep(static_cast<useconds_t>(delay_ms) * 1000);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status);
  };
  add_people(0, 6000);
  // Killed during the first (resumable) build.
  bool killed = child_index(150);
  std::printf("first build killed: %s\n", killed ? "yes" : "no (finished first)");
  verify("after a killed build");
  // New batches, then killed while replaying the journal.
  add_people(6000, 12000);
  killed = child_index(150);
  std::printf("journal replay killed: %s\n", killed ? "yes" : "no (finished first)");
  verify("after a killed replay");
  fs::remove_all(root);
}

}  // namespace
}  // namespace jingwu::search
