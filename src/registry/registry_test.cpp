#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/csv.h"
#include "gen/registry_gen.h"
#include "identity/identity.h"
#include "registry/address.h"
#include "registry/service.h"
#include "sql/backend_test.h"

namespace jingwu::registry {
namespace {

// ---- Credit codes (identity) ---------------------------------------------------

TEST(CreditCode, ValidCodesPassNormalised) {
  EXPECT_EQ(*identity::ParseCreditCode("91350100M000100Y43"), "91350100M000100Y43");
  EXPECT_EQ(*identity::ParseCreditCode(" 91110000600037341l "), "91110000600037341L");
  EXPECT_EQ(*identity::ParseCreditCode("９１３５０１００M000100Y43"), "91350100M000100Y43");
  EXPECT_EQ(identity::MakeCreditCode("91350100M000100Y"), "91350100M000100Y43");
}

TEST(CreditCode, WrongCodesFailWithTheirReason) {
  for (const char* bad : {"91350100M000100Y44",   // final check character
                          "91350100M000100Y53",   // organisation code check character
                          "91350100M000100Y4",    // 17 characters
                          "9135010OM000100Y43",   // O is not in the alphabet
                          "91A50100M000100Y43",   // division code with a letter
                          ""}) {
    auto r = identity::ParseCreditCode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), "invalid_credit_code") << bad;
  }
}

// ---- Codes and normalisation -----------------------------------------------

TEST(AddressCode, LevelsByLengthAndHaikouRoots) {
  EXPECT_EQ(*LevelOfCode("460106"), Level::kDistrict);
  EXPECT_EQ(*LevelOfCode("4601060010020003002011203"), Level::kRoom);
  EXPECT_FALSE(LevelOfCode("46010600"));
  EXPECT_FALSE(LevelOfCode("46010600100A"));
  EXPECT_TRUE(CheckCode("460108001").ok());
  EXPECT_EQ(CheckCode("110101001").code(), "invalid_address_code");
  EXPECT_EQ(ParentCode("4601060010020003002011203"), "46010600100200030020112");
  EXPECT_EQ(ParentCode("460106001"), "460106");
  EXPECT_EQ(ParentCode("460106"), "");
}

TEST(AddressText, NormalisesWidthTraditionalNumeralsAndPrefix) {
  EXPECT_EQ(NormalizeAddressText("海南省海口市 龙华区 ３棟２單元１２０３室"), "龙华区3栋2单元1203室");
  EXPECT_EQ(NormalizeAddressText("海口龙华区玉沙路5號国贸大厦b座"), "龙华区玉沙路5号国贸大厦B座");
  EXPECT_EQ(NormalizeAddressText("阳光花园第十二栋三单元"), "阳光花园12栋3单元");
  EXPECT_EQ(NormalizeAddressText("三亚路二十一号"), "三亚路二十一号");  // numerals without a marker stay
  EXPECT_EQ(NormalizeAddressText("海口湾广场"), "海口湾广场");          // 海口 only as the city prefix
}

// ---- Matching ----------------------------------------------------------------

class MatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto add = [&](std::string code, std::string name, std::string road = "", std::string key = "") {
      Node n;
      n.code = code;
      n.name = name;
      n.road = road;
      n.key = key;
      ASSERT_TRUE(ix_.Add(n).ok()) << code;
    };
    add("460106", "龙华区");
    add("460106003", "金贸街道");
    add("460106003001", "国贸社区");
    add("4601060030010001", "国贸大厦", "玉沙路5号");
    for (const char* b : {"A", "B"}) {
      std::string bc = std::string("4601060030010001") + (b[0] == 'A' ? "001" : "002");
      add(bc, std::string(b) + "座", "", b);
      add(bc + "01", "1单元", "", "1");
      add(bc + "0112", "12层", "", "12");
      add(bc + "011203", "1203室", "", "1203");
    }
    ASSERT_TRUE(ix_.AddAlias("4601060030010001", "国贸").ok());
    // The same compound name in two districts.
    add("460108", "美兰区");
    add("460108001", "海甸街道");
    add("460108001001", "海甸社区");
    add("4601080010010001", "阳光花园", "海甸二东路3号");
    add("4601080010010001001", "1栋", "", "1");
    for (const char* u : {"01", "02"}) {
      std::string uc = std::string("4601080010010001001") + u;
      add(uc, std::string(u + 1) + "单元", "", u + 1);
      add(uc + "01", "1层", "", "1");
      add(uc + "0101", "101室", "", "101");
    }
    add("460106003002", "滨海社区");
    add("4601060030020001", "阳光花园", "滨海大道8号");
    add("4601060030020001001", "1栋", "", "1");
    add("460106003002000100101", "1单元", "", "1");
    add("46010600300200010010101", "1层", "", "1");
    add("4601060030020001001010101", "101室", "", "101");
  }
  AddressIndex ix_;
};

