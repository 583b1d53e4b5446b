// Signed checkpoints of the audit log's head (docs/audit-chain.md).
//
// The hash chain catches any change to entries up to the head row, but
// someone who can write the database can cut entries off the end and rewrite
// the head row to match. A checkpoint is the head (last id and hash, the time)
// signed with Ed25519 by a key kept in the data folder; whoever holds a copy
// of it (an inspector, another machine) can later prove that the log still
// contains that entry with that hash. VerifyWithCheckpoint reports the
// truncation the head row alone cannot.
//
// Thread-safe: Signer is immutable after LoadOrCreate; Checkpointer runs one
// background thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit.h"

namespace jingwu::audit {

struct Checkpoint {
  int64_t id = 0;           // row in audit_checkpoints (0 before it is stored)
  int64_t last_id = 0;      // the audit entry the checkpoint vouches for
  std::string last_hash;    // its hash
  std::string at;           // when signed, UTC micros
  std::string public_key;   // hex Ed25519 public key of the signer
  std::string signature;    // hex Ed25519 signature over Message()

  // The signed bytes: "jingwu-audit-checkpoint-v1\n<last_id>\n<last_hash>\n<at>".
  std::string Message() const;
  nlohmann::json ToJson() const;
  // Parses a checkpoint file; errors: invalid_checkpoint.
  static Result<Checkpoint> FromJson(const nlohmann::json& j);
};

// The signing key: DATA/audit/signing.key (hex secret key, mode 0600),
// created on first use.
class Signer {
 public:
  static Result<Signer> LoadOrCreate(const std::string& data_dir);
  const std::string& public_key() const { return public_hex_; }
  Checkpoint Sign(int64_t last_id, const std::string& last_hash, const std::string& at) const;

 private:
  std::vector<unsigned char> secret_;
  std::string public_hex_;
};

// Whether the signature is valid for the checkpoint's own key, and that key
// is `expected_public_key` (hex). Errors: checkpoint_wrong_key (signed by
// another key), checkpoint_bad_signature (altered or forged).
Status CheckSignature(const Checkpoint& cp, const std::string& expected_public_key);

// Migration: audit_checkpoints.
std::vector<sql::Migration> CheckpointMigrations();

// Signs the current head and stores the checkpoint (table and
// DATA/audit/checkpoints/checkpoint-<last_id>.json). Returns it.
Result<Checkpoint> WriteCheckpoint(sql::Database* db, const Signer& signer, const Clock* clock,
                                   const std::string& data_dir);
// The stored checkpoints, newest first (at most limit).
Result<std::vector<Checkpoint>> ListCheckpoints(sql::Database* db, int limit);
Result<Checkpoint> GetCheckpoint(sql::Database* db, int64_t id);

// Verify() and then: the checkpoint's entry must still be in the log with the
// signed hash. Problems beyond Verify's: "truncated" (the log ends before the
// checkpoint's entry, whatever the head row says), "checkpoint_mismatch" (that
// entry's hash differs: it was rewritten).
Result<VerifyReport> VerifyWithCheckpoint(Log& log, sql::Database* db, const Checkpoint& cp);

// Writes a checkpoint every interval when the head has moved (and once at
// start). Stop() ends the thread.
class Checkpointer {
 public:
  Checkpointer(sql::Database* db, Signer signer, const Clock* clock, std::string data_dir, int64_t interval_s);
  ~Checkpointer();
  void Start();
  void Stop();

 private:
  void Run();
  sql::Database* db_;
  Signer signer_;
  const Clock* clock_;
  std::string data_dir_;
  int64_t interval_s_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace jingwu::audit
