#include "sql/test_database.h"

#include <cstdlib>

#include "core/crypto.h"

namespace jingwu::sql {

bool TestDatabase::PostgresRequired() {
  const char* req = std::getenv("JINGWU_REQUIRE_PG");
  return req && std::string(req) == "1";
}

Result<std::unique_ptr<TestDatabase>> TestDatabase::Create(const std::string& backend) {
  auto t = std::unique_ptr<TestDatabase>(new TestDatabase());
  if (backend == "sqlite") {
    t->path_ = std::filesystem::temp_directory_path() / ("jw_test_" + RandomHex(6) + ".db");
    JW_ASSIGN_OR_RETURN(t->db_, Database::Open(t->path_.string()));
    return t;
  }
  const char* url = std::getenv("JINGWU_TEST_PG_URL");
  if (!url || !*url) return NotFound("no_postgres", "JINGWU_TEST_PG_URL is not set");
  JW_ASSIGN_OR_RETURN(t->db_, Database::Open(url));
  t->schema_ = "t_" + RandomHex(6);
  JW_RETURN_IF_ERROR(t->db_->Transaction([&](Connection& c) {
    return c.ExecScript("CREATE SCHEMA " + t->schema_ + "; SET search_path TO " + t->schema_);
  }));
  return t;
}

TestDatabase::~TestDatabase() {
  if (db_ && !schema_.empty())
    db_->Transaction([&](Connection& c) { return c.ExecScript("DROP SCHEMA " + schema_ + " CASCADE"); })
        .IgnoreError();
  db_.reset();
  if (!path_.empty()) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code ec;
      std::filesystem::remove(path_.string() + suffix, ec);
    }
  }
}

}  // namespace jingwu::sql
