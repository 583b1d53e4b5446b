// Duty-free proxy-buying rings on a `small` synthetic city: every planted
// ring found (recall 1.0), precision at least 0.9, the families that share a
// phone with ordinary purchases not reported.
#include "analysis/dutyfree.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "fusion/ingest.h"
#include "gen/city_gen.h"

namespace jingwu::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class DutyfreeRings : public ::testing::TestWithParam<uint64_t> {};

TEST_P(DutyfreeRings, FindsEveryPlantedRingAndNoFamilies) {
  fs::path root = fs::temp_directory_path() / ("jingwu-rings-" + std::to_string(getpid()) + "-" +
                                               std::to_string(GetParam()));
  fs::remove_all(root);
  gen::CityOptions o;
  o.out_dir = (root / "src").string();
  o.seed = GetParam();
  o.scale = "small";
  ASSERT_TRUE(gen::WriteCity(o).ok());
  std::ifstream in(root / "src" / "truth.json");
  json truth = json::parse(in);
  auto s = events::Store::Open((root / "store").string(), {.bulk = true});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto& store = **s;
  for (auto [source, file] : {std::pair{"places", "places.csv"}, {"residents", "residents.csv"}, {"dutyfree", "dutyfree.csv"}}) {
    auto r = fusion::IngestFile(store, *events::SourceFromName(source), (root / "src" / file).string(),
                                {.rejects_path = "-"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  auto rep = DetectDutyfreeRings(store);
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  ASSERT_GT(rep->purchases, 100);
  ASSERT_FALSE(truth["dutyfree_rings"].empty());

  // Recall: each planted ring is reported with its phone, store and every member.
  int found = 0;
  std::set<size_t> matched;
  for (const auto& t : truth["dutyfree_rings"]) {
    std::set<std::string> want;
    for (const auto& m : t["members"]) want.insert(m.get<std::string>());
    for (size_t i = 0; i < rep->rings.size(); ++i) {
      const Ring& g = rep->rings[i];
      std::set<std::string> got;
      for (const auto& m : g.members) got.insert(m.ref);
      if (g.shared_phone == t["collector_phone"].get<std::string>() && g.store == t["store"].get<std::string>() &&
          got == want) {
        ++found;
        matched.insert(i);
        EXPECT_EQ(g.evidence.size(), want.size());
        EXPECT_GT(g.total_cny, 0.8 * 100000 * static_cast<double>(want.size()));
        EXPECT_FALSE(g.reasons.empty());
        break;
      }
    }
  }
  double recall = static_cast<double>(found) / static_cast<double>(truth["dutyfree_rings"].size());
  double precision = rep->rings.empty() ? 0 : static_cast<double>(matched.size()) / static_cast<double>(rep->rings.size());
  EXPECT_EQ(recall, 1.0);
  EXPECT_GE(precision, 0.9) << rep->rings.size() << " rings reported";

  // The look-alike families are not reported, by phone or by member.
  std::set<std::string> reported_members, reported_phones;
  for (const auto& g : rep->rings) {
    reported_phones.insert(g.shared_phone);
    for (const auto& m : g.members) reported_members.insert(m.ref);
  }
  ASSERT_FALSE(truth["dutyfree_lookalikes"].empty());
  for (const auto& f : truth["dutyfree_lookalikes"]) {
    EXPECT_FALSE(reported_phones.count(f["phone"].get<std::string>())) << f.dump();
    for (const auto& m : f["members"]) EXPECT_FALSE(reported_members.count(m.get<std::string>())) << m;
  }

  json j = ToJson(store, *rep);
  ASSERT_EQ(j["rings"].size(), rep->rings.size());
  EXPECT_TRUE(j["rings"][0].contains("evidence"));
  s->reset();
  fs::remove_all(root);
}

INSTANTIATE_TEST_SUITE_P(Seeds, DutyfreeRings, ::testing::Values(11, 12));

}  // namespace
}  // namespace jingwu::analysis
