#include "services/service.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.h"
#include "identity/identity.h"
#include "sql/backend_test.h"

namespace jingwu::services {
namespace {

const Actor kClerk{"zhao.clerk", "service_clerk", "10.0.0.2"};
const std::string kPdf = "%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n";
const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "IHDR....";

Timestamp At(const char* local) { return *ParseTime(local); }

class ServicesTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Migrate(audit::Migrations()).ok());
    ASSERT_TRUE(db_->Migrate(Migrations()).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    dir_ = std::filesystem::temp_directory_path() / ("jw-svc-" + std::to_string(::getpid()) + "-" + GetParam());
    std::filesystem::remove_all(dir_);
    Options o;
    o.uploads_dir = (dir_ / "uploads").string();
    o.upload_max_bytes = 1024;
    o.verification_share = 0.5;
    svc_ = std::make_unique<Service>(db_, log_.get(), &clock_, o);
    alice_ = NewCitizen("13800138001", 1);
    bob_ = NewCitizen("13800138002", 2);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Citizen NewCitizen(const std::string& phone, int seq) {
    RegisterInput in{phone, "secret-pass-1", *identity::MakeIdNumber("460106", 1998, 5, 12, seq), "王小明"};
    auto c = svc_->Register(in);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : Citizen{};
  }
  json TalentForm() {
    return {{"name", "王小明"},           {"id_number", alice_.id_number}, {"phone", "13800138001"},
            {"education", "master"},      {"graduated_on", "2026-06-30"}};
  }
  // A talent-settlement application with every material but the photo.
  Application TalentApp(bool commitment = false, bool with_photo = false) {
    ApplyInput in{"HZ001", "online", TalentForm(), commitment};
    auto a = svc_->Apply(alice_, in);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    for (const char* m : {"id_card", "hukou_booklet", "diploma"}) EXPECT_TRUE(Put(alice_, a->id, m, kPdf).ok());
    if (with_photo) {
      EXPECT_TRUE(Put(alice_, a->id, "photo", kPng, "image/png").ok());
    }
    return *svc_->Get(a->id);
  }
  Result<Application> Put(const Citizen& c, int64_t id, const std::string& m, const std::string& bytes,
                          const std::string& type = "application/pdf") {
    return svc_->Upload(c, id, {m, type, m + ".bin", bytes});
  }
  std::string Code(const Status& s) { return s.ok() ? "ok" : s.code(); }
  size_t StoredFiles() {
    size_t n = 0;
    if (!std::filesystem::exists(dir_ / "uploads")) return 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "uploads")) n += e.is_regular_file();
    return n;
  }

  ManualClock clock_{At("2026-09-29T09:00:00")};  // a Tuesday before 国庆
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<Service> svc_;
  std::filesystem::path dir_;
  Citizen alice_, bob_;
};

TEST_P(ServicesTest, RegistrationChecksTheIdNumberAndUniqueness) {
  std::string wrong_check = *identity::MakeIdNumber("460106", 1990, 1, 1, 7);
  wrong_check.back() = wrong_check.back() == '1' ? '2' : '1';
  RegisterInput bad{"13900139000", "secret-pass-1", wrong_check, "李四"};
  EXPECT_EQ(Code(svc_->Register(bad).status()), "invalid_id_number");
  RegisterInput dup{"13800138001", "secret-pass-1", *identity::MakeIdNumber("460106", 1990, 1, 1, 5), "李四"};
  // Taken phone or taken ID number: one answer, which says neither.
  EXPECT_EQ(Code(svc_->Register(dup).status()), "registration_refused");
  RegisterInput dup_id{"13900139001", "secret-pass-1", alice_.id_number, "李四"};
  EXPECT_EQ(Code(svc_->Register(dup_id).status()), "registration_refused");
  auto tok = svc_->Login("13800138001", "secret-pass-1", "127.0.0.1");
  ASSERT_TRUE(tok.ok());
  EXPECT_EQ(svc_->Authenticate(*tok)->id, alice_.id);
  EXPECT_EQ(Code(svc_->Login("13800138001", "wrong-pass", "127.0.0.1").status()), "invalid_credentials");
  EXPECT_EQ(Code(svc_->Authenticate("not-a-citizen-token").status()), "unauthenticated");
}