TEST_F(MatchTest, FullAndColloquialTextsFindTheRoom) {
  const std::string room = "4601060030010001002011203";
  for (const char* text : {"海口市龙华区金贸街道玉沙路5号国贸大厦B座1203", "国贸B座1203", "国贸大厦B座12层03室",
                           "玉沙路5號 国贸大厦 b座 １２０３室", "国贸大厦B-1203"}) {
    MatchResult m = ix_.Match(text);
    EXPECT_TRUE(m.matched) << text;
    EXPECT_EQ(m.code, room) << text;
    EXPECT_EQ(m.level, Level::kRoom) << text;
    EXPECT_GE(m.score, AddressIndex::kThreshold) << text;
  }
  EXPECT_EQ(ix_.FullName(room), "海口市龙华区金贸街道国贸社区玉沙路5号国贸大厦B座1单元12层1203室");
}

TEST_F(MatchTest, AnAmbiguousNameGivesCandidatesNotAGuess) {
  MatchResult m = ix_.Match("阳光花园1栋1单元101");
  EXPECT_FALSE(m.matched);
  ASSERT_GE(m.candidates.size(), 2u);
  EXPECT_EQ(m.candidates[0].score, m.candidates[1].score);
  // The district settles it.
  MatchResult d = ix_.Match("美兰区阳光花园1栋1单元101");
  ASSERT_TRUE(d.matched);
  EXPECT_EQ(d.code, "4601080010010001001010101");
  // So does the road.
  MatchResult r = ix_.Match("滨海大道8号1栋101室");
  ASSERT_TRUE(r.matched);
  EXPECT_EQ(r.code, "4601060030020001001010101");
}

TEST_F(MatchTest, AMissingUnitWithTheSameRoomInTwoUnitsIsNotGuessed) {
  MatchResult m = ix_.Match("美兰区阳光花园1栋101");
  EXPECT_FALSE(m.matched);
  ASSERT_GE(m.candidates.size(), 2u);
  EXPECT_EQ(m.candidates[0].code, "4601080010010001001010101");
  EXPECT_EQ(m.candidates[1].code, "4601080010010001001020101");
  EXPECT_EQ(m.parsed.room, "101");
}

TEST_F(MatchTest, WhatDoesNotExistDoesNotMatch) {
  for (const char* text : {"国贸大厦Z座1203", "国贸大厦B座9901", "新城雅居3栋1203", "", "   "}) {
    MatchResult m = ix_.Match(text);
    EXPECT_FALSE(m.matched) << text;
  }
  EXPECT_TRUE(ix_.Match("新城雅居3栋1203").candidates.empty());
  // A compound alone is a match at the compound level.
  MatchResult c = ix_.Match("龙华区国贸大厦");
  ASSERT_TRUE(c.matched);
  EXPECT_EQ(c.level, Level::kCompound);
}

TEST_F(MatchTest, ADistrictThatContradictsLowersTheScore) {
  MatchResult m = ix_.Match("美兰区国贸大厦B座1203");
  EXPECT_FALSE(m.matched);
  ASSERT_FALSE(m.candidates.empty());
  EXPECT_LT(m.candidates[0].score, AddressIndex::kThreshold);
}

// ---- The generator's planted truth --------------------------------------------

