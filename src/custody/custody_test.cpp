// Custody supervision: the legal-limit arithmetic (across midnight, with
// extensions up to each basis's ceiling), admissions from a case's suspects
// with their errors, releases, and the alerts, on SQLite and PostgreSQL.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "cases/service.h"
#include "custody/eval.h"
#include "custody/limits.h"
#include "gen/cases_gen.h"
#include "gen/custody_gen.h"
#include "custody/service.h"
#include "sql/backend_test.h"

namespace jingwu::custody {
namespace {

constexpr int64_t kHour = 3600 * kMicrosPerSecond;
Timestamp T(const char* s) { return *ParseTime(s); }

TEST(CustodyLimits, DueTimesRunToTheHourAcrossMidnight) {
  // A criminal detention from 23:30 ends at 23:30 three days later, not at a midnight.
  EXPECT_EQ(FormatTime(DueAt(T("2025-03-01T23:30:00"), *BaseDays("criminal_detention", 0), {})),
            "2025-03-04T23:30:00+08:00");
  // Administrative detention: the decision's days, 1-15.
  EXPECT_EQ(FormatTime(DueAt(T("2025-12-31T22:00:00"), *BaseDays("administrative_detention", 10), {})),
            "2026-01-10T22:00:00+08:00");
  EXPECT_EQ(BaseDays("administrative_detention", 16).status().code(), "invalid_days");
  EXPECT_EQ(BaseDays("administrative_detention", 0).status().code(), "invalid_days");
  EXPECT_EQ(BaseDays("house_arrest", 0).status().code(), "invalid_basis");
  EXPECT_EQ(*BaseDays("arrest", 0), 60);
  EXPECT_EQ(*BaseDays("compulsory_isolation", 0), 730);
  // Extensions add whole days to the hour.
  EXPECT_EQ(FormatTime(DueAt(T("2025-03-01T23:30:00"), 3, {{4, "complex"}})), "2025-03-08T23:30:00+08:00");
}

TEST(CustodyLimits, ExtensionsStopAtTheCeilingOfEachBasis) {
  auto code = [](const std::string& basis, int base, std::vector<Extension> granted, Extension next) {
    Status s = CheckExtension(basis, base, granted, next);
    return s.ok() ? std::string("ok") : s.code();
  };
  // Criminal detention: to 7 days in general, to 30 for roving, repeated or gang crimes, +7 for the procuratorate.
  EXPECT_EQ(code("criminal_detention", 3, {}, {4, "complex"}), "ok");
  EXPECT_EQ(code("criminal_detention", 3, {}, {5, "complex"}), "extension_exceeds_limit");
  EXPECT_EQ(code("criminal_detention", 3, {{4, "complex"}}, {1, "complex"}), "extension_exceeds_limit");
  EXPECT_EQ(code("criminal_detention", 3, {}, {27, "gang"}), "ok");
  EXPECT_EQ(code("criminal_detention", 3, {}, {28, "roving"}), "extension_exceeds_limit");
  EXPECT_EQ(code("criminal_detention", 3, {{4, "complex"}}, {23, "repeated"}), "ok");
  EXPECT_EQ(code("criminal_detention", 3, {{27, "gang"}}, {7, "procuratorate_review"}), "ok");
  EXPECT_EQ(code("criminal_detention", 3, {{27, "gang"}, {7, "procuratorate_review"}}, {1, "procuratorate_review"}),
            "extension_exceeds_limit");
  EXPECT_EQ(code("criminal_detention", 3, {}, {2, "busy"}), "invalid_reason");
  EXPECT_EQ(code("criminal_detention", 3, {}, {0, "complex"}), "invalid_days");
  // Arrest: +1 month, then +2, then +2, then no more.
  EXPECT_EQ(code("arrest", 60, {}, {30, "approved"}), "ok");
  EXPECT_EQ(code("arrest", 60, {}, {31, "approved"}), "extension_exceeds_limit");
  EXPECT_EQ(code("arrest", 60, {{30, "a"}, {60, "b"}}, {60, "c"}), "ok");
  EXPECT_EQ(code("arrest", 60, {{30, "a"}, {60, "b"}, {60, "c"}}, {1, "d"}), "extension_exceeds_limit");
  // Administrative detention: several decisions together at most 20 days.
  EXPECT_EQ(code("administrative_detention", 15, {}, {5, "second_decision"}), "ok");
  EXPECT_EQ(code("administrative_detention", 15, {}, {6, "second_decision"}), "extension_exceeds_limit");
  // Compulsory isolation: at most one more year.
  EXPECT_EQ(code("compulsory_isolation", 730, {{200, "a"}}, {165, "b"}), "ok");
  EXPECT_EQ(code("compulsory_isolation", 730, {{200, "a"}}, {166, "b"}), "extension_exceeds_limit");
}

const auth::Actor kOfficer{"jianguan", "custody_officer", "test"};
constexpr const char* kSuspectA = "460106198503120019";
constexpr const char* kSuspectB = "460106199001010017";

class CustodyTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (auto m : {audit::Migrations(), cases::Migrations(), Migrations()}) ASSERT_TRUE(db_->Migrate(m).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    cases_ = std::make_unique<cases::Service>(db_, log_.get(), &clock_);
    cases::Case c;
    c.kind = "criminal";
    c.category = "burglary";
    c.district_code = "460106";
    c.place = "龙华区滨海大道1号";
    c.occurred_at = T("2025-02-28T02:00:00");
    c.reported_at = T("2025-02-28T08:00:00");
    c.filed_at = T("2025-02-28T10:00:00");
    c.status = "filed";
    c.narrative = "入室盗窃";
    c.suspects = {{kSuspectA, "张某", "principal"}, {kSuspectB, "李某", "accomplice"}};
    auto made = cases_->Create(kOfficer, c);
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    case_no_ = made->case_no;
    svc_ = std::make_unique<Service>(db_, log_.get(), &clock_, cases_.get());
    ASSERT_TRUE(svc_->CreateFacility(kOfficer, {"KSS01", "海口市看守所", "detention_center", "460106"}).ok());
    ASSERT_TRUE(svc_->CreateFacility(kOfficer, {"JLS01", "海口市拘留所", "detention_house", "460106"}).ok());
    ASSERT_TRUE(svc_->AddRoom(kOfficer, "KSS01", {"101", 1}).ok());
    ASSERT_TRUE(svc_->AddRoom(kOfficer, "KSS01", {"102", 8}).ok());
  }
  Result<Detainee> Admit(const char* id, const char* room = "101", const char* at = "2025-03-01T23:30:00",
                         std::string override_reason = "") {
    return svc_->Admit(kOfficer, {"KSS01", room, id, case_no_, "criminal_detention", at, override_reason, 0});
  }
  ManualClock clock_{T("2025-03-02T10:00:00+08:00")};
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<cases::Service> cases_;
  std::unique_ptr<Service> svc_;
  std::string case_no_;
};

TEST_P(CustodyTest, AdmissionsComeFromACasesSuspectsWithSpecificErrors) {
  auto code = [&](Service::Admission a) {
    auto r = svc_->Admit(kOfficer, a);
    return r.ok() ? std::string("ok") : r.status().code();
  };
  EXPECT_EQ(code({"KSS01", "101", kSuspectA, "A460106209900001", "criminal_detention"}), "unknown_case");
  EXPECT_EQ(code({"KSS01", "101", "110101199003074514", case_no_, "criminal_detention"}), "not_a_suspect");
  EXPECT_EQ(code({"KSS01", "101", kSuspectA, case_no_, "house_arrest"}), "invalid_basis");
  EXPECT_EQ(code({"JLS01", "101", kSuspectA, case_no_, "criminal_detention"}), "wrong_facility");
  EXPECT_EQ(code({"KSS09", "101", kSuspectA, case_no_, "criminal_detention"}), "unknown_facility");
  EXPECT_EQ(code({"KSS01", "909", kSuspectA, case_no_, "criminal_detention"}), "unknown_room");
  EXPECT_EQ(code({"KSS01", "101", kSuspectA, case_no_, "criminal_detention", "2099-01-01T00:00:00"}), "invalid_time");
  EXPECT_EQ(code({"KSS01", "101", "46010619850312001X", case_no_, "criminal_detention"}), "invalid_id_number");
  auto a = Admit(kSuspectA);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->name, "张某");
  EXPECT_EQ(a->due_at, "2025-03-04T23:30:00+08:00");
  EXPECT_NEAR(a->hours_left, 61.5, 0.01);  // 10:00 on the 2nd to 23:30 on the 4th
  EXPECT_EQ(Admit(kSuspectA, "102").status().code(), "already_in_custody");
  // Room 101 holds one: a second only with a recorded override.
  EXPECT_EQ(Admit(kSuspectB).status().code(), "over_capacity");
  auto b = Admit(kSuspectB, "101", "2025-03-02T01:00:00", "临时收押，次日调监");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->over_capacity_reason, "临时收押，次日调监");
  auto f = svc_->GetFacility("KSS01");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->occupants, 2);
}

