// Identity resolution: records without a valid ID number matched to people
// (strong matches merged, weaker ones shown as candidates), merges undone
// with both ids kept, undone pairs never merged again automatically; and
// precision/recall against the records `jingwu gen` plants.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "analysis/analysis.h"
#include "fusion/ingest.h"
#include "gen/city_gen.h"
#include "search/graph.h"
#include "search/index.h"
#include "search/resolve.h"

namespace jingwu::search {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Id(int seq, int year = 1985) { return *identity::MakeIdNumber("460106", year, 3, 12, seq); }
const Timestamp kNow = Timestamp::FromSeconds(1'780'000'000);

fs::path TempDir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("jingwu-resolve-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  return p;
}

const char* kHotelHeader =
    "id_type,id_number,name,nationality,phone,hotel_code,room,checkin_at,checkout_at,birth_date\n";

// 张伟 (resident, phone 13800138000) shares his phone with his wife 王芳; two
// people named 李娜 born the same day share 13700137000. Records without an
// ID number: R1 agrees with 张伟 on everything, R2 has another name
// character, R3 a new phone, R4 is nobody, R5 could be either 李娜.
class Resolve : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = TempDir("world");
    Open();
    Load(events::Source::kPlaces,
         "code,kind,name,district_code,lat,lon\n"
         "HT00001,hotel,椰城大酒店,460106,20.03,110.33\n"
         "HT00002,hotel,滨海宾馆,460106,20.04,110.34\n");
    zhang_ = Id(11);
    wang_ = Id(22, 1986);
    lina1_ = Id(42, 1990);
    lina2_ = Id(44, 1990);
    Load(events::Source::kResidents,
         "id_type,id_number,name,gender,birth_date,phone,address_code,address,moved_in_at\n"
         "ID," + zhang_ + ",张伟,M,1985-03-12,13800138000,460106001,龙华区滨海大道88号,2020-01-01\n"
         "ID," + wang_ + ",王芳,F,1986-03-12,13800138000,460106001,龙华区滨海大道88号,2020-01-01\n"
         "ID," + lina1_ + ",李娜,F,1990-03-12,13700137000,460106002,龙华区金贸路1号,2020-01-01\n"
         "ID," + lina2_ + ",李娜,F,1990-03-12,13700137000,460106002,龙华区金贸路1号,2020-01-01\n");
    Load(events::Source::kHotel,
         std::string(kHotelHeader) +
             "ID," + zhang_ + ",张伟,CHN,13800138000,HT00001,1203,2025-03-01T20:00:00,2025-03-02T12:00:00,\n");
    auto r = fusion::IngestBody(
        *store_, events::Source::kHotel,
        std::string(kHotelHeader) +
            "ID,,张伟,CHN,13800138000,HT00002,0501,2025-05-01T20:00:00,2025-05-02T12:00:00,1985-03-12\n"
            "ID,46010619850312001,张伟,CHN,13800138000,HT00001,0502,2025-06-01T20:00:00,2025-06-02T12:00:00,"
            "1985/03/12\n"
            "ID,,张卫,CHN,13800138000,HT00001,0601,2025-05-03T20:00:00,2025-05-04T12:00:00,1985-03-12\n"
            "ID,,张伟,CHN,13999999999,HT00001,0602,2025-05-04T20:00:00,2025-05-05T12:00:00,19850312\n"
            "ID,,陈明,CHN,13666666666,HT00002,0701,2025-05-05T20:00:00,2025-05-06T12:00:00,1990-01-01\n"
            "ID,,李娜,CHN,13700137000,HT00002,0702,2025-05-06T20:00:00,2025-05-07T12:00:00,1990-03-12\n"
            "ID,46010619850312999,赵强,CHN,13500135000,HT00001,0801,2025-05-07T20:00:00,2025-05-08T12:00:00,\n"
            "ID,,钱七,CHN,13500135001,HT00001,0802,2025-05-08T20:00:00,2025-05-09T12:00:00,1985-02-30\n"
            "PASSPORT,,Ivan Petrov,RUS,13500135002,HT00001,0803,2025-05-08T20:00:00,2025-05-09T12:00:00,1985-02-01\n",
        fusion::Format::kCsv, {.check_existing = true});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    report_ = *r;
    OpenIndex();
  }
  void TearDown() override {
    index_.reset();
    store_.reset();
    fs::remove_all(root_);
  }
  void Open() {
    auto s = events::Store::Open((root_ / "events").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void OpenIndex() {
    auto ix = Index::Open((root_ / "search").string(), store_.get());
    ASSERT_TRUE(ix.ok()) << ix.status().ToString();
    index_ = std::move(*ix);
    ASSERT_TRUE(index_->CatchUp().ok());
  }
  void Load(events::Source src, const std::string& csv) {
    auto r = fusion::IngestBody(*store_, src, csv, fusion::Format::kCsv);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->rejected, 0) << csv;
  }
  events::EntityId IdOf(const std::string& ref) {
    auto r = identity::ParseEntityRef(ref);
    EXPECT_TRUE(r.ok()) << ref << " " << r.status().ToString();
    if (!r.ok()) return 0;
    auto id = store_->FindEntity(*r);
    EXPECT_TRUE(id.has_value()) << ref;
    return id.value_or(0);
  }
  static std::set<std::string> Refs(const std::vector<Candidate>& v) {
    std::set<std::string> out;
    for (const auto& c : v) out.insert(c.ref);
    return out;
  }
  static const Match& Field(const Candidate& c, const std::string& f) {
    for (const auto& m : c.evidence)
      if (m.field == f) return m;
    static Match none;
    ADD_FAILURE() << "no " << f;
    return none;
  }

  fs::path root_;
  std::unique_ptr<events::Store> store_;
  std::unique_ptr<Index> index_;
  fusion::IngestReport report_;
  std::string zhang_, wang_, lina1_, lina2_;
  const std::string r1_ = "PERSON:张伟/19850312/13800138000", r2_ = "PERSON:张卫/19850312/13800138000",
                    r3_ = "PERSON:张伟/19850312/13999999999", r4_ = "PERSON:陈明/19900101/13666666666",
                    r5_ = "PERSON:李娜/19900312/13700137000";
};

TEST_F(Resolve, RowsWithoutIdNumberAreKeptByNameBirthDateAndPhone) {
  // Two rows of R1 (one with no number, one with a short number), R2-R5; the
  // rest lack a birth date, have an impossible one, or are passports.
  EXPECT_EQ(report_.accepted, 6);
  EXPECT_EQ(report_.unresolved, 6);
  EXPECT_EQ(report_.rejected, 3);
  EXPECT_EQ(report_.rejects_by_reason["invalid_id_number"], 1);
  EXPECT_EQ(report_.rejects_by_reason["missing_field"], 2);  // empty number: no birth date / passport
  EXPECT_EQ(store_->EntityEventCount(IdOf(r1_)), 2);
  for (const auto& r : {r2_, r3_, r4_, r5_}) EXPECT_EQ(store_->EntityEventCount(IdOf(r)), 1) << r;
  EXPECT_EQ(store_->EntitiesOfKind(identity::Kind::kPerson).size(), 5u);
  // PERSON references parse and normalise like the others.
  auto ref = identity::ParseEntityRef("person:张伟/1985-03-12/+86 138 0013 8000");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->ToString(), r1_);
  EXPECT_EQ(identity::ParseEntityRef("PERSON:张伟/19850230/13800138000").status().code(), "invalid_birth_date");
  EXPECT_EQ(identity::ParseEntityRef("PERSON:/19850312/13800138000").status().code(), "invalid_person");
  EXPECT_EQ(identity::ParseEntityRef("PERSON:张伟").status().code(), "invalid_person");
  EXPECT_EQ(identity::ParseEntityRef("PERSON:张伟/19850312/12345").status().code(), "invalid_phone");
  EXPECT_FALSE(identity::DetectKind("张伟/19850312/13800138000", nullptr));
}