class GeneratedCity : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("jw-registry-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream places(dir_ / "places.csv");
    places << "code,kind,name,district_code,lat,lon\n";
    const char* districts[] = {"460105", "460106", "460107", "460108"};
    const char* names[] = {"海甸", "滨海", "椰城", "长流", "府城", "白沙", "金贸", "海秀", "国兴", "蓝天", "新埠", "大同"};
    for (int i = 0; i < 12; ++i)
      places << "SQ" << 10001 + i << ",community," << names[i] << "社区," << districts[i % 4] << ",20.0" << i
             << ",110.3" << i << "\n";
    for (int i = 0; i < 6; ++i)
      places << "HT" << 10001 + i << ",hotel,测试酒店" << i << "," << districts[i % 4] << ",20.01,110.31\n";
    std::ofstream res(dir_ / "residents.csv");
    res << "id_type,id_number,name,gender,birth_date,phone,address_code,address,moved_in_at\n";
    for (int i = 0; i < 600; ++i) {
      auto id = identity::MakeIdNumber(i % 3 ? "460106" : "440104", 1980 + i % 20, 1 + i % 12, 1 + i % 28, i % 999);
      res << "ID," << *id << ",测试" << i << ",M,1980-01-01,13800000000,SQ" << 10001 + i % 12 << ",x,2015-0"
          << 1 + i % 9 << "-01T10:00:00\n";
    }
    res << "PASSPORT,KOR/M12345678,KIM MINJUN,M,1990-01-01,13800000001,SQ10001,x,2021-05-01T10:00:00\n";
    res.close();
    places.close();
    ASSERT_TRUE(gen::WriteRegistry(dir_.string(), 7).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::vector<std::string>> Rows(const char* file) {
    std::ifstream in(dir_ / file);
    CsvReader r(&in);
    std::vector<std::vector<std::string>> out;
    std::vector<std::string> f;
    bool header = true;
    while (r.Next(&f)) {
      if (!header) out.push_back(f);
      header = false;
    }
    return out;
  }
  std::filesystem::path dir_;
};

TEST_F(GeneratedCity, MatchingMeetsPrecisionAndRecallOnThePlantedTexts) {
  AddressIndex ix;
  for (const auto& r : Rows("addresses.csv")) {
    Node n;
    n.code = r[0];
    n.name = r[2];
    n.road = r[3];
    n.key = r[4];
    ASSERT_TRUE(ix.Add(n).ok()) << r[0];
  }
  for (const auto& r : Rows("address_aliases.csv")) ASSERT_TRUE(ix.AddAlias(r[0], r[1]).ok());
  int64_t positives = 0, matched = 0, correct = 0, negatives = 0, negatives_unmatched = 0;
  for (const auto& s : Rows("address_samples.csv")) {
    MatchResult m = ix.Match(s[0]);
    if (s[1].empty()) {
      ++negatives;
      negatives_unmatched += !m.matched;
    } else {
      ++positives;
      correct += m.matched && m.code == s[1];
    }
    matched += m.matched;
  }
  ASSERT_GT(positives, 150);
  ASSERT_GT(negatives, 15);
  double precision = static_cast<double>(correct) / static_cast<double>(matched);
  double recall = static_cast<double>(correct) / static_cast<double>(positives);
  EXPECT_GE(precision, 0.99);
  EXPECT_GE(recall, 0.95);
  EXPECT_EQ(negatives_unmatched, negatives);
}

TEST_F(GeneratedCity, EveryOrganisationHasAValidCreditCodeAndEveryHotelIsOne) {
  auto orgs = Rows("organisations.csv");
  int hotels = 0;
  for (const auto& o : orgs) {
    EXPECT_TRUE(identity::ParseCreditCode(o[0]).ok()) << o[0];
    hotels += o[6].starts_with("HT");
  }
  EXPECT_EQ(hotels, 6);
  EXPECT_EQ(Rows("population.csv").size() >= 601u, true);
}

// ---- The service on both databases -------------------------------------------

const auth::Actor kOfficer{"chen.li", "service_clerk", "10.0.0.2"};

class RegistryTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Migrate(audit::Migrations()).ok());
    ASSERT_TRUE(db_->Migrate(Migrations()).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    svc_ = std::make_unique<Service>(db_, log_.get(), &clock_);
    ASSERT_TRUE(svc_->Load().ok());
    dir_ = std::filesystem::temp_directory_path() / ("jw-reg-svc-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream a(dir_ / "addresses.csv");
    a << "code,level,name,road,key,lat,lon,status\n"
         "460106,district,龙华区,,,,,active\n"
         "460106003,street,金贸街道,,,,,active\n"
         "460106003001,community,国贸社区,,,,,active\n"
         "4601060030010001,compound,国贸大厦,玉沙路5号,,,,active\n"
         "4601060030010001002,building,B座,,B,20.02,110.32,active\n"
         "460106003001000100201,unit,1单元,,1,,,active\n"
         "46010600300100010020112,floor,12层,,12,,,active\n"
         "4601060030010001002011203,room,1203室,,1203,,,active\n"
         "4601060030010001002011204,room,1204室,,1204,,,active\n"
         "4601060030010009002011204,room,1204室,,1204,,,active\n"  // no parent
         "46010600300100010020112999,room,x,,,,,active\n"           // 26 digits
         "110101001,street,东华门街道,,,,,active\n"                  // not Haikou
         "460106003002,street,滨海社区,,,,,active\n"                 // level mismatch
         "4601060030010001003,building,C座,,C,95,110,active\n";     // bad coordinates
    std::ofstream al(dir_ / "address_aliases.csv");
    al << "code,alias\n4601060030010001,国贸\n4601060030010001002011203,room alias\n";
    std::ofstream o(dir_ / "organisations.csv");
    o << "credit_code,name,type,legal_rep,address_code,key_units,place_code,employees\n"
      << identity::MakeCreditCode("914601063A6B7C8D") << ",国贸大酒店,住宿业,王伟,4601060030010001002,hotel,HT00001,80\n"
      << "91350100M000100Y44,坏代码公司,企业,李四,4601060030010001002,,,3\n"
      << identity::MakeCreditCode("914601069K8L7M6N") << ",无地址公司,企业,李四,4601069999999999,,,3\n";
    std::ofstream p(dir_ / "population.csv");
    p << "person,name,category,relation,source,address_code,moved_in_at,moved_out_at\n"
         "ID:460106199001011239,王芳,registered,本人,residents_registry,4601060030010001002011203,2019-05-01T10:00:00,\n"
         "ID:460106199001011239,王芳,registered,本人,residents_registry,4601060030010001002011204,2015-05-01T10:00:00,2019-05-01T10:00:00\n"
         "ID:460106199001011238,错号,registered,本人,residents_registry,4601060030010001002011203,2019-05-01T10:00:00,\n"
         "ID:460106199001011239,王芳,registered,本人,residents_registry,4601060030010001002011204,2019-05-01T10:00:00,2018-01-01T00:00:00\n"
         "ID:460106199001011239,王芳,unknown,本人,residents_registry,4601060030010001002011203,2019-05-01T10:00:00,\n"
         "ID:460106199001011239,王芳,registered,本人,residents_registry,4601060030010001002,2019-05-01T10:00:00,\n";
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  const ImportFile* File(const std::vector<ImportFile>& r, const char* name) {
    for (const auto& f : r)
      if (f.name == name) return &f;
    return nullptr;
  }

  ManualClock clock_{*ParseTime("2025-06-01T09:00:00")};
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<Service> svc_;
  std::filesystem::path dir_;
};

TEST_P(RegistryTest, ImportCountsAcceptedAndRejectedPerReasonAndIsIdempotent) {
  auto r = svc_->Import(kOfficer, dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ImportFile* a = File(*r, "addresses.csv");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->rows, 14);
  EXPECT_EQ(a->accepted, 9);
  EXPECT_EQ(a->rejected.at("unknown_parent"), 1);
  EXPECT_EQ(a->rejected.at("invalid_address_code"), 2);
  EXPECT_EQ(a->rejected.at("level_mismatch"), 1);
  EXPECT_EQ(a->rejected.at("invalid_coordinates"), 1);
  EXPECT_EQ(File(*r, "address_aliases.csv")->accepted, 1);
  EXPECT_EQ(File(*r, "address_aliases.csv")->rejected.at("unknown_address"), 1);
  const ImportFile* o = File(*r, "organisations.csv");
  EXPECT_EQ(o->accepted, 1);
  EXPECT_EQ(o->rejected.at("invalid_credit_code"), 1);
  EXPECT_EQ(o->rejected.at("unknown_address"), 1);
  const ImportFile* p = File(*r, "population.csv");
  EXPECT_EQ(p->accepted, 2);
  EXPECT_EQ(p->rejected.at("invalid_reference"), 1);
  EXPECT_EQ(p->rejected.at("move_out_before_move_in"), 1);
  EXPECT_EQ(p->rejected.at("unknown_category"), 1);
  EXPECT_EQ(p->rejected.at("unknown_address"), 1);
  EXPECT_EQ(svc_->index()->size(), 9u);
  EXPECT_TRUE(svc_->index()->Match("国贸B座1203").matched);

  auto again = svc_->Import(kOfficer, dir_.string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(File(*again, "addresses.csv")->accepted, 0);
  EXPECT_EQ(File(*again, "addresses.csv")->already, 9);
  EXPECT_EQ(File(*again, "population.csv")->already, 2);
  EXPECT_EQ(File(*again, "organisations.csv")->already, 1);
  auto residents = svc_->Residents("4601060030010001", true);
  ASSERT_TRUE(residents.ok());
  EXPECT_EQ(residents->size(), 2u);
  EXPECT_EQ(svc_->Residents("4601060030010001", false)->size(), 1u);
}

TEST_P(RegistryTest, MovesAreCheckedAndNothingIsHalfWritten) {
  ASSERT_TRUE(svc_->Import(kOfficer, dir_.string()).ok());
  Resident r{0, "ID:460106199001011239", "王芳", "registered", "本人", "", "4601060030010001002011203",
             "2020-01-01T10:00:00", std::nullopt};
  EXPECT_EQ(svc_->MoveIn(kOfficer, r).status().code(), "already_resident");
  r.address_code = "4601060030010001002";
  EXPECT_EQ(svc_->MoveIn(kOfficer, r).status().code(), "not_a_room");
  r.address_code = "4601060030010001002019999";
  EXPECT_EQ(svc_->MoveIn(kOfficer, r).status().code(), "unknown_address");
  r.address_code = "4601060030010001002011204";
  r.person = "ID:460106199001011238";
  EXPECT_EQ(svc_->MoveIn(kOfficer, r).status().code(), "invalid_reference");
  r.person = "PASSPORT:KOR/M12345678";
  r.category = "foreign";
  auto in = svc_->MoveIn(kOfficer, r);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(svc_->MoveOut(kOfficer, in->id, "2019-12-31T00:00:00").status().code(), "move_out_before_move_in");
  EXPECT_EQ(svc_->MoveOut(kOfficer, in->id, "yesterday").status().code(), "invalid_time");
  auto out = svc_->MoveOut(kOfficer, in->id, "2024-02-01T10:00:00");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out->moved_out_at, "2024-02-01T10:00:00+08:00");
  EXPECT_EQ(svc_->MoveOut(kOfficer, in->id, "2024-03-01T10:00:00").status().code(), "already_moved_out");
  EXPECT_EQ(svc_->ResidencesOf("PASSPORT:KOR/M12345678")->size(), 1u);

  // A demolished room takes nobody in; the change is in the history.
  AddressPatch p;
  p.status = "demolished";
  ASSERT_TRUE(svc_->UpdateAddress(kOfficer, "4601060030010001002011204", p).ok());
  r.person = "ID:460106199001011239";
  r.category = "registered";
  EXPECT_EQ(svc_->MoveIn(kOfficer, r).status().code(), "address_retired");
  auto h = svc_->History("4601060030010001002011204");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[1].change, "status active -> demolished");
  EXPECT_EQ((*h)[1].actor, "chen.li");
  AddressPatch m;
  m.status = "merged";
  EXPECT_EQ(svc_->UpdateAddress(kOfficer, "4601060030010001002011203", m).status().code(), "merged_into_required");
  m.merged_into = "4601060030010001002011204";
  EXPECT_EQ(svc_->UpdateAddress(kOfficer, "4601060030010001002011203", m).status().code(), "address_retired");
}

