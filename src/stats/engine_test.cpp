// Statistics against hand-computed values on a small constructed set:
// a leap day, empty months, a district with no cases, a case that occurred
// in one year and was filed in the next.
#include "stats/engine.h"

#include <gtest/gtest.h>

#include "sql/backend_test.h"

namespace jingwu::stats {
namespace {

const auth::Actor kClerk{"li.ming", "investigator", "x"};

Timestamp At(const char* s) { return *ParseTime(s); }

class StatsTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Migrate(audit::Migrations()).ok());
    ASSERT_TRUE(db_->Migrate(cases::Migrations()).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    cases_ = std::make_unique<cases::Service>(db_, log_.get(), &clock_);
    engine_ = std::make_unique<Engine>(cases_.get());
    cases_->AddListener([this](const auto&, const cases::Case& c) { engine_->OnCase(c); });
    cases_->AddReloadListener([this] { ASSERT_TRUE(engine_->Rebuild().ok()); });
    // kind, category, district, occurred, filed, solved
    Add("criminal", "theft", "460106", "2019-12-31T23:00", "2020-01-02T09:00", "2020-01-10T09:00");  // A
    Add("criminal", "theft", "460106", "2020-02-29T10:00", "2020-02-29T11:00", nullptr);             // B leap day
    Add("criminal", "fraud", "460107", "2020-03-15T10:00", "2020-03-15T11:00", "2020-04-01T09:00");  // C
    Add("criminal", "fraud", "460108", "2020-03-20T10:00", "2020-03-20T11:00", nullptr);             // D
    Add("criminal", "theft", "460106", "2019-03-10T10:00", "2019-03-10T11:00", nullptr);             // E
    Add("criminal", "theft", "460106", "2019-02-28T10:00", "2019-02-28T11:00", nullptr);             // F
    Add("public_order", "vice", "460108", "2020-03-03T10:00", "2020-03-03T11:00", nullptr);          // G
    ASSERT_TRUE(engine_->Rebuild().ok());
  }

  void Add(const char* kind, const char* category, const char* district, const char* occurred, const char* filed,
           const char* solved) {
    cases::Case c;
    c.kind = kind;
    c.category = category;
    c.district_code = district;
    c.occurred_at = At(occurred);
    c.filed_at = At(filed);
    if (solved) {
      c.solved_at = At(solved);
      c.status = "solved";
    }
    auto r = cases_->Create(kClerk, c);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ids_.push_back(r->id);
  }

  Answer Ask(std::map<std::string, std::string> params, bool public_view = false) {
    auto q = ParseQuery(params);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    if (!q.ok()) return {};
    auto a = engine_->Run(*q, public_view);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? *a : Answer{};
  }

  static std::vector<double> Values(const Answer& a) {
    std::vector<double> v;
    for (const auto& r : a.rows) v.push_back(r.value.value_or(-1));
    return v;
  }

  ManualClock clock_{At("2021-06-01T00:00:00")};
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<cases::Service> cases_;
  std::unique_ptr<Engine> engine_;
  std::vector<int64_t> ids_;
};

TEST_P(StatsTest, MonthlyCountsIncludeEmptyMonths) {
  auto a = Ask({{"measure", "cases"}, {"group", "month"}, {"kind", "criminal"}, {"from", "2020-01-01"}, {"to", "2020-06-30"}});
  EXPECT_EQ(Values(a), (std::vector<double>{1, 1, 2, 0, 0, 0}));
  EXPECT_EQ(a.rows[1].period, "2020-02");
  EXPECT_EQ(a.total.value(), 4);
  EXPECT_EQ(a.basis, "filed");
}

TEST_P(StatsTest, BasisChangesWhichPeriodACaseCountsIn) {
  std::map<std::string, std::string> p = {{"group", "month"}, {"kind", "criminal"}, {"from", "2019-12-01"}, {"to", "2020-01-31"}};
  EXPECT_EQ(Values(Ask(p)), (std::vector<double>{0, 1}));  // filed 2 January
  p["basis"] = "occurred";
  auto a = Ask(p);
  EXPECT_EQ(Values(a), (std::vector<double>{1, 0}));  // occurred 31 December
  EXPECT_EQ(a.basis, "occurred");
}

TEST_P(StatsTest, YearOverYearByMonth) {
  auto a = Ask({{"group", "month"}, {"kind", "criminal"}, {"from", "2020-02-01"}, {"to", "2020-03-31"}, {"compare", "yoy"}});
  ASSERT_EQ(a.rows.size(), 2u);
  EXPECT_EQ(a.rows[0].previous.value(), 1);  // F, 28 February 2019
  EXPECT_EQ(a.rows[0].change_pct.value(), 0);
  EXPECT_EQ(a.rows[1].value.value(), 2);
  EXPECT_EQ(a.rows[1].previous.value(), 1);  // E, 10 March 2019
  EXPECT_EQ(a.rows[1].change.value(), 1);
  EXPECT_EQ(a.rows[1].change_pct.value(), 100);
}