TEST_F(Resolve, StrongMatchesMergeWeakOnesAreCandidates) {
  events::EntityId zhang = IdOf("ID:" + zhang_);
  auto r = ResolvePending(*store_, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records, 5);
  EXPECT_EQ(r->merged, 1);
  EXPECT_EQ(r->ambiguous, 1);  // R5: two 李娜 born the same day with one phone
  auto m = store_->MergeOf(IdOf(r1_));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->survivor, zhang);  // not his wife, who shares the phone
  for (const auto& ref : {r2_, r3_, r4_, r5_}) EXPECT_FALSE(store_->MergeOf(IdOf(ref))) << ref;
  auto again = ResolvePending(*store_, kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->merged, 0);
  EXPECT_EQ(again->already_merged, 1);

  // R2: phone and birth date agree, the name does not.
  auto c2 = CandidatesFor(*store_, index_.get(), IdOf(r2_));
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(c2[0].ref, "ID:" + zhang_);
  EXPECT_EQ(c2[0].score, 2);
  EXPECT_FALSE(c2[0].strong);
  EXPECT_FALSE(Field(c2[0], "name").match);
  EXPECT_EQ(Field(c2[0], "name").person, "张伟");
  EXPECT_TRUE(Field(c2[0], "phone").match);
  EXPECT_NE(Field(c2[0], "phone").source.find("residents"), std::string::npos);
  EXPECT_TRUE(Field(c2[0], "birth_date").match);
  EXPECT_EQ(Field(c2[0], "birth_date").source, "id_number");
  // R3: a new phone; found through the name, so only with the index.
  EXPECT_TRUE(CandidatesFor(*store_, nullptr, IdOf(r3_)).empty());
  auto c3 = CandidatesFor(*store_, index_.get(), IdOf(r3_));
  ASSERT_EQ(c3.size(), 1u);
  EXPECT_EQ(c3[0].ref, "ID:" + zhang_);
  EXPECT_FALSE(Field(c3[0], "phone").match);
  // R4: nobody. R5: both 李娜, both strong.
  EXPECT_TRUE(CandidatesFor(*store_, index_.get(), IdOf(r4_)).empty());
  auto c5 = CandidatesFor(*store_, index_.get(), IdOf(r5_));
  EXPECT_EQ(Refs(c5), (std::set<std::string>{"ID:" + lina1_, "ID:" + lina2_}));
  for (const auto& c : c5) EXPECT_TRUE(c.strong);
  // From the person's side: the unmerged records that may be him.
  EXPECT_EQ(Refs(RecordsFor(*store_, index_.get(), zhang)), (std::set<std::string>{r2_, r3_}));
}

