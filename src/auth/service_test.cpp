#include "auth/service.h"

#include <gtest/gtest.h>

#include "auth/roles.h"
#include "auth/totp.h"
#include "core/crypto.h"
#include "sql/backend_test.h"

namespace jingwu::auth {
namespace {

const Actor kAdmin{"root", "admin", "cli"};
constexpr char kPw[] = "correct-horse-battery";

class AuthTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Migrate(audit::Migrations()).ok());
    ASSERT_TRUE(db_->Migrate(Migrations()).ok());
    log_ = std::make_unique<audit::Log>(db_, &clock_);
    Config c;
    c.totp_required_roles = {"inspector"};
    svc_ = std::make_unique<Service>(db_, log_.get(), &clock_, c);
  }

  User Add(const std::string& name, std::vector<std::string> roles = {"investigator"}) {
    auto u = svc_->CreateUser(kAdmin, {name, "", kPw, std::move(roles)});
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : User{};
  }

  Result<LoginResult> Login(const std::string& name, const std::string& pw, const std::string& totp = "") {
    return svc_->Login({name, pw, totp, "10.1.1.1"});
  }

  int64_t CountAudit(const std::string& action, const std::string& outcome = "") {
    auto p = log_->Query({.action = action, .outcome = outcome});
    return p.ok() ? p->total : -1;
  }

  ManualClock clock_{Timestamp::FromSeconds(1767225600)};
  std::unique_ptr<audit::Log> log_;
  std::unique_ptr<Service> svc_;
};

TEST_P(AuthTest, LoginIssuesATokenStoredOnlyAsAHash) {
  Add("wang");
  auto r = Login("wang", kPw);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->user.username, "wang");
  auto stored = db_->Query("SELECT token_hash FROM sessions");
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].Text("token_hash"), Sha256Hex(r->token));
  EXPECT_NE((*stored)[0].Text("token_hash"), r->token);
  auto p = svc_->Authenticate(r->token, "10.1.1.1");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->Can(perm::kPersonRead));
  EXPECT_FALSE(p->Can(perm::kAuditRead));
  EXPECT_EQ(CountAudit("auth.login", "ok"), 1);
}

TEST_P(AuthTest, PasswordsAreArgon2idHashes) {
  Add("wang");
  auto rows = db_->Query("SELECT password_hash FROM users WHERE username = ?", {"wang"});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].Text("password_hash").rfind("$argon2id$", 0), 0u);
}

TEST_P(AuthTest, WrongPasswordAndUnknownUserLookTheSame) {
  Add("wang");
  auto a = Login("wang", "wrong-password-123");
  auto b = Login("nobody", "wrong-password-123");
  EXPECT_EQ(a.status().code(), "invalid_credentials");
  EXPECT_EQ(b.status().code(), "invalid_credentials");
  EXPECT_EQ(a.status().message(), b.status().message());
  EXPECT_EQ(CountAudit("auth.login_failed"), 2);
}

TEST_P(AuthTest, LocksAfterFiveFailuresWithinFifteenMinutes) {
  User u = Add("wang");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Login("wang", "wrong-password-123").status().code(), "invalid_credentials");
  // The locking attempt and later wrong ones answer as for an unknown name.
  EXPECT_EQ(Login("wang", "wrong-password-123").status().code(), "invalid_credentials");
  EXPECT_EQ(CountAudit("auth.lockout"), 1);
  EXPECT_EQ(Login("wang", "wrong-password-456").status().code(), "invalid_credentials");
  // Even the right password is refused now, and stays refused; only it learns of the lock.
  clock_.Advance(24 * kMicrosPerHour);
  EXPECT_EQ(Login("wang", kPw).status().code(), "account_locked");
  ASSERT_TRUE(svc_->Unlock(kAdmin, u.id).ok());
  EXPECT_TRUE(Login("wang", kPw).ok());
}

TEST_P(AuthTest, FailuresOutsideTheWindowDoNotLock) {
  Add("wang");
  for (int i = 0; i < 4; ++i) ASSERT_EQ(Login("wang", "wrong-password-123").status().code(), "invalid_credentials");
  clock_.Advance(16 * kMicrosPerMinute);
  EXPECT_EQ(Login("wang", "wrong-password-123").status().code(), "invalid_credentials");
  EXPECT_TRUE(Login("wang", kPw).ok());
}