TEST_P(CustodyTest, ExtensionsNeedAnApproverAndReleasesComeAfterAdmission) {
  auto a = Admit(kSuspectA);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(svc_->Extend(kOfficer, a->id, {4, "complex"}, "", "").status().code(), "approver_required");
  EXPECT_EQ(svc_->Extend(kOfficer, a->id, {5, "complex"}, "王局长", "琼公延〔2025〕12号").status().code(),
            "extension_exceeds_limit");
  auto e = svc_->Extend(kOfficer, a->id, {4, "complex"}, "王局长", "琼公延〔2025〕12号");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->due_at, "2025-03-08T23:30:00+08:00");
  ASSERT_EQ(e->extensions.size(), 1u);
  EXPECT_EQ(e->extensions[0].approved_by, "王局长");
  auto g = svc_->Extend(kOfficer, a->id, {23, "gang"}, "王局长", "琼公延〔2025〕13号");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->due_at, "2025-03-31T23:30:00+08:00");
  EXPECT_EQ(svc_->Release(kOfficer, a->id, "2025-03-01T22:00:00", "取保候审").status().code(), "invalid_time");
  EXPECT_EQ(svc_->Release(kOfficer, a->id, "", "  ").status().code(), "reason_required");
  auto r = svc_->Release(kOfficer, a->id, "2025-03-02T09:00:00", "取保候审");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r->released_at, "2025-03-02T09:00:00+08:00");
  EXPECT_EQ(svc_->Release(kOfficer, a->id, "", "again").status().code(), "already_released");
  EXPECT_EQ(svc_->Extend(kOfficer, a->id, {1, "gang"}, "王局长", "x").status().code(), "already_released");
  EXPECT_EQ(svc_->Release(kOfficer, 999, "", "x").status().code(), "unknown_detainee");
}

