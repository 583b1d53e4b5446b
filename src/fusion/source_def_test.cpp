// Source definitions: the built-ins, parsing errors, versions, and a source
// added as data that loads with rejects per reason and is seen like any other.
#include "fusion/source_def.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fusion/ingest.h"

namespace jingwu::fusion {
namespace {

namespace fs = std::filesystem;

std::string ReadRepoFile(const std::string& rel) {
  std::ifstream in(std::string(JINGWU_SOURCE_DIR) + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SourceDefs, BuiltinsKeepTheirIdsAndColumns) {
  const auto& defs = BuiltinDefs();
  ASSERT_EQ(defs.size(), 8u);
  using V = std::vector<std::string>;
  std::map<std::string, std::pair<int, V>> want = {
      {"hotel", {1, {"id_type", "id_number", "name", "hotel_code", "checkin_at"}}},
      {"vehicle_pass", {2, {"plate", "checkpoint_code", "passed_at"}}},
      {"travel", {3, {"id_type", "id_number", "station_code", "departs_at"}}},
      {"dutyfree", {4, {"id_type", "id_number", "store_code", "purchased_at"}}},
      {"netcafe", {5, {"id_number", "cafe_code", "login_at"}}},
      {"residents", {6, {"id_type", "id_number", "name"}}},
      {"vehicles", {7, {"plate", "owner_id_type", "owner_id_number"}}},
      {"places", {8, {"code", "kind", "name", "district_code", "lat", "lon"}}}};
  for (const auto& d : defs) {
    ASSERT_TRUE(want.count(d.name)) << d.name;
    EXPECT_EQ(d.id, want[d.name].first) << d.name;
    EXPECT_EQ(d.RequiredColumns(), want[d.name].second) << d.name;
    EXPECT_TRUE(d.builtin);
    EXPECT_EQ(events::SourceName(d.source()), d.name);
    EXPECT_FALSE(d.label.at("zh-CN").empty());
  }
}

TEST(SourceDefs, BadDefinitionsAreRefusedWithTheReason) {
  auto code = [](std::string_view text) {
    auto d = ParseSourceDef(text);
    return d.ok() ? std::string("ok") : d.status().code() + ": " + d.status().message();
  };
  EXPECT_EQ(code("{not json").substr(0, 12), "invalid_json");
  const std::string base = R"("name":"gate","label":{"zh-CN":"门","en":"Gate"},"place":{"column":"c"},"time":{"column":"t"})";
  EXPECT_EQ(code("{" + base + R"(,"subjects":[{"kind":"card","column":"p"}]})"), "ok");
  EXPECT_EQ(code("{" + base + "}"), "invalid_definition: a sightings source needs 1-4 subjects");
  EXPECT_EQ(code("{" + base + R"(,"subjects":[{"kind":"face","column":"p"}]})"),
            "invalid_definition: subjects[0]: kind must be person, plate, phone or card");
  EXPECT_EQ(code("{" + base + R"(,"subjects":[{"kind":"card","column":"p"}],"colour":1})"),
            "invalid_definition: unknown key 'colour'");
  EXPECT_EQ(code("{" + base + R"(,"subjects":[{"kind":"card","column":"p"}],"columns":[{"name":"d","type":"enum"}]})"),
            "invalid_definition: columns[0]: an enum column needs 'values'");
  EXPECT_EQ(code(R"({"name":"Gate!","label":{"zh-CN":"门","en":"Gate"}})"),
            "invalid_definition: name must be 2-32 characters of a-z, 0-9 and _, starting with a letter");
  EXPECT_EQ(code(R"({"name":"gate","label":{"en":"Gate"},"subjects":[{"kind":"card","column":"p"}]})"),
            "invalid_definition: label: 'zh-CN' is required");
  // The repository's community definitions are valid.
  for (const char* f : {"sources/access.json", "sources/barrier.json"})
    EXPECT_EQ(code(ReadRepoFile(f)), "ok") << f;
}

class DefinedSource : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("jingwu-srcdef-" + std::to_string(getpid()));
    fs::remove_all(root_);
    Reopen();
    auto places = IngestBody(*store_, events::Source::kPlaces,
                             "code,kind,name,district_code,lat,lon\n"
                             "SQ00001,community,海甸社区,460106,20.05,110.33\n"
                             "SQ00002,community,椰城社区,460108,19.98,110.65\n"
                             "HT00001,hotel,椰城酒店,460106,20.02,110.34\n",
                             Format::kCsv);
    ASSERT_TRUE(places.ok());
  }
  void TearDown() override {
    reg_.reset();
    store_.reset();
    fs::remove_all(root_);
  }
  void Reopen() {
    reg_.reset();
    store_.reset();
    auto s = events::Store::Open(root_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto r = SourceRegistry::Load(store_.get());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    reg_ = std::move(*r);
  }
  fs::path root_;
  std::unique_ptr<events::Store> store_;
  std::unique_ptr<SourceRegistry> reg_;
};

TEST_F(DefinedSource, AddedDefinitionLoadsRowsWithRejectsPerReason) {
  auto def = ParseSourceDef(ReadRepoFile("sources/access.json"));
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  auto added = reg_->Add(*def, "admin");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ((*added)->id, 9);
  EXPECT_EQ((*added)->version, 1);
  EXPECT_EQ(events::SourceName(events::Source{9}), "access");
  EXPECT_EQ((*added)->RequiredColumns(),
            (std::vector<std::string>{"pass_id", "gate", "direction", "result", "community_code", "passed_at"}));
  std::string csv =
      "community_code,gate,pass_id,pass_kind,holder_id_type,holder_id_number,holder_nationality,direction,passed_at,result\n"
      "SQ00001,东门,SQ00001-C0001,card,ID,110101199003074514,,in,2026-03-01T21:10:00,granted\n"   // person + card
      "SQ00001,东门,SQ00001-Q0002,qr,,,,in,2026-03-01T21:12:00,granted\n"                          // card only
      "SQ00001,东门,SQ00001-C0001,card,ID,110101199003074514,,in,2026-03-01T21:10:00,granted\n"   // the same again
      "SQ00001,东门,X,card,,,,in,2026-03-01T21:13:00,granted\n"                                    // card too short
      "HT00001,大堂,SQ00001-C0003,card,,,,in,2026-03-01T21:14:00,granted\n"                        // a hotel
      "SQ00009,东门,SQ00001-C0003,card,,,,in,2026-03-01T21:14:00,granted\n"                        // unknown place
      "SQ00001,东门,SQ00001-C0003,card,,,,sideways,2026-03-01T21:14:00,granted\n"                  // bad enum
      "SQ00001,,SQ00001-C0003,card,,,,in,2026-03-01T21:14:00,granted\n"                            // empty gate
      "SQ00001,东门,SQ00001-C0003,card,,,,in,2099-03-01T21:14:00,granted\n"                        // future
      "SQ00001,东门,SQ00001-C0003,card,ID,110101199003074515,,in,2026-03-01T21:14:00,granted\n";  // bad ID
  auto r = IngestBody(*store_, **added, csv, Format::kCsv, {.check_existing = true});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows, 10);
  EXPECT_EQ(r->accepted, 2);
  EXPECT_EQ(r->already, 1);  // the repeated row
  EXPECT_EQ(r->rejects_by_reason, (std::map<std::string, int64_t>{{"invalid_card", 1},
                                                                   {"unknown_place", 2},
                                                                   {"invalid_value", 1},
                                                                   {"missing_field", 1},
                                                                   {"invalid_time", 1},
                                                                   {"invalid_id_number", 1}}));
  EXPECT_EQ(store_->TotalEvents(), 3);  // the person and the card for row 1, the card for row 2
  // The holder's trajectory shows the gate; the card is linked to the holder.
  auto person = store_->FindEntity({identity::Kind::kId, "110101199003074514"});
  auto card = store_->FindEntity({identity::Kind::kCard, "SQ00001-C0001"});
  ASSERT_TRUE(person && card);
  std::vector<events::Event> seen;
  ASSERT_TRUE(store_->ScanEntity(*person, 0, 0xFFFFFFFFu, [&](const events::Event& e) {
    seen.push_back(e);
    return true;
  }).ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(events::SourceName(seen[0].source), "access");
  EXPECT_EQ(store_->PlaceById(seen[0].place)->code, "SQ00001");
  auto rows = store_->Records(seen);
  ASSERT_TRUE(rows[0].has_value());
  EXPECT_EQ(rows[0]->values[1], "东门");  // the whole row is kept as evidence
  bool linked = false;
  for (const auto& l : store_->LinksOf(*card)) linked |= l.other == *person && events::SourceName(l.source) == "access";
  EXPECT_TRUE(linked);
  // A missing required column stops before anything is written.
  auto bad = IngestBody(*store_, **added, "community_code,pass_id,passed_at\nSQ00001,SQ00001-C0009,2026-03-01T10:00:00\n",
                        Format::kCsv);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), "missing_columns");
  EXPECT_EQ(store_->TotalEvents(), 3);
}

