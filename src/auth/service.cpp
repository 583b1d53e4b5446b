#include "auth/service.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstddef>  // before crack.h, which uses size_t without it
#include <regex>

#include <crack.h>

#include "auth/roles.h"
#include "auth/totp.h"
#include "core/crypto.h"
#include "core/utf8.h"

namespace jingwu::auth {

namespace {

constexpr const char* kUserColumns =
    "id, username, display_name, roles, disabled, locked_at, totp_enabled, created_at, last_login_at";

User UserFromRow(const sql::Row& r) {
  User u;
  u.id = r.Int("id");
  u.username = r.Text("username");
  u.display_name = r.Text("display_name");
  u.roles = SplitRoles(r.Text("roles"));
  u.disabled = r.Int("disabled") != 0;
  u.locked = !r.IsNull("locked_at");
  u.totp_enabled = r.Int("totp_enabled") != 0;
  u.created_at = r.Text("created_at");
  u.last_login_at = r.Text("last_login_at");
  return u;
}

std::string HashPassword(const std::string& pw) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, pw.data(), pw.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return {};  // out of memory; caller treats empty as failure
  return out;
}

bool CheckPassword(const std::string& hash, const std::string& pw) {
  return crypto_pwhash_str_verify(hash.c_str(), pw.data(), pw.size()) == 0;
}

// Hash checked against when the user does not exist, so that the answer
// takes as long as for a real user and does not reveal which names exist.
const std::string& DummyHash() {
  static const std::string h = HashPassword("dummy-password-for-timing");
  return h;
}

size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

Status CheckRoles(const std::vector<std::string>& roles) {
  if (roles.empty()) return Validation("unknown_role", "a user needs at least one role");
  for (const auto& r : roles)
    if (!IsKnownRole(r)) return Validation("unknown_role", "unknown role '" + r + "'");
  if (auto pair = IncompatibleRoles(roles))
    return Validation("incompatible_roles", "'" + pair->first + "' and '" + pair->second +
                                                "' may not be held together: whoever manages accounts may not read "
                                                "the audit log that oversees them");
  return Status::Ok();
}

constexpr const char* kGrantColumns =
    "g.id, g.user_id, u.username, g.roles, g.requested_by, g.requested_at, g.state, g.decided_by, g.decided_at, g.note";

RoleGrant GrantFromRow(const sql::Row& r) {
  return {r.Int("id"),          r.Int("user_id"),         r.Text("username"),   SplitRoles(r.Text("roles")),
          r.Text("requested_by"), r.Text("requested_at"), r.Text("state"),      r.Text("decided_by"),
          r.Text("decided_at"), r.Text("note")};
}

// Password strength beyond length: cracklib (the checks PAM uses: dictionary
// words, too few different characters, systematic sequences), also on the
// password without its leading and trailing digits and punctuation
// ("password1234"), and repeated chunks ("policepolice").
}  // namespace

Status CheckPasswordStrength(const std::string& pw, const std::string& username) {
  auto refuse = [](const std::string& why, const std::string& text) {
    return Validation("weak_password", "the password is too easy to guess: " + text + " (" + why + ")");
  };
  if (username.size() >= 3) {
    std::string lower_pw = pw, lower_user = username;
    for (auto* t : {&lower_pw, &lower_user})
      for (char& ch : *t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower_pw.find(lower_user) != std::string::npos) return refuse("based_on_username", "it contains the user name");
  }
  for (size_t len = 1; len <= pw.size() / 2; ++len) {
    if (pw.size() % len) continue;
    bool repeated = true;
    for (size_t i = len; i < pw.size() && repeated; ++i) repeated = pw[i] == pw[i % len];
    if (repeated) return refuse("repeated", "it repeats a shorter part");
  }
  size_t a = 0, b = pw.size();
  auto trim = [](unsigned char c) { return c < 0x80 && !std::isalpha(c); };
  while (a < b && trim(pw[a])) ++a;
  while (b > a && trim(pw[b - 1])) --b;
  std::vector<std::string> candidates{pw};
  if (b - a >= 4 && b - a < pw.size()) candidates.push_back(pw.substr(a, b - a));
  static std::mutex mu;  // cracklib keeps its dictionary in static state
  std::lock_guard lock(mu);
  for (const auto& c : candidates) {
    const char* msg = FascistCheckUser(c.c_str(), GetDefaultCracklibDict(), username.c_str(), nullptr);
    if (!msg) continue;
    std::string m = msg;
    if (m.find("dictionary word") != std::string::npos) return refuse("dictionary_word", m);
    if (m.find("DIFFERENT") != std::string::npos) return refuse("too_few_different_characters", m);
    if (m.find("simplistic") != std::string::npos) return refuse("too_simple", m);
    if (m.find("username") != std::string::npos || m.find("user name") != std::string::npos ||
        m.find("password information") != std::string::npos)
      return refuse("based_on_username", m);
    if (m.find("too short") != std::string::npos || m.find("WAY too short") != std::string::npos) continue;
    if (m.find("error loading dictionary") != std::string::npos)
      return Internal("the password dictionary is missing (install cracklib-runtime)");
    return refuse("weak", m);
  }
  return Status::Ok();
}