TEST_P(CustodyTest, AlertsPutCustodyBeyondItsLimitFirst) {
  auto a = Admit(kSuspectA, "101", "2025-03-01T23:30:00");
  auto b = Admit(kSuspectB, "102", "2025-02-27T08:00:00");  // due 03-02 08:00: two hours overdue at 10:00
  ASSERT_TRUE(a.ok() && b.ok());
  auto kinds = [&] {
    std::vector<std::string> out;
    auto as = svc_->Alerts("");
    EXPECT_TRUE(as.ok());
    for (const auto& x : *as) out.push_back(x.kind + (x.detainee_id ? ":" + std::to_string(x.detainee_id) : ":" + x.room));
    return out;
  };
  // b is overdue (first), b has no admission medical after 24 h, both rooms have no patrol check.
  std::vector<std::string> got = kinds();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0], "overdue:" + std::to_string(b->id));
  auto has = [&](const std::string& k) { return std::find(got.begin(), got.end(), k) != got.end(); };
  EXPECT_TRUE(has("no_admission_medical:" + std::to_string(b->id)));
  EXPECT_FALSE(has("no_admission_medical:" + std::to_string(a->id)));  // admitted 10.5 h ago
  EXPECT_TRUE(has("missed_patrol:101"));
  // Patrols, a medical check and a right roll call clear those; a wrong roll call raises a mismatch.
  for (const char* room : {"101", "102"})
    ASSERT_TRUE(svc_->Record(kOfficer, {0, "KSS01", room, "patrol", "2025-03-02T09:55:00", "", "", 0, std::nullopt}).ok());
  ASSERT_TRUE(svc_->Record(kOfficer, {0, "", "", "medical", "2025-02-27T09:00:00", "入所体检", "", b->id, std::nullopt}).ok());
  ASSERT_TRUE(svc_->Record(kOfficer, {0, "KSS01", "101", "roll_call", "2025-03-02T09:50:00", "", "", 0, 1}).ok());
  ASSERT_TRUE(svc_->Record(kOfficer, {0, "KSS01", "102", "roll_call", "2025-03-02T09:50:00", "", "", 0, 2}).ok());
  got = kinds();
  EXPECT_EQ(got, (std::vector<std::string>{"overdue:" + std::to_string(b->id), "headcount_mismatch:102"}));
  // A lawyer request not met within 48 hours.
  ASSERT_TRUE(svc_->Record(kOfficer, {0, "", "", "lawyer_request", "2025-02-27T12:00:00", "", "", b->id, std::nullopt}).ok());
  got = kinds();
  EXPECT_TRUE(has("lawyer_not_arranged:" + std::to_string(b->id)) ||
              std::find(got.begin(), got.end(), "lawyer_not_arranged:" + std::to_string(b->id)) != got.end());
  // Bad events are refused and write nothing.
  auto code = [&](Event e) {
    auto r = svc_->Record(kOfficer, e);
    return r.ok() ? std::string("ok") : r.status().code();
  };
  EXPECT_EQ(code({0, "KSS01", "101", "roll_call", "", "", "", 0, -1}), "invalid_value");
  EXPECT_EQ(code({0, "KSS01", "101", "roll_call", "", "", "", 0, std::nullopt}), "invalid_value");
  EXPECT_EQ(code({0, "KSS01", "999", "patrol", "", "", "", 0, std::nullopt}), "unknown_room");
  EXPECT_EQ(code({0, "KSS01", "101", "dance", "", "", "", 0, std::nullopt}), "invalid_kind");
  EXPECT_EQ(code({0, "KSS01", "101", "patrol", "2099-01-01T00:00:00", "", "", 0, std::nullopt}), "invalid_time");
  EXPECT_EQ(code({0, "KSS01", "101", "medical", "", "", "", 0, std::nullopt}), "detainee_required");
  // Past its limit, custody cannot be extended (the extension is decided before).
  EXPECT_EQ(svc_->Extend(kOfficer, b->id, {4, "complex"}, "王局长", "琼公延〔2025〕14号").status().code(), "limit_passed");
  // Released in time: the overdue alert goes.
  ASSERT_TRUE(svc_->Release(kOfficer, b->id, "2025-03-02T07:59:00", "刑拘期满释放").ok());
  got = kinds();
  for (const auto& k : got) EXPECT_NE(k.rfind("overdue", 0), 0u) << k;
  (void)kHour;
}