TEST_F(DefinedSource, VersionsMayNotReinterpretStoredRows) {
  auto def = ParseSourceDef(ReadRepoFile("sources/barrier.json"));
  ASSERT_TRUE(def.ok());
  ASSERT_TRUE(reg_->Add(*def, "admin").ok());
  // The same text again changes nothing.
  auto same = reg_->Add(*def, "admin");
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.status().code(), "unchanged");
  // A built-in cannot be replaced.
  SourceDef hotel = *BuiltinDef(events::Source::kHotel);
  hotel.label["en"] = "Hotels";
  auto builtin = reg_->Add(hotel, "admin");
  ASSERT_FALSE(builtin.ok());
  EXPECT_EQ(builtin.status().code(), "builtin_source");
  // Before rows are stored, anything may change.
  SourceDef moved = *def;
  moved.time_column = "seen_at";
  auto v2 = reg_->Add(moved, "admin");
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ((*v2)->version, 2);
  auto r = IngestBody(*store_, **v2, "community_code,gate,plate,direction,seen_at\nSQ00002,北门,琼A12345,in,2026-03-01T08:00:00\n",
                      Format::kCsv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 1);
  // Now a new time column would change what the stored rows mean.
  auto v3 = reg_->Add(*def, "admin");
  ASSERT_FALSE(v3.ok());
  EXPECT_EQ(v3.status().code(), "definition_in_use");
  // Validation and labels may still change.
  SourceDef stricter = moved;
  stricter.label["en"] = "Barrier gates";
  stricter.columns[0].max_length = 8;
  auto v3b = reg_->Add(stricter, "admin");
  ASSERT_TRUE(v3b.ok()) << v3b.status().ToString();
  EXPECT_EQ((*v3b)->version, 3);
  // Everything survives a reopen: the id, the current version and the history.
  Reopen();
  const SourceDef* back = reg_->Find("barrier");
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->id, 9);
  EXPECT_EQ(back->version, 3);
  EXPECT_EQ(back->label.at("en"), "Barrier gates");
  EXPECT_EQ(reg_->History("barrier").size(), 3u);
  EXPECT_TRUE(reg_->InUse(*back));
  EXPECT_EQ(reg_->Find(events::Source{9}), back);
  EXPECT_EQ(reg_->All().size(), 9u);
}

}  // namespace
}  // namespace jingwu::fusion