TEST_F(Resolve, ProfilesAndTrajectoriesIncludeMergedRecords) {
  ASSERT_TRUE(ResolvePending(*store_, kNow).ok());
  events::EntityId zhang = IdOf("ID:" + zhang_);
  json p = Profile(*store_, zhang, 30, index_.get());
  EXPECT_EQ(p["resolution"]["status"], "person");
  ASSERT_EQ(p["resolution"]["members"].size(), 1u);
  const json& member = p["resolution"]["members"][0];
  EXPECT_EQ(member["ref"], r1_);
  EXPECT_EQ(member["by"], "auto");
  EXPECT_EQ(member["events"], 2);
  EXPECT_EQ(member["evidence"].size(), 3u);
  EXPECT_EQ(p["resolution"]["candidates"].size(), 2u);
  EXPECT_EQ(p["events_total"], 3);  // his own check-in and R1's two
  int via = 0;
  for (const auto& e : p["latest"]) via += e.value("via", "") == r1_;
  EXPECT_EQ(via, 2);
  EXPECT_EQ(p["entity"]["sources_with_merged"]["hotel"], 3);

  json rp = Profile(*store_, IdOf(r1_), 30, index_.get());
  EXPECT_EQ(rp["entity"]["kind"], "PERSON");
  EXPECT_EQ(rp["resolution"]["status"], "merged");
  EXPECT_EQ(rp["resolution"]["merged_into"]["ref"], "ID:" + zhang_);
  EXPECT_EQ(rp["resolution"]["merged_into"]["actor"], "auto");
  json rp2 = Profile(*store_, IdOf(r2_), 30, index_.get());
  EXPECT_EQ(rp2["resolution"]["status"], "unresolved");
  ASSERT_EQ(rp2["resolution"]["candidates"].size(), 1u);
  EXPECT_EQ(rp2["resolution"]["candidates"][0]["score"], 2);

  // In the graph the record is a merged_record of 张伟, not somebody sharing his phone (his wife is).
  GraphOptions go;
  go.cotravel = false;
  std::map<std::pair<std::string, std::string>, int64_t> kinds;  // (kind, other) -> weight
  for (const auto& e : EdgesOf(*store_, index_.get(), zhang, go)) kinds[{e.kind, store_->RefString(e.b)}] = e.weight;
  EXPECT_EQ((kinds[{"merged_record", r1_}]), 2);
  EXPECT_FALSE(kinds.contains({"shared_phone", r1_}));
  EXPECT_TRUE(kinds.contains({"shared_phone", "ID:" + wang_}));
  EXPECT_TRUE(kinds.contains({"shared_phone", r2_}));  // R2 is not merged: it shares the phone

  auto t = analysis::RunTrajectory(*store_, *identity::ParseEntityRef("ID:" + zhang_), {});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->events.size(), 3u);
  json tj = analysis::ToJson(*store_, *t, true);
  EXPECT_EQ(tj["events"][0].contains("via"), false);  // 2025-03-01: his own
  EXPECT_EQ(tj["events"][1]["via"], r1_);              // 2025-05-01
  EXPECT_EQ(tj["events"][1]["record"]["room"], "0501");
}

