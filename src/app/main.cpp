// jingwu: the command line. See README.md "Usage" and DESIGN.md.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/bench_compare.h"
#include "app/bigdata_cli.h"
#include "app/backup.h"
#include "app/cert.h"
#include "app/community_cli.h"
#include "app/custody_cli.h"
#include "app/grassroots_cli.h"
#include "app/health_cli.h"
#include "app/force_cli.h"
#include "app/registry_cli.h"
#include "app/simulate.h"
#include "app/sources_cli.h"
#include "audit/checkpoint.h"
#include "community/service.h"
#include "custody/service.h"
#include "grassroots/service.h"
#include "health/service.h"
#include "auth/roles.h"
#include "core/crypto.h"
#include "core/log.h"
#include "fusion/source_def.h"
#include "gen/cases_gen.h"
#include "gen/city_gen.h"
#include "gen/community_gen.h"
#include "gen/custody_gen.h"
#include "gen/grassroots_gen.h"
#include "gen/health_gen.h"
#include "gen/force_gen.h"
#include "gen/registry_gen.h"
#include "http/server.h"
#include "search/index.h"
#include "search/resolve.h"

namespace jingwu::app {
namespace {

const auth::Actor kCli{"cli", "admin", "cli"};

int Fail(const Status& s) {
  std::fprintf(stderr, "jingwu: %s\n", s.message().c_str());
  return 1;
}

// Reads a password from --password or, with --password-stdin, one line of stdin.
Result<std::string> ReadPassword(const std::string& flag, bool from_stdin) {
  if (!flag.empty()) return flag;
  if (!from_stdin) return InvalidArgument("password_required", "give --password or --password-stdin");
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The built web app: --web, else web/dist beside the binary's source tree or the working folder.
std::string FindWebRoot(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (auto dir : {exe.parent_path().parent_path() / "web/dist", std::filesystem::path("web/dist")})
    if (std::filesystem::exists(dir / "index.html", ec)) return dir.string();
  return "";
}

int Serve(Config config, bool print_admin_password) {
  log::Level level;
  if (log::ParseLevel(config.log_level, &level)) log::SetLevel(level);
  // Signals are taken by sigwait below, not by whichever thread they hit.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  auto fd = LockDataDir(config.data_dir);
  if (!fd.ok()) return Fail(fd.status());
  auto opened = Open(config);
  if (!opened.ok()) return Fail(opened.status());
  App& app = **opened;

  if (print_admin_password && app.stats->case_count() == 0) {
    // The demo city's records, from which every statistic is computed.
    std::printf("jingwu demo: generating the demo city's case records (2015-2020)...\n");
    std::fflush(stdout);
    Status loaded = app.cases->Load(kCli, gen::GenerateCases(1));
    if (!loaded.ok()) return Fail(loaded);
    std::printf("jingwu demo: %zu cases loaded\n", app.stats->case_count());
  }
  std::string demo_password;  // shown once; the demo citizen gets it too
  if (print_admin_password) {
    auto users = app.auth->ListUsers();
    if (users.ok() && users->empty()) {
      // One demo account per role, so that every module can be tried; they
      // share one random password, shown only this once.
      std::string pw = RandomToken(12);
      demo_password = pw;
      const std::pair<const char*, const char*> kDemo[] = {
          {"admin", "系统管理员"},      {"commander", "指挥长"},  {"dispatcher", "接处警员"},
          {"investigator", "侦查员"},   {"analyst", "情报分析员"}, {"service_clerk", "窗口民警"},
          {"inspector", "督察员"},     {"patrol_officer", "巡逻民警"}};
      for (auto [role, name] : kDemo) {
        std::string username = role == std::string("service_clerk") ? "clerk"
                               : role == std::string("patrol_officer") ? "patrol"
                                                                       : role;
        auto u = app.auth->CreateUser(kCli, {username, name, pw, {role}});
        if (!u.ok()) return Fail(u.status());
      }
      std::printf("\n  jingwu demo: created one account per role (shown only this once)\n"
                  "    users:    admin, commander, dispatcher, investigator, analyst, clerk, inspector, patrol\n"
                  "    password: %s   (the same for each)\n"
                  "    start with: admin (accounts, data sources), commander (dispatch, cases, statistics), analyst (big\n"
                  "    data: trajectory, collision, co-travel), clerk (service hall, registries, smart communities),\n"
                  "    inspector (audit), patrol (the officers' phone app at /m)\n\n",
                  pw.c_str());
    }
  }

  if (print_admin_password) {
    auto seeded = dispatch::SeedDemo(*app.dispatch);
    if (!seeded.ok()) return Fail(seeded.status());
    if (*seeded > 0) std::printf("  jingwu demo: added %d dispatch units and a few incidents\n", *seeded);
    std::printf("  jingwu demo: generating a year (2025) of online-hall applications...\n");
    std::fflush(stdout);
    auto apps = services::SeedDemo(*app.services, 2025, 7);
    if (!apps.ok()) return Fail(apps.status());
    if (*apps > 0) std::printf("  jingwu demo: added %lld service-hall applications\n", static_cast<long long>(*apps));
  }

  // The event store (big data); the server is its one writer.
  auto events = events::Store::Open(EventsDir(app.config));
  if (!events.ok()) return Fail(events.status());
  if (print_admin_password && (*events)->TotalEvents() == 0) {
    Status s = SeedBigData(app.config, **events, app.audit.get());
    if (!s.ok()) return Fail(s);
  }
  if (print_admin_password && app.registry->index()->size() == 0) {
    // The base registries of the same synthetic city (a demo folder made
    // before they existed gets them generated now).
    std::string dir = app.config.data_dir + "/sources";
    if (!std::filesystem::exists(dir + "/addresses.csv")) {
      Status g = gen::WriteRegistry(dir, 1);
      if (!g.ok()) return Fail(g);
    }
    auto imported = app.registry->Import(kCli, dir);
    if (!imported.ok()) return Fail(imported.status());
    std::printf("  jingwu demo: loaded the base registries: %zu standard addresses\n", app.registry->index()->size());
  }
  if (print_admin_password) {
    auto units = app.force->Units();
    if (!units.ok()) return Fail(units.status());
    if (units->empty()) {
      // The bureau's force, its training and a year (2020) of access history in
      // which misconduct is planted; the inspection rules run over it once.
      std::string dir = app.config.data_dir + "/sources";
      std::printf("  jingwu demo: generating the force: personnel, rosters, training and a year of access history...\n");
      std::fflush(stdout);
      if (!std::filesystem::exists(dir + "/personnel.csv")) {
        Status g = gen::WriteForce({.out_dir = dir, .seed = 1}, gen::GenerateCases(1));
        if (!g.ok()) return Fail(g);
      }
      auto imported = app.force->Import(kCli, dir);
      if (!imported.ok()) return Fail(imported.status());
      auto run = app.force->RunInspection(true);
      if (!run.ok()) return Fail(run.status());
      auto roster = app.force->SeedRoster(kCli, app.clock->Now(), 8);
      if (!roster.ok()) return Fail(roster.status());
      std::printf("  jingwu demo: loaded the force (%zu units); inspection raised %lld findings; %d shifts on this week's "
                  "roster\n",
                  app.force->Units()->size(), static_cast<long long>(run->raised), *roster);
      // A citizen whose data officers read in 2020 (the portal's 我的数据被谁查询).
      std::ifstream tf(dir + "/force_truth.json");
      auto t = nlohmann::json::parse(tf, nullptr, false);
      if (t.is_object() && t.contains("tracker") && !demo_password.empty()) {
        auto citizen = app.services->Register({"13800138000", demo_password, t["tracker"].value("id_number", ""),
                                               t["tracker"].value("name", ""), "cli"});
        if (citizen.ok())
          std::printf("  jingwu demo: citizen portal login: phone 13800138000, the same password (see 我的数据被谁查询)\n");
      }
    }
  }
  // The source definitions of the event store (built-in and added, docs/sources.md).
  auto sources = fusion::SourceRegistry::Load(events->get());
  if (!sources.ok()) return Fail(sources.status());
  // The search index follows the event store (catching up first, in the background).
  auto index = search::Index::Open(SearchDir(app.config), events->get());
  if (!index.ok()) return Fail(index.status());
  // Records without an ID number that a new batch brings are matched to people
  // once the index has them (search/resolve.h).
  (*index)->OnCaughtUp([store = events->get(), clock = app.clock.get()](const std::vector<events::EntityId>& touched,
                                                                         bool all) {
    auto r = all ? search::ResolvePending(*store, clock->Now()) : search::ResolveTouched(*store, clock->Now(), touched);
    if (!r.ok()) log::Warn("resolve.failed", {{"error", r.status().message()}});
    else if (r->merged > 0) log::Info("resolve.merged", {{"records", r->merged}});
  });
  (*index)->Follow(events->get());
  // Watchlists: alerts raised from every batch the event store keeps.
  watch::Service watch(app.db.get(), app.audit.get(), app.clock.get(), events->get());
  if (Status s = watch.Attach(); !s.ok()) return Fail(s);
  // Visa-free foreigner stays, evaluated from the same batches.
  auto stay_options = stays::ParseOptions(app.config.stays);
  if (!stay_options.ok()) return Fail(stay_options.status());
  if (print_admin_password && stay_options->as_of.empty()) {
    // The demo's data is a past year: its stay clock starts at that year's end.
    std::ifstream truth(app.config.data_dir + "/sources/truth.json");
    auto t = nlohmann::json::parse(truth, nullptr, false);
    if (t.is_object() && t.contains("stays")) stay_options->as_of = t["stays"].value("as_of", "");
  }
  // The registry's tasks and staleness run on the same data clock.
  if (!stay_options->as_of.empty()) app.registry->SetAsOf(stay_options->as_of);
  stays::Service stays(app.db.get(), app.audit.get(), app.clock.get(), events->get(), app.registry.get(),
                       std::move(*stay_options));
  if (Status s = stays.Attach(); !s.ok()) return Fail(s);
  // Smart security communities: gate passes from the access and barrier sources (defined as data).
  community::Service communities(app.db.get(), app.audit.get(), app.registry.get(), events->get(), sources->get());
  if (print_admin_password) {
    auto have = communities.Communities();
    if (!have.ok()) return Fail(have.status());
    if (have->empty()) {
      std::string dir = app.config.data_dir + "/sources";
      if (!std::filesystem::exists(dir + "/smart_communities.csv")) {
        // A demo folder made before the smart communities existed gets them now.
        Status g = gen::WriteCommunities({.out_dir = dir, .seed = 1});
        if (g.ok()) g = IngestDefinedSources(**events, dir, false, app.audit.get());
        if (!g.ok()) return Fail(g);
      }
      auto imported = communities.Import(kCli, dir);
      if (!imported.ok()) return Fail(imported.status());
      auto run = communities.RunRules(kCli);
      if (!run.ok()) return Fail(run.status());
      int64_t n = 0;
      for (const auto& [rule, k] : run->found) n += k;
      auto cs = communities.Communities();
      std::printf("  jingwu demo: %zu smart communities; their rules found %lld cases (%lld registry tasks)\n",
                  cs.ok() ? cs->size() : 0, static_cast<long long>(n), static_cast<long long>(run->tasks));
    }
  }
  // Custody supervision: the demo's facilities are the generated ones, moved so that their data ends now.
  custody::Service custody(app.db.get(), app.audit.get(), app.clock.get(), app.cases.get());
  std::set<std::string> late_rooms;  // the planted missed patrols stay late while the demo runs
  if (print_admin_password) {
    std::string dir = app.config.data_dir + "/sources";
    if (!std::filesystem::exists(dir + "/custody_facilities.csv")) {
      Status g = gen::WriteCustody({.out_dir = dir, .seed = 1}, gen::GenerateCases(1));
      if (!g.ok()) return Fail(g);
    }
    std::ifstream tf(dir + "/custody_truth.json");
    auto t = nlohmann::json::parse(tf, nullptr, false);
    if (t.is_object() && t.contains("alerts"))
      for (const auto& k : t["alerts"].value("missed_patrol", nlohmann::json::array())) late_rooms.insert(k.get<std::string>());
    auto have = custody.Facilities();
    if (!have.ok()) return Fail(have.status());
    auto as_of = ParseTime(t.is_object() ? t.value("as_of", "") : "");
    if (have->empty() && as_of.ok()) {
      auto shift = custody.ImportShift(FormatTime(*as_of), app.clock->Now().micros - as_of->micros);
      if (!shift.ok()) return Fail(shift.status());
      auto files = custody.Import(kCli, dir, *shift);
      if (!files.ok()) return Fail(files.status());
      auto held = custody.Detainees("", false);
      auto alerts = custody.Alerts("");
      std::printf("  jingwu demo: 3 custody facilities holding %zu people, with 90 days of records and %zu open alerts "
                  "(a detention past its legal limit among them)\n",
                  held.ok() ? held->size() : 0, alerts.ok() ? alerts->size() : 0);
    }
  }
  // Epidemic checkpoints (a defined source) and contact traces, purged when their retention ends.
  auto health_options = health::ParseOptions(app.config.health);
  if (!health_options.ok()) return Fail(health_options.status());
  health::Service health(app.db.get(), app.audit.get(), app.clock.get(), events->get(), sources->get(), *health_options);
  if (auto purged = health.PurgeExpired(); !purged.ok()) return Fail(purged.status());
  // Grassroots policing: supervision, disputes, partners and tips, the officer's phone (docs/grassroots.md).
  grassroots::Options grassroots_options;
  grassroots_options.uploads_dir = app.config.data_dir + "/uploads";
  grassroots_options.mobile_idle_seconds = app.config.mobile_session_idle_seconds;
  grassroots_options.mobile_absolute_seconds = app.config.mobile_session_absolute_seconds;
  grassroots::Service grassroots(app.db.get(), app.audit.get(), app.clock.get(), grassroots_options);
  grassroots.SetRegistry(app.registry.get());
  grassroots.SetForce(app.force.get());
  grassroots.SetDispatch(app.dispatch.get());
  grassroots.SetCases(app.cases.get());
  grassroots.SetEvents(events->get());
  if (print_admin_password) {
    if (Status g = SeedGrassrootsDemo(app, grassroots); !g.ok()) return Fail(g);
  }
  // The demo's custody officers keep patrolling while it runs (the planted late rooms excepted).
  std::atomic<bool> stopping{false};
  std::thread patrols;
  if (print_admin_password)
    patrols = std::thread([&] {
      const auth::Actor officer{"demo", "custody_officer", "demo"};
      while (!stopping) {
        if (auto r = custody::DemoPatrolRound(custody, officer, late_rooms); !r.ok())
          log::Warn("custody.demo_patrol", {{"error", r.status().message()}});
        for (int i = 0; i < 60 && !stopping; ++i) std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    });
  struct JoinOnExit {
    std::atomic<bool>& stop;
    std::thread& t;
    ~JoinOnExit() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } join_patrols{stopping, patrols};
  // Signed checkpoints of the audit head (docs/audit-chain.md).
  auto signer = audit::Signer::LoadOrCreate(app.config.data_dir);
  if (!signer.ok()) return Fail(signer.status());
  audit::Checkpointer checkpointer(app.db.get(), *signer, app.clock.get(), app.config.data_dir,
                                   app.config.audit_checkpoint_interval_s);
  http::Deps deps{app.db.get(), app.audit.get(), app.auth.get(), app.clock.get(), app.test_clock,
                  app.cases.get(), app.stats.get(), app.dispatch.get(), app.services.get(),
                  events->get(), index->get(), &watch, app.registry.get(), &stays};
  deps.audit_signer = &*signer;
  deps.force = app.force.get();
  deps.sources = sources->get();
  deps.communities = &communities;
  deps.custody = &custody;
  deps.health = &health;
  deps.grassroots = &grassroots;
  http::Server server(app.config, deps);
  auto port = server.Start();
  if (!port.ok()) return Fail(port.status());
  std::string host;
  int unused;
  SplitHostPort(app.config.listen, &host, &unused);
  std::printf("jingwu serving %s://%s:%d/ (data %s, db %s, web %s)\n", server.tls() ? "https" : "http", host.c_str(), *port,
              app.config.data_dir.c_str(), sql::DialectName(app.db->dialect()),
              app.config.web_root.empty() ? "none" : app.config.web_root.c_str());
  std::fflush(stdout);
  app.dispatch->StartTimers();
  app.services->StartClockChecks();
  checkpointer.Start();
  int sig = 0;
  sigwait(&set, &sig);
  log::Info("server.stopping", {{"signal", sig}});
  app.dispatch->StopTimers();
  app.services->StopClockChecks();
  server.Stop();
  server.Wait();
  checkpointer.Stop();
  stays.Stop();
  (*index)->Stop();
  log::Info("server.stopped", {});
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  // Everything jingwu writes (databases, stores, rejects files with personal
  // data, keys) is for its own user only, whatever the caller's umask.
  umask(077);
  CLI::App cli{"jingwu (警务): the policing platform"};
  cli.require_subcommand(1);
  Config config;
  std::string data, listen, db, web, log_level;
  bool test_clock = false;

  auto add_data = [&](CLI::App* c) {
    c->add_option("--data", data, "data folder")->required();
    c->add_option("--db", db, "postgresql://... (default: SQLite in the data folder)");
  };
  auto add_serve = [&](CLI::App* c) {
    add_data(c);
    c->add_option("--listen", listen, "HOST:PORT (default 127.0.0.1:8080; port 0 picks a free one)");
    c->add_option("--web", web, "built web app folder (default: web/dist)");
    c->add_option("--log-level", log_level, "debug, info, warn or error");
    c->add_flag("--test-clock", test_clock, "let API tests move the clock (never in production)");
  };
  auto* serve = cli.add_subcommand("serve", "serve the API and the web app");
  add_serve(serve);
  auto* demo = cli.add_subcommand("demo", "create the demo data folder if it is empty, then serve it");
  add_serve(demo);

  auto* user = cli.add_subcommand("user", "manage user accounts");
  user->require_subcommand(1);
  std::string username, display_name, password, roles;
  bool password_stdin = false;
  auto* user_add = user->add_subcommand("add", "add a user");
  add_data(user_add);
  user_add->add_option("--username", username)->required();
  user_add->add_option("--display-name", display_name);
  user_add->add_option("--roles", roles, "comma-separated: admin,commander,dispatcher,investigator,analyst,"
                                         "service_clerk,inspector")->required();
  user_add->add_option("--password", password);
  user_add->add_flag("--password-stdin", password_stdin, "read the password from standard input");
  auto* user_passwd = user->add_subcommand("passwd", "set a user's password");
  add_data(user_passwd);
  user_passwd->add_option("--username", username)->required();
  user_passwd->add_option("--password", password);
  user_passwd->add_flag("--password-stdin", password_stdin);
  auto* user_unlock = user->add_subcommand("unlock", "unlock a locked account");
  add_data(user_unlock);
  user_unlock->add_option("--username", username)->required();
  auto* user_list = user->add_subcommand("list", "list users");
  add_data(user_list);

  std::string out_dir, from_dir, scale = "small";
  uint64_t seed = 1;
  int64_t gen_events = 0;
  auto* gen_cmd = cli.add_subcommand("gen", "write the synthetic city as CSV files");
  gen_cmd->add_option("--out", out_dir, "output folder")->required();
  gen_cmd->add_option("--seed", seed, "random seed (the same seed gives the same city)");
  gen_cmd->add_option("--scale", scale, "small, city or large")->check(CLI::IsMember({"small", "city", "large"}));
  int gen_force_readers = 0;
  gen_cmd->add_option("--force-readers", gen_force_readers,
                      "officers who read personal data in the access history (default: the scale's; the inspection "
                      "benchmark uses about 1,500 for ten million entries)");
  double gen_health_scale = 0.05;
  gen_cmd->add_option("--health-scale", gen_health_scale,
                      "epidemic checkpoints: the share of the published vehicle, temperature and domestic arrival checks "
                      "written (1 = the bureau's 2020 figures, about 4.1 million rows)")
      ->check(CLI::Range(0.0001, 1.0));
  gen_cmd->add_option("--events", gen_events, "total sighting events (default: the scale's, 150k / 10M / 100M)")
      ->check(CLI::PositiveNumber);

  auto* cases_cmd = cli.add_subcommand("cases", "case records");
  cases_cmd->require_subcommand(1);
  auto* cases_import = cases_cmd->add_subcommand("import", "load cases, gangs, accidents and vehicle counts from CSV");
  add_data(cases_import);
  cases_import->add_option("--from", from_dir, "folder written by `jingwu gen`")->required();

  IngestArgs ingest_args;
  auto* ingest = cli.add_subcommand("ingest", "load source files (CSV or .jsonl) into the event store");
  add_data(ingest);
  ingest->add_option("--source", ingest_args.source,
                     "places, hotel, vehicle_pass, travel, dutyfree, netcafe, residents, vehicles, or a source "
                     "added with `jingwu sources add`")
      ->required();
  ingest->add_option("files", ingest_args.files, "files to load")->required();
  ingest->add_flag("--quiet", ingest_args.quiet, "no progress bar");

  CommunitiesArgs communities_args;
  auto* communities_cmd =
      cli.add_subcommand("communities", "smart communities: import --from DIR, run the rules, eval --from DIR");
  add_data(communities_cmd);
  communities_cmd->add_option("command", communities_args.command, "import, run or eval")
      ->required()
      ->check(CLI::IsMember({"import", "run", "eval"}));
  communities_cmd->add_option("--from", communities_args.from,
                              "a folder written by `jingwu gen` (import, eval; run: its truth.json sets the data clock)");

  GrassrootsArgs grassroots_args;
  auto* grassroots_cmd = cli.add_subcommand("grassroots", "grassroots policing: import --from DIR, eval --from DIR");
  add_data(grassroots_cmd);
  grassroots_cmd->add_option("command", grassroots_args.command, "import or eval")
      ->required()
      ->check(CLI::IsMember({"import", "eval"}));
  grassroots_cmd->add_option("--from", grassroots_args.from, "a folder written by `jingwu gen`")->required();
  grassroots_cmd->add_flag("--shift-to-now", grassroots_args.shift_to_now,
                           "import: move every date so that the data ends today (grassroots_truth.json as_of)");
  CustodyArgs custody_args;
  auto* custody_cmd = cli.add_subcommand("custody", "custody supervision: import --from DIR, eval --from DIR");
  add_data(custody_cmd);
  custody_cmd->add_option("command", custody_args.command, "import or eval")
      ->required()
      ->check(CLI::IsMember({"import", "eval"}));
  custody_cmd->add_option("--from", custody_args.from, "a folder written by `jingwu gen`")->required();
  custody_cmd->add_flag("--shift-to-now", custody_args.shift_to_now,
                        "import: move every time so that the data ends now (custody_truth.json as_of)");

  HealthArgs health_args;
  auto* health_cmd = cli.add_subcommand("health", "epidemic checkpoints: eval --from DIR (trace the planted case, scored)");
  add_data(health_cmd);
  health_cmd->add_option("command", health_args.command, "eval")->required()->check(CLI::IsMember({"eval"}));
  health_cmd->add_option("--from", health_args.from, "a folder written by `jingwu gen` and ingested into --data")->required();
  health_cmd->add_option("--runs", health_args.runs, "traces timed (the median is printed)");

  SourcesArgs sources_args;
  auto* sources_cmd = cli.add_subcommand("sources", "source definitions: list, show NAME, check FILE, add FILE");
  add_data(sources_cmd);
  sources_cmd->add_option("command", sources_args.command, "list, show, check or add")
      ->required()
      ->check(CLI::IsMember({"list", "show", "check", "add"}));
  sources_cmd->add_option("arg", sources_args.arg, "a source name (show) or a definition file (check, add)");

  auto* force_cmd = cli.add_subcommand("force", "force management and online inspection");
  force_cmd->require_subcommand(1);
  std::string force_dir;
  bool inspect_full = false;
  auto* force_import = force_cmd->add_subcommand(
      "import", "load units, personnel, shifts, training, discipline, protected persons and access history");
  add_data(force_import);
  force_import->add_option("folder", force_dir, "folder with the force files (as `jingwu gen` writes them)")->required();
  auto* force_inspect = force_cmd->add_subcommand("inspect", "run the inspection rules over the audit log");
  add_data(force_inspect);
  force_inspect->add_flag("--full", inspect_full, "from the first entry (default: since the last run)");
  auto* force_eval = force_cmd->add_subcommand(
      "inspect-eval", "inspection rules against the planted misconduct of `jingwu gen` (loaded into a fresh --data)");
  add_data(force_eval);
  force_eval->add_option("folder", force_dir, "a folder written by `jingwu gen`")->required();

  auto* registry_cmd = cli.add_subcommand("registry", "base registries: standard addresses, organisations, residents");
  registry_cmd->require_subcommand(1);
  std::string registry_dir;
  bool registry_verbose = false;
  auto* registry_import = registry_cmd->add_subcommand(
      "import", "load addresses.csv, address_aliases.csv, organisations.csv and population.csv from a folder");
  add_data(registry_import);
  registry_import->add_option("folder", registry_dir, "folder with the registry files (as `jingwu gen` writes them)")
      ->required();
  auto* registry_eval = registry_cmd->add_subcommand(
      "match-eval", "address matching: precision, recall and throughput on a generated city's address_samples.csv");
  registry_eval->add_option("folder", registry_dir, "a folder written by `jingwu gen`")->required();
  registry_eval->add_flag("--verbose", registry_verbose, "print every text matched wrongly");
  auto* stays_eval = registry_cmd->add_subcommand(
      "stays-eval", "visa-free stay alerts against the planted truth of `jingwu gen` (ingested into --data)");
  add_data(stays_eval);
  stays_eval->add_option("folder", registry_dir, "the folder written by `jingwu gen` that --data was loaded from")
      ->required();
  stays_eval->add_flag("--verbose", registry_verbose, "print every planted case and what it raised");

  bool events_compact = false;
  auto* events_cmd = cli.add_subcommand("events", "the event store");
  events_cmd->require_subcommand(1);
  auto* events_info = events_cmd->add_subcommand("info", "counts and bytes on disk per event");
  add_data(events_info);
  events_info->add_flag("--compact", events_compact, "compact first (needs the folder not to be in use)");

  QueryArgs query_args;
  auto* query = cli.add_subcommand("query", "trajectory, collision and co-travel analyses (audited)");
  query->require_subcommand(1);
  std::vector<CLI::App*> query_cmds;
  for (const char* kind : {"trajectory", "collision", "cotravel"}) {
    auto* q = query->add_subcommand(kind, std::string(kind) + " analysis");
    add_data(q);
    q->add_option("--purpose", query_args.purpose, "why (recorded in the audit log)")->required();
    q->add_option("--case", query_args.case_no, "the case number (recorded in the audit log)")->required();
    q->add_option("--from", query_args.from, "ISO 8601 start");
    q->add_option("--to", query_args.to, "ISO 8601 end");
    q->add_option("--limit", query_args.limit, "at most this many results");
    q->add_flag("--json", query_args.json, "print JSON");
    if (std::string(kind) != "collision") q->add_option("--entity", query_args.entity, "KIND:VALUE")->required();
    if (std::string(kind) == "collision") {
      q->add_option("--window", query_args.windows, "PLACE,FROM,TO (repeat)")->required();
      q->add_option("--min", query_args.min, "entities in at least this many windows (default all)");
    }
    if (std::string(kind) == "cotravel") {
      q->add_option("--within", query_args.within, "seconds (default 120)");
      q->add_option("--min", query_args.min, "at least this many occasions (default 1)");
    }
    query_cmds.push_back(q);
  }

  auto* reindex = cli.add_subcommand("reindex", "rebuild the search index (DATA/search) from the event store");
  add_data(reindex);
  auto* resolve = cli.add_subcommand(
      "resolve", "merge records without an ID number that match exactly one person on name, birth date and phone");
  add_data(resolve);
  {
    auto* q = query->add_subcommand("dutyfree-rings", "duty-free proxy-buying rings (离岛免税套购)");
    add_data(q);
    q->add_option("--purpose", query_args.purpose, "why (recorded in the audit log)")->required();
    q->add_option("--case", query_args.case_no, "the case number (recorded in the audit log)")->required();
    q->add_option("--from", query_args.from, "ISO 8601 start");
    q->add_option("--to", query_args.to, "ISO 8601 end");
    q->add_option("--min", query_args.min, "at least this many buyers (default 3)");
    q->add_flag("--json", query_args.json, "print JSON");
    query_cmds.push_back(q);
  }

  auto* audit_cmd = cli.add_subcommand("audit", "the audit log");
  audit_cmd->require_subcommand(1);
  auto* verify = audit_cmd->add_subcommand("verify", "re-compute the hash chain; exit 1 at the first bad entry");
  add_data(verify);
  std::string checkpoint_file, public_key_file;
  verify->add_option("--checkpoint", checkpoint_file,
                     "a signed checkpoint (JSON): also prove the log still holds its entry (catches truncation)");
  verify->add_option("--public-key", public_key_file,
                     "the signer's public key (hex, from `jingwu audit public-key`; default: this data folder's)");
  auto* checkpoint_cmd = audit_cmd->add_subcommand("checkpoint", "sign the current head and print the checkpoint (JSON)");
  add_data(checkpoint_cmd);
  auto* public_key_cmd = audit_cmd->add_subcommand("public-key", "print the checkpoint signing key's public half (hex)");
  add_data(public_key_cmd);

  auto* simulate = cli.add_subcommand("simulate", "drive a running server with simulated work");
  simulate->require_subcommand(1);
  SimulateOptions sim;
  bool sim_password_stdin = false;
  auto* sim_dispatch = simulate->add_subcommand("dispatch", "110 calls, dispatch, units moving (demo and load test)");
  sim_dispatch->add_option("--url", sim.url, "server address (default http://127.0.0.1:8080)");
  sim_dispatch->add_option("--user", sim.username, "a dispatcher account")->required();
  sim_dispatch->add_option("--password", sim.password);
  sim_dispatch->add_flag("--password-stdin", sim_password_stdin);
  sim_dispatch->add_option("--calls-per-hour", sim.calls_per_hour, "calls per hour at the busiest hour (default 120)");
  sim_dispatch->add_option("--speed", sim.speed, "simulated seconds per real second (default 1)");
  sim_dispatch->add_option("--minutes", sim.minutes, "real minutes to run (default 5)");
  sim_dispatch->add_option("--units", sim.units, "units to have; SIM-nnn units are added when fewer exist (default 200)");
  sim_dispatch->add_option("--seed", sim.seed);
  sim_dispatch->add_flag("--flat", sim.flat, "the same call rate all day (load test)");

  std::string backup_file;
  auto* backup = cli.add_subcommand(
      "backup", "a consistent copy of the data folder (database, event store, uploads, config) while the server runs");
  add_data(backup);
  backup->add_option("--to", backup_file, "the backup file to write (a tar)")->required();
  auto* restore = cli.add_subcommand("restore", "a new data folder (and database) from a backup file");
  add_data(restore);
  restore->add_option("--from", backup_file, "the backup file")->required();

  auto* cert_cmd = cli.add_subcommand("cert", "TLS certificates");
  cert_cmd->require_subcommand(1);
  auto* cert_self = cert_cmd->add_subcommand(
      "self-signed", "write DATA/tls/cert.pem and key.pem for a first run and use them (config.json tls_cert, tls_key)");
  std::vector<std::string> cert_hosts;
  cert_self->add_option("--data", data, "data folder")->required();
  cert_self->add_option("--host", cert_hosts, "host name or address it is for (repeat; default localhost and 127.0.0.1)");

  auto* bench = cli.add_subcommand("bench", "benchmarks");
  bench->require_subcommand(1);
  BenchCompareArgs bench_args;
  std::string bench_peers = "sqlite,postgres,clickhouse";
  bool bench_no_http = false;
  auto* bench_compare = bench->add_subcommand(
      "compare", "the big-data core side by side with SQLite, PostgreSQL and ClickHouse on the same rows");
  bench_compare->add_option("--events", bench_args.events, "sighting events to generate (default 1000000)")
      ->check(CLI::PositiveNumber);
  bench_compare->add_option("--work", bench_args.work, "work folder (data, stores, results.md)")->required();
  bench_compare->add_option("--peers", bench_peers, "comma-separated: sqlite,postgres,clickhouse (\"none\" for none)");
  bench_compare->add_option("--repeat", bench_args.repeat, "runs per query (default 11)")->check(CLI::PositiveNumber);
  bench_compare->add_flag("--no-http", bench_no_http, "skip jingwu end-to-end over HTTP");

  CLI11_PARSE(cli, argc, argv);

  if (bench_compare->parsed()) {
    bench_args.peers.clear();
    std::string cur;
    for (char c : bench_peers + ",") {
      if (c != ',') {
        cur += c;
        continue;
      }
      if (!cur.empty() && cur != "none") bench_args.peers.push_back(cur);
      cur.clear();
    }
    bench_args.http = !bench_no_http;
    for (int i = 0; i < argc; ++i) bench_args.command += (i ? " " : "") + std::string(i ? argv[i] : "jingwu");
    return RunBenchCompare(bench_args);
  }

  if (sim_dispatch->parsed()) {
    auto pw = ReadPassword(sim.password, sim_password_stdin);
    if (!pw.ok()) return Fail(pw.status());
    sim.password = *pw;
    Status s = SimulateDispatch(sim);
    return s.ok() ? 0 : Fail(s);
  }
  if (gen_cmd->parsed()) {
    cases::Dataset gen_cases = gen::GenerateCases(seed);
    Status s = gen::WriteCasesCsv(gen_cases, out_dir);
    if (!s.ok()) return Fail(s);
    // The service hall's demo year (with --seed 7, the records `jingwu demo` loads).
    s = services::WriteDemoCsv(services::GenerateDemo(services::BusinessCalendar::China(), services::Options().follow_up_days,
                                                      2025, seed),
                               out_dir + "/services_applications.csv");
    if (!s.ok()) return Fail(s);
    std::printf("wrote the synthetic city's case records to %s (seed %llu)\n", out_dir.c_str(),
                static_cast<unsigned long long>(seed));
    gen::CityOptions city{.out_dir = out_dir, .seed = seed, .scale = scale, .events = gen_events};
    std::map<std::string, int64_t> rows;
    s = gen::WriteCity(city, &rows);
    if (!s.ok()) return Fail(s);
    // The bureau's force: personnel, training, and a year of access history with planted misconduct.
    s = gen::WriteForce({.out_dir = out_dir, .seed = seed, .small = scale == "small", .readers = gen_force_readers},
                        gen_cases, &rows);
    if (!s.ok()) return Fail(s);
    // Smart communities: gate passes, barrier reads and alarms, with their source definitions.
    s = gen::WriteCommunities({.out_dir = out_dir, .seed = seed}, &rows);
    if (!s.ok()) return Fail(s);
    // Custody facilities: ninety days of admissions of the cases' suspects, with a planted problem for every alert.
    s = gen::WriteCustody({.out_dir = out_dir, .seed = seed}, gen_cases, &rows);
    if (!s.ok()) return Fail(s);
    // Grassroots: supervision sites, a year of disputes, partners and their tips, every alert and repeat planted.
    s = gen::WriteGrassroots({.out_dir = out_dir, .seed = seed}, gen_cases, &rows);
    if (!s.ok()) return Fail(s);
    // Epidemic checkpoints (a source defined as data) with a confirmed case and its true contacts.
    s = gen::WriteHealth({.out_dir = out_dir, .seed = seed, .scale = gen_health_scale}, &rows);
    if (!s.ok()) return Fail(s);
    for (const auto& [file, n] : rows) std::printf("  %-18s %12lld rows\n", file.c_str(), static_cast<long long>(n));
    std::printf("  %-18s planted ground truth\n", "truth.json");
    return 0;
  }

  if (registry_eval->parsed()) return RunMatchEval(registry_dir, registry_verbose);

  if (cert_self->parsed()) {
    SelfSignedOptions o{data + "/tls/cert.pem", data + "/tls/key.pem",
                        cert_hosts.empty() ? std::vector<std::string>{"localhost", "127.0.0.1"} : cert_hosts};
    std::error_code ec;
    std::filesystem::create_directories(data, ec);
    Status s = WriteSelfSigned(o);
    if (!s.ok()) return Fail(s);
    s = SetConfigKeys(data + "/config.json", {{"tls_cert", o.cert_path}, {"tls_key", o.key_path}});
    if (!s.ok()) return Fail(s);
    std::printf("wrote %s and %s (self-signed, %d days) and set tls_cert and tls_key in %s/config.json;\n"
                "browsers will warn until the certificate is trusted or replaced by one from your CA\n",
                o.cert_path.c_str(), o.key_path.c_str(), o.days, data.c_str());
    return 0;
  }

  // Defaults < DATA/config.json < flags.
  config.data_dir = data;
  Status file = LoadConfigFile(data + "/config.json", &config);
  if (!file.ok()) return Fail(file);
  if (!db.empty()) config.db_url = db;
  if (!listen.empty()) config.listen = listen;
  if (!log_level.empty()) config.log_level = log_level;
  config.web_root = FindWebRoot(web.empty() ? config.web_root : web);
  config.test_clock = test_clock;
  if (!config.db_url.empty() && config.db_url.rfind("postgres", 0) != 0)
    return Fail(InvalidArgument("bad_db", "--db must be a postgresql:// URL"));

  if (backup->parsed()) return RunBackup(config, backup_file);
  if (restore->parsed()) return RunRestore(config, backup_file);
  if (ingest->parsed()) return RunIngest(config, ingest_args);
  if (communities_cmd->parsed()) {
    if (communities_args.command != "run" && communities_args.from.empty()) {
      std::fprintf(stderr, "jingwu: communities %s needs --from DIR\n", communities_args.command.c_str());
      return 2;
    }
    return RunCommunities(config, communities_args);
  }
  if (custody_cmd->parsed()) return RunCustody(config, custody_args);
  if (grassroots_cmd->parsed()) return RunGrassroots(config, grassroots_args);
  if (health_cmd->parsed()) return RunHealth(config, health_args);
  if (sources_cmd->parsed()) {
    if (sources_args.command != "list" && sources_args.arg.empty()) {
      std::fprintf(stderr, "jingwu: sources %s needs %s\n", sources_args.command.c_str(),
                   sources_args.command == "show" ? "a source name" : "a definition file");
      return 2;
    }
    return RunSources(config, sources_args);
  }
  if (registry_import->parsed()) return RunRegistryImport(config, registry_dir);
  if (force_import->parsed()) return RunForceImport(config, force_dir);
  if (force_inspect->parsed()) return RunInspect(config, inspect_full);
  if (force_eval->parsed()) return RunInspectEval(config, force_dir);
  if (stays_eval->parsed()) return RunStaysEval(config, registry_dir, registry_verbose);
  if (events_info->parsed()) return RunEventsInfo(config, events_compact);
  if (reindex->parsed()) return RunReindex(config);
  if (resolve->parsed()) return RunResolve(config);
  for (auto* q : query_cmds)
    if (q->parsed()) {
      query_args.kind = q->get_name();
      return RunQuery(config, query_args);
    }
  if (serve->parsed()) return Serve(config, false);
  if (demo->parsed()) {
    if (listen.empty()) config.listen = "127.0.0.1:8080";
    return Serve(config, true);
  }

  log::SetLevel(log::Level::kWarn);
  auto opened = Open(config);
  if (!opened.ok()) return Fail(opened.status());
  App& app = **opened;

  if (user_add->parsed() || user_passwd->parsed()) {
    auto pw = ReadPassword(password, password_stdin);
    if (!pw.ok()) return Fail(pw.status());
    if (user_add->parsed()) {
      auto u = app.auth->CreateUser(kCli, {username, display_name, *pw, auth::SplitRoles(roles)});
      if (!u.ok()) return Fail(u.status());
      std::printf("created user %s (id %lld, roles %s)\n", u->username.c_str(), static_cast<long long>(u->id),
                  auth::JoinRoles(u->roles).c_str());
    } else {
      auto u = app.auth->FindUser(username);
      if (!u.ok()) return Fail(u.status());
      Status s = app.auth->SetPassword(kCli, u->id, *pw);
      if (!s.ok()) return Fail(s);
      std::printf("password of %s changed; their sessions were ended\n", username.c_str());
    }
    return 0;
  }
  if (user_unlock->parsed()) {
    auto u = app.auth->FindUser(username);
    if (!u.ok()) return Fail(u.status());
    auto r = app.auth->Unlock(kCli, u->id);
    if (!r.ok()) return Fail(r.status());
    std::printf("unlocked %s\n", username.c_str());
    return 0;
  }
  if (user_list->parsed()) {
    auto users = app.auth->ListUsers();
    if (!users.ok()) return Fail(users.status());
    std::printf("%-5s %-20s %-20s %-30s %s\n", "id", "username", "display name", "roles", "status");
    for (const auto& u : *users)
      std::printf("%-5lld %-20s %-20s %-30s %s%s%s\n", static_cast<long long>(u.id), u.username.c_str(),
                  u.display_name.c_str(), auth::JoinRoles(u.roles).c_str(), u.locked ? "locked " : "",
                  u.disabled ? "disabled " : "", u.totp_enabled ? "2fa" : "");
    return 0;
  }
  if (cases_import->parsed()) {
    auto data = gen::ReadCasesCsv(from_dir);
    if (!data.ok()) return Fail(data.status());
    size_t n = data->cases.size(), g = data->gangs.size(), a = data->accidents.size();
    Status s = app.cases->Load(kCli, std::move(data).value());
    if (!s.ok()) return Fail(s);
    std::printf("imported %zu cases, %zu gangs, %zu accidents\n", n, g, a);
    return 0;
  }
  if (checkpoint_cmd->parsed() || public_key_cmd->parsed()) {
    auto signer = audit::Signer::LoadOrCreate(app.config.data_dir);
    if (!signer.ok()) return Fail(signer.status());
    if (public_key_cmd->parsed()) {
      std::printf("%s\n", signer->public_key().c_str());
      return 0;
    }
    auto cp = audit::WriteCheckpoint(app.db.get(), *signer, app.clock.get(), app.config.data_dir);
    if (!cp.ok()) return Fail(cp.status());
    app.audit->Record(kCli, "audit.checkpoint", "audit_log", "ok", "last_id " + std::to_string(cp->last_id));
    std::printf("%s\n", cp->ToJson().dump(2).c_str());
    return 0;
  }
  if (verify->parsed() && !checkpoint_file.empty()) {
    std::ifstream in(checkpoint_file);
    if (!in) return Fail(NotFound("no_such_file", "cannot read " + checkpoint_file));
    auto parsed = audit::Checkpoint::FromJson(nlohmann::json::parse(in, nullptr, false));
    if (!parsed.ok()) return Fail(parsed.status());
    std::string key;
    if (!public_key_file.empty()) {
      std::ifstream kin(public_key_file);
      kin >> key;
    } else {
      auto signer = audit::Signer::LoadOrCreate(app.config.data_dir);
      if (!signer.ok()) return Fail(signer.status());
      key = signer->public_key();
    }
    if (Status s = audit::CheckSignature(*parsed, key); !s.ok()) return Fail(s);
    auto r = audit::VerifyWithCheckpoint(*app.audit, app.db.get(), *parsed);
    if (!r.ok()) return Fail(r.status());
    if (r->ok) {
      std::printf("audit chain ok: %lld entries verified; the checkpoint's entry %lld (signed %s) is intact\n",
                  static_cast<long long>(r->checked), static_cast<long long>(parsed->last_id), parsed->at.c_str());
      return 0;
    }
    std::printf("audit chain BROKEN at entry %lld: %s (%lld entries checked, checkpoint at entry %lld)\n",
                static_cast<long long>(r->first_bad_id), r->problem.c_str(), static_cast<long long>(r->checked),
                static_cast<long long>(parsed->last_id));
    return 1;
  }
  if (verify->parsed()) {
    auto r = app.audit->Verify();
    if (!r.ok()) return Fail(r.status());
    if (r->ok) {
      std::printf("audit chain ok: %lld entries verified\n", static_cast<long long>(r->checked));
      return 0;
    }
    std::printf("audit chain BROKEN at entry %lld: %s (%lld entries checked)\n",
                static_cast<long long>(r->first_bad_id), r->problem.c_str(), static_cast<long long>(r->checked));
    return 1;
  }
  return 0;
}

}  // namespace jingwu::app

int main(int argc, char** argv) { return jingwu::app::Main(argc, argv); }