namespace {

}  // namespace

std::string JoinRoles(const std::vector<std::string>& roles) {
  std::string s;
  for (const auto& r : roles) s += (s.empty() ? "" : ",") + r;
  return s;
}

std::vector<std::string> SplitRoles(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > pos) out.emplace_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

Actor Principal::AsActor() const { return {user.username, JoinRoles(user.roles), client}; }

std::vector<sql::Migration> Migrations() {
  return {{"auth", 1, "users, login failures, sessions",
           "CREATE TABLE users (id {{id}}, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, "
           "password_hash TEXT NOT NULL, roles TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, "
           "locked_at TEXT, totp_secret TEXT, totp_enabled INTEGER NOT NULL DEFAULT 0, "
           "totp_last_step BIGINT NOT NULL DEFAULT 0, created_at TEXT NOT NULL, last_login_at TEXT);"
           "CREATE TABLE login_failures (id {{id}}, user_id BIGINT NOT NULL, at_us BIGINT NOT NULL);"
           "CREATE INDEX login_failures_user ON login_failures (user_id, at_us);"
           "CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL, "
           "created_us BIGINT NOT NULL, last_seen_us BIGINT NOT NULL, client TEXT NOT NULL);"
           "CREATE INDEX sessions_user ON sessions (user_id)"},
          {"auth", 2, "role grants that wait for a second admin",
           "CREATE TABLE role_grants (id {{id}}, user_id BIGINT NOT NULL, roles TEXT NOT NULL, "
           "requested_by TEXT NOT NULL, requested_at TEXT NOT NULL, state TEXT NOT NULL, decided_by TEXT NOT NULL "
           "DEFAULT '', decided_at TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '');"
           "CREATE INDEX role_grants_state ON role_grants (state, id)"},
          {"auth", 3, "the device a session was signed in from (phones get shorter sessions)",
           "ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT ''"}};
}

Service::Service(sql::Database* db, audit::Log* audit, const Clock* clock, Config config)
    : db_(db), audit_(audit), clock_(clock), config_(std::move(config)) {
  InitCrypto();
}

void Service::Audit(const Actor& a, std::string action, std::string target, std::string outcome,
                    std::string detail) {
  audit_->Record(a, std::move(action), std::move(target), std::move(outcome), std::move(detail));
}

bool Service::RequiresTotp(const std::vector<std::string>& roles) const {
  return std::any_of(roles.begin(), roles.end(),
                     [&](const std::string& r) { return config_.totp_required_roles.count(r) > 0; });
}

Status Service::ValidatePassword(const std::string& pw, const std::string& username) const {
  if (Utf8Length(pw) < config_.min_password_length)
    return Validation("weak_password",
                      "a password needs at least " + std::to_string(config_.min_password_length) + " characters");
  if (pw.size() > 1024) return Validation("weak_password", "a password may have at most 1024 bytes");
  if (pw == username) return Validation("weak_password", "the password may not be the user name");
  return CheckPasswordStrength(pw, username);
}

bool Service::AddressThrottled(const std::string& client) {
  std::lock_guard lock(rate_mu_);
  auto& q = failures_by_address_[client];
  int64_t cutoff = clock_->Now().micros - kMicrosPerMinute;
  while (!q.empty() && q.front() < cutoff) q.pop_front();
  return static_cast<int>(q.size()) >= config_.login_rate_per_minute;
}