TEST_P(StatsTest, LeapDayHasNoYearEarlierCounterpart) {
  auto a = Ask({{"group", "day"}, {"kind", "criminal"}, {"from", "2020-02-28"}, {"to", "2020-03-01"}, {"compare", "yoy"}});
  ASSERT_EQ(a.rows.size(), 3u);
  EXPECT_EQ(a.rows[0].period, "2020-02-28");
  EXPECT_EQ(a.rows[0].value.value(), 0);
  EXPECT_EQ(a.rows[0].previous.value(), 1);
  EXPECT_EQ(a.rows[0].change_pct.value(), -100);
  EXPECT_EQ(a.rows[1].period, "2020-02-29");
  EXPECT_EQ(a.rows[1].value.value(), 1);
  EXPECT_FALSE(a.rows[1].previous.has_value());
  EXPECT_FALSE(a.rows[1].change.has_value());
}

TEST_P(StatsTest, PeriodOverPeriod) {
  auto a = Ask({{"group", "month"}, {"kind", "criminal"}, {"from", "2020-03-01"}, {"to", "2020-03-31"}, {"compare", "pop"}});
  ASSERT_EQ(a.rows.size(), 1u);
  EXPECT_EQ(a.rows[0].previous.value(), 1);  // February 2020
  EXPECT_EQ(a.rows[0].change_pct.value(), 100);
  // Without a period: the preceding 31 days (30 January - 29 February).
  auto b = Ask({{"kind", "criminal"}, {"from", "2020-03-01"}, {"to", "2020-03-31"}, {"compare", "pop"}});
  ASSERT_EQ(b.rows.size(), 1u);
  EXPECT_EQ(b.rows[0].value.value(), 2);
  EXPECT_EQ(b.rows[0].previous.value(), 1);  // B only; A was filed on 2 January
}

TEST_P(StatsTest, DistrictsWithoutCasesShowZero) {
  auto a = Ask({{"group", "district"}, {"kind", "criminal"}, {"from", "2020-01-01"}, {"to", "2020-12-31"}});
  ASSERT_EQ(a.rows.size(), 4u);
  EXPECT_EQ(a.rows[0].keys[0], "460105");
  EXPECT_EQ(Values(a), (std::vector<double>{0, 2, 1, 1}));
}

TEST_P(StatsTest, ClearanceIsSolvedShareOfFiled) {
  auto a = Ask({{"measure", "clearance"}, {"group", "year"}, {"kind", "criminal"}, {"from", "2019-01-01"}, {"to", "2020-12-31"}});
  ASSERT_EQ(a.rows.size(), 2u);
  EXPECT_EQ(a.rows[0].value.value(), 0);  // 2019: E, F unsolved
  EXPECT_EQ(a.rows[1].value.value(), 50);  // 2020: A, C solved of A, B, C, D
  EXPECT_EQ(a.rows[1].numerator, 2);
  EXPECT_EQ(a.rows[1].denominator, 4);
  EXPECT_FALSE(a.total.has_value());  // rates are not summed
  auto solved = Ask({{"measure", "solved"}, {"group", "month"}, {"from", "2020-01-01"}, {"to", "2020-04-30"}});
  EXPECT_EQ(Values(solved), (std::vector<double>{1, 0, 0, 1}));
}

TEST_P(StatsTest, GroupsCombineAndFiltersNarrow) {
  auto a = Ask({{"group", "year,kind"}, {"from", "2020-01-01"}, {"to", "2020-12-31"}});
  ASSERT_EQ(a.rows.size(), 2u);
  EXPECT_EQ(Values(a), (std::vector<double>{4, 1}));
  auto b = Ask({{"group", "category"}, {"category", "fraud,vice"}, {"from", "2020-01-01"}, {"to", "2020-12-31"}});
  ASSERT_EQ(b.rows.size(), 2u);
  EXPECT_EQ(b.rows[0].keys[0], "fraud");
  EXPECT_EQ(Values(b), (std::vector<double>{2, 1}));
}

TEST_P(StatsTest, PublicViewSuppressesSmallCells) {
  auto a = Ask({{"group", "district"}, {"kind", "criminal"}, {"from", "2020-01-01"}, {"to", "2020-12-31"}, {"compare", "yoy"}},
               /*public_view=*/true);
  ASSERT_EQ(a.rows.size(), 4u);
  EXPECT_EQ(a.rows[0].value.value(), 0);  // zero singles nobody out
  EXPECT_FALSE(a.rows[0].suppressed);
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_TRUE(a.rows[i].suppressed);
    EXPECT_FALSE(a.rows[i].value.has_value());
    EXPECT_FALSE(a.rows[i].change.has_value());
  }
  EXPECT_FALSE(a.total.has_value());  // a total would give the hidden cells away
  // The same cell with five cases is shown.
  for (int i = 0; i < 3; ++i) Add("criminal", "theft", "460106", "2020-05-01T10:00", "2020-05-01T11:00", nullptr);
  auto b = Ask({{"group", "district"}, {"district", "460106"}, {"kind", "criminal"}, {"from", "2020-01-01"}, {"to", "2020-12-31"}},
               true);
  EXPECT_EQ(b.rows[0].value.value(), 5);
  EXPECT_FALSE(b.rows[0].suppressed);
}

