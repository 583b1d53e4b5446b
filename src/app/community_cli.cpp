#include "app/community_cli.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/bigdata_cli.h"
#include "community/eval.h"
#include "community/service.h"
#include "core/log.h"
#include "fusion/ingest.h"

namespace jingwu::app {

namespace {

const auth::Actor kCli{"cli", "admin", "cli"};

void PrintImport(const std::vector<community::ImportFile>& files) {
  for (const auto& f : files) {
    std::string rej;
    for (const auto& [reason, n] : f.rejected) rej += (rej.empty() ? "" : ", ") + reason + " " + std::to_string(n);
    std::printf("  %-22s %8lld rows, %8lld accepted, %6lld already%s%s%s\n", f.name.c_str(),
                static_cast<long long>(f.rows), static_cast<long long>(f.accepted), static_cast<long long>(f.already),
                rej.empty() ? "" : " (rejected: ", rej.c_str(), rej.empty() ? "" : ")");
  }
}

}  // namespace

int RunCommunities(const Config& config, const CommunitiesArgs& args) {
  using Clock = std::chrono::steady_clock;
  log::SetLevel(log::Level::kWarn);
  auto opened = Open(config);
  if (!opened.ok()) return CliFail(opened.status());
  App& app = **opened;
  if (args.command == "eval") {
    // A new folder: the registry, the places, the two defined sources, the communities; then the rules, scored.
    std::ifstream tin(args.from + "/community_truth.json");
    auto truth = nlohmann::json::parse(tin, nullptr, false);
    if (!truth.is_object()) return CliFail(NotFound("no_truth", args.from + "/community_truth.json is missing"));
    app.registry->SetAsOf(truth.value("as_of", ""));
    auto reg = app.registry->Import(kCli, args.from);
    if (!reg.ok()) return CliFail(reg.status());
  } else if (args.command == "run") {
    // The data clock: the generated year's end (the folder's, or the demo's), as the server sets it.
    std::ifstream tin((args.from.empty() ? config.data_dir + "/sources" : args.from) + "/truth.json");
    auto t = nlohmann::json::parse(tin, nullptr, false);
    if (t.is_object() && t.contains("stays")) app.registry->SetAsOf(t["stays"].value("as_of", ""));
  }
  events::OpenOptions oo;
  oo.bulk = args.command == "eval";
  auto store = events::Store::Open(EventsDir(config), oo);
  if (!store.ok()) return CliFail(store.status());
  if (args.command == "eval") {
    auto places = fusion::IngestFile(**store, events::Source::kPlaces, args.from + "/places.csv");
    if (!places.ok()) return CliFail(places.status());
    auto t0 = Clock::now();
    Status s = IngestDefinedSources(**store, args.from, false, app.audit.get());
    if (!s.ok()) return CliFail(s);
    std::printf("  ingest of the defined sources: %.2f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
  }
  auto sources = fusion::SourceRegistry::Load(store->get());
  if (!sources.ok()) return CliFail(sources.status());
  community::Service svc(app.db.get(), app.audit.get(), app.registry.get(), store->get(), sources->get());
  if (args.command == "import" || args.command == "eval") {
    auto files = svc.Import(kCli, args.from);
    if (!files.ok()) return CliFail(files.status());
    PrintImport(*files);
    if (args.command == "import") return 0;
  }
  auto run = svc.RunRules(kCli);
  if (!run.ok()) return CliFail(run.status());
  std::printf("rules as of %s: %lld gate events read in %.2f s; %lld registry tasks\n", run->as_of.c_str(),
              static_cast<long long>(run->events_read), run->seconds, static_cast<long long>(run->tasks));
  for (const auto& [rule, n] : run->found)
    std::printf("  %-22s %6lld found, %6lld new\n", rule.c_str(), static_cast<long long>(n),
                static_cast<long long>(run->raised.count(rule) ? run->raised.at(rule) : 0));
  if (args.command != "eval") return 0;
  std::ifstream tin(args.from + "/community_truth.json");
  auto truth = nlohmann::json::parse(tin, nullptr, false);
  auto all = svc.Findings({.page_size = 1000000});
  if (!all.ok()) return CliFail(all.status());
  std::map<std::string, std::string> places;
  auto cs = svc.Communities();
  if (!cs.ok()) return CliFail(cs.status());
  for (const auto& c : *cs) places[c.code] = c.place_code;
  auto scores = community::Score(all->first, truth, places);
  std::printf("%-22s %8s %8s %8s %8s %9s\n", "rule", "planted", "found", "correct", "recall", "precision");
  bool perfect = true;
  for (const auto& [rule, s] : scores) {
    std::printf("%-22s %8lld %8lld %8lld %8.2f %9.2f\n", rule.c_str(), static_cast<long long>(s.planted),
                static_cast<long long>(s.found), static_cast<long long>(s.true_positives), s.recall(), s.precision());
    for (const auto& m : s.missed) std::printf("    missed %s\n", m.c_str());
    for (const auto& f : s.false_positives) std::printf("    not planted %s\n", f.c_str());
    perfect = perfect && s.recall() == 1.0 && s.precision() >= 0.95;
  }
  return perfect ? 0 : 1;
}

}  // namespace jingwu::app