void Service::NoteAddressFailure(const std::string& client) {
  std::lock_guard lock(rate_mu_);
  failures_by_address_[client].push_back(clock_->Now().micros);
}

Status Service::RecordFailure(int64_t user_id, const Actor& a, const std::string& why) {
  NoteAddressFailure(a.client);
  const std::string& username = a.username;
  if (user_id == 0) {
    // No such account: the typed name is the target, not an actor.
    Audit({"-", "", a.client}, "auth.login_failed", username, "failed", why);
    return Unauthenticated("invalid_credentials", "wrong user name or password");
  }
  int64_t now = clock_->Now().micros;
  bool locked_now = false;
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto ins = c.Exec("INSERT INTO login_failures (user_id, at_us) VALUES (?, ?)", {user_id, now});
    if (!ins.ok()) return ins.status();
    auto n = c.Query("SELECT COUNT(*) AS n FROM login_failures WHERE user_id = ? AND at_us > ?",
                     {user_id, now - config_.lockout_window_seconds * kMicrosPerSecond});
    if (!n.ok()) return n.status();
    if ((*n)[0].Int("n") >= config_.lockout_failures) {
      auto lock = c.Exec("UPDATE users SET locked_at = ? WHERE id = ? AND locked_at IS NULL",
                         {FormatTime(clock_->Now()), user_id});
      if (!lock.ok()) return lock.status();
      locked_now = *lock > 0;
      if (locked_now) {
        auto end = c.Exec("DELETE FROM sessions WHERE user_id = ?", {user_id});
        if (!end.ok()) return end.status();
      }
    }
    return Status::Ok();
  });
  JW_RETURN_IF_ERROR(s);
  Audit(a, "auth.login_failed", username, "failed", why);
  if (locked_now) {
    Audit(a, "auth.lockout", username, "ok",
          std::to_string(config_.lockout_failures) + " failures within " +
              std::to_string(config_.lockout_window_seconds / 60) + " minutes");
    // Answered like any wrong password, so that locking does not reveal that the name exists.
  }
  if (why == "invalid_totp") return Unauthenticated("invalid_totp", "the one-time code is wrong or already used");
  return Unauthenticated("invalid_credentials", "wrong user name or password");
}

Result<LoginResult> Service::Login(const LoginRequest& req) {
  if (AddressThrottled(req.client)) {
    Audit({"-", "", req.client}, "auth.login_failed", req.username, "denied", "rate_limited");
    return RateLimited("rate_limited", "too many failed sign-ins from this address; wait a minute");
  }
  auto rows = db_->Query("SELECT id, username, display_name, roles, disabled, locked_at, totp_enabled, created_at, "
                         "last_login_at, password_hash, totp_secret, totp_last_step FROM users WHERE username = ?",
                         {req.username});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    CheckPassword(DummyHash(), req.password);
    return RecordFailure(0, {req.username, "", req.client}, "unknown_user");
  }
  const sql::Row& row = (*rows)[0];
  User user = UserFromRow(row);
  Actor actor{user.username, JoinRoles(user.roles), req.client};
  if (!CheckPassword(row.Text("password_hash"), req.password)) {
    if (user.locked) {
      // The same answer as for an unknown name: only the right password
      // learns that the account is locked.
      NoteAddressFailure(req.client);
      Audit(actor, "auth.login_failed", user.username, "denied", "account_locked");
      return Unauthenticated("invalid_credentials", "wrong user name or password");
    }
    return RecordFailure(user.id, actor, "wrong_password");
  }
  if (user.locked) {
    Audit(actor, "auth.login_failed", user.username, "denied", "account_locked");
    return PermissionDenied("account_locked", "the account is locked until an admin unlocks it");
  }
  if (user.disabled) {
    Audit(actor, "auth.login_failed", user.username, "denied", "account_disabled");
    return PermissionDenied("account_disabled", "the account is disabled");
  }
  if (user.totp_enabled) {
    if (req.totp.empty()) {
      Audit(actor, "auth.login_failed", user.username, "failed", "totp_required");
      return Unauthenticated("totp_required", "enter the one-time code from your authenticator app");
    }
    std::vector<uint8_t> key;
    Base32Decode(row.Text("totp_secret"), &key);
    auto step = TotpMatch(key, req.totp, clock_->Now().seconds());
    if (!step || *step <= row.Int("totp_last_step"))
      return RecordFailure(user.id, actor, "invalid_totp");
    auto upd = db_->Exec("UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
                         {*step, user.id, *step});
    if (!upd.ok()) return upd.status();
    if (*upd == 0) return RecordFailure(user.id, actor, "invalid_totp");  // raced a reuse
  }
  LoginResult out;
  out.token = RandomToken(32);
  Timestamp now = clock_->Now();
  out.expires_at = now + AbsoluteSeconds(req.device) * kMicrosPerSecond;
  user.last_login_at = FormatTime(now);
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto a = c.Exec("INSERT INTO sessions (token_hash, user_id, created_us, last_seen_us, client, device) VALUES "
                    "(?, ?, ?, ?, ?, ?)",
                    {Sha256Hex(out.token), user.id, now.micros, now.micros, req.client, req.device});
    if (!a.ok()) return a.status();
    auto b = c.Exec("DELETE FROM login_failures WHERE user_id = ?", {user.id});
    if (!b.ok()) return b.status();
    auto d = c.Exec("UPDATE users SET last_login_at = ? WHERE id = ?", {user.last_login_at, user.id});
    return d.ok() ? Status::Ok() : d.status();
  });
  JW_RETURN_IF_ERROR(s);
  out.user = user;
  out.totp_enrollment_required = RequiresTotp(user.roles) && !user.totp_enabled;
  Audit(actor, "auth.login", user.username, "ok", user.totp_enabled ? "with second factor" : "");
  return out;
}