TEST_P(StatsTest, PublicViewHidesASiblingWhenOnlyOneCellIsHidden) {
  // 2020: criminal 4 (hidden), public order 1 + 5 = 6. Shown alone, 6 and the
  // year's total would give the 4 away; so the 6 is hidden too.
  for (int i = 0; i < 5; ++i) Add("public_order", "vice", "460108", "2020-06-01T10:00", "2020-06-01T11:00", nullptr);
  auto a = Ask({{"group", "year,kind"}, {"from", "2020-01-01"}, {"to", "2020-12-31"}}, true);
  ASSERT_EQ(a.rows.size(), 2u);
  EXPECT_TRUE(a.rows[0].suppressed);
  EXPECT_TRUE(a.rows[1].suppressed);
  EXPECT_FALSE(a.rows[0].complementary);
  EXPECT_TRUE(a.rows[1].complementary);
  EXPECT_FALSE(a.rows[1].value.has_value());
  // The signed-in view shows both.
  auto b = Ask({{"group", "year,kind"}, {"from", "2020-01-01"}, {"to", "2020-12-31"}});
  EXPECT_EQ(Values(b), (std::vector<double>{4, 6}));
  EXPECT_EQ(b.total.value(), 10);
}

TEST_P(StatsTest, DeathRatePerTenThousandVehicles) {
  ASSERT_TRUE(cases_->AddAccident(kClerk, {0, At("2020-04-01T08:00"), "x", "460106", 3, 1, 2}).ok());
  ASSERT_TRUE(cases_->AddAccident(kClerk, {0, At("2020-09-01T08:00"), "y", "460108", 2, 0, 1}).ok());
  ASSERT_TRUE(cases_->AddAccident(kClerk, {0, At("2019-09-01T08:00"), "y", "460108", 4, 0, 1}).ok());
  ASSERT_TRUE(cases_->SetVehicleCount(kClerk, {2020, 25000}).ok());
  auto a = Ask({{"measure", "death_rate"}, {"group", "year"}, {"from", "2019-01-01"}, {"to", "2020-12-31"}});
  ASSERT_EQ(a.rows.size(), 2u);
  EXPECT_FALSE(a.rows[0].value.has_value());  // no vehicle count for 2019
  EXPECT_EQ(a.rows[1].value.value(), 2.0);    // 5 / 25,000 × 10,000
  EXPECT_EQ(a.rows[1].numerator, 5);
  EXPECT_EQ(a.rows[1].denominator, 25000);
  auto deaths = Ask({{"measure", "deaths"}, {"group", "district"}, {"from", "2020-01-01"}, {"to", "2020-12-31"}});
  EXPECT_EQ(Values(deaths), (std::vector<double>{0, 3, 0, 2}));
}

TEST_P(StatsTest, FollowsEditsOfTheRecords) {
  auto d = cases_->Get(ids_[3]);
  ASSERT_TRUE(d.ok());
  cases::Case moved = *d;
  moved.district_code = "460105";
  ASSERT_TRUE(cases_->Update(kClerk, moved.id, moved, moved.version).ok());
  auto a = Ask({{"group", "district"}, {"kind", "criminal"}, {"from", "2020-01-01"}, {"to", "2020-12-31"}});
  EXPECT_EQ(Values(a), (std::vector<double>{1, 2, 1, 0}));
}

JW_INSTANTIATE_BACKENDS(StatsTest);

TEST(StatsQuery, ErrorsAreSpecific) {
  auto code = [](std::map<std::string, std::string> p) {
    if (!p.count("from")) p["from"] = "2020-01-01";
    if (!p.count("to")) p["to"] = "2020-12-31";
    auto q = ParseQuery(p);
    return q.ok() ? std::string("ok") : q.status().code();
  };
  EXPECT_EQ(code({}), "ok");
  EXPECT_EQ(code({{"measure", "arrests"}}), "unknown_measure");
  EXPECT_EQ(code({{"group", "weekday"}}), "unknown_dimension");
  EXPECT_EQ(code({{"measure", "accidents"}, {"group", "category"}}), "unknown_dimension");
  EXPECT_EQ(code({{"group", "month,year"}}), "bad_group");
  EXPECT_EQ(code({{"measure", "death_rate"}, {"group", "month"}}), "bad_group");
  EXPECT_EQ(code({{"compare", "mom"}}), "unknown_compare");
  EXPECT_EQ(code({{"basis", "reported"}}), "unknown_basis");
  EXPECT_EQ(code({{"district", "460100"}}), "unknown_district");
  EXPECT_EQ(code({{"kind", "civil"}}), "unknown_kind");
  EXPECT_EQ(code({{"from", "2020-02-30"}}), "invalid_time");
  EXPECT_EQ(code({{"from", "2021-01-01"}}), "time_order");
  EXPECT_EQ(code({{"to", ""}}), "validation_failed");
}

}  // namespace
}  // namespace jingwu::stats
