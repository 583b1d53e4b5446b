// A throw-away database for tests: a temporary SQLite file, or a fresh schema
// in the PostgreSQL server named by JINGWU_TEST_PG_URL. Removed on
// destruction. Used by the unit tests of every module that stores data.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "sql/database.h"

namespace jingwu::sql {

class TestDatabase {
 public:
  // backend: "sqlite" or "postgres". For postgres without JINGWU_TEST_PG_URL,
  // returns NotFound with code "no_postgres" (tests skip, or fail when
  // JINGWU_REQUIRE_PG=1; see PostgresRequired()).
  static Result<std::unique_ptr<TestDatabase>> Create(const std::string& backend);
  static bool PostgresRequired();
  ~TestDatabase();

  Database& db() { return *db_; }

 private:
  std::unique_ptr<Database> db_;
  std::filesystem::path path_;
  std::string schema_;
};

}  // namespace jingwu::sql