TEST_F(Resolve, MergeAndUndoKeepTheStableIds) {
  ASSERT_TRUE(ResolvePending(*store_, kNow).ok());
  events::EntityId zhang = IdOf("ID:" + zhang_), r1 = IdOf(r1_), r2 = IdOf(r2_);
  // A user merges the candidate R2.
  ASSERT_TRUE(MergeRecord(*store_, r2, zhang, "analyst1", "同一人：酒店登记笔误", kNow).ok());
  EXPECT_EQ(store_->MembersOf(zhang).size(), 2u);
  EXPECT_EQ(store_->MergeOf(r2)->survivor, zhang);
  json d = json::parse(store_->MergeOf(r2)->detail);
  EXPECT_EQ(d["by"], "user");
  EXPECT_EQ(d["actor"], "analyst1");
  EXPECT_EQ(d["score"], 2);
  // Undo the automatic one: R1 is on its own again, the pair is kept apart.
  ASSERT_TRUE(UnmergeRecord(*store_, r1, "analyst1", "不是同一人", kNow).ok());
  EXPECT_FALSE(store_->MergeOf(r1));
  EXPECT_TRUE(store_->KeptApart(r1, zhang).has_value());
  auto again = ResolvePending(*store_, kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->merged, 0);
  EXPECT_EQ(again->kept_apart, 1);
  EXPECT_FALSE(store_->MergeOf(r1));
  auto c1 = CandidatesFor(*store_, index_.get(), r1);
  ASSERT_EQ(c1.size(), 1u);
  EXPECT_TRUE(c1[0].strong);
  EXPECT_TRUE(c1[0].kept_apart);
  // Ids never change: the same references give the same ids, before and after.
  EXPECT_EQ(IdOf("ID:" + zhang_), zhang);
  EXPECT_EQ(IdOf(r1_), r1);
  EXPECT_EQ(store_->RefString(r1), r1_);
  EXPECT_EQ(store_->EntityEventCount(r1), 2);
  // History, oldest first, on both sides.
  auto h = store_->MergeHistory(r1);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(json::parse(h[0])["action"], "merge");
  EXPECT_EQ(json::parse(h[1])["action"], "unmerge");
  EXPECT_EQ(store_->MergeHistory(zhang).size(), 3u);
  // Everything survives a reopen.
  index_.reset();
  store_.reset();
  Open();
  EXPECT_EQ(store_->MergeOf(r2)->survivor, zhang);
  EXPECT_FALSE(store_->MergeOf(r1));
  EXPECT_TRUE(store_->KeptApart(r1, zhang).has_value());
  EXPECT_EQ(store_->MergeHistory(zhang).size(), 3u);
  // A user may still merge a kept-apart pair by hand.
  EXPECT_TRUE(MergeRecord(*store_, r1, zhang, "analyst1", "核实为同一人", kNow).ok());
}

// The server resolves only what a batch touched (the index hands it over):
// a resident registered after their check-in without an ID number resolves it.
TEST_F(Resolve, ALateRegistrationResolvesAnEarlierRecord) {
  std::vector<events::EntityId> touched;
  index_->TakeTouched(&touched);  // what SetUp indexed
  auto none = ResolveTouched(*store_, kNow, {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->records, 0);
  Load(events::Source::kHotel, std::string(kHotelHeader) +
                                   "ID,,孙丽,CHN,13300133000,HT00001,0901,2025-08-01T20:00:00,,1992-03-12\n");
  ASSERT_TRUE(index_->CatchUp().ok());
  ASSERT_FALSE(index_->TakeTouched(&touched));
  auto first = ResolveTouched(*store_, kNow, touched);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->records, 1);  // the new record only, not the five of SetUp
  EXPECT_EQ(first->merged, 0);   // nobody to match yet
  const std::string sun = Id(51, 1992);
  Load(events::Source::kResidents,
       "id_type,id_number,name,gender,birth_date,phone,address_code,address,moved_in_at\n"
       "ID," + sun + ",孙丽,F,1992-03-12,13300133000,460106003,龙华区国贸路2号,2025-09-01\n");
  ASSERT_TRUE(index_->CatchUp().ok());
  ASSERT_FALSE(index_->TakeTouched(&touched));
  auto later = ResolveTouched(*store_, kNow, touched);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->merged, 1);
  auto m = store_->MergeOf(IdOf("PERSON:孙丽/19920312/13300133000"));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->survivor, IdOf("ID:" + sun));
}

