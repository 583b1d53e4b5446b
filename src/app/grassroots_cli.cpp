#include "app/grassroots_cli.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/bigdata_cli.h"
#include "core/log.h"
#include "events/store.h"
#include "gen/cases_gen.h"
#include "gen/grassroots_gen.h"
#include "grassroots/eval.h"

namespace jingwu::app {

namespace {

const auth::Actor kCli{"cli", "admin", "cli"};

void Wire(App& app, grassroots::Service& svc, const events::Store* events) {
  svc.SetRegistry(app.registry.get());
  svc.SetForce(app.force.get());
  svc.SetDispatch(app.dispatch.get());
  svc.SetCases(app.cases.get());
  svc.SetEvents(events);
}

}  // namespace

int RunGrassroots(const Config& config, const GrassrootsArgs& args) {
  using SteadyClock = std::chrono::steady_clock;
  log::SetLevel(log::Level::kWarn);
  std::ifstream tin(args.from + "/grassroots_truth.json");
  auto truth = nlohmann::json::parse(tin, nullptr, false);
  auto as_of = ParseTime(truth.is_object() ? truth.value("as_of", "") : "");
  if ((args.command == "eval" || args.shift_to_now) && !as_of.ok())
    return CliFail(NotFound("no_truth", args.from + "/grassroots_truth.json is missing or has no as_of"));
  auto opened = Open(config);
  if (!opened.ok()) return CliFail(opened.status());
  App& app = **opened;
  // Places link sites to places.csv; without the event store (a server holds it) sites stay unlinked.
  auto events = events::Store::Open(EventsDir(app.config));
  ManualClock at_end(as_of.ok() ? *as_of : Timestamp{});
  const Clock* clock = args.command == "eval" ? static_cast<const Clock*>(&at_end) : app.clock.get();
  grassroots::Options o;
  o.uploads_dir = app.config.data_dir + "/uploads";
  grassroots::Service svc(app.db.get(), app.audit.get(), clock, o);
  Wire(app, svc, events.ok() ? events->get() : nullptr);
  if (args.command == "eval") {
    auto sites = svc.Sites("", "", "");
    if (!sites.ok()) return CliFail(sites.status());
    if ((*sites)["total"].get<int64_t>() > 0)
      return CliFail(Validation("not_empty", "eval imports as of the data's end into a data folder without grassroots records"));
  }
  int64_t shift = 0;
  if (args.shift_to_now && args.command == "import") {
    auto s = svc.ImportShiftDays(FormatTime(*as_of), LocalDay(app.clock->Now()) - LocalDay(*as_of));
    if (!s.ok()) return CliFail(s.status());
    shift = *s;
  }
  auto t0 = SteadyClock::now();
  std::map<std::string, int64_t> refs;
  auto files = svc.Import(kCli, args.from, shift, &refs);
  if (!files.ok()) return CliFail(files.status());
  double secs = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  bool rejects_match = true;
  for (const auto& f : *files) {
    std::string rej = RejectsText(f.rejected);
    std::printf("  %-30s %6lld rows, %6lld accepted, %5lld already%s%s%s\n", f.name.c_str(), static_cast<long long>(f.rows),
                static_cast<long long>(f.accepted), static_cast<long long>(f.already), rej.empty() ? "" : " (rejected: ",
                rej.c_str(), rej.empty() ? "" : ")");
    std::map<std::string, int64_t> want;
    if (truth.is_object() && truth["rejects"].contains(f.name))
      for (auto it = truth["rejects"][f.name].begin(); it != truth["rejects"][f.name].end(); ++it)
        want[it.key()] = it.value().get<int64_t>();
    if (args.command == "eval" && want != f.rejected) {
      rejects_match = false;
      std::printf("    planted rejects: %s\n", RejectsText(want).c_str());
    }
  }
  std::printf("imported in %.2f s%s\n", secs, shift ? " (dates moved so that the data ends today)" : "");
  if (args.command != "eval") return 0;
  auto ev = grassroots::Evaluate(svc, truth, refs);
  if (!ev.ok()) return CliFail(ev.status());
  std::printf("as of %s\n%-24s %8s %8s %8s %8s %9s\n", truth.value("as_of", "").c_str(), "rule", "planted", "found",
              "correct", "recall", "precision");
  bool perfect = rejects_match;
  auto line = [&](const std::string& name, const RuleScore& s) {
    std::printf("%-24s %8lld %8lld %8lld %8.2f %9.2f\n", name.c_str(), static_cast<long long>(s.planted),
                static_cast<long long>(s.found), static_cast<long long>(s.true_positives), s.recall(), s.precision());
    for (const auto& m : s.missed) std::printf("    missed %s\n", m.c_str());
    for (const auto& f : s.false_positives) std::printf("    not planted %s\n", f.c_str());
    perfect = perfect && s.recall() == 1.0 && s.precision() == 1.0;
  };
  for (const auto& [kind, s] : ev->alerts) line(kind, s);
  line("repeat_dispute", ev->repeats);
  if (ev->repeat_reasons_wrong) std::printf("    %lld repeats found for another reason\n", static_cast<long long>(ev->repeat_reasons_wrong));
  return perfect && ev->repeat_reasons_wrong == 0 ? 0 : 1;
}

Status SeedGrassrootsDemo(App& app, grassroots::Service& svc) {
  JW_ASSIGN_OR_RETURN(nlohmann::json sites, svc.Sites("", "", ""));
  if (sites["total"].get<int64_t>() > 0) return Status::Ok();
  std::string dir = app.config.data_dir + "/sources";
  if (!std::filesystem::exists(dir + "/grassroots_sites.csv"))
    JW_RETURN_IF_ERROR(gen::WriteGrassroots({.out_dir = dir, .seed = 1}, gen::GenerateCases(1)));
  std::ifstream tf(dir + "/grassroots_truth.json");
  auto t = nlohmann::json::parse(tf, nullptr, false);
  auto as_of = ParseTime(t.is_object() ? t.value("as_of", "") : "");
  if (!as_of.ok()) return Internal("grassroots_truth.json has no as_of");
  JW_ASSIGN_OR_RETURN(int64_t shift, svc.ImportShiftDays(FormatTime(*as_of), LocalDay(app.clock->Now()) - LocalDay(*as_of)));
  JW_ASSIGN_OR_RETURN(auto files, svc.Import(kCli, dir, shift));
  JW_ASSIGN_OR_RETURN(nlohmann::json alerts, svc.Alerts(""));
  JW_ASSIGN_OR_RETURN(nlohmann::json disputes, svc.Disputes("", "all", "", false, 1, 1));
  JW_ASSIGN_OR_RETURN(nlohmann::json tips, svc.Tips("all", "", 0));
  JW_ASSIGN_OR_RETURN(sites, svc.Sites("", "", ""));
  std::printf("  jingwu demo: grassroots: %lld supervision sites with %lld open alerts, %lld disputes, %lld partner tips; "
              "the mobile app is at /m (user patrol)\n",
              static_cast<long long>(sites["total"].get<int64_t>()), static_cast<long long>(alerts["total"].get<int64_t>()),
              static_cast<long long>(disputes["total"].get<int64_t>()), static_cast<long long>(tips["total"].get<int64_t>()));
  return Status::Ok();
}

}  // namespace jingwu::app