TEST_P(AuthTest, SuccessResetsTheFailureCount) {
  Add("wang");
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(Login("wang", "wrong-password-123").ok());
  ASSERT_TRUE(Login("wang", kPw).ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Login("wang", "wrong-password-123").status().code(), "invalid_credentials");
}

TEST_P(AuthTest, SessionsExpireWhenIdleAndAtTheAbsoluteLimit) {
  Add("wang");
  auto r = Login("wang", kPw);
  ASSERT_TRUE(r.ok());
  clock_.Advance(29 * kMicrosPerMinute);
  EXPECT_TRUE(svc_->Authenticate(r->token, "x").ok());
  clock_.Advance(29 * kMicrosPerMinute);
  EXPECT_TRUE(svc_->Authenticate(r->token, "x").ok());  // the last use refreshed it
  clock_.Advance(31 * kMicrosPerMinute);
  EXPECT_EQ(svc_->Authenticate(r->token, "x").status().code(), "session_expired");
  EXPECT_EQ(svc_->Authenticate(r->token, "x").status().code(), "unauthenticated");  // gone for good

  auto s = Login("wang", kPw);
  ASSERT_TRUE(s.ok());
  for (int i = 0; i < 36; ++i) {  // 12 hours of activity every 20 minutes
    clock_.Advance(20 * kMicrosPerMinute);
    ASSERT_TRUE(svc_->Authenticate(s->token, "x").ok()) << i;
  }
  clock_.Advance(kMicrosPerMinute);
  EXPECT_EQ(svc_->Authenticate(s->token, "x").status().code(), "session_expired");
}

TEST_P(AuthTest, LogoutEndsTheSession) {
  Add("wang");
  auto r = Login("wang", kPw);
  auto p = svc_->Authenticate(r->token, "x");
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(svc_->Logout(*p).ok());
  EXPECT_EQ(svc_->Authenticate(r->token, "x").status().code(), "unauthenticated");
  EXPECT_EQ(CountAudit("auth.logout"), 1);
}

TEST_P(AuthTest, UserValidation) {
  EXPECT_EQ(svc_->CreateUser(kAdmin, {"wang", "", "short", {"analyst"}}).status().code(), "weak_password");
  EXPECT_EQ(svc_->CreateUser(kAdmin, {"wang", "", "十一个汉字的密码还差一", {"analyst"}}).status().code(),
            "weak_password");  // 11 characters, though 33 bytes
  EXPECT_TRUE(svc_->CreateUser(kAdmin, {"wang", "", "十二个汉字的密码正好十二", {"analyst"}}).ok());
  EXPECT_EQ(svc_->CreateUser(kAdmin, {"wang", "", kPw, {"analyst"}}).status().code(), "username_taken");
  EXPECT_EQ(svc_->CreateUser(kAdmin, {"li", "", kPw, {"superuser"}}).status().code(), "unknown_role");
  EXPECT_EQ(svc_->CreateUser(kAdmin, {"li", "", kPw, {}}).status().code(), "unknown_role");
  EXPECT_EQ(svc_->CreateUser(kAdmin, {"Li Wei", "", kPw, {"analyst"}}).status().code(), "invalid_username");
  EXPECT_EQ(svc_->CreateUser(kAdmin, {"li", "", "li", {"analyst"}}).status().code(), "weak_password");
  auto all = svc_->ListUsers();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);  // the failures stored nothing
  EXPECT_EQ(CountAudit("user.create", "failed"), 7);
}

TEST_P(AuthTest, PasswordsEasyToGuessAreRefusedWithTheReason) {
  for (const char* pw : {"aaaaaaaaaaaa", "            ", "123456789012", "abcdefghijkl", "password1234", "qwertyuiop12",
                         "policepolice", "!!Password!!"}) {
    auto r = svc_->CreateUser(kAdmin, {"wang", "", pw, {"analyst"}});
    EXPECT_EQ(r.status().code(), "weak_password") << pw;
    EXPECT_NE(r.status().message().find("too easy to guess"), std::string::npos) << r.status().message();
  }
  for (const char* pw : {"correct-horse-battery", "Hai-Kou-Bay-7421", "十二个汉字的密码正好十二"})
    EXPECT_TRUE(CheckPasswordStrength(pw, "wang").ok()) << pw;
  EXPECT_EQ(CheckPasswordStrength("wang.li.2020x", "wang.li").code(), "weak_password");
}