TEST_F(Resolve, MergeErrors) {
  ASSERT_TRUE(ResolvePending(*store_, kNow).ok());
  events::EntityId zhang = IdOf("ID:" + zhang_), wang = IdOf("ID:" + wang_), r1 = IdOf(r1_), r2 = IdOf(r2_),
                   phone = IdOf("PHONE:13800138000");
  auto code = [](const Status& s) { return s.ok() ? std::string("ok") : s.code(); };
  EXPECT_EQ(code(MergeRecord(*store_, r1, wang, "u", "x", kNow)), "already_merged");
  EXPECT_EQ(code(MergeRecord(*store_, r2, zhang, "u", "  ", kNow)), "reason_required");
  EXPECT_EQ(code(MergeRecord(*store_, r2, phone, "u", "x", kNow)), "not_mergeable");
  EXPECT_EQ(code(MergeRecord(*store_, wang, zhang, "u", "x", kNow)), "not_mergeable");  // two ID holders
  EXPECT_EQ(code(MergeRecord(*store_, r2, IdOf(r3_), "u", "x", kNow)), "not_mergeable");  // into a record
  EXPECT_EQ(code(UnmergeRecord(*store_, r2, "u", "x", kNow)), "not_merged");
  EXPECT_EQ(code(UnmergeRecord(*store_, r1, "u", "", kNow)), "reason_required");
  // Nothing changed.
  EXPECT_EQ(store_->MembersOf(zhang).size(), 1u);
  EXPECT_TRUE(store_->MembersOf(wang).empty());
  EXPECT_EQ(store_->MergeHistory(zhang).size(), 1u);
}

// The records `jingwu gen` plants: every "merge" merged into its person and
// nothing else merged (precision and recall 1.0); every "candidate" left for a
// user with its person among the candidates; "none" left alone.
TEST(ResolveCity, PlantedRecordsAgainstTruth) {
  fs::path root = TempDir("city");
  gen::CityOptions o;
  o.out_dir = (root / "src").string();
  o.seed = 7;
  o.scale = "small";
  ASSERT_TRUE(gen::WriteCity(o).ok());
  json truth = json::parse(std::ifstream(root / "src" / "truth.json"));
  auto s = events::Store::Open((root / "events").string(), {.bulk = true});
  ASSERT_TRUE(s.ok());
  events::Store& store = **s;
  for (const char* f : {"places", "residents", "vehicles", "hotel", "dutyfree"}) {
    auto r = fusion::IngestFile(store, *events::SourceFromName(f), (root / "src" / (std::string(f) + ".csv")).string(),
                                {.rejects_path = "-"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  auto ix = Index::Open((root / "search").string(), &store);
  ASSERT_TRUE(ix.ok());
  ASSERT_TRUE((*ix)->CatchUp().ok());
  auto r = ResolvePending(store, kNow);
  ASSERT_TRUE(r.ok());
  int merges = 0, candidates = 0;
  for (const auto& rec : truth["noid_records"]) {
    std::string ref = rec["ref"], expect = rec["expect"];
    auto id = store.FindEntity(*identity::ParseEntityRef(ref));
    ASSERT_TRUE(id.has_value()) << ref;
    auto m = store.MergeOf(*id);
    if (expect == "merge") {
      ++merges;
      ASSERT_TRUE(m.has_value()) << ref;
      EXPECT_EQ(store.RefString(m->survivor), rec["person"].get<std::string>()) << ref;
      continue;
    }
    EXPECT_FALSE(m.has_value()) << ref;
    auto c = CandidatesFor(store, ix->get(), *id);
    if (expect == "none") {
      EXPECT_TRUE(c.empty()) << ref;
      continue;
    }
    ++candidates;
    bool found = false;
    for (const auto& x : c)
      if (x.ref == rec["person"]) {
        found = true;
        EXPECT_EQ(x.score, 2) << ref;
        for (const auto& f : x.evidence) EXPECT_EQ(f.match, f.field != rec["differs"]) << ref << " " << f.field;
      }
    EXPECT_TRUE(found) << ref;
  }
  EXPECT_EQ(r->merged, merges);  // precision: nothing but the planted merges
  EXPECT_EQ(merges, 3);
  EXPECT_EQ(candidates, 4);
  ix->reset();
  s->reset();
  fs::remove_all(root);
}

}  // namespace
}  // namespace jingwu::search