TEST_P(ServicesTest, SignInLocksAPhoneAfterFiveFailuresForTheWindow) {
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(Code(svc_->Login("13800138001", "wrong-pass", "10.0.0.1").status()), "invalid_credentials");
  EXPECT_TRUE(svc_->Login("13800138001", "secret-pass-1", "10.0.0.1").ok()) << "4 failures do not lock";
  EXPECT_EQ(Code(svc_->Login("13800138001", "wrong-pass", "10.0.0.2").status()), "invalid_credentials");
  // Five failures, from any address: the right password is refused too.
  EXPECT_EQ(Code(svc_->Login("13800138001", "secret-pass-1", "10.0.0.3").status()), "too_many_attempts");
  // Another phone is not affected; an unknown phone locks the same way.
  EXPECT_TRUE(svc_->Login("13800138002", "secret-pass-1", "10.0.0.3").ok());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Code(svc_->Login("13700137000", "x", "10.0.0.4").status()), "invalid_credentials");
  EXPECT_EQ(Code(svc_->Login("13700137000", "x", "10.0.0.4").status()), "too_many_attempts");
  clock_.Advance(15 * kMicrosPerMinute + kMicrosPerSecond);
  EXPECT_TRUE(svc_->Login("13800138001", "secret-pass-1", "10.0.0.3").ok());
}

TEST_P(ServicesTest, WeakAndControlCharacterRegistrationsAreRefused) {
  for (const char* pw : {"aaaaaaaaaaaa", "123456789012", "password1234"})
    EXPECT_EQ(Code(svc_->Register({"13900139002", pw, *identity::MakeIdNumber("460106", 1990, 1, 1, 9), "李四"}).status()),
              "weak_password") << pw;
  EXPECT_EQ(Code(svc_->Register({"13900139002", "secret-pass-1", *identity::MakeIdNumber("460106", 1990, 1, 1, 9),
                                 std::string("李\0四", 7)}).status()),
            "invalid_name");
}

TEST_P(ServicesTest, FormValidation) {
  json f = TalentForm();
  f["education"] = "kindergarten";
  EXPECT_EQ(Code(svc_->Apply(alice_, {"HZ001", "online", f}).status()), "invalid_field");
  f = TalentForm();
  f.erase("graduated_on");
  EXPECT_EQ(Code(svc_->Apply(alice_, {"HZ001", "online", f}).status()), "field_required");
  EXPECT_EQ(Code(svc_->Apply(alice_, {"JG006", "appointment", json::object()}).status()), "channel_not_offered");
  EXPECT_EQ(Code(svc_->Apply(alice_, {"HZ002", "online", TalentForm(), true}).status()), "commitment_not_offered");
  EXPECT_EQ(Code(svc_->Apply(alice_, {"XX999", "online", TalentForm()}).status()), "unknown_item");
}

