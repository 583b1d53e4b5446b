// The audit log: append-only, hash-chained, in the operational database.
//
// Each entry's hash is SHA-256 over its id, content and the previous entry's
// hash, so changing, removing or reordering any entry breaks the chain from
// that entry on; a one-row head table records the last id and hash so that
// cutting entries off the end is caught too. Verify() re-computes the chain
// and names the first bad entry. The on-disk format is in docs/audit-chain.md.
//
// Nobody changes the log through the product: this class has no update or
// delete. Thread-safe: appends are serialised by the database transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "sql/database.h"

namespace jingwu::audit {

// What happened, by whom, to what, why. Empty strings are stored as ''.
struct Entry {
  int64_t id = 0;
  Timestamp at;
  std::string actor;    // username, or "-" when unknown (failed login of no such user)
  std::string role;     // the actor's roles, comma-separated
  std::string client;   // client address, or "cli"
  std::string action;   // dotted name: auth.login, user.create, identity.parse, ...
  std::string target;   // what was acted on: a user, an entity reference, a path
  std::string purpose;  // the stated purpose of a personal-data read
  std::string case_no;  // the case an analysis belongs to
  std::string outcome;  // ok, denied, failed, error
  std::string detail;   // short free text (an error code, a count)
  std::string prev_hash;
  std::string hash;
};

// Who acts: a signed-in user (username, their roles comma-separated, client
// address) or the command line ("cli", "admin", "cli").
struct Actor {
  std::string username;
  std::string roles;
  std::string client;
};

struct Filter {
  std::string actor, target, action, outcome;
  std::optional<Timestamp> from, to;  // inclusive
  int page = 1;
  int page_size = 50;
};

struct Page {
  std::vector<Entry> items;
  int64_t total = 0;
};

struct VerifyReport {
  bool ok = true;
  int64_t checked = 0;
  int64_t first_bad_id = 0;  // 0 when ok
  // "altered": the entry's content does not match its hash;
  // "removed": an id is missing; "broken_link": the entry does not follow the
  // one before it (that one was changed and re-hashed, or this one was moved);
  // "truncated": entries were cut off the end.
  std::string problem;
};

std::vector<sql::Migration> Migrations();

// The hash of an entry given its fields and prev_hash (exposed for tests and
// for the format documentation).
std::string ComputeHash(const Entry& e);

class Log {
 public:
  Log(sql::Database* db, const Clock* clock) : db_(db), clock_(clock) {}

  // Appends an entry (id, at, prev_hash and hash are filled in). Returns it.
  Result<Entry> Append(Entry e);

  // Appends entries that happened elsewhere, each with its own time (a
  // legacy system's access log, the demo's year of history), in batches of
  // one transaction. The chain covers them like any entry; the caller
  // records the import itself. Listeners are not called.
  Status Import(std::vector<Entry> entries);

  Result<Page> Query(const Filter& f);
  // Appends what an actor did; a failure to write is reported on stderr but
  // not returned, for actions that have already happened.
  void Record(const Actor& actor, std::string action, std::string target, std::string outcome,
              std::string detail = "");

  // Entries with id > after_id in id order, at most limit of them.
  Result<std::vector<Entry>> Since(int64_t after_id, int limit);
  Result<VerifyReport> Verify();

  // Called after each committed append (from the appending thread).
  using Listener = std::function<void(const Entry&)>;
  void AddListener(Listener l);

 private:
  sql::Database* db_;
  const Clock* clock_;
  std::mutex listeners_mu_;
  std::vector<Listener> listeners_;  // guarded by listeners_mu_
};

}  // namespace jingwu::audit
