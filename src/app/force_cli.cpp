#include "app/force_cli.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "app/app.h"
#include "gen/cases_gen.h"

namespace jingwu::app {

namespace {
const auth::Actor kCli{"cli", "admin", "cli"};

int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return 1;
}

void PrintCounts(const std::vector<force::ImportCount>& counts) {
  for (const auto& c : counts) {
    std::printf("  %-24s %9lld rows  %8lld already  %6lld rejected", c.file.c_str(), static_cast<long long>(c.rows),
                static_cast<long long>(c.already), static_cast<long long>(c.rejected));
    for (const auto& [reason, n] : c.reasons) std::printf("  %s: %lld", reason.c_str(), static_cast<long long>(n));
    std::printf("\n");
  }
}
}  // namespace

int RunForceImport(const Config& config, const std::string& dir) {
  auto app = Open(config);
  if (!app.ok()) return Fail(app.status());
  auto counts = (*app)->force->Import(kCli, dir);
  if (!counts.ok()) return Fail(counts.status());
  PrintCounts(*counts);
  return 0;
}

int RunInspect(const Config& config, bool full) {
  auto app = Open(config);
  if (!app.ok()) return Fail(app.status());
  auto st = (*app)->force->RunInspection(full);
  if (!st.ok()) return Fail(st.status());
  (*app)->audit->Record(kCli, "inspection.run", "audit_log", "ok",
                        std::string(full ? "full" : "incremental") + ", " + std::to_string(st->raised) + " raised");
  std::printf("inspection (%s): %lld readers, %lld reads, %lld findings raised, %.2f s\n", full ? "full" : "incremental",
              static_cast<long long>(st->readers), static_cast<long long>(st->entries), static_cast<long long>(st->raised),
              st->seconds);
  return 0;
}

int RunInspectEval(const Config& config, const std::string& gen_dir) {
  std::ifstream tf(gen_dir + "/force_truth.json");
  auto truth = nlohmann::json::parse(tf, nullptr, false);
  if (!truth.is_object()) return Fail(NotFound("no_truth", gen_dir + "/force_truth.json is missing"));
  auto opened = Open(config);
  if (!opened.ok()) return Fail(opened.status());
  App& app = **opened;
  auto t0 = std::chrono::steady_clock::now();
  auto secs = [](auto a) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count(); };
  if (app.stats->case_count() == 0) {
    auto data = gen::ReadCasesCsv(gen_dir);
    if (!data.ok()) return Fail(data.status());
    if (Status s = app.cases->Load(kCli, std::move(data).value()); !s.ok()) return Fail(s);
  }
  if (app.registry->index()->size() == 0) {
    auto r = app.registry->Import(kCli, gen_dir);
    if (!r.ok()) return Fail(r.status());
  }
  auto counts = app.force->Import(kCli, gen_dir, /*with_history=*/false);
  if (!counts.ok()) return Fail(counts.status());
  // All but the last day, then the last day (streamed: the benchmark's file has millions of rows).
  std::string file = gen_dir + "/audit_history.csv";
  force::ImportCount scan;
  int64_t last_day = 0;
  auto scanned = force::Service::ReadHistory(file, &scan, [&](audit::Entry&& e) {
    last_day = std::max(last_day, LocalDay(e.at));
    return Status::Ok();
  });
  if (!scanned.ok()) return Fail(scanned);
  std::printf("loaded the city and the force in %.1f s; %lld entries of access history\n", secs(t0),
              static_cast<long long>(scan.rows));
  auto ti = std::chrono::steady_clock::now();
  force::ImportCount hc, lc;
  if (Status s = app.force->ImportHistoryFile(kCli, file, [&](const audit::Entry& e) { return LocalDay(e.at) < last_day; }, &hc);
      !s.ok())
    return Fail(s);
  double import_s = secs(ti);
  size_t imported = static_cast<size_t>(hc.rows);
  auto full = app.force->RunInspection(true);
  if (!full.ok()) return Fail(full.status());
  size_t last_n = 0;
  if (Status s = app.force->ImportHistoryFile(kCli, file, [&](const audit::Entry& e) {
        bool last = LocalDay(e.at) == last_day;
        last_n += last;
        return last;
      }, &lc);
      !s.ok())
    return Fail(s);
  imported -= last_n;
  auto inc = app.force->RunInspection(false);
  if (!inc.ok()) return Fail(inc.status());
  std::printf("imported %zu entries into the audit log in %.1f s (%.0f/s)\n", imported, import_s,
              imported / std::max(import_s, 1e-9));
  std::printf("full run:        %lld reads of %lld readers in %.2f s (%.0f reads/s), %lld findings\n",
              static_cast<long long>(full->entries), static_cast<long long>(full->readers), full->seconds,
              full->entries / std::max(full->seconds, 1e-9), static_cast<long long>(full->raised));
  std::printf("incremental run: a day's %zu entries, %lld readers re-read, %.2f s, %lld new findings\n", last_n,
              static_cast<long long>(inc->readers), inc->seconds, static_cast<long long>(inc->raised));

  // Precision and recall per rule, by (rule, reader).
  std::map<std::string, std::set<std::string>> planted;  // rule → actors
  for (const auto& p : truth["planted"]) planted[p["rule"]].insert(p["actor"]);
  std::set<std::string> honest;
  for (const auto& h : truth["honest_readers"]) honest.insert(h.get<std::string>());
  force::FindingFilter f;
  f.page_size = 100000;
  auto found = app.force->Findings(f);
  if (!found.ok()) return Fail(found.status());
  std::map<std::string, std::map<std::string, int>> by_rule;  // rule → actor → findings
  for (const auto& x : found->first) ++by_rule[x.rule][x.actor];
  std::set<std::string> honest_flagged;
  bool perfect = true;
  std::printf("\n%-10s %9s %9s %9s %9s  %s\n", "rule", "findings", "readers", "recall", "precision", "readers flagged");
  std::set<std::string> rules;
  for (const auto& [r, _] : planted) rules.insert(r);
  for (const auto& [r, _] : by_rule) rules.insert(r);
  for (const auto& rule : rules) {
    const auto& want = planted[rule];
    const auto& got = by_rule[rule];
    int findings = 0, tp_findings = 0, hit = 0;
    std::string who;
    for (const auto& [actor, n] : got) {
      findings += n;
      if (want.count(actor)) tp_findings += n;
      if (honest.count(actor)) honest_flagged.insert(actor);
      who += (who.empty() ? "" : ", ") + actor + (want.count(actor) ? "" : " (not planted)");
    }
    for (const auto& a : want) hit += got.count(a) ? 1 : 0;
    double recall = want.empty() ? 1.0 : static_cast<double>(hit) / want.size();
    double precision = findings == 0 ? (want.empty() ? 1.0 : 0.0) : static_cast<double>(tp_findings) / findings;
    perfect &= recall == 1.0 && precision >= 0.9;
    std::printf("%-10s %9d %9zu %9.2f %9.2f  %s\n", rule.c_str(), findings, got.size(), recall, precision, who.c_str());
  }
  std::printf("\nhonest readers flagged: %zu of %zu%s\n", honest_flagged.size(), honest.size(),
              honest_flagged.empty() ? "" : " (a defect)");
  return perfect && honest_flagged.empty() ? 0 : 1;
}

}  // namespace jingwu::app
