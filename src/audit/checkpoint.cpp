#include "audit/checkpoint.h"

#include <sodium.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "core/log.h"

namespace jingwu::audit {

namespace {
constexpr const char* kMagic = "jingwu-audit-checkpoint-v1";

bool FromHex(const std::string& hex, std::vector<unsigned char>* out) {
  out->assign(hex.size() / 2, 0);
  size_t len = 0;
  if (hex.size() % 2 != 0) return false;
  return sodium_hex2bin(out->data(), out->size(), hex.data(), hex.size(), nullptr, &len, nullptr) == 0 &&
         len == out->size();
}

Checkpoint FromRow(const sql::Row& r) {
  Checkpoint cp;
  cp.id = r.Int("id");
  cp.last_id = r.Int("last_id");
  cp.last_hash = r.Text("last_hash");
  cp.at = r.Text("at");
  cp.public_key = r.Text("public_key");
  cp.signature = r.Text("signature");
  return cp;
}
constexpr const char* kCpColumns = "id, last_id, last_hash, at, public_key, signature";
}  // namespace

std::string Checkpoint::Message() const {
  return std::string(kMagic) + "\n" + std::to_string(last_id) + "\n" + last_hash + "\n" + at;
}

nlohmann::json Checkpoint::ToJson() const {
  return {{"format", kMagic}, {"last_id", last_id},       {"last_hash", last_hash},
          {"at", at},         {"public_key", public_key}, {"signature", signature}};
}

Result<Checkpoint> Checkpoint::FromJson(const nlohmann::json& j) {
  auto bad = [](const std::string& what) { return Validation("invalid_checkpoint", "not a jingwu checkpoint: " + what); };
  if (!j.is_object()) return bad("expected a JSON object");
  if (j.value("format", "") != kMagic) return bad("format must be " + std::string(kMagic));
  Checkpoint cp;
  if (!j.contains("last_id") || !j["last_id"].is_number_integer() || j["last_id"].get<int64_t>() < 0)
    return bad("last_id must be a non-negative integer");
  cp.last_id = j["last_id"].get<int64_t>();
  for (auto [name, field, len] : {std::tuple{"last_hash", &cp.last_hash, size_t{64}},
                                  std::tuple{"public_key", &cp.public_key, size_t{crypto_sign_PUBLICKEYBYTES * 2}},
                                  std::tuple{"signature", &cp.signature, size_t{crypto_sign_BYTES * 2}}}) {
    if (!j.contains(name) || !j[name].is_string()) return bad(std::string(name) + " is missing");
    *field = j[name].get<std::string>();
    std::vector<unsigned char> bin;
    if (field->size() != len || !FromHex(*field, &bin)) return bad(std::string(name) + " must be " + std::to_string(len) + " hex digits");
  }
  if (!j.contains("at") || !j["at"].is_string() || !ParseTime(j["at"].get<std::string>(), 0).ok())
    return bad("at must be a time");
  cp.at = j["at"].get<std::string>();
  return cp;
}

Result<Signer> Signer::LoadOrCreate(const std::string& data_dir) {
  InitCrypto();
  std::string dir = data_dir + "/audit";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable("key_unavailable", "cannot create " + dir + ": " + ec.message());
  std::string path = dir + "/signing.key";
  Signer s;
  s.secret_.assign(crypto_sign_SECRETKEYBYTES, 0);
  std::vector<unsigned char> pub(crypto_sign_PUBLICKEYBYTES);
  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    std::string hex;
    in >> hex;
    if (hex.size() != crypto_sign_SECRETKEYBYTES * 2 || !FromHex(hex, &s.secret_))
      return Internal("the audit signing key " + path + " is damaged");
    crypto_sign_ed25519_sk_to_pk(pub.data(), s.secret_.data());
  } else {
    crypto_sign_keypair(pub.data(), s.secret_.data());
    std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << ToHex(s.secret_.data(), s.secret_.size()) << "\n";
      if (!out) return Unavailable("key_unavailable", "cannot write " + tmp);
    }
    chmod(tmp.c_str(), 0600);
    std::filesystem::rename(tmp, path, ec);
    if (ec) return Unavailable("key_unavailable", "cannot write " + path + ": " + ec.message());
  }
  s.public_hex_ = ToHex(pub.data(), pub.size());
  return s;
}

Checkpoint Signer::Sign(int64_t last_id, const std::string& last_hash, const std::string& at) const {
  Checkpoint cp;
  cp.last_id = last_id;
  cp.last_hash = last_hash;
  cp.at = at;
  cp.public_key = public_hex_;
  std::string msg = cp.Message();
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), secret_.data());
  cp.signature = ToHex(sig, sizeof sig);
  return cp;
}