Result<Principal> Service::Authenticate(std::string_view token, std::string_view client) {
  if (token.empty()) return Unauthenticated("unauthenticated", "sign in first");
  std::string hash = Sha256Hex(token);
  auto rows = db_->Query(
      "SELECT s.user_id, s.created_us, s.last_seen_us, s.device, u.id, u.username, u.display_name, u.roles, u.disabled, "
      "u.locked_at, u.totp_enabled, u.created_at, u.last_login_at FROM sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.token_hash = ?",
      {hash});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Unauthenticated("unauthenticated", "the session is unknown or has ended; sign in again");
  const sql::Row& r = (*rows)[0];
  int64_t now = clock_->Now().micros;
  User user = UserFromRow(r);
  bool idle = now - r.Int("last_seen_us") > IdleSeconds(r.Text("device")) * kMicrosPerSecond;
  bool old = now - r.Int("created_us") > AbsoluteSeconds(r.Text("device")) * kMicrosPerSecond;
  if (idle || old || user.disabled || user.locked) {
    db_->Exec("DELETE FROM sessions WHERE token_hash = ?", {hash}).status().IgnoreError();
    if (idle || old) {
      Audit({user.username, JoinRoles(user.roles), std::string(client)}, "auth.session_expired", user.username, "ok",
            idle ? "idle" : "absolute");
      return Unauthenticated("session_expired", "the session has expired; sign in again");
    }
    return Unauthenticated("unauthenticated", "the account is locked or disabled");
  }
  // Refresh the idle timer, at most every 15 seconds to spare the disk.
  if (now - r.Int("last_seen_us") > 15 * kMicrosPerSecond)
    db_->Exec("UPDATE sessions SET last_seen_us = ? WHERE token_hash = ?", {now, hash}).status().IgnoreError();
  Principal p;
  p.user = std::move(user);
  p.permissions = PermissionsOf(p.user.roles);
  p.token_hash = hash;
  p.client = std::string(client);
  p.totp_enrollment_required = RequiresTotp(p.user.roles) && !p.user.totp_enabled;
  return p;
}

bool Service::SessionStillValid(const std::string& token_hash, std::string_view permission) {
  auto rows = db_->Query(
      "SELECT s.created_us, s.last_seen_us, s.device, u.roles, u.disabled, u.locked_at FROM sessions s "
      "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
      {token_hash});
  if (!rows.ok() || rows->empty()) return false;
  const sql::Row& r = (*rows)[0];
  int64_t now = clock_->Now().micros;
  if (r.Int("disabled") || !r.IsNull("locked_at")) return false;
  if (now - r.Int("last_seen_us") > IdleSeconds(r.Text("device")) * kMicrosPerSecond) return false;
  if (now - r.Int("created_us") > AbsoluteSeconds(r.Text("device")) * kMicrosPerSecond) return false;
  return permission.empty() || PermissionsOf(SplitRoles(r.Text("roles"))).count(std::string(permission)) > 0;
}