TEST_P(AuthTest, AdminAndInspectorAreNeverHeldTogether) {
  EXPECT_EQ(svc_->CreateUser(kAdmin, {"wang", "", kPw, {"admin", "inspector"}}).status().code(), "incompatible_roles");
  User u = Add("wang", {"admin"});
  EXPECT_EQ(svc_->UpdateUser(kAdmin, u.id, {.roles = std::vector<std::string>{"inspector", "admin"}}).status().code(),
            "incompatible_roles");
  EXPECT_EQ(svc_->GetUser(u.id)->roles, std::vector<std::string>{"admin"});
}

TEST_P(AuthTest, SensitiveGrantsWaitForASecondAdmin) {
  User a1 = Add("admin1", {"admin"});
  User a2 = Add("admin2", {"admin"});
  User t = Add("target", {"dispatcher"});
  const Actor first{"admin1", "admin", "10.0.0.1"}, second{"admin2", "admin", "10.0.0.2"};
  // Nobody changes their own roles, sensitive or not.
  EXPECT_EQ(svc_->UpdateUserByAdmin(first, a1.id, {.roles = std::vector<std::string>{"admin", "dispatcher"}})
                .status().code(), "self_grant");
  // A non-sensitive change applies at once.
  auto plain = svc_->UpdateUserByAdmin(first, t.id, {.roles = std::vector<std::string>{"dispatcher", "service_clerk"}});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->pending);
  // A sensitive one waits.
  auto ch = svc_->UpdateUserByAdmin(first, t.id, {.roles = std::vector<std::string>{"analyst"}});
  ASSERT_TRUE(ch.ok()) << ch.status().ToString();
  ASSERT_TRUE(ch->pending);
  EXPECT_EQ(ch->user.roles, (std::vector<std::string>{"dispatcher", "service_clerk"}));
  EXPECT_EQ(ch->pending->state, "pending");
  EXPECT_EQ(svc_->ApproveGrant(first, ch->pending->id, "").status().code(), "second_admin_required");
  // A newer request replaces the pending one.
  auto newer = svc_->UpdateUserByAdmin(first, t.id, {.roles = std::vector<std::string>{"investigator"}});
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ(svc_->ApproveGrant(second, ch->pending->id, "").status().code(), "grant_not_pending");
  auto ok = svc_->ApproveGrant(second, newer->pending->id, "核准");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->state, "approved");
  EXPECT_EQ(ok->decided_by, "admin2");
  EXPECT_EQ(svc_->GetUser(t.id)->roles, std::vector<std::string>{"investigator"});
  // Granting admin2 anything sensitive: admin2 cannot approve it for themselves.
  auto self = svc_->UpdateUserByAdmin(first, a2.id, {.roles = std::vector<std::string>{"admin", "commander"}});
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(svc_->ApproveGrant(second, self->pending->id, "").status().code(), "self_grant");
  EXPECT_EQ(svc_->RejectGrant(second, self->pending->id, "").status().code(), "self_grant");
  ASSERT_TRUE(svc_->RejectGrant(first, self->pending->id, "withdrawn").ok());
  EXPECT_EQ(svc_->ListGrants(true)->size(), 0u);
  EXPECT_EQ(svc_->ListGrants(false)->size(), 3u);
  // A new account with only sensitive roles starts with none.
  auto created = svc_->CreateUserByAdmin(first, {"new.insp", "", kPw, {"inspector"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->user.roles.empty());
  ASSERT_TRUE(created->pending);
  EXPECT_EQ(CountAudit("user.role_grant.request"), 4);
  EXPECT_EQ(CountAudit("user.role_grant.approve", "ok"), 1);
  EXPECT_EQ(CountAudit("user.role_grant.approve", "denied"), 2);
}

TEST_P(AuthTest, DisablingAndNewPasswordsEndSessions) {
  User u = Add("wang");
  auto r = Login("wang", kPw);
  ASSERT_TRUE(svc_->SetPassword(kAdmin, u.id, "another-long-password").ok());
  EXPECT_FALSE(svc_->Authenticate(r->token, "x").ok());
  EXPECT_EQ(Login("wang", kPw).status().code(), "invalid_credentials");
  auto r2 = Login("wang", "another-long-password");
  ASSERT_TRUE(r2.ok());
  ASSERT_TRUE(svc_->UpdateUser(kAdmin, u.id, {.disabled = true}).ok());
  EXPECT_FALSE(svc_->Authenticate(r2->token, "x").ok());
  EXPECT_EQ(Login("wang", "another-long-password").status().code(), "account_disabled");
}

TEST_P(AuthTest, TotpEnrolConfirmLoginAndRefuseReuse) {
  Add("wang");
  auto r = Login("wang", kPw);
  auto p = svc_->Authenticate(r->token, "x");
  ASSERT_TRUE(p.ok());
  auto e = svc_->TotpEnroll(*p);
  ASSERT_TRUE(e.ok());
  std::vector<uint8_t> key;
  ASSERT_TRUE(Base32Decode(e->secret, &key));
  EXPECT_EQ(svc_->TotpConfirm(*p, "000000").code(), "invalid_totp");
  int64_t step = clock_.Now().seconds() / kTotpStepSeconds;
  ASSERT_TRUE(svc_->TotpConfirm(*p, TotpCode(key, step)).ok());

  clock_.Advance(30 * kMicrosPerSecond);
  EXPECT_EQ(Login("wang", kPw).status().code(), "totp_required");
  EXPECT_EQ(Login("wang", kPw, "123456").status().code(), "invalid_totp");
  std::string code = TotpCode(key, step + 1);
  EXPECT_TRUE(Login("wang", kPw, code).ok());
  EXPECT_EQ(Login("wang", kPw, code).status().code(), "invalid_totp");  // used once already
  // The confirmation code's step is spent too.
  EXPECT_EQ(Login("wang", kPw, TotpCode(key, step)).status().code(), "invalid_totp");
}

TEST_P(AuthTest, RoleThatRequiresTotpRestrictsUntilEnrolled) {
  Add("zhao", {"inspector"});
  auto r = Login("zhao", kPw);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->totp_enrollment_required);
  auto p = svc_->Authenticate(r->token, "x");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->totp_enrollment_required);
}

