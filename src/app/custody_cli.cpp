#include "app/custody_cli.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/log.h"
#include "custody/eval.h"
#include "gen/cases_gen.h"

namespace jingwu::app {

namespace {

const auth::Actor kCli{"cli", "admin", "cli"};

}  // namespace

int RunCustody(const Config& config, const CustodyArgs& args) {
  using SteadyClock = std::chrono::steady_clock;
  log::SetLevel(log::Level::kWarn);
  std::ifstream tin(args.from + "/custody_truth.json");
  auto truth = nlohmann::json::parse(tin, nullptr, false);
  auto as_of = ParseTime(truth.is_object() ? truth.value("as_of", "") : "");
  if ((args.command == "eval" || args.shift_to_now) && !as_of.ok())
    return CliFail(NotFound("no_truth", args.from + "/custody_truth.json is missing or has no as_of"));
  auto opened = Open(config);
  if (!opened.ok()) return CliFail(opened.status());
  App& app = **opened;
  int64_t shift = 0;
  const Clock* clock = app.clock.get();
  ManualClock at_end(as_of.ok() ? *as_of : Timestamp{});
  if (args.command == "eval") {
    // A new folder: the cases the custody files name, then the import as of the data's end, then the alerts, scored.
    auto data = gen::ReadCasesCsv(args.from);
    if (!data.ok()) return CliFail(data.status());
    CsvTable det;
    auto present = ReadCsvTable(args.from + "/custody_detainees.csv", &det);
    if (!present.ok()) return CliFail(present.status());
    std::set<std::string> named;
    for (const auto& row : det.rows) named.insert(det.Get(row, "case_no"));
    std::erase_if(data->cases, [&](const cases::Case& c) { return !named.count(c.case_no); });
    data->accidents.clear();
    data->vehicle_counts.clear();
    if (Status s = app.cases->Load(kCli, std::move(data).value()); !s.ok()) return CliFail(s);
    clock = &at_end;
  }
  custody::Service svc(app.db.get(), app.audit.get(), clock, app.cases.get());
  if (args.shift_to_now && args.command == "import") {
    auto s = svc.ImportShift(FormatTime(*as_of), app.clock->Now().micros - as_of->micros);
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
    std::printf("  %-24s %6lld rows, %6lld accepted, %5lld already%s%s%s\n", f.name.c_str(), static_cast<long long>(f.rows),
                static_cast<long long>(f.accepted), static_cast<long long>(f.already), rej.empty() ? "" : " (rejected: ",
                rej.c_str(), rej.empty() ? "" : ")");
    if (args.command == "eval") {
      std::map<std::string, int64_t> want = custody::PlantedRejects(truth, f.name);
      if (want != f.rejected) {
        rejects_match = false;
        std::printf("    planted rejects: %s\n", RejectsText(want).c_str());
      }
    }
  }
  std::printf("imported in %.2f s%s\n", secs, shift ? " (times moved by the folder's shift: its first import ended at that moment)" : "");
  if (args.command != "eval") return 0;
  auto alerts = svc.Alerts("");
  if (!alerts.ok()) return CliFail(alerts.status());
  auto held = svc.Detainees("", false);
  if (!held.ok()) return CliFail(held.status());
  std::printf("as of %s: %zu held (planted %lld), %zu alerts\n", truth.value("as_of", "").c_str(), held->size(),
              static_cast<long long>(truth.value("held", 0)), alerts->size());
  auto scores = custody::ScoreAlerts(*alerts, truth, refs);
  std::printf("%-22s %8s %8s %8s %8s %9s\n", "alert", "planted", "found", "correct", "recall", "precision");
  bool perfect = rejects_match && static_cast<int64_t>(held->size()) == truth.value("held", -1);
  for (const auto& [kind, s] : scores) {
    std::printf("%-22s %8lld %8lld %8lld %8.2f %9.2f\n", kind.c_str(), static_cast<long long>(s.planted),
                static_cast<long long>(s.found), static_cast<long long>(s.true_positives), s.recall(), s.precision());
    for (const auto& m : s.missed) std::printf("    missed %s\n", m.c_str());
    for (const auto& f : s.false_positives) std::printf("    not planted %s\n", f.c_str());
    perfect = perfect && s.recall() == 1.0 && s.precision() >= 0.95;
  }
  return perfect ? 0 : 1;
}

}  // namespace jingwu::app
