#include "audit/audit.h"

#include <unistd.h>

#include "audit/checkpoint.h"

#include <gtest/gtest.h>

#include "sql/backend_test.h"

namespace jingwu::audit {
namespace {

class AuditTest : public sql::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Migrate(Migrations()).ok());
    log_ = std::make_unique<Log>(db_, &clock_);
  }

  void AppendN(int n) {
    for (int i = 1; i <= n; ++i) {
      Entry e;
      e.actor = i % 2 ? "wang" : "li";
      e.role = "investigator";
      e.client = "10.0.0." + std::to_string(i);
      e.action = i % 3 ? "identity.parse" : "auth.login";
      e.target = "ID:46010019900101123" + std::to_string(i % 10);
      e.purpose = "案件核查";
      e.case_no = "A2026-" + std::to_string(i);
      e.outcome = "ok";
      ASSERT_TRUE(log_->Append(e).ok());
      clock_.Advance(kMicrosPerSecond);
    }
  }

  ManualClock clock_{Timestamp::FromSeconds(1767225600)};  // 2026-01-01T00:00:00Z
  std::unique_ptr<Log> log_;
};

TEST_P(AuditTest, AppendChainsEntries) {
  Entry e;
  e.actor = "wang";
  e.action = "auth.login";
  auto a = log_->Append(e);
  auto b = log_->Append(e);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id, 1);
  EXPECT_EQ(b->id, 2);
  EXPECT_EQ(a->prev_hash, std::string(64, '0'));
  EXPECT_EQ(b->prev_hash, a->hash);
  EXPECT_EQ(a->hash, ComputeHash(*a));
  EXPECT_NE(a->hash, b->hash);  // same content, different position
}

TEST_P(AuditTest, KeepsSubSecondUtcTimes) {
  clock_.Advance(123456);
  AppendN(1);
  auto page = log_->Query({});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(FormatTimeUtcMicros(page->items[0].at), "2026-01-01T00:00:00.123456Z");
}

TEST_P(AuditTest, VerifyPassesOnAnIntactLog) {
  AppendN(12);
  auto r = log_->Verify();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->checked, 12);
}

TEST_P(AuditTest, VerifyNamesAnAlteredEntry) {
  AppendN(10);
  ASSERT_TRUE(db_->Exec("UPDATE audit_log SET purpose = ? WHERE id = 7", {"curiosity"}).ok());
  auto r = log_->Verify();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->first_bad_id, 7);
  EXPECT_EQ(r->problem, "altered");
  EXPECT_EQ(r->checked, 7);
}

TEST_P(AuditTest, VerifyNamesARemovedEntry) {
  AppendN(10);
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_log WHERE id = 4").ok());
  auto r = log_->Verify();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->first_bad_id, 4);
  EXPECT_EQ(r->problem, "removed");
}

TEST_P(AuditTest, VerifyCatchesARehashedEntry) {
  AppendN(6);
  // A careful forger changes entry 3 and recomputes its hash; entry 4 no
  // longer follows it.
  auto rows = log_->Query({.page_size = 500});
  ASSERT_TRUE(rows.ok());
  Entry third;
  for (auto& e : rows->items)
    if (e.id == 3) third = e;
  third.actor = "someone-else";
  ASSERT_TRUE(db_->Exec("UPDATE audit_log SET actor = ?, hash = ? WHERE id = 3", {third.actor, ComputeHash(third)}).ok());
  auto r = log_->Verify();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->first_bad_id, 4);
  EXPECT_EQ(r->problem, "broken_link");
}

TEST_P(AuditTest, VerifyCatchesSwappedEntries) {
  AppendN(6);
  ASSERT_TRUE(db_->Exec("UPDATE audit_log SET id = -2 WHERE id = 2").ok());
  ASSERT_TRUE(db_->Exec("UPDATE audit_log SET id = 2 WHERE id = 3").ok());
  ASSERT_TRUE(db_->Exec("UPDATE audit_log SET id = 3 WHERE id = -2").ok());
  auto r = log_->Verify();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->first_bad_id, 2);
}

TEST_P(AuditTest, VerifyCatchesTruncation) {
  AppendN(5);
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_log WHERE id = 5").ok());
  auto r = log_->Verify();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->first_bad_id, 5);
  EXPECT_EQ(r->problem, "truncated");
}