Status CheckSignature(const Checkpoint& cp, const std::string& expected_public_key) {
  InitCrypto();
  if (cp.public_key != expected_public_key)
    return Validation("checkpoint_wrong_key",
                            "the checkpoint was signed by another key (" + cp.public_key.substr(0, 16) +
                                "…), not this log's (" + expected_public_key.substr(0, 16) + "…)");
  std::vector<unsigned char> pub, sig;
  if (!FromHex(cp.public_key, &pub) || pub.size() != crypto_sign_PUBLICKEYBYTES || !FromHex(cp.signature, &sig) ||
      sig.size() != crypto_sign_BYTES)
    return Validation("invalid_checkpoint", "the key or signature is not hex of the right length");
  std::string msg = cp.Message();
  if (crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                                  pub.data()) != 0)
    return Validation("checkpoint_bad_signature", "the checkpoint's signature does not match its content");
  return Status::Ok();
}

std::vector<sql::Migration> CheckpointMigrations() {
  return {{"audit", 2, "signed checkpoints of the audit head",
           "CREATE TABLE audit_checkpoints (id {{id}}, last_id BIGINT NOT NULL, last_hash TEXT NOT NULL, "
           "at TEXT NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL)"}};
}

Result<Checkpoint> WriteCheckpoint(sql::Database* db, const Signer& signer, const Clock* clock,
                                   const std::string& data_dir) {
  auto head = db->Query("SELECT last_id, last_hash FROM audit_head WHERE one = 1");
  if (!head.ok()) return head.status();
  if (head->empty()) return Internal("audit_head is missing");
  Checkpoint cp = signer.Sign((*head)[0].Int("last_id"), (*head)[0].Text("last_hash"), FormatTimeUtcMicros(clock->Now()));
  auto rows = db->Query("INSERT INTO audit_checkpoints (last_id, last_hash, at, public_key, signature) "
                        "VALUES (?, ?, ?, ?, ?) RETURNING id",
                        {cp.last_id, cp.last_hash, cp.at, cp.public_key, cp.signature});
  if (!rows.ok()) return rows.status();
  cp.id = (*rows)[0].Int("id");
  // A copy outside the database: whoever can rewrite the database may not reach this folder's backups.
  std::string dir = data_dir + "/audit/checkpoints";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::ofstream out(dir + "/checkpoint-" + std::to_string(cp.last_id) + ".json", std::ios::trunc);
  out << cp.ToJson().dump(2) << "\n";
  if (!out) log::Warn("audit.checkpoint_file", {{"dir", dir}});
  return cp;
}

Result<std::vector<Checkpoint>> ListCheckpoints(sql::Database* db, int limit) {
  auto rows = db->Query(std::string("SELECT ") + kCpColumns + " FROM audit_checkpoints ORDER BY id DESC LIMIT ?",
                        {int64_t{limit}});
  if (!rows.ok()) return rows.status();
  std::vector<Checkpoint> out;
  for (const auto& r : *rows) out.push_back(FromRow(r));
  return out;
}

Result<Checkpoint> GetCheckpoint(sql::Database* db, int64_t id) {
  auto rows = db->Query(std::string("SELECT ") + kCpColumns + " FROM audit_checkpoints WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("checkpoint_not_found", "no checkpoint " + std::to_string(id));
  return FromRow((*rows)[0]);
}

Result<VerifyReport> VerifyWithCheckpoint(Log& log, sql::Database* db, const Checkpoint& cp) {
  JW_ASSIGN_OR_RETURN(VerifyReport rep, log.Verify());
  if (!rep.ok && rep.problem != "truncated") return rep;
  if (cp.last_id == 0) return rep;
  auto rows = db->Query("SELECT hash FROM audit_log WHERE id = ?", {cp.last_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    rep.ok = false;
    rep.problem = "truncated";
    rep.first_bad_id = rep.checked + 1;
    return rep;
  }
  if ((*rows)[0].Text("hash") != cp.last_hash) {
    rep.ok = false;
    rep.problem = "checkpoint_mismatch";
    rep.first_bad_id = cp.last_id;
  }
  return rep;
}

Checkpointer::Checkpointer(sql::Database* db, Signer signer, const Clock* clock, std::string data_dir,
                           int64_t interval_s)
    : db_(db), signer_(std::move(signer)), clock_(clock), data_dir_(std::move(data_dir)), interval_s_(interval_s) {}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Start() {
  if (interval_s_ <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void Checkpointer::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::Run() {
  int64_t last_signed = -1;
  {
    auto latest = ListCheckpoints(db_, 1);
    if (latest.ok() && !latest->empty()) last_signed = (*latest)[0].last_id;
  }
  for (;;) {
    auto head = db_->Query("SELECT last_id FROM audit_head WHERE one = 1");
    if (head.ok() && !head->empty() && (*head)[0].Int("last_id") != last_signed) {
      auto cp = WriteCheckpoint(db_, signer_, clock_, data_dir_);
      if (cp.ok()) last_signed = cp->last_id;
      else log::Warn("audit.checkpoint_failed", {{"error", cp.status().message()}});
    }
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, std::chrono::seconds(interval_s_), [this] { return stop_; })) return;
  }
}

}  // namespace jingwu::audit