TEST_P(ServicesTest, FullPathWithEveryRefusal) {
  Application a = TalentApp(false, true);
  EXPECT_EQ(a.state, "received");
  EXPECT_EQ(Code(svc_->Approve(kClerk, a.id, "").status()), "invalid_transition");
  EXPECT_EQ(Code(svc_->Issue(kClerk, a.id, "").status()), "invalid_transition");
  EXPECT_EQ(Code(svc_->Rate(alice_, a.id, 5, "").status()), "not_decided");
  auto acc = svc_->Accept(kClerk, a.id, {}, 0, "");
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  EXPECT_EQ(acc->state, "accepted");
  EXPECT_EQ(acc->commissioner, "zhao.clerk");
  EXPECT_EQ(DayString(acc->due_day), "2026-10-12");            // 5 working days across 国庆 and the make-up Saturday
  EXPECT_EQ(DayString(acc->statutory_due_day), "2026-11-02");  // 20 working days
  EXPECT_EQ(Code(svc_->Accept(kClerk, a.id, {}, 0, "").status()), "invalid_transition");
  EXPECT_EQ(Code(svc_->Approve(kClerk, a.id, "").status()), "review_required");
  ASSERT_TRUE(svc_->StartReview(kClerk, a.id).ok());
  EXPECT_EQ(Code(svc_->Reject(kClerk, a.id, " ").status()), "reason_required");
  clock_.Set(At("2026-10-09T15:00:00"));
  auto ok = svc_->Approve(kClerk, a.id, "符合条件");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->state, "approved");
  EXPECT_EQ(ok->decided_working_days, 3);  // 30 Sep, 8 Oct, 9 Oct
  EXPECT_EQ(Code(svc_->Reject(kClerk, a.id, "late").status()), "invalid_transition");
  auto issued = svc_->Issue(kClerk, a.id, "");
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->state, "issued");
  EXPECT_EQ(issued->certificate_no, "HZ001-" + std::to_string(a.id));
  EXPECT_EQ(Code(Put(alice_, a.id, "photo", kPng, "image/png").status()), "application_closed");
  // The history names every step in order.
  std::vector<std::string> actions;
  for (const auto& s : issued->steps) actions.push_back(s.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"submit", "upload", "upload", "upload", "upload", "accept", "review",
                                               "approve", "issue"}));
}

TEST_P(ServicesTest, AcceptanceRefusals) {
  Application a = TalentApp();  // no photo
  EXPECT_EQ(Code(svc_->Accept(kClerk, a.id, {}, 0, "").status()), "materials_missing");
  EXPECT_EQ(Code(svc_->Accept(kClerk, a.id, {"diploma"}, 3, "").status()), "material_present");
  EXPECT_EQ(Code(svc_->Accept(kClerk, a.id, {"photo"}, 6, "").status()), "follow_deadline_too_long");
  EXPECT_EQ(Code(svc_->Accept(kClerk, a.id, {"photo"}, 0, "").status()), "follow_deadline_too_long");
  EXPECT_EQ(Code(svc_->Accept(kClerk, a.id, {"nonsense"}, 3, "").status()), "unknown_material");
  ApplyInput in{"HZ001", "online", TalentForm()};
  auto b = svc_->Apply(alice_, in);
  EXPECT_EQ(Code(svc_->Accept(kClerk, b->id, {"diploma"}, 3, "").status()), "key_material_cannot_follow");
}

TEST_P(ServicesTest, DocumentsToFollowPauseTheClock) {
  Application a = TalentApp();
  auto acc = svc_->Accept(kClerk, a.id, {"photo"}, 5, "qian.commissioner");
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  EXPECT_EQ(acc->state, "accepted_pending");
  EXPECT_EQ(acc->commissioner, "qian.commissioner");
  EXPECT_EQ(svc_->Queue("", "", 100, "qian.commissioner")->size(), 1u);
  EXPECT_EQ(svc_->Queue("", "", 100, "zhao.clerk")->size(), 0u);
  EXPECT_EQ(DayString(acc->follow_deadline_day), "2026-10-12");
  EXPECT_EQ(Code(svc_->StartReview(kClerk, a.id).status()), "invalid_transition");
  // Paused: no working day counts, so no escalation however long it waits.
  clock_.Set(At("2026-10-09T10:00:00"));
  EXPECT_EQ(svc_->ElapsedWorkingDays(*svc_->Get(a.id), svc_->Today()), 0);
  EXPECT_EQ(*svc_->CheckClocks(), 0);
  auto up = Put(alice_, a.id, "photo", kPng, "image/png");
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->state, "accepted");
  EXPECT_EQ(up->paused_days, 3);                      // 30 Sep, 8 Oct, 9 Oct
  EXPECT_EQ(DayString(up->due_day), "2026-10-15");    // 5 + 3 working days after 29 Sep
  EXPECT_TRUE(up->owed.empty());
  // Escalation at 80% (4 of 5 working days) on Wed 14 Oct, 100% on Thu 15 Oct.
  clock_.Set(At("2026-10-13T10:00:00"));
  EXPECT_EQ(*svc_->CheckClocks(), 0);
  clock_.Set(At("2026-10-14T10:00:00"));
  EXPECT_EQ(*svc_->CheckClocks(), 1);
  EXPECT_EQ(svc_->Get(a.id)->escalations, std::vector<std::string>{"80"});
  clock_.Set(At("2026-10-15T10:00:00"));
  EXPECT_EQ(*svc_->CheckClocks(), 1);
  EXPECT_EQ(*svc_->CheckClocks(), 0);
  EXPECT_EQ(svc_->Get(a.id)->escalations, (std::vector<std::string>{"80", "100"}));
}