// The generated facilities (`jingwu gen`): every planted bad row refused with
// its reason, every planted problem alerted and nothing else, and a second
// import adds nothing.
TEST_P(CustodyTest, GeneratedRecordsImportWithTheirPlantedRejectsAndEveryAlert) {
  const std::string dir = (std::filesystem::temp_directory_path() / ("jw-custody-gen-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  cases::Dataset data = gen::GenerateCases(1, 0.2);
  ASSERT_TRUE(gen::WriteCustody({.out_dir = dir, .seed = 1}, data).ok());
  std::ifstream tin(dir + "/custody_truth.json");
  auto truth = nlohmann::json::parse(tin, nullptr, false);
  ASSERT_TRUE(truth.is_object());
  // The cases the files name.
  CsvTable det;
  ASSERT_TRUE(ReadCsvTable(dir + "/custody_detainees.csv", &det).ok());
  std::set<std::string> named;
  for (const auto& row : det.rows) named.insert(det.Get(row, "case_no"));
  std::erase_if(data.cases, [&](const cases::Case& c) { return !named.count(c.case_no); });
  data.accidents.clear(), data.vehicle_counts.clear();
  ASSERT_TRUE(cases_->Load(kOfficer, data).ok());
  ManualClock at_end(T(truth["as_of"].get<std::string>().c_str()));
  Service svc(db_, log_.get(), &at_end, cases_.get());
  for (int round = 0; round < 2; ++round) {
    std::map<std::string, int64_t> refs;
    auto files = svc.Import(kOfficer, dir, 0, &refs);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    ASSERT_EQ(files->size(), 5u);
    for (const auto& f : *files) {
      EXPECT_EQ(f.rejected, PlantedRejects(truth, f.name)) << f.name << " round " << round;
      if (round == 1) EXPECT_EQ(f.accepted, 0) << f.name;
      else EXPECT_GT(f.accepted, 0) << f.name;
    }
    EXPECT_EQ((*files)[2].accepted + (*files)[2].already, truth["admitted"].get<int64_t>());
    auto held = svc.Detainees("", false);
    ASSERT_TRUE(held.ok());
    EXPECT_EQ(static_cast<int64_t>(held->size()), truth["held"].get<int64_t>());
    auto alerts = svc.Alerts("");
    ASSERT_TRUE(alerts.ok());
    auto scores = ScoreAlerts(*alerts, truth, refs);
    EXPECT_EQ(scores.size(), 6u);  // no kind of alert that was not planted
    for (const auto& [kind, s] : scores) {
      EXPECT_GT(s.planted, 0) << kind;
      EXPECT_EQ(s.missed, std::vector<std::string>{}) << kind;
      EXPECT_EQ(s.false_positives, std::vector<std::string>{}) << kind;
    }
    // Overdue custody is the first alert.
    ASSERT_FALSE(alerts->empty());
    EXPECT_EQ((*alerts)[0].kind, "overdue");
    // The extension of the complex case moved its due time by four days, with its approver.
    auto ext = svc.GetDetainee(refs.at(truth["extended_complex"].get<std::string>()));
    ASSERT_TRUE(ext.ok());
    ASSERT_EQ(ext->extensions.size(), 1u);
    EXPECT_FALSE(ext->extensions[0].approved_by.empty());
    EXPECT_NEAR(ext->hours_left, 72.0, 0.01);
    // The admission beyond capacity is recorded with its override.
    auto over = svc.GetDetainee(refs.at(truth["over_capacity_admitted"].get<std::string>()));
    ASSERT_TRUE(over.ok());
    EXPECT_EQ(over->over_capacity_reason, "临时收押，监室调整中");
  }
  std::filesystem::remove_all(dir);
}

JW_INSTANTIATE_BACKENDS(CustodyTest);

}  // namespace
}  // namespace jingwu::custody
