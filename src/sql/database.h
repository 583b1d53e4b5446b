// The operational database: one interface, two backends (SQLite, PostgreSQL).
//
// SQL is written once, in the subset both engines accept, with '?'
// placeholders (the PostgreSQL backend rewrites them to $1, $2, ...).
// Migrations may use {{id}} for an auto-increment integer primary key, the
// one construct the two engines spell differently.
//
// Ownership and threads: a Database owns one Connection and serialises all
// use of it with a mutex, so a Database may be shared by all threads.
// A Connection is not thread-safe; it is only handed out inside
// Database::Transaction, while the mutex is held.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace jingwu::sql {

using Value = std::variant<std::nullptr_t, int64_t, double, std::string>;
using Params = std::vector<Value>;

enum class Dialect { kSqlite, kPostgres };
const char* DialectName(Dialect d);

// One result row; columns are looked up by name.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> cols, std::vector<Value> values)
      : cols_(std::move(cols)), values_(std::move(values)) {}
  bool IsNull(std::string_view col) const;
  int64_t Int(std::string_view col) const;          // 0 when NULL
  double Double(std::string_view col) const;        // 0 when NULL
  std::string Text(std::string_view col) const;     // "" when NULL
  std::optional<std::string> OptText(std::string_view col) const;
  const Value& At(size_t i) const { return values_[i]; }
  size_t size() const { return values_.size(); }

 private:
  const Value& Get(std::string_view col) const;
  std::shared_ptr<const std::vector<std::string>> cols_;
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;

// A live connection to one engine. Not thread-safe.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs a statement that returns rows (SELECT, or DML with RETURNING).
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;
  // Runs a statement; returns the number of rows changed.
  virtual Result<int64_t> Exec(std::string_view sql, const Params& params = {}) = 0;
  // Runs several ';'-separated statements without parameters (migrations).
  virtual Status ExecScript(std::string_view sql) = 0;
};

// A numbered schema change of one module. Versions are per module and are
// applied in order, each once, inside a transaction, and recorded in
// schema_migrations(module, version, name, applied_at).
struct Migration {
  std::string module;
  int version;
  std::string name;
  std::string sql;
};

class Database {
 public:
  // "postgresql://..." or "postgres://..." opens PostgreSQL; anything else is
  // the path of a SQLite file (created if missing; WAL, synchronous=FULL).
  static Result<std::unique_ptr<Database>> Open(const std::string& url_or_path);

  explicit Database(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {}

  Dialect dialect() const { return conn_->dialect(); }
  Result<Rows> Query(std::string_view sql, const Params& params = {});
  Result<int64_t> Exec(std::string_view sql, const Params& params = {});

  // Runs fn inside BEGIN ... COMMIT; rolls back when fn returns an error.
  // Do not call other Database methods from inside fn (use the Connection).
  Status Transaction(const std::function<Status(Connection&)>& fn);

  // Applies the migrations not applied yet. Returns how many were applied.
  Result<int> Migrate(const std::vector<Migration>& migrations);

 private:
  std::mutex mu_;
  std::unique_ptr<Connection> conn_;  // guarded by mu_
};

// Backends (defined in sqlite.cpp / postgres.cpp).
Result<std::unique_ptr<Connection>> OpenSqlite(const std::string& path);
Result<std::unique_ptr<Connection>> OpenPostgres(const std::string& url);

// A consistent copy of a SQLite database file that other processes may be
// writing (SQLite's online backup API, one read transaction), written to `to`.
Status BackupSqliteFile(const std::string& from, const std::string& to);

// Replaces the dialect placeholders of migration SQL.
std::string ExpandDialect(std::string_view sql, Dialect d);

}  // namespace jingwu::sql