TEST_P(ServicesTest, TerminatedWhenTheDocumentsDoNotFollow) {
  Application a = TalentApp();
  ASSERT_TRUE(svc_->Accept(kClerk, a.id, {"photo"}, 5, "").ok());
  clock_.Set(At("2026-10-12T23:00:00"));  // the deadline day itself: still open
  EXPECT_EQ(*svc_->CheckClocks(), 0);
  EXPECT_EQ(svc_->Get(a.id)->state, "accepted_pending");
  clock_.Set(At("2026-10-13T00:30:00"));
  EXPECT_EQ(*svc_->CheckClocks(), 1);
  auto t = svc_->Get(a.id);
  EXPECT_EQ(t->state, "terminated");
  EXPECT_EQ(t->reason, "documents_not_supplied");
  EXPECT_EQ(t->decided_working_days, 0);  // the whole wait was paused
  EXPECT_EQ(t->steps.back().actor, "system");
  EXPECT_NE(t->steps.back().note.find("2026-10-12"), std::string::npos);
  EXPECT_EQ(Code(Put(alice_, a.id, "photo", kPng, "image/png").status()), "application_closed");
}

TEST_P(ServicesTest, MaterialRequestedThenSupplied) {
  Application a = TalentApp(false, true);
  EXPECT_EQ(Code(svc_->RequestMaterial(kClerk, a.id, {}, "").status()), "materials_required");
  auto r = svc_->RequestMaterial(kClerk, a.id, {"diploma"}, "毕业证书不清晰，请重新上传");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, "material_requested");
  EXPECT_EQ(Code(svc_->Accept(kClerk, a.id, {}, 0, "").status()), "invalid_transition");
  auto up = Put(alice_, a.id, "diploma", kPdf);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->state, "received");
  EXPECT_TRUE(svc_->Accept(kClerk, a.id, {}, 0, "").ok());
}

TEST_P(ServicesTest, CitizensSeeOnlyTheirOwn) {
  Application a = TalentApp();
  // Another citizen's application is answered as one that does not exist.
  EXPECT_EQ(Code(svc_->GetForCitizen(bob_, a.id).status()), "not_found");
  EXPECT_EQ(Code(Put(bob_, a.id, "photo", kPng, "image/png").status()), "not_found");
  EXPECT_EQ(Code(svc_->Rate(bob_, a.id, 1, "").status()), "not_found");
  EXPECT_EQ(svc_->ListForCitizen(bob_)->size(), 0u);
  EXPECT_EQ(svc_->ListForCitizen(alice_)->size(), 1u);
}