Status Service::Logout(const Principal& p) {
  auto r = db_->Exec("DELETE FROM sessions WHERE token_hash = ?", {p.token_hash});
  if (!r.ok()) return r.status();
  Audit(p.AsActor(), "auth.logout", p.user.username, "ok");
  return Status::Ok();
}

Result<User> Service::GetUser(int64_t id) {
  auto rows = db_->Query(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("not_found", "no user with id " + std::to_string(id));
  return UserFromRow((*rows)[0]);
}

Result<User> Service::FindUser(const std::string& username) {
  auto rows = db_->Query(std::string("SELECT ") + kUserColumns + " FROM users WHERE username = ?", {username});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("not_found", "no user named '" + username + "'");
  return UserFromRow((*rows)[0]);
}

Result<std::vector<User>> Service::ListUsers() {
  auto rows = db_->Query(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY id");
  if (!rows.ok()) return rows.status();
  std::vector<User> out;
  for (const auto& r : *rows) out.push_back(UserFromRow(r));
  return out;
}

Result<User> Service::CreateUser(const Actor& actor, const NewUser& nu) {
  return InsertUser(actor, nu, nullptr, nullptr);
}

Result<User> Service::InsertUser(const Actor& actor, const NewUser& nu, const std::vector<std::string>* grant,
                                 int64_t* grant_id) {
  static const std::regex kName("^[a-z0-9][a-z0-9_.-]{1,31}$");
  auto fail = [&](Status s) {
    Audit(actor, "user.create", nu.username, "failed", s.code());
    return s;
  };
  if (!std::regex_match(nu.username, kName))
    return fail(Validation("invalid_username",
                           "a user name is 2-32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"));
  if (Status s = CheckRoles(grant ? *grant : nu.roles); !s.ok()) return fail(s);
  if (Status s = CheckText(nu.display_name, "display_name", kShortText); !s.ok()) return fail(s);
  if (Status s = ValidatePassword(nu.password, nu.username); !s.ok()) return fail(s);
  std::string display = nu.display_name.empty() ? nu.username : nu.display_name;
  std::string hash = HashPassword(nu.password);
  if (hash.empty()) return Internal("password hashing failed");
  std::string now = FormatTime(clock_->Now());
  int64_t id = 0;
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto rows = c.Query("INSERT INTO users (username, display_name, password_hash, roles, created_at) "
                        "VALUES (?, ?, ?, ?, ?) RETURNING id",
                        {nu.username, display, hash, JoinRoles(nu.roles), now});
    if (!rows.ok()) return rows.status();
    id = (*rows)[0].Int("id");
    if (!grant) return Status::Ok();
    auto ins = c.Query("INSERT INTO role_grants (user_id, roles, requested_by, requested_at, state) "
                       "VALUES (?, ?, ?, ?, 'pending') RETURNING id",
                       {id, JoinRoles(*grant), actor.username, now});
    if (!ins.ok()) return ins.status();
    *grant_id = (*ins)[0].Int("id");
    return Status::Ok();
  });
  if (!s.ok()) {
    if (s.code() == "unique_violation")
      return fail(Conflict("username_taken", "the user name '" + nu.username + "' is taken"));
    return s;
  }
  Audit(actor, "user.create", nu.username, "ok", "roles=" + JoinRoles(nu.roles));
  if (grant)
    Audit(actor, "user.role_grant.request", nu.username, "ok",
          "grant " + std::to_string(*grant_id) + ": roles=" + JoinRoles(*grant) + "; waits for a second admin");
  return GetUser(id);
}