// The gap docs/audit-chain.md admitted: entries cut off the end and the head
// row rewritten to match look intact to Verify(), but not to a checkpoint.
TEST_P(AuditTest, ACheckpointCatchesTruncationWithARewrittenHead) {
  std::string dir = ::testing::TempDir() + "/jw-cp-" + GetParam() + std::to_string(::getpid());
  auto signer = Signer::LoadOrCreate(dir);
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  AppendN(6);
  auto cp = WriteCheckpoint(db_, *signer, &clock_, dir);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->last_id, 6);
  ASSERT_TRUE(CheckSignature(*cp, signer->public_key()).ok());
  auto ok = VerifyWithCheckpoint(*log_, db_, *cp);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->ok);
  // Later entries are fine: the checkpoint only vouches for its own.
  AppendN(2);
  EXPECT_TRUE(VerifyWithCheckpoint(*log_, db_, *cp)->ok);
  // Cut entries 5..8 and make the head match entry 4.
  ASSERT_TRUE(db_->Exec("DELETE FROM audit_log WHERE id >= 5").ok());
  auto h4 = db_->Query("SELECT hash FROM audit_log WHERE id = 4");
  ASSERT_TRUE(db_->Exec("UPDATE audit_head SET last_id = 4, last_hash = ? WHERE one = 1", {(*h4)[0].Text("hash")}).ok());
  EXPECT_TRUE(log_->Verify()->ok);  // the chain alone cannot tell
  auto caught = VerifyWithCheckpoint(*log_, db_, *cp);
  ASSERT_TRUE(caught.ok());
  EXPECT_FALSE(caught->ok);
  EXPECT_EQ(caught->problem, "truncated");
  EXPECT_EQ(caught->first_bad_id, 5);
}

TEST_P(AuditTest, ACheckpointCatchesARewrittenEntryAndForgedSignatures) {
  std::string dir = ::testing::TempDir() + "/jw-cp2-" + GetParam() + std::to_string(::getpid());
  auto signer = Signer::LoadOrCreate(dir);
  ASSERT_TRUE(signer.ok());
  AppendN(4);
  auto cp = WriteCheckpoint(db_, *signer, &clock_, dir);
  ASSERT_TRUE(cp.ok());
  // Rewrite entry 4 and re-hash it and the head: the chain is consistent again.
  Entry e = log_->Since(3, 1)->at(0);
  e.detail = "rewritten";
  e.hash = ComputeHash(e);
  ASSERT_TRUE(db_->Exec("UPDATE audit_log SET detail = ?, hash = ? WHERE id = 4", {e.detail, e.hash}).ok());
  ASSERT_TRUE(db_->Exec("UPDATE audit_head SET last_hash = ? WHERE one = 1", {e.hash}).ok());
  EXPECT_TRUE(log_->Verify()->ok);
  auto r = VerifyWithCheckpoint(*log_, db_, *cp);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->problem, "checkpoint_mismatch");
  EXPECT_EQ(r->first_bad_id, 4);
  // A checkpoint signed by another key, or altered after signing, is refused.
  auto other = Signer::LoadOrCreate(dir + "-other");
  ASSERT_TRUE(other.ok());
  Checkpoint foreign = other->Sign(cp->last_id, cp->last_hash, cp->at);
  EXPECT_EQ(CheckSignature(foreign, signer->public_key()).code(), "checkpoint_wrong_key");
  Checkpoint altered = *cp;
  altered.last_id = 3;
  EXPECT_EQ(CheckSignature(altered, signer->public_key()).code(), "checkpoint_bad_signature");
  // The file form round-trips and bad files are named.
  auto parsed = Checkpoint::FromJson(cp->ToJson());
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(CheckSignature(*parsed, signer->public_key()).ok());
  EXPECT_EQ(Checkpoint::FromJson(nlohmann::json{{"format", "x"}}).status().code(), "invalid_checkpoint");
  // The key survives a restart: the same public key is loaded again.
  EXPECT_EQ(Signer::LoadOrCreate(dir)->public_key(), signer->public_key());
}

TEST_P(AuditTest, QueryFiltersAndPages) {
  AppendN(9);
  auto wang = log_->Query({.actor = "wang"});
  ASSERT_TRUE(wang.ok());
  EXPECT_EQ(wang->total, 5);  // entries 1, 3, 5, 7, 9
  EXPECT_EQ(wang->items.front().id, 9);  // newest first
  auto logins = log_->Query({.action = "auth.login"});
  EXPECT_EQ(logins->total, 3);  // 3, 6, 9
  Filter window;
  window.from = Timestamp::FromSeconds(1767225600 + 2);
  window.to = Timestamp::FromSeconds(1767225600 + 4);
  auto w = log_->Query(window);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->total, 3);  // entries 3, 4, 5
  auto p2 = log_->Query({.page = 2, .page_size = 4});
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->total, 9);
  ASSERT_EQ(p2->items.size(), 4u);
  EXPECT_EQ(p2->items[0].id, 5);
  EXPECT_EQ(p2->items[3].id, 2);
}

TEST_P(AuditTest, ListenersSeeCommittedEntries) {
  std::vector<int64_t> seen;
  log_->AddListener([&](const Entry& e) { seen.push_back(e.id); });
  AppendN(3);
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3}));
}

TEST_P(AuditTest, SeparatorInAFieldCannotForgeBoundaries) {
  Entry a;
  a.actor = "ab";
  a.role = "c";
  Entry b;
  b.actor = "a";
  b.role = "bc";
  // Same concatenation without separators, different hashes.
  a.prev_hash = b.prev_hash = std::string(64, '0');
  EXPECT_NE(ComputeHash(a), ComputeHash(b));
  Entry c;
  c.actor = "x\x1fy";
  auto stored = log_->Append(c);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->actor, "x y");
}

JW_INSTANTIATE_BACKENDS(AuditTest);

}  // namespace
}  // namespace jingwu::audit