TEST_P(ServicesTest, UploadRefusalsStoreNothing) {
  ApplyInput in{"HZ001", "online", TalentForm()};
  auto a = svc_->Apply(alice_, in);
  EXPECT_EQ(Code(Put(alice_, a->id, "photo", std::string(1025, 'x'), "image/png").status()), "upload_too_large");
  EXPECT_EQ(Code(Put(alice_, a->id, "photo", "MZ\x90\x00", "application/x-msdownload").status()),
            "upload_type_not_allowed");
  EXPECT_EQ(Code(Put(alice_, a->id, "photo", "GIF89a", "image/gif").status()), "upload_type_not_allowed");
  EXPECT_EQ(Code(Put(alice_, a->id, "photo", "<html>", "image/png").status()), "upload_content_mismatch");
  EXPECT_EQ(Code(Put(alice_, a->id, "photo", "", "image/png").status()), "upload_empty");
  EXPECT_EQ(Code(Put(alice_, a->id, "passport", kPdf).status()), "unknown_material");
  EXPECT_EQ(StoredFiles(), 0u);
  EXPECT_TRUE(svc_->Get(a->id)->uploads.empty());
  auto ok = Put(alice_, a->id, "photo", kPng, "image/png");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(StoredFiles(), 1u);
  std::string sha = ok->uploads.at(0).sha256;
  EXPECT_EQ(sha, Sha256Hex(kPng));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "uploads" / sha.substr(0, 2) / sha));
  ASSERT_TRUE(Put(alice_, a->id, "id_card", kPng, "image/png").ok());  // same content: stored once
  EXPECT_EQ(StoredFiles(), 1u);
}

TEST_P(ServicesTest, CommitmentPathAndVerificationSample) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    Application a = TalentApp(true, true);
    ASSERT_TRUE(svc_->Accept(kClerk, a.id, {}, 0, "").ok());
    auto ok = svc_->Approve(kClerk, a.id, "承诺办");  // straight from accepted
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    EXPECT_EQ(ok->decided_working_days, 0);
    ids.push_back(a.id);
  }
  Application plain = TalentApp(false, true);
  ASSERT_TRUE(svc_->Accept(kClerk, plain.id, {}, 0, "").ok());
  EXPECT_EQ(Code(svc_->Approve(kClerk, plain.id, "").status()), "review_required");
  auto drawn = svc_->DrawVerification(kClerk);
  ASSERT_TRUE(drawn.ok());
  EXPECT_EQ(drawn->size(), 2u);  // half of four
  EXPECT_EQ(svc_->DrawVerification(kClerk)->size(), 0u);  // the share is reached
  int64_t d = drawn->at(0);
  EXPECT_EQ(svc_->Get(d)->verification, "pending");
  auto rv = svc_->Verify(kClerk, d, "revoked");
  ASSERT_TRUE(rv.ok());
  EXPECT_EQ(rv->verification, "revoked");
  EXPECT_EQ(Code(svc_->Verify(kClerk, d, "confirmed").status()), "not_drawn");
}

TEST_P(ServicesTest, ParallelApprovalAllAndAny) {
  // CR008 (work residence permit): exit_entry and labour must both approve.
  json f = {{"name", "Ivan Petrov"}, {"passport_no", "RUS/751234567"}, {"employer", "海南大学"}, {"phone", "13800138001"}};
  auto mk = [&](const std::string& item, const json& form) {
    auto a = svc_->Apply(alice_, {item, "online", form});
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    for (const auto& m : FindItem(item)->materials) EXPECT_TRUE(Put(alice_, a->id, m.code, kPdf).ok());
    EXPECT_TRUE(svc_->Accept(kClerk, a->id, {}, 0, "").ok());
    EXPECT_TRUE(svc_->StartReview(kClerk, a->id).ok());
    return a->id;
  };
  int64_t all = mk("CR008", f);
  EXPECT_EQ(Code(svc_->Approve(kClerk, all, "").status()), "department_decisions_required");
  EXPECT_EQ(Code(svc_->DepartmentDecision(kClerk, all, "traffic", "approved", "").status()), "unknown_department");
  auto one = svc_->DepartmentDecision(kClerk, all, "exit_entry", "approved", "");
  EXPECT_EQ(one->state, "under_review");
  EXPECT_EQ(Code(svc_->DepartmentDecision(kClerk, all, "exit_entry", "approved", "").status()), "already_decided");
  EXPECT_EQ(svc_->DepartmentDecision(kClerk, all, "labour", "approved", "")->state, "approved");
  int64_t all2 = mk("CR008", f);
  EXPECT_EQ(svc_->DepartmentDecision(kClerk, all2, "labour", "rejected", "工作许可无效")->state, "rejected");
  EXPECT_EQ(svc_->Get(all2)->reason, "工作许可无效");
  // CR010 (stay permit): exit_entry or public_order may approve alone.
  json g = {{"name", "Ivan Petrov"}, {"passport_no", "RUS/751234567"}, {"phone", "13800138001"}};
  int64_t any = mk("CR010", g);
  EXPECT_EQ(svc_->DepartmentDecision(kClerk, any, "public_order", "rejected", "住宿登记不符")->state, "under_review");
  EXPECT_EQ(svc_->DepartmentDecision(kClerk, any, "exit_entry", "approved", "")->state, "approved");
  int64_t any2 = mk("CR010", g);
  EXPECT_EQ(svc_->DepartmentDecision(kClerk, any2, "public_order", "rejected", "不符")->state, "under_review");
  EXPECT_EQ(svc_->DepartmentDecision(kClerk, any2, "exit_entry", "rejected", "不符")->state, "rejected");
  // The labour department's queue holds the CR008 cases.
  ASSERT_TRUE(svc_->SetStaffDepartment("labour.clerk", "labour").ok());
  EXPECT_EQ(svc_->Queue("labour", "", 100)->size(), 2u);
  EXPECT_EQ(Code(svc_->SetStaffDepartment("x", "nowhere")), "unknown_department");
}