TEST_P(AuthTest, ManyFailuresFromOneAddressAreRateLimited) {
  for (int i = 0; i < 30; ++i) ASSERT_EQ(Login("ghost" + std::to_string(i), "x").status().code(), "invalid_credentials");
  EXPECT_EQ(Login("ghost", "x").status().code(), "rate_limited");
  clock_.Advance(61 * kMicrosPerSecond);
  EXPECT_EQ(Login("ghost", "x").status().code(), "invalid_credentials");
}

JW_INSTANTIATE_BACKENDS(AuthTest);

TEST(Roles, PermissionsAreTheUnionOfRoles) {
  auto p = PermissionsOf({"dispatcher", "inspector"});
  EXPECT_EQ(p, (std::set<std::string>{"dispatch.read", "dispatch.write", "audit.read"}));
  EXPECT_TRUE(PermissionsOf({"nonsense"}).empty());
  EXPECT_EQ(AllRoles().size(), 9u);
  EXPECT_EQ(PermissionsOf({"custody_officer"}), (std::set<std::string>{"custody.read", "custody.write", "cases.read"}));
  EXPECT_TRUE(IsSensitiveRole("custody_officer"));  // a second admin approves the grant
  EXPECT_FALSE(PermissionsOf({"admin"}).count("audit.read"));  // admins do not inspect themselves
  EXPECT_FALSE(PermissionsOf({"inspector"}).count("users.manage"));
}

TEST(Roles, SplitAndJoin) {
  EXPECT_EQ(SplitRoles("a,b,,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(JoinRoles({"a", "b"}), "a,b");
  EXPECT_TRUE(SplitRoles("").empty());
}

}  // namespace
}  // namespace jingwu::auth
