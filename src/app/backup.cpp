#include "app/backup.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "app/app.h"
#include "app/bigdata_cli.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/time.h"
#include "events/store.h"

extern char** environ;

namespace jingwu::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr const char* kFormat = "jingwu-backup/1";

int Fail(const Status& s) {
  std::fprintf(stderr, "jingwu: %s\n", s.message().c_str());
  return 1;
}

// Runs a program (PATH lookup) and waits; an error names it and its exit code.
Status Run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0)
    return Internal("cannot run " + argv[0] + " (is it installed?)");
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return Internal("waiting for " + argv[0] + " failed");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Internal(argv[0] + " failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  return Status::Ok();
}

Status CopyTree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (!fs::exists(from, ec)) return Status::Ok();
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) return Internal("cannot copy " + from.string() + ": " + ec.message());
  return Status::Ok();
}

Result<int64_t> CountRows(sql::Database& db, const char* table) {
  auto r = db.Query(std::string("SELECT COUNT(*) AS n FROM ") + table);
  if (!r.ok()) return r.status();
  return (*r)[0].Int("n");
}

bool IsPostgres(const std::string& url) { return url.rfind("postgres", 0) == 0; }

}  // namespace

int RunBackup(const Config& config, const std::string& to) {
  log::SetLevel(log::Level::kWarn);
  if (config.data_dir.empty() ||
      (!fs::exists(config.SqlitePath()) && !fs::exists(config.data_dir + "/events") && config.db_url.empty()))
    return Fail(NotFound("no_data", "no jingwu data folder at '" + config.data_dir + "'"));
  if (fs::exists(to)) return Fail(Conflict("file_exists", to + " exists; name a new file"));
  fs::path stage = to + ".partial";
  std::error_code ec;
  fs::remove_all(stage, ec);
  fs::create_directories(stage / "sql", ec);
  if (ec) return Fail(Internal("cannot create " + stage.string() + ": " + ec.message()));
  auto cleanup = [&] { fs::remove_all(stage, ec); };
  auto t0 = std::chrono::steady_clock::now();
  json manifest = {{"format", kFormat}, {"created_at", FormatTime(SystemClock().Now())},
                   {"source", fs::absolute(config.data_dir).string()}};

  // 1. The event store first, then the database: what the database refers to
  //    (alerts, merges) was stored before it.
  fs::path events_dir = fs::path(config.data_dir) / "events";
  if (fs::exists(events_dir / "CURRENT")) {
    events::OpenOptions oo;
    oo.secondary_dir = (stage / "secondary").string();
    oo.block_cache_mb = 64;
    auto store = events::Store::Open(events_dir.string(), oo);
    if (!store.ok()) return cleanup(), Fail(store.status());
    auto keys = (*store)->ExportSst((stage / "events").string());
    if (!keys.ok()) return cleanup(), Fail(keys.status());
    manifest["events"] = {{"total", (*store)->TotalEvents()}, {"entities", (*store)->EntityCount()}, {"keys", *keys}};
    store->reset();
    fs::remove_all(stage / "secondary", ec);
  }

  // 2. The database.
  if (IsPostgres(config.db_url)) {
    manifest["db"] = "postgres";
    Status s = Run({"pg_dump", "--format=custom", "--no-owner", "--file=" + (stage / "sql" / "jingwu.pgdump").string(),
                    config.db_url});
    if (!s.ok()) return cleanup(), Fail(s);
  } else {
    manifest["db"] = "sqlite";
    Status s = sql::BackupSqliteFile(config.SqlitePath(), (stage / "sql" / "jingwu.db").string());
    if (!s.ok()) return cleanup(), Fail(s);
    auto copy = sql::Database::Open((stage / "sql" / "jingwu.db").string());
    if (!copy.ok()) return cleanup(), Fail(copy.status());
    json counts = json::object();
    for (const char* t : {"audit_log", "users", "cases", "dispatch_events"}) {
      auto n = CountRows(**copy, t);
      if (n.ok()) counts[t] = *n;
    }
    manifest["sql_counts"] = counts;
  }

  // 3. Uploads (written once under their hash), configuration, TLS files.
  for (const char* name : {"uploads", "tls", "config.json"}) {
    Status s = CopyTree(fs::path(config.data_dir) / name, stage / name);
    if (!s.ok()) return cleanup(), Fail(s);
  }
  {
    std::ofstream m(stage / "manifest.json");
    m << manifest.dump(2) << "\n";
    if (!m) return cleanup(), Fail(Internal("cannot write the manifest"));
  }

  // 4. One file, renamed into place when whole.
  std::string tmp = to + ".tmp";
  Status s = Run({"tar", "-cf", tmp, "-C", stage.string(), "."});
  cleanup();
  if (!s.ok()) return fs::remove(tmp, ec), Fail(s);
  fs::rename(tmp, to, ec);
  if (ec) return Fail(Internal("cannot rename " + tmp + ": " + ec.message()));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("backup of %s written to %s (%.1f MB, %.1f s): %s\n", config.data_dir.c_str(), to.c_str(),
              static_cast<double>(fs::file_size(to, ec)) / 1e6, secs, manifest.dump().c_str());
  return 0;
}

