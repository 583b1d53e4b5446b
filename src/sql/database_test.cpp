// The same suite runs against SQLite and, when JINGWU_TEST_PG_URL is set (the
// test script starts a real server), PostgreSQL. JINGWU_REQUIRE_PG=1 turns a
// missing server into a failure instead of a skip.
#include "sql/database.h"
#include "sql/backend_test.h"

#include <gtest/gtest.h>


namespace jingwu::sql {
namespace {

class DatabaseTest : public BackendTest {
 protected:
  Status CreateItems() {
    auto n = db_->Migrate({{"test", 1, "items",
                            "CREATE TABLE items (id {{id}}, name TEXT NOT NULL UNIQUE, qty INTEGER, price REAL)"}});
    return n.ok() ? Status::Ok() : n.status();
  }

};

TEST_P(DatabaseTest, InsertReturningAndSelectTypedValues) {
  ASSERT_TRUE(CreateItems().ok());
  auto ins = db_->Query("INSERT INTO items (name, qty, price) VALUES (?, ?, ?) RETURNING id", {"伞", int64_t{3}, 2.5});
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  ASSERT_EQ(ins->size(), 1u);
  int64_t id = (*ins)[0].Int("id");
  EXPECT_GT(id, 0);
  auto rows = db_->Query("SELECT id, name, qty, price FROM items WHERE id = ?", {id});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Text("name"), "伞");
  EXPECT_EQ((*rows)[0].Int("qty"), 3);
  EXPECT_DOUBLE_EQ((*rows)[0].Double("price"), 2.5);
}

TEST_P(DatabaseTest, NullsRoundTrip) {
  ASSERT_TRUE(CreateItems().ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO items (name, qty) VALUES (?, ?)", {"a", nullptr}).ok());
  auto rows = db_->Query("SELECT qty, price FROM items WHERE name = ?", {"a"});
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE((*rows)[0].IsNull("qty"));
  EXPECT_TRUE((*rows)[0].IsNull("price"));
  EXPECT_FALSE((*rows)[0].OptText("qty").has_value());
}

TEST_P(DatabaseTest, BoundParametersAreNotInterpretedAsSql) {
  ASSERT_TRUE(CreateItems().ok());
  std::string evil = "x'); DROP TABLE items; --";
  ASSERT_TRUE(db_->Exec("INSERT INTO items (name) VALUES (?)", {evil}).ok());
  auto rows = db_->Query("SELECT name FROM items WHERE name = ?", {evil});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Text("name"), evil);
  // A literal question mark inside quotes is not a placeholder.
  auto q = db_->Query("SELECT COUNT(*) AS n FROM items WHERE name <> '?' AND name = ?", {evil});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ((*q)[0].Int("n"), 1);
}

TEST_P(DatabaseTest, UniqueViolationIsConflict) {
  ASSERT_TRUE(CreateItems().ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO items (name) VALUES (?)", {"dup"}).ok());
  auto again = db_->Exec("INSERT INTO items (name) VALUES (?)", {"dup"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().kind(), ErrorKind::kConflict);
  EXPECT_EQ(again.status().code(), "unique_violation");
}

TEST_P(DatabaseTest, ExecCountsChangedRows) {
  ASSERT_TRUE(CreateItems().ok());
  for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(db_->Exec("INSERT INTO items (name, qty) VALUES (?, 1)", {n}).ok());
  auto changed = db_->Exec("UPDATE items SET qty = qty + 1 WHERE name <> ?", {"a"});
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(*changed, 2);
}

TEST_P(DatabaseTest, FailedTransactionRollsBackEverything) {
  ASSERT_TRUE(CreateItems().ok());
  Status s = db_->Transaction([](Connection& c) -> Status {
    auto a = c.Exec("INSERT INTO items (name) VALUES (?)", {"first"});
    if (!a.ok()) return a.status();
    return Validation("stop", "caller changed its mind");
  });
  EXPECT_EQ(s.code(), "stop");
  auto n = db_->Query("SELECT COUNT(*) AS n FROM items");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)[0].Int("n"), 0);
  // A failing statement inside also rolls back what came before it.
  s = db_->Transaction([](Connection& c) -> Status {
    auto a = c.Exec("INSERT INTO items (name) VALUES (?)", {"x"});
    if (!a.ok()) return a.status();
    auto b = c.Exec("INSERT INTO items (name) VALUES (?)", {"x"});
    return b.ok() ? Status::Ok() : b.status();
  });
  EXPECT_EQ(s.code(), "unique_violation");
  n = db_->Query("SELECT COUNT(*) AS n FROM items");
  EXPECT_EQ((*n)[0].Int("n"), 0);
  // And the connection is usable afterwards.
  EXPECT_TRUE(db_->Exec("INSERT INTO items (name) VALUES (?)", {"x"}).ok());
}

TEST_P(DatabaseTest, MigrationsApplyOnceInOrderAndAreRecorded) {
  std::vector<Migration> ms = {
      {"m", 1, "create", "CREATE TABLE t (id {{id}}, a TEXT)"},
      {"m", 2, "add column", "ALTER TABLE t ADD COLUMN b INTEGER"},
  };
  auto first = db_->Migrate(ms);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 2);
  auto second = db_->Migrate(ms);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 0);
  ASSERT_TRUE(db_->Exec("INSERT INTO t (a, b) VALUES (?, ?)", {"x", int64_t{7}}).ok());
  auto rec = db_->Query("SELECT version, name FROM schema_migrations WHERE module = ? ORDER BY version", {"m"});
  ASSERT_TRUE(rec.ok());
  ASSERT_EQ(rec->size(), 2u);
  EXPECT_EQ((*rec)[1].Text("name"), "add column");
}

TEST_P(DatabaseTest, BrokenMigrationLeavesNoTrace) {
  auto r = db_->Migrate({{"bad", 1, "half", "CREATE TABLE half (x INTEGER); CREATE TABLE half (y INTEGER)"}});
  ASSERT_FALSE(r.ok());
  auto rec = db_->Query("SELECT COUNT(*) AS n FROM schema_migrations WHERE module = ?", {"bad"});
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ((*rec)[0].Int("n"), 0);
  // The first statement was rolled back with the failed second one.
  EXPECT_TRUE(db_->Migrate({{"ok", 1, "half", "CREATE TABLE half (x INTEGER)"}}).ok());
}

JW_INSTANTIATE_BACKENDS(DatabaseTest);

TEST(ExpandDialect, IdColumn) {
  EXPECT_EQ(ExpandDialect("a {{id}} b", Dialect::kSqlite), "a INTEGER PRIMARY KEY AUTOINCREMENT b");
  EXPECT_EQ(ExpandDialect("{{id}}", Dialect::kPostgres), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
}

}  // namespace
}  // namespace jingwu::sql
