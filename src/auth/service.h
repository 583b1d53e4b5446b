// Accounts, sign-in and sessions.
//
// Passwords are hashed with Argon2id (libsodium); session tokens are random
// 256-bit values given to the client once and stored only as SHA-256 hashes.
// An account locks after `lockout_failures` failed sign-ins within
// `lockout_window_seconds` and stays locked until an admin unlocks it.
// Sessions end after `session_idle_seconds` without use or
// `session_absolute_seconds` after sign-in. Every sign-in, failure, lockout,
// sign-out and account change is written to the audit log here.
//
// Thread-safe: state lives in the database; the per-address failure counter
// has its own mutex. The Database, Log and Clock must outlive the Service.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/model.h"
#include "core/config.h"
#include "core/status.h"
#include "sql/database.h"

namespace jingwu::auth {

std::vector<sql::Migration> Migrations();

// Whether a password is too easy to guess (cracklib: dictionary words, too
// few different characters, sequences; also with its leading and trailing
// digits and punctuation removed; repeated parts). 422 weak_password saying why.
Status CheckPasswordStrength(const std::string& password, const std::string& username);

struct LoginRequest {
  std::string username;
  std::string password;
  std::string totp;    // empty when not given
  std::string client;  // remote address
  std::string device;  // "" (a browser) or "mobile" (the phone app: shorter sessions)
};

struct LoginResult {
  std::string token;
  Timestamp expires_at;  // absolute expiry
  User user;
  bool totp_enrollment_required = false;
};

struct NewUser {
  std::string username;
  std::string display_name;
  std::string password;
  std::vector<std::string> roles;
};

struct UserPatch {
  std::optional<std::string> display_name;
  std::optional<std::vector<std::string>> roles;
  std::optional<bool> disabled;
};

// A grant of a sensitive role (admin, inspector, or one that reads personal
// data) asked for by one admin; it takes effect when a second admin approves.
struct RoleGrant {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string username;
  std::vector<std::string> roles;  // the user's whole role list once approved
  std::string requested_by;
  std::string requested_at;
  std::string state;  // pending, approved, rejected, superseded
  std::string decided_by;
  std::string decided_at;
  std::string note;
};

// What an admin's change did: the user as it is now, and the grant that
// waits for a second admin, if the change asked for a sensitive role.
struct AdminChange {
  User user;
  std::optional<RoleGrant> pending;
};

struct TotpEnrollment {
  std::string secret;  // base32
  std::string otpauth_uri;
};

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock, Config config);

  Result<LoginResult> Login(const LoginRequest& req);
  // Resolves a bearer token to its principal, refreshing the idle timer.
  Result<Principal> Authenticate(std::string_view token, std::string_view client);
  Status Logout(const Principal& p);
  // Whether a session is still valid and its user still holds `permission`,
  // without refreshing its idle timer (for long-lived streams).
  bool SessionStillValid(const std::string& token_hash, std::string_view permission);

  // Direct changes (the command line, run by whoever holds the data folder).
  Result<User> CreateUser(const Actor& actor, const NewUser& u);
  Result<User> UpdateUser(const Actor& actor, int64_t id, const UserPatch& patch);
  // An admin's changes over HTTP, under separation of duties: nobody changes
  // their own roles (403 self_grant); sensitive roles wait for a second admin.
  Result<AdminChange> CreateUserByAdmin(const Actor& actor, const NewUser& u);
  Result<AdminChange> UpdateUserByAdmin(const Actor& actor, int64_t id, const UserPatch& patch);
  Result<std::vector<RoleGrant>> ListGrants(bool pending_only);
  // By an admin who neither asked for the grant nor receives it.
  Result<RoleGrant> ApproveGrant(const Actor& actor, int64_t grant_id, const std::string& note);
  // By any admin but the user it is for (the requester withdraws with it).
  Result<RoleGrant> RejectGrant(const Actor& actor, int64_t grant_id, const std::string& note);
  Result<User> Unlock(const Actor& actor, int64_t id);
  Status SetPassword(const Actor& actor, int64_t id, const std::string& password);
  Status ChangeOwnPassword(const Principal& p, const std::string& old_pw, const std::string& new_pw);
  Result<std::vector<User>> ListUsers();
  Result<User> GetUser(int64_t id);
  Result<User> FindUser(const std::string& username);

  Result<TotpEnrollment> TotpEnroll(const Principal& p);
  Status TotpConfirm(const Principal& p, const std::string& code);

  Status ValidatePassword(const std::string& password, const std::string& username) const;
  const Config& config() const { return config_; }
  // A session's limits by the device it was signed in from.
  int64_t IdleSeconds(const std::string& device) const {
    return device == "mobile" ? config_.mobile_session_idle_seconds : config_.session_idle_seconds;
  }
  int64_t AbsoluteSeconds(const std::string& device) const {
    return device == "mobile" ? config_.mobile_session_absolute_seconds : config_.session_absolute_seconds;
  }

 private:
  void Audit(const Actor& a, std::string action, std::string target, std::string outcome, std::string detail = "");
  // Records a failed sign-in; locks the account when the limit is reached.
  Status RecordFailure(int64_t user_id, const Actor& actor, const std::string& why);
  // True when this address has failed too often in the last minute.
  bool AddressThrottled(const std::string& client);
  void NoteAddressFailure(const std::string& client);
  bool RequiresTotp(const std::vector<std::string>& roles) const;
  Result<RoleGrant> RequestGrant(const Actor& actor, const User& u, const std::vector<std::string>& roles);
  Result<RoleGrant> GetGrant(int64_t id);
  // Validates and inserts an account with `nu.roles` (which may be empty only
  // when `grant` is given); with `grant`, the pending request for those roles
  // is inserted in the same transaction, so the account never exists without it.
  Result<User> InsertUser(const Actor& actor, const NewUser& nu, const std::vector<std::string>* grant,
                          int64_t* grant_id);

  sql::Database* db_;
  audit::Log* audit_;
  const Clock* clock_;
  Config config_;
  std::mutex rate_mu_;
  std::map<std::string, std::deque<int64_t>> failures_by_address_;  // guarded by rate_mu_
};

}  // namespace jingwu::auth
