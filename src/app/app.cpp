#include "app/app.h"

#include <cstdio>

#include "community/service.h"
#include "custody/service.h"
#include "grassroots/service.h"
#include "health/service.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>

#include "stays/service.h"

namespace jingwu::app {

std::vector<sql::Migration> AllMigrations() {
  std::vector<sql::Migration> all;
  for (auto list : {audit::Migrations(), auth::Migrations(), cases::Migrations(), dispatch::Migrations(), services::Migrations(), watch::Migrations(), registry::Migrations(), stays::Migrations(), force::Migrations(), community::Migrations(), custody::Migrations(), health::Migrations(), grassroots::Migrations()}) all.insert(all.end(), list.begin(), list.end());
  return all;
}

Result<std::unique_ptr<App>> Open(Config config) {
  auto app = std::make_unique<App>();
  if (config.data_dir.empty()) return InvalidArgument("data_required", "--data DIR is required");
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Internal("cannot create " + config.data_dir + ": " + ec.message());
  // The folder holds personal data: its owner only (a folder made before this rule too).
  std::filesystem::permissions(config.data_dir, std::filesystem::perms::owner_all, ec);
  if (config.test_clock) {
    auto c = std::make_unique<OffsetClock>();
    app->test_clock = c.get();
    app->clock = std::move(c);
  } else {
    app->clock = std::make_unique<SystemClock>();
  }
  JW_ASSIGN_OR_RETURN(app->db, sql::Database::Open(config.db_url.empty() ? config.SqlitePath() : config.db_url));
  auto migrated = app->db->Migrate(AllMigrations());
  if (!migrated.ok()) return migrated.status();
  app->audit = std::make_unique<audit::Log>(app->db.get(), app->clock.get());
  app->auth = std::make_unique<auth::Service>(app->db.get(), app->audit.get(), app->clock.get(), config);
  app->cases = std::make_unique<cases::Service>(app->db.get(), app->audit.get(), app->clock.get());
  app->stats = std::make_unique<stats::Engine>(app->cases.get());
  // Statistics follow the records: each stored case, and whole reloads after imports.
  stats::Engine* engine = app->stats.get();
  app->cases->AddListener([engine](const std::optional<cases::Case>&, const cases::Case& after) { engine->OnCase(after); });
  app->cases->AddReloadListener([engine] { engine->Rebuild().IgnoreError(); });
  JW_RETURN_IF_ERROR(app->stats->Rebuild());
  JW_ASSIGN_OR_RETURN(dispatch::Options dopt, dispatch::ParseOptions(config.dispatch));
  app->dispatch = std::make_unique<dispatch::Service>(app->db.get(), app->audit.get(), app->clock.get(), dopt);
  JW_RETURN_IF_ERROR(app->dispatch->Load());
  JW_ASSIGN_OR_RETURN(services::Options sopt, services::ParseOptions(config.services, config.data_dir));
  app->services = std::make_unique<services::Service>(app->db.get(), app->audit.get(), app->clock.get(), sopt);
  app->registry = std::make_unique<registry::Service>(app->db.get(), app->audit.get(), app->clock.get());
  JW_RETURN_IF_ERROR(app->registry->Load());
  JW_ASSIGN_OR_RETURN(force::Options fopt, force::ParseOptions(config.force));
  app->force = std::make_unique<force::Service>(app->db.get(), app->audit.get(), app->clock.get(), app->registry.get(), fopt);
  app->force->SetDispatch(app->dispatch.get());
  JW_RETURN_IF_ERROR(app->force->Load());
  // Dispatch recommends the units whose crew is on the roster now.
  app->dispatch->SetCrewSource(app->force.get());
  app->config = std::move(config);
  return app;
}

Result<int> LockDataDir(const std::string& data_dir) {
  std::string path = data_dir + "/jingwu.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Internal("cannot open " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    return Conflict("data_dir_in_use", "the data folder " + data_dir + " is in use by another jingwu server" +
                                           (n > 0 ? std::string(" (pid ") + buf + ")" : std::string()));
  }
  std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only informative.
  }
  return fd;
}

int CliFail(const Status& s) {
  std::fprintf(stderr, "jingwu: %s\n", s.message().c_str());
  return s.kind() == ErrorKind::kInvalidArgument || s.kind() == ErrorKind::kValidation ? 2 : 1;
}

std::string RejectsText(const std::map<std::string, int64_t>& rejected) {
  std::string out;
  for (const auto& [reason, n] : rejected) out += (out.empty() ? "" : ", ") + reason + " " + std::to_string(n);
  return out;
}

}  // namespace jingwu::app