Result<User> Service::UpdateUser(const Actor& actor, int64_t id, const UserPatch& patch) {
  JW_ASSIGN_OR_RETURN(User u, GetUser(id));
  std::string detail;
  if (patch.roles) {
    if (Status s = CheckRoles(*patch.roles); !s.ok()) {
      Audit(actor, "user.update", u.username, "failed", s.code());
      return s;
    }
    detail += "roles=" + JoinRoles(*patch.roles) + " ";
  }
  if (patch.display_name && TrimUnicode(*patch.display_name).empty())
    return Validation("validation_failed", "display_name may not be empty");
  if (patch.display_name) JW_RETURN_IF_ERROR(CheckText(*patch.display_name, "display_name", kShortText));
  if (patch.disabled) detail += std::string("disabled=") + (*patch.disabled ? "true" : "false");
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    if (patch.display_name) {
      auto r = c.Exec("UPDATE users SET display_name = ? WHERE id = ?", {*patch.display_name, id});
      if (!r.ok()) return r.status();
    }
    if (patch.roles) {
      auto r = c.Exec("UPDATE users SET roles = ? WHERE id = ?", {JoinRoles(*patch.roles), id});
      if (!r.ok()) return r.status();
    }
    if (patch.disabled) {
      auto r = c.Exec("UPDATE users SET disabled = ? WHERE id = ?", {int64_t{*patch.disabled}, id});
      if (!r.ok()) return r.status();
      if (*patch.disabled) {
        auto e = c.Exec("DELETE FROM sessions WHERE user_id = ?", {id});
        if (!e.ok()) return e.status();
      }
    }
    return Status::Ok();
  });
  JW_RETURN_IF_ERROR(s);
  Audit(actor, "user.update", u.username, "ok", detail);
  return GetUser(id);
}

Result<User> Service::Unlock(const Actor& actor, int64_t id) {
  JW_ASSIGN_OR_RETURN(User u, GetUser(id));
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto a = c.Exec("UPDATE users SET locked_at = NULL WHERE id = ?", {id});
    if (!a.ok()) return a.status();
    auto b = c.Exec("DELETE FROM login_failures WHERE user_id = ?", {id});
    return b.ok() ? Status::Ok() : b.status();
  });
  JW_RETURN_IF_ERROR(s);
  Audit(actor, "user.unlock", u.username, "ok", u.locked ? "" : "was not locked");
  return GetUser(id);
}

Status Service::SetPassword(const Actor& actor, int64_t id, const std::string& password) {
  JW_ASSIGN_OR_RETURN(User u, GetUser(id));
  if (Status s = ValidatePassword(password, u.username); !s.ok()) {
    Audit(actor, "user.password", u.username, "failed", s.code());
    return s;
  }
  std::string hash = HashPassword(password);
  if (hash.empty()) return Internal("password hashing failed");
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto a = c.Exec("UPDATE users SET password_hash = ? WHERE id = ?", {hash, id});
    if (!a.ok()) return a.status();
    // A new password ends every session of that user.
    auto b = c.Exec("DELETE FROM sessions WHERE user_id = ?", {id});
    return b.ok() ? Status::Ok() : b.status();
  });
  JW_RETURN_IF_ERROR(s);
  Audit(actor, "user.password", u.username, "ok");
  return Status::Ok();
}

Status Service::ChangeOwnPassword(const Principal& p, const std::string& old_pw, const std::string& new_pw) {
  auto rows = db_->Query("SELECT password_hash FROM users WHERE id = ?", {p.user.id});
  if (!rows.ok()) return rows.status();
  if (rows->empty() || !CheckPassword((*rows)[0].Text("password_hash"), old_pw)) {
    Audit(p.AsActor(), "user.password", p.user.username, "failed", "invalid_credentials");
    return Unauthenticated("invalid_credentials", "the current password is wrong");
  }
  JW_RETURN_IF_ERROR(SetPassword(p.AsActor(), p.user.id, new_pw));
  return Status::Ok();
}

Result<TotpEnrollment> Service::TotpEnroll(const Principal& p) {
  if (p.user.totp_enabled) return Conflict("totp_already_enabled", "a second factor is already enrolled");
  TotpEnrollment e;
  e.secret = Base32Encode(RandomBytes(20));
  e.otpauth_uri = TotpUri(p.user.username, e.secret);
  auto r = db_->Exec("UPDATE users SET totp_secret = ?, totp_enabled = 0 WHERE id = ?", {e.secret, p.user.id});
  if (!r.ok()) return r.status();
  Audit(p.AsActor(), "auth.totp_enroll", p.user.username, "ok");
  return e;
}

