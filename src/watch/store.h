// Persistence of watchlist entries and alerts (SQLite and PostgreSQL).
// Thread-safe (the Database serialises its connection).
#pragma once

#include <vector>

#include "core/status.h"
#include "sql/database.h"
#include "watch/model.h"

namespace jingwu::watch {

// Module "watch": watch_entries and watch_alerts.
std::vector<sql::Migration> Migrations();

class Store {
 public:
  explicit Store(sql::Database* db) : db_(db) {}

  Result<Entry> Insert(const Entry& e);
  // Writes the mutable fields (status, decision, revocation) of e, only if
  // its stored status is still `from` (409 not_pending otherwise: another
  // user decided first).
  Status Update(const Entry& e, const std::string& from);
  Result<Entry> Get(int64_t id);
  // All entries (status filter "" = any stored status), newest first.
  Result<std::vector<Entry>> List(const std::string& status, const std::string& requested_by, int limit);
  // Entries with stored status active (expired ones included; callers filter).
  Result<std::vector<Entry>> Active();

  Result<Alert> InsertAlert(const Alert& a);
  // Inserts alerts in one transaction; sets their ids.
  Status InsertAlerts(std::vector<Alert>& alerts);
  Result<Alert> GetAlert(int64_t id);
  Status AcknowledgeAlert(int64_t id, const std::string& by, Timestamp at);
  // Alerts with id > after (officer "" = everyone's), newest first unless ascending.
  Result<std::vector<Alert>> Alerts(const std::string& officer, int64_t after, int limit, bool unacknowledged_only,
                                    bool ascending, int64_t entry_id = 0);
  Result<int64_t> CountAlerts(const std::string& officer, bool unacknowledged_only);

 private:
  sql::Database* db_;
};

}  // namespace jingwu::watch
