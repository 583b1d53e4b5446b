// Test-only: a GoogleTest fixture that runs a suite once per database
// backend. Derive, then JW_INSTANTIATE_BACKENDS(MySuite).
#pragma once

#include <gtest/gtest.h>

#include "sql/test_database.h"

namespace jingwu::sql {

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto t = TestDatabase::Create(GetParam());
    if (!t.ok() && t.status().code() == "no_postgres") {
      if (TestDatabase::PostgresRequired()) FAIL() << "JINGWU_REQUIRE_PG=1 but JINGWU_TEST_PG_URL is unset";
      GTEST_SKIP() << "no PostgreSQL server (set JINGWU_TEST_PG_URL)";
    }
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    test_db_ = std::move(t).value();
    db_ = &test_db_->db();
  }

  std::unique_ptr<TestDatabase> test_db_;
  Database* db_ = nullptr;
};

}  // namespace jingwu::sql

#define JW_INSTANTIATE_BACKENDS(suite)                                                  \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::Values("sqlite", "postgres"), \
                           [](const auto& info) { return info.param; })