Status Service::TotpConfirm(const Principal& p, const std::string& code) {
  auto rows = db_->Query("SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = ?", {p.user.id});
  if (!rows.ok()) return rows.status();
  if (rows->empty() || (*rows)[0].IsNull("totp_secret"))
    return Conflict("totp_not_enrolled", "start the enrolment first");
  if ((*rows)[0].Int("totp_enabled")) return Conflict("totp_already_enabled", "a second factor is already enrolled");
  std::vector<uint8_t> key;
  Base32Decode((*rows)[0].Text("totp_secret"), &key);
  auto step = TotpMatch(key, code, clock_->Now().seconds());
  if (!step) {
    Audit(p.AsActor(), "auth.totp_confirm", p.user.username, "failed", "invalid_totp");
    return Validation("invalid_totp", "the one-time code is wrong");
  }
  auto r = db_->Exec("UPDATE users SET totp_enabled = 1, totp_last_step = ? WHERE id = ?", {*step, p.user.id});
  if (!r.ok()) return r.status();
  Audit(p.AsActor(), "auth.totp_confirm", p.user.username, "ok");
  return Status::Ok();
}

Result<RoleGrant> Service::GetGrant(int64_t id) {
  auto rows = db_->Query(std::string("SELECT ") + kGrantColumns +
                             " FROM role_grants g JOIN users u ON u.id = g.user_id WHERE g.id = ?",
                         {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("not_found", "no role grant with id " + std::to_string(id));
  return GrantFromRow((*rows)[0]);
}

Result<std::vector<RoleGrant>> Service::ListGrants(bool pending_only) {
  auto rows = db_->Query(std::string("SELECT ") + kGrantColumns +
                         " FROM role_grants g JOIN users u ON u.id = g.user_id" +
                         (pending_only ? " WHERE g.state = 'pending'" : "") + " ORDER BY g.id DESC LIMIT 500");
  if (!rows.ok()) return rows.status();
  std::vector<RoleGrant> out;
  for (const auto& r : *rows) out.push_back(GrantFromRow(r));
  return out;
}

Result<RoleGrant> Service::RequestGrant(const Actor& actor, const User& u, const std::vector<std::string>& roles) {
  std::string now = FormatTime(clock_->Now());
  int64_t id = 0;
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    // One open request per user: a newer one replaces it.
    auto old = c.Exec("UPDATE role_grants SET state = 'superseded', decided_by = ?, decided_at = ? "
                      "WHERE user_id = ? AND state = 'pending'",
                      {actor.username, now, u.id});
    if (!old.ok()) return old.status();
    auto ins = c.Query("INSERT INTO role_grants (user_id, roles, requested_by, requested_at, state) "
                       "VALUES (?, ?, ?, ?, 'pending') RETURNING id",
                       {u.id, JoinRoles(roles), actor.username, now});
    if (!ins.ok()) return ins.status();
    id = (*ins)[0].Int("id");
    return Status::Ok();
  });
  JW_RETURN_IF_ERROR(s);
  Audit(actor, "user.role_grant.request", u.username, "ok",
        "grant " + std::to_string(id) + ": roles=" + JoinRoles(roles) + "; waits for a second admin");
  return GetGrant(id);
}

namespace {
bool AddsSensitive(const std::vector<std::string>& before, const std::vector<std::string>& after) {
  for (const auto& r : after)
    if (IsSensitiveRole(r) && std::find(before.begin(), before.end(), r) == before.end()) return true;
  return false;
}
}  // namespace

Result<AdminChange> Service::CreateUserByAdmin(const Actor& actor, const NewUser& nu) {
  if (!AddsSensitive({}, nu.roles)) {
    JW_ASSIGN_OR_RETURN(User u, CreateUser(actor, nu));
    return AdminChange{u, std::nullopt};
  }
  // The account starts with the roles that need no second admin (maybe none);
  // the request for the whole set is written in the same transaction.
  NewUser now = nu;
  now.roles.clear();
  for (const auto& r : nu.roles)
    if (!IsSensitiveRole(r)) now.roles.push_back(r);
  int64_t grant_id = 0;
  JW_ASSIGN_OR_RETURN(User u, InsertUser(actor, now, &nu.roles, &grant_id));
  JW_ASSIGN_OR_RETURN(RoleGrant g, GetGrant(grant_id));
  return AdminChange{u, g};
}

