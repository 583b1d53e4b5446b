// SQLite backend: one connection, WAL journal, synchronous=FULL (an accepted
// write survives power loss), prepared statements cached by SQL text.
#include <sqlite3.h>

#include <map>

#include "sql/database.h"

namespace jingwu::sql {
namespace {

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    Rows rows;
    auto s = Run(sql, params, &rows);
    if (!s.ok()) return s;
    return rows;
  }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    auto s = Run(sql, params, nullptr);
    if (!s.ok()) return s;
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Status ExecScript(std::string_view sql) override {
    char* err = nullptr;
    std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return Internal("sqlite: " + msg);
    }
    return Status::Ok();
  }

 private:
  Status Error(int rc) {
    std::string msg = sqlite3_errmsg(db_);
    int ext = sqlite3_extended_errcode(db_);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
      return Conflict("unique_violation", msg);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return Conflict("constraint_violation", msg);
    // The disk, not the request: 503, and nothing of the statement was stored.
    if ((rc & 0xff) == SQLITE_FULL) return Unavailable("storage_full", "the server's disk is full; nothing was stored");
    if ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN)
      return Unavailable("storage_unavailable", "the database file cannot be written: " + msg);
    return Internal("sqlite: " + msg);
  }

  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    std::string key(sql);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, key.c_str(), static_cast<int>(key.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc);
    cache_.emplace(std::move(key), stmt);
    return stmt;
  }

  Status Run(std::string_view sql, const Params& params, Rows* rows) {
    auto prepared = Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* stmt = *prepared;
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt))
      return Internal("sqlite: parameter count mismatch for: " + std::string(sql));
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      const Value& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) sqlite3_bind_null(stmt, idx);
      else if (auto* n = std::get_if<int64_t>(&v)) sqlite3_bind_int64(stmt, idx, *n);
      else if (auto* d = std::get_if<double>(&v)) sqlite3_bind_double(stmt, idx, *d);
      else {
        const auto& s = std::get<std::string>(v);
        sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
    }
    std::shared_ptr<std::vector<std::string>> cols;
    int ncol = sqlite3_column_count(stmt);
    if (rows) {
      cols = std::make_shared<std::vector<std::string>>();
      for (int c = 0; c < ncol; ++c) cols->emplace_back(sqlite3_column_name(stmt, c));
    }
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return Error(rc);
      if (!rows) continue;
      std::vector<Value> vals;
      vals.reserve(ncol);
      for (int c = 0; c < ncol; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL: vals.emplace_back(nullptr); break;
          case SQLITE_INTEGER: vals.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c))); break;
          case SQLITE_FLOAT: vals.emplace_back(sqlite3_column_double(stmt, c)); break;
          default: {
            auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            vals.emplace_back(std::string(p, sqlite3_column_bytes(stmt, c)));
          }
        }
      }
      rows->emplace_back(cols, std::move(vals));
    }
    return Status::Ok();
  }

  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

}  // namespace

Result<std::unique_ptr<Connection>> OpenSqlite(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Internal("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  auto conn = std::make_unique<SqliteConnection>(db);
  JW_RETURN_IF_ERROR(conn->ExecScript(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return std::unique_ptr<Connection>(std::move(conn));
}

Status BackupSqliteFile(const std::string& from, const std::string& to) {
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto close = [&] {
    if (src) sqlite3_close(src);
    if (dst) sqlite3_close(dst);
  };
  if (sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
      sqlite3_open_v2(to.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string err = src ? sqlite3_errmsg(src) : "out of memory";
    close();
    return Internal("sqlite backup: cannot open " + from + " or " + to + ": " + err);
  }
  sqlite3_busy_timeout(src, 10000);
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) {
    std::string err = sqlite3_errmsg(dst);
    close();
    return Internal("sqlite backup: " + err);
  }
  int rc;
  // All pages in one step: one read transaction, so the copy is one moment's state.
  for (int tries = 0; (rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED; ++tries) {
    if (tries > 1000) break;
    sqlite3_sleep(10);
  }
  sqlite3_backup_finish(b);
  std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(dst);
  close();
  if (rc != SQLITE_DONE) return Internal("sqlite backup of " + from + " failed: " + err);
  return Status::Ok();
}

}  // namespace jingwu::sql