TEST_P(ServicesTest, BadRatingOpensAFollowUp) {
  Application a = TalentApp(false, true);
  ASSERT_TRUE(svc_->Accept(kClerk, a.id, {}, 0, "").ok());
  ASSERT_TRUE(svc_->StartReview(kClerk, a.id).ok());
  ASSERT_TRUE(svc_->Reject(kClerk, a.id, "学历不符合条件").ok());
  EXPECT_EQ(Code(svc_->Rate(alice_, a.id, 6, "").status()), "invalid_rating");
  auto r = svc_->Rate(alice_, a.id, 2, "等太久");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->rating->follow_up);
  EXPECT_EQ(DayString(r->rating->follow_up_due_day), "2026-10-12");  // 5 working days after 29 Sep
  EXPECT_EQ(Code(svc_->Rate(alice_, a.id, 5, "").status()), "already_rated");
  EXPECT_EQ(Code(svc_->CloseFollowUp(kClerk, a.id, "").status()), "note_required");
  auto c = svc_->CloseFollowUp(kClerk, a.id, "已电话回访并解释政策");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->rating->follow_up_closed_at.has_value());
}

TEST_P(ServicesTest, MetricsAgainstHandComputedValues) {
  // Five HZ001 applications: 3 online, 1 post, 1 fast_track.
  //   #1 online: approved after 3 working days, rated 5
  //   #2 online: approved after 7 working days (late: promised 5), rated 1
  //   #3 post:   rejected after 1 working day
  //   #4 fast_track: open
  //   #5 online: approved on commitment after 0 days
  clock_.Set(At("2026-09-01T09:00:00"));  // Tuesday
  auto decide = [&](Application a, const char* day, bool reject = false) {
    EXPECT_TRUE(svc_->Accept(kClerk, a.id, {}, 0, "").ok());
    clock_.Set(At(day));
    if (a.commitment) {
      EXPECT_TRUE(svc_->Approve(kClerk, a.id, "").ok());
    } else {
      EXPECT_TRUE(svc_->StartReview(kClerk, a.id).ok());
      EXPECT_TRUE((reject ? svc_->Reject(kClerk, a.id, "不符") : svc_->Approve(kClerk, a.id, "")).ok());
    }
    clock_.Set(At("2026-09-01T09:00:00"));
  };
  Application a1 = TalentApp(false, true);
  decide(a1, "2026-09-04T10:00:00");  // Wed 2, Thu 3, Fri 4 = 3
  Application a2 = TalentApp(false, true);
  decide(a2, "2026-09-10T10:00:00");  // 2,3,4,7,8,9,10 = 7
  auto p3 = svc_->Apply(alice_, {"HZ001", "post", TalentForm()});
  for (const auto& m : {"id_card", "hukou_booklet", "diploma", "photo"}) ASSERT_TRUE(Put(alice_, p3->id, m, kPdf).ok());
  decide(*svc_->Get(p3->id), "2026-09-02T10:00:00", true);
  auto p4 = svc_->Apply(alice_, {"HZ001", "fast_track", TalentForm()});
  ASSERT_TRUE(p4.ok());
  Application a5 = TalentApp(true, true);
  decide(a5, "2026-09-01T16:00:00");
  ASSERT_TRUE(svc_->Rate(alice_, a1.id, 5, "").ok());
  ASSERT_TRUE(svc_->Rate(alice_, a2.id, 1, "").ok());

  auto rep = svc_->Metrics(*ParseDay("2026-09-01"), *ParseDay("2026-09-30"));
  ASSERT_TRUE(rep.ok());
  const ItemMetrics* m = nullptr;
  for (const auto& x : rep->items)
    if (x.item_code == "HZ001") m = &x;
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->total, 5);
  EXPECT_EQ(m->by_channel.at("online"), 3);
  EXPECT_EQ(m->by_channel.at("post"), 1);
  EXPECT_EQ(m->by_channel.at("fast_track"), 1);
  EXPECT_DOUBLE_EQ(m->digital_take_up, 0.6);
  EXPECT_EQ(m->decided, 4);
  EXPECT_EQ(m->approved, 3);
  EXPECT_EQ(m->rejected, 1);
  EXPECT_EQ(m->open, 1);
  EXPECT_DOUBLE_EQ(m->completion_rate, 0.8);
  // Days to decision {0, 1, 3, 7}: median 2, p90 = 3 + 0.7 * (7 - 3) = 5.8.
  EXPECT_DOUBLE_EQ(m->median_days, 2.0);
  EXPECT_NEAR(m->p90_days, 5.8, 1e-9);
  EXPECT_DOUBLE_EQ(m->within_promised, 0.75);
  EXPECT_DOUBLE_EQ(m->within_statutory, 1.0);
  EXPECT_EQ(m->ratings, 2);
  EXPECT_DOUBLE_EQ(m->bad_rating_rate, 0.5);
  EXPECT_EQ(m->commitments, 1);
  EXPECT_EQ(rep->all.total, 5);
  EXPECT_EQ(rep->items.size(), Catalogue().size());
  // Nothing submitted in October.
  EXPECT_EQ(svc_->Metrics(*ParseDay("2026-10-01"), *ParseDay("2026-10-31"))->all.total, 0);
}