int RunRestore(const Config& config, const std::string& from) {
  log::SetLevel(log::Level::kWarn);
  std::error_code ec;
  fs::path data(config.data_dir);
  if (!fs::exists(from)) return Fail(NotFound("no_backup", "no backup file " + from));
  if (fs::exists(data) && !fs::is_empty(data, ec))
    return Fail(Conflict("data_not_empty", config.data_dir + " is not empty; restore into a new folder"));
  fs::create_directories(data, ec);
  fs::path stage = data / ".restore";
  fs::create_directories(stage, ec);
  Status s = Run({"tar", "-xf", from, "-C", stage.string()});
  if (!s.ok()) return Fail(s);
  json manifest = json::parse(std::ifstream(stage / "manifest.json"), nullptr, false);
  if (!manifest.is_object() || manifest.value("format", "") != kFormat)
    return Fail(InvalidArgument("bad_backup", from + " is not a jingwu backup (" + kFormat + ")"));
  std::string kind = manifest.value("db", "");

  // 1. The database.
  if (kind == "postgres") {
    if (!IsPostgres(config.db_url))
      return Fail(InvalidArgument("db_required", "this backup holds a PostgreSQL dump: name an empty database with --db"));
    s = Run({"pg_restore", "--no-owner", "--exit-on-error", "--dbname=" + config.db_url,
             (stage / "sql" / "jingwu.pgdump").string()});
    if (!s.ok()) return Fail(s);
  } else {
    if (!config.db_url.empty())
      return Fail(InvalidArgument("cross_backend", "this backup holds SQLite; restore it without --db"));
    fs::rename(stage / "sql" / "jingwu.db", config.SqlitePath(), ec);
    if (ec) return Fail(Internal("cannot place the database: " + ec.message()));
  }

  // 2. The event store: a new store, the backup's files loaded into it.
  if (manifest.contains("events")) {
    std::string dir = (data / "events").string();
    {
      auto store = events::Store::Open(dir);
      if (!store.ok()) return Fail(store.status());
      s = (*store)->ImportSst((stage / "events").string());
      if (!s.ok()) return Fail(s);
    }
    auto store = events::Store::Open(dir, {.read_only = true});
    if (!store.ok()) return Fail(store.status());
    int64_t total = (*store)->TotalEvents(), want = manifest["events"].value("total", int64_t{-1});
    if (total != want)
      return Fail(Internal("the restored event store holds " + std::to_string(total) + " events, the backup " +
                           std::to_string(want)));
  }

  // 3. Files.
  for (const char* name : {"uploads", "tls", "config.json"}) {
    if (!fs::exists(stage / name)) continue;
    fs::rename(stage / name, data / name, ec);
    if (ec) return Fail(Internal(std::string("cannot place ") + name + ": " + ec.message()));
  }
  fs::remove_all(stage, ec);
  // The restored configuration names the database it was restored into.
  if (kind == "postgres") {
    s = SetConfigKeys((data / "config.json").string(), {{"db", config.db_url}});
    if (!s.ok()) return Fail(s);
  }

  // 4. Open it as the server would (migrations of a newer jingwu apply), and check.
  Config c = config;
  if (Status f = LoadConfigFile(c.data_dir + "/config.json", &c); !f.ok()) return Fail(f);
  c.db_url = config.db_url;
  auto app = Open(c);
  if (!app.ok()) return Fail(app.status());
  auto v = (*app)->audit->Verify();
  if (!v.ok()) return Fail(v.status());
  if (!v->ok) {
    std::printf("restored, but the audit chain is BROKEN at entry %lld: %s\n", static_cast<long long>(v->first_bad_id),
                v->problem.c_str());
    return 1;
  }
  if (manifest.contains("sql_counts")) {
    for (auto& [table, n] : manifest["sql_counts"].items()) {
      auto got = CountRows(*(*app)->db, table.c_str());
      if (got.ok() && *got != n.get<int64_t>())
        return Fail(Internal("restored " + table + " has " + std::to_string(*got) + " rows, the backup " + n.dump()));
    }
  }
  std::printf("restored %s into %s: audit chain ok (%lld entries), events %s; the search index is rebuilt when "
              "the server starts\n",
              from.c_str(), c.data_dir.c_str(), static_cast<long long>(v->checked),
              manifest.contains("events") ? manifest["events"].dump().c_str() : "none");
  return 0;
}

}  // namespace jingwu::app