Result<AdminChange> Service::UpdateUserByAdmin(const Actor& actor, int64_t id, const UserPatch& patch) {
  JW_ASSIGN_OR_RETURN(User u, GetUser(id));
  if (patch.roles && u.username == actor.username) {
    Audit(actor, "user.update", u.username, "denied", "self_grant");
    return PermissionDenied("self_grant", "nobody changes their own roles; ask another admin");
  }
  if (!patch.roles || !AddsSensitive(u.roles, *patch.roles)) {
    JW_ASSIGN_OR_RETURN(User after, UpdateUser(actor, id, patch));
    return AdminChange{after, std::nullopt};
  }
  if (Status s = CheckRoles(*patch.roles); !s.ok()) {
    Audit(actor, "user.update", u.username, "failed", s.code());
    return s;
  }
  UserPatch rest = patch;
  rest.roles.reset();
  User after = u;
  if (rest.display_name || rest.disabled) {
    JW_ASSIGN_OR_RETURN(after, UpdateUser(actor, id, rest));
  }
  JW_ASSIGN_OR_RETURN(RoleGrant g, RequestGrant(actor, u, *patch.roles));
  return AdminChange{after, g};
}

Result<RoleGrant> Service::ApproveGrant(const Actor& actor, int64_t grant_id, const std::string& note) {
  JW_RETURN_IF_ERROR(CheckText(note, "note", kLongText, true));
  JW_ASSIGN_OR_RETURN(RoleGrant g, GetGrant(grant_id));
  if (g.state != "pending") return Conflict("grant_not_pending", "this grant was already " + g.state);
  if (g.username == actor.username) {
    Audit(actor, "user.role_grant.approve", g.username, "denied", "self_grant");
    return PermissionDenied("self_grant", "nobody approves a grant of roles to themselves");
  }
  if (g.requested_by == actor.username) {
    Audit(actor, "user.role_grant.approve", g.username, "denied", "second_admin_required");
    return PermissionDenied("second_admin_required", "a second admin, not the one who asked, approves a grant");
  }
  JW_RETURN_IF_ERROR(CheckRoles(g.roles));
  std::string now = FormatTime(clock_->Now());
  bool won = false;
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto st = c.Exec("UPDATE role_grants SET state = 'approved', decided_by = ?, decided_at = ?, note = ? "
                     "WHERE id = ? AND state = 'pending'",
                     {actor.username, now, note, grant_id});
    if (!st.ok()) return st.status();
    won = *st == 1;
    if (!won) return Status::Ok();
    auto r = c.Exec("UPDATE users SET roles = ? WHERE id = ?", {JoinRoles(g.roles), g.user_id});
    return r.ok() ? Status::Ok() : r.status();
  });
  JW_RETURN_IF_ERROR(s);
  if (!won) return Conflict("grant_not_pending", "this grant was decided meanwhile");
  Audit(actor, "user.role_grant.approve", g.username, "ok",
        "grant " + std::to_string(grant_id) + ": roles=" + JoinRoles(g.roles) + " asked by " + g.requested_by);
  return GetGrant(grant_id);
}

Result<RoleGrant> Service::RejectGrant(const Actor& actor, int64_t grant_id, const std::string& note) {
  JW_RETURN_IF_ERROR(CheckText(note, "note", kLongText, true));
  JW_ASSIGN_OR_RETURN(RoleGrant g, GetGrant(grant_id));
  if (g.state != "pending") return Conflict("grant_not_pending", "this grant was already " + g.state);
  if (g.username == actor.username) return PermissionDenied("self_grant", "nobody decides a grant of roles to themselves");
  auto st = db_->Exec("UPDATE role_grants SET state = 'rejected', decided_by = ?, decided_at = ?, note = ? "
                      "WHERE id = ? AND state = 'pending'",
                      {actor.username, FormatTime(clock_->Now()), note, grant_id});
  if (!st.ok()) return st.status();
  if (*st != 1) return Conflict("grant_not_pending", "this grant was decided meanwhile");
  Audit(actor, "user.role_grant.reject", g.username, "ok", "grant " + std::to_string(grant_id));
  return GetGrant(grant_id);
}

}  // namespace jingwu::auth
