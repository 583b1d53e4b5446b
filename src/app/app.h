// Composition root: opens the data folder and database, applies every
// module's migrations and builds the services. The command line (main.cpp)
// and the tests use it. Not thread-safe to construct; the parts it owns are.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "audit/audit.h"
#include "auth/service.h"
#include "cases/service.h"
#include "stats/engine.h"
#include "dispatch/service.h"
#include "services/service.h"
#include "registry/service.h"
#include "force/service.h"
#include "watch/store.h"
#include "core/config.h"
#include "sql/database.h"

namespace jingwu::app {

// Every module's migrations, in dependency order. A new module adds its
// list here.
std::vector<sql::Migration> AllMigrations();

struct App {
  Config config;
  std::unique_ptr<Clock> clock;
  OffsetClock* test_clock = nullptr;  // set when config.test_clock
  std::unique_ptr<sql::Database> db;
  std::unique_ptr<audit::Log> audit;
  std::unique_ptr<auth::Service> auth;
  std::unique_ptr<cases::Service> cases;
  std::unique_ptr<stats::Engine> stats;
  std::unique_ptr<dispatch::Service> dispatch;
  std::unique_ptr<services::Service> services;
  std::unique_ptr<registry::Service> registry;
  std::unique_ptr<force::Service> force;  // personnel, rosters (drive dispatch), training, inspection
};

// Creates the data folder if needed, reads DATA/config.json under the given
// config (flags already applied win over the file only where the caller says
// so: see main.cpp), opens the database and migrates it.
Result<std::unique_ptr<App>> Open(Config config);

// A command's failure: the message on stderr; exit code 2 for bad input, else 1.
int CliFail(const Status& s);
// "reason n, reason n" of an import's refused rows.
std::string RejectsText(const std::map<std::string, int64_t>& rejected);

// Takes an exclusive lock on the data folder for a server; fails with a clear
// message when another server holds it. The lock lives as long as the fd.
Result<int> LockDataDir(const std::string& data_dir);

}  // namespace jingwu::app