TEST_P(RegistryTest, OrganisationsAreValidatedAndFound) {
  ASSERT_TRUE(svc_->Import(kOfficer, dir_.string()).ok());
  Organisation o;
  o.credit_code = identity::MakeCreditCode("924601061A2B3C4D");
  o.name = "国贸网吧";
  o.address_code = "4601060030010001002";
  o.key_units = {"netcafe"};
  auto made = svc_->CreateOrganisation(kOfficer, o);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(svc_->CreateOrganisation(kOfficer, o).status().code(), "credit_code_taken");
  o.credit_code = "924601061A2B3C4D00";
  EXPECT_EQ(svc_->CreateOrganisation(kOfficer, o).status().code(), "invalid_credit_code");
  o.credit_code = identity::MakeCreditCode("924601061A2B3C4E");
  o.key_units = {"casino"};
  EXPECT_EQ(svc_->CreateOrganisation(kOfficer, o).status().code(), "invalid_value");
  o.key_units = {};
  o.address_code = "4601060030010001009";
  EXPECT_EQ(svc_->CreateOrganisation(kOfficer, o).status().code(), "unknown_address");
  OrgFilter f;
  f.key_unit = "hotel";
  auto hotels = svc_->Organisations(f);
  ASSERT_TRUE(hotels.ok());
  EXPECT_EQ(hotels->second, 1);
  EXPECT_EQ(hotels->first[0].name, "国贸大酒店");
  f = {};
  f.q = "国贸";
  EXPECT_EQ(svc_->Organisations(f)->second, 2);
  f.q = "%";
  EXPECT_EQ(svc_->Organisations(f)->second, 0);
  auto stats = svc_->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->organisations, 2);
  EXPECT_EQ(stats->levels.at("room"), 2);
  EXPECT_EQ(stats->residents.at("registered"), 1);
}

JW_INSTANTIATE_BACKENDS(RegistryTest);

}  // namespace
}  // namespace jingwu::registry