TEST(ServicesCatalogue, AtLeastThirtyConsistentItems) {
  EXPECT_GE(Catalogue().size(), 30u);
  std::set<std::string> codes;
  for (const auto& it : Catalogue()) {
    EXPECT_TRUE(codes.insert(it.code).second) << it.code;
    EXPECT_LE(it.promised_days, it.statutory_days) << it.code;
    EXPECT_TRUE(IsDepartment(it.department)) << it.code;
    for (const auto& c : it.channels) EXPECT_TRUE(IsChannel(c)) << it.code;
    if (it.approval) {
      for (const auto& d : it.approval->departments) EXPECT_TRUE(IsDepartment(d)) << it.code;
    }
  }
  for (const char* cat : {"household", "exit_entry", "traffic", "public_order", "foreigners"})
    EXPECT_TRUE(std::any_of(Catalogue().begin(), Catalogue().end(), [&](const Item& i) { return i.category == cat; }));
}

TEST(ServicesStates, TransitionTable) {
  EXPECT_TRUE(AllowedTransition("received", "accepted"));
  EXPECT_TRUE(AllowedTransition("accepted_pending", "terminated"));
  EXPECT_FALSE(AllowedTransition("received", "approved"));
  EXPECT_FALSE(AllowedTransition("issued", "approved"));
  EXPECT_FALSE(AllowedTransition("rejected", "accepted"));
}

JW_INSTANTIATE_BACKENDS(ServicesTest);

}  // namespace
}  // namespace jingwu::services
