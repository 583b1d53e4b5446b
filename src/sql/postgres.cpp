// PostgreSQL backend over libpq: '?' placeholders become $n, statements are
// prepared once per connection and cached by SQL text, values travel as text
// and come back typed by the column's type OID.
#include <libpq-fe.h>

#include <map>

#include "sql/database.h"

namespace jingwu::sql {
namespace {

// Every connection's settings: quiet NOTICEs from IF NOT EXISTS; UTC on the wire.
constexpr const char* kSessionSetup = "SET client_min_messages = warning; SET TIME ZONE 'UTC'";

// Type OIDs from pg_type.h (stable across versions).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700;

// Rewrites ? placeholders to $1..$n, leaving quoted text alone.
std::string ToDollarParams(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* c) : conn_(c) {}
  ~PgConnection() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    Rows rows;
    auto r = Run(sql, params, &rows);
    if (!r.ok()) return r.status();
    return rows;
  }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override { return Run(sql, params, nullptr); }

  Status ExecScript(std::string_view sql) override {
    JW_RETURN_IF_ERROR(Reconnect());
    PGresult* res = PQexec(conn_, std::string(sql).c_str());
    Status s = Check(res);
    PQclear(res);
    return s;
  }

 private:
  Status Check(PGresult* res) {
    auto st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
    std::string msg = PQresultErrorMessage(res);
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    std::string code = state ? state : "";
    if (code == "23505") return Conflict("unique_violation", msg);
    if (code.rfind("23", 0) == 0) return Conflict("constraint_violation", msg);
    if (code == "53100") return Unavailable("storage_full", "the database server's disk is full; nothing was stored");
    if (code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0 || PQstatus(conn_) == CONNECTION_BAD)
      return Unavailable("database_unavailable", "the database server is out of reach: " + msg);
    return Internal("postgresql: " + msg);
  }

  Result<std::string> Prepare(std::string_view sql) {
    std::string key(sql);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    std::string name = "s" + std::to_string(cache_.size() + 1);
    PGresult* res = PQprepare(conn_, name.c_str(), ToDollarParams(sql).c_str(), 0, nullptr);
    Status s = Check(res);
    PQclear(res);
    if (!s.ok()) return s;
    cache_.emplace(std::move(key), name);
    return name;
  }

  // A connection lost (the server restarted, killed, a network cut) is opened
  // again on the next statement; its prepared statements are gone with it.
  Status Reconnect() {
    if (PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK)
      return Unavailable("database_unavailable",
                         std::string("the database server is out of reach: ") + PQerrorMessage(conn_));
    cache_.clear();
    PGresult* res = PQexec(conn_, kSessionSetup);
    Status s = Check(res);
    PQclear(res);
    return s;
  }

  Result<int64_t> Run(std::string_view sql, const Params& params, Rows* rows) {
    // A statement inside a transaction never reconnects: the transaction is lost with its connection.
    if (sql == "BEGIN" || !in_transaction_) JW_RETURN_IF_ERROR(Reconnect());
    if (sql == "BEGIN") in_transaction_ = true;
    if (sql == "COMMIT" || sql == "ROLLBACK") in_transaction_ = false;
    // Transaction control is not worth preparing.
    bool plain = params.empty() && (sql == "BEGIN" || sql == "COMMIT" || sql == "ROLLBACK");
    PGresult* res;
    if (plain) {
      res = PQexec(conn_, std::string(sql).c_str());
    } else {
      auto name = Prepare(sql);
      if (!name.ok()) return name.status();
      std::vector<std::string> text(params.size());
      std::vector<const char*> ptrs(params.size());
      for (size_t i = 0; i < params.size(); ++i) {
        const Value& v = params[i];
        if (std::holds_alternative<std::nullptr_t>(v)) {
          ptrs[i] = nullptr;
          continue;
        }
        if (auto* n = std::get_if<int64_t>(&v)) text[i] = std::to_string(*n);
        else if (auto* d = std::get_if<double>(&v)) text[i] = std::to_string(*d);
        else text[i] = std::get<std::string>(v);
        ptrs[i] = text[i].c_str();
      }
      res = PQexecPrepared(conn_, name->c_str(), static_cast<int>(params.size()), ptrs.data(), nullptr, nullptr, 0);
    }
    Status s = Check(res);
    if (!s.ok()) {
      PQclear(res);
      return s;
    }
    if (rows) {
      int nf = PQnfields(res);
      auto cols = std::make_shared<std::vector<std::string>>();
      std::vector<Oid> types;
      for (int c = 0; c < nf; ++c) {
        cols->emplace_back(PQfname(res, c));
        types.push_back(PQftype(res, c));
      }
      int nt = PQntuples(res);
      for (int r = 0; r < nt; ++r) {
        std::vector<Value> vals;
        vals.reserve(nf);
        for (int c = 0; c < nf; ++c) {
          if (PQgetisnull(res, r, c)) {
            vals.emplace_back(nullptr);
            continue;
          }
          const char* v = PQgetvalue(res, r, c);
          switch (types[c]) {
            case kInt2: case kInt4: case kInt8: vals.emplace_back(static_cast<int64_t>(std::strtoll(v, nullptr, 10))); break;
            case kFloat4: case kFloat8: case kNumeric: vals.emplace_back(std::strtod(v, nullptr)); break;
            case kBool: vals.emplace_back(static_cast<int64_t>(v[0] == 't')); break;
            default: vals.emplace_back(std::string(v, PQgetlength(res, r, c)));
          }
        }
        rows->emplace_back(cols, std::move(vals));
      }
    }
    const char* affected = PQcmdTuples(res);
    int64_t n = affected && *affected ? std::strtoll(affected, nullptr, 10) : 0;
    PQclear(res);
    return n;
  }

  PGconn* conn_;
  bool in_transaction_ = false;
  std::map<std::string, std::string, std::less<>> cache_;
};

}  // namespace

Result<std::unique_ptr<Connection>> OpenPostgres(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    return Internal("cannot connect to PostgreSQL: " + msg);
  }
  auto conn = std::make_unique<PgConnection>(c);
  JW_RETURN_IF_ERROR(conn->ExecScript(kSessionSetup));
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace jingwu::sql
