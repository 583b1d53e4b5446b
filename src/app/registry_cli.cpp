#include "app/registry_cli.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "app/app.h"
#include "core/csv.h"
#include "core/log.h"
#include "registry/address.h"
#include "app/bigdata_cli.h"
#include "stays/service.h"
#include <nlohmann/json.hpp>
#include <set>

namespace jingwu::app {

namespace {

const auth::Actor kCliActor{"cli", "admin", "cli"};

int Fail(const Status& s) {
  std::fprintf(stderr, "jingwu: %s (%s)\n", s.message().c_str(), s.code().c_str());
  return 1;
}

Status ReadRows(const std::string& path, std::vector<std::vector<std::string>>* rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("file_not_found", "cannot read " + path);
  CsvReader r(&in);
  std::vector<std::string> f;
  bool header = true;
  while (r.Next(&f)) {
    if (!header) rows->push_back(f);
    header = false;
  }
  if (!r.error().empty()) return Validation("invalid_csv", path + ": " + r.error());
  return Status::Ok();
}

}  // namespace

int RunRegistryImport(const Config& config, const std::string& dir) {
  log::SetLevel(log::Level::kWarn);
  auto opened = Open(config);
  if (!opened.ok()) return Fail(opened.status());
  auto report = (*opened)->registry->Import(kCliActor, dir);
  if (!report.ok()) return Fail(report.status());
  for (const auto& f : *report) {
    std::printf("%-20s %9lld rows  %9lld accepted  %9lld already", f.name.c_str(), static_cast<long long>(f.rows),
                static_cast<long long>(f.accepted), static_cast<long long>(f.already));
    int64_t rejected = 0;
    for (const auto& [k, n] : f.rejected) rejected += n;
    std::printf("  %6lld rejected", static_cast<long long>(rejected));
    for (const auto& [k, n] : f.rejected) std::printf("  %s=%lld", k.c_str(), static_cast<long long>(n));
    std::printf("\n");
  }
  std::printf("registry: %zu standard addresses\n", (*opened)->registry->index()->size());
  return 0;
}

int RunMatchEval(const std::string& gen_dir, bool verbose) {
  std::string dir = gen_dir.empty() || gen_dir.back() == '/' ? gen_dir : gen_dir + "/";
  std::vector<std::vector<std::string>> addrs, aliases, samples;
  for (auto [file, rows] : {std::pair{"addresses.csv", &addrs}, std::pair{"address_aliases.csv", &aliases},
                            std::pair{"address_samples.csv", &samples}})
    if (Status s = ReadRows(dir + file, rows); !s.ok()) return Fail(s);
  registry::AddressIndex ix;
  for (const auto& r : addrs) {  // code,level,name,road,key,lat,lon,status
    if (r.size() < 8) continue;
    registry::Node n;
    n.code = r[0];
    n.name = r[2];
    n.road = r[3];
    n.key = r[4];
    n.status = r[7];
    if (Status s = ix.Add(std::move(n)); !s.ok()) return Fail(s);
  }
  for (const auto& r : aliases)
    if (r.size() >= 2) ix.AddAlias(r[0], r[1]).IgnoreError();
  struct Tally {
    int64_t n = 0, matched = 0, correct = 0;
  };
  std::map<std::string, Tally> by_variant;
  Tally pos, neg;
  std::vector<registry::MatchResult> results(samples.size());
  // Throughput: the best of three passes over every text, one thread.
  double best = 1e18;
  for (int pass = 0; pass < 3; ++pass) {
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < samples.size(); ++i) results[i] = ix.Match(samples[i][0]);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    const auto& m = results[i];
    bool positive = !s[1].empty();
    Tally& t = positive ? pos : neg;
    Tally& v = by_variant[s.size() > 2 ? s[2] : "-"];
    ++t.n;
    ++v.n;
    if (m.matched) {
      ++t.matched;
      ++v.matched;
    }
    bool right = positive ? m.matched && m.code == s[1] : !m.matched;
    if (right) {
      ++t.correct;
      ++v.correct;
    } else if (verbose) {
      std::printf("miss [%s] %s -> %s (%s, %.2f)%s\n", s.size() > 2 ? s[2].c_str() : "", s[0].c_str(),
                  m.matched ? m.code.c_str() : "no match", s[1].empty() ? "expected none" : s[1].c_str(), m.score,
                  m.candidates.empty() ? "" : (" best " + ix.FullName(m.candidates[0].code)).c_str());
      for (size_t k = 0; k < m.candidates.size() && k < 3; ++k)
        std::printf("    candidate %.2f %s\n", m.candidates[k].score, ix.FullName(m.candidates[k].code).c_str());
    }
  }
  int64_t matched = pos.matched + neg.matched;
  int64_t true_pos = pos.correct;
  double precision = matched ? static_cast<double>(true_pos) / static_cast<double>(matched) : 1.0;
  double recall = pos.n ? static_cast<double>(true_pos) / static_cast<double>(pos.n) : 0.0;
  std::printf("address matching on %s: %zu standard addresses, %zu texts (%lld to match, %lld that must not)\n",
              gen_dir.c_str(), ix.size(), samples.size(), static_cast<long long>(pos.n), static_cast<long long>(neg.n));
  std::printf("  precision %.4f  recall %.4f  (threshold %.2f, margin %.2f)\n", precision, recall,
              registry::AddressIndex::kThreshold, registry::AddressIndex::kMargin);
  std::printf("  must-not texts left unmatched: %lld of %lld\n", static_cast<long long>(neg.correct),
              static_cast<long long>(neg.n));
  for (const auto& [k, t] : by_variant)
    std::printf("  variant %-22s %6lld texts  %6lld right\n", k.c_str(), static_cast<long long>(t.n),
                static_cast<long long>(t.correct));
  std::printf("  throughput %.0f addresses/s (one thread, best of 3 passes, %.1f ms per pass)\n",
              static_cast<double>(samples.size()) / best, best * 1000);
  return 0;
}

}  // namespace jingwu::app

namespace jingwu::app {

int RunStaysEval(const Config& config, const std::string& gen_dir, bool verbose) {
  log::SetLevel(log::Level::kWarn);
  std::string dir = gen_dir.empty() || gen_dir.back() == '/' ? gen_dir : gen_dir + "/";
  std::ifstream tf(dir + "truth.json");
  auto truth = nlohmann::json::parse(tf, nullptr, false);
  if (!truth.is_object() || !truth.contains("stays")) return Fail(NotFound("no_truth", "no truth.json with stays in " + gen_dir));
  const auto& st = truth["stays"];
  auto opened = Open(config);
  if (!opened.ok()) return Fail(opened.status());
  App& app = **opened;
  events::OpenOptions oo;
  oo.read_only = true;
  auto store = events::Store::Open(EventsDir(config), oo);
  if (!store.ok()) return Fail(store.status());
  auto options = stays::ParseOptions(config.stays);
  if (!options.ok()) return Fail(options.status());
  options->as_of = st.value("as_of", "");
  stays::Service svc(app.db.get(), app.audit.get(), app.clock.get(), store->get(), app.registry.get(), *options);
  auto rep = svc.EvaluateAll();
  if (!rep.ok()) return Fail(rep.status());

  // Recall over the planted (passport, kind) pairs; precision over every pair raised.
  int64_t expected = 0, found = 0, raised = 0, right = 0, days_checked = 0, days_wrong = 0;
  std::map<std::string, std::set<std::string>> want;
  for (const auto& c : st["cases"]) {
    std::string p = c["passport"].get<std::string>();
    auto& w = want[p];
    for (const auto& k : c["expect"]) w.insert(k.get<std::string>());
  }
  for (const auto& c : st["cases"]) {
    std::string p = c["passport"].get<std::string>();
    const auto& got = rep->alerts[p];
    std::string line;
    for (const auto& k : c["expect"]) {
      ++expected;
      if (got.count(k.get<std::string>())) ++found;
    }
    if (c.contains("days_over")) {
      auto v = svc.VisitorOf(p);
      int64_t days = -1;
      if (v.ok())
        for (const auto& s : v->stays)
          for (const auto& a : s.alerts)
            if (a.kind == stays::kOverstay) days = a.days_over;
      ++days_checked;
      if (days != c["days_over"].get<int64_t>()) ++days_wrong;
    }
    if (verbose) {
      std::string g;
      for (const auto& k : got) g += k + " ";
      std::printf("  %-22s %-28s expect %-40s got %s\n", c["case"].get<std::string>().c_str(), p.c_str(),
                  c["expect"].dump().c_str(), g.c_str());
    }
  }
  for (const auto& [p, kinds] : rep->alerts)
    for (const auto& k : kinds) {
      ++raised;
      if (want.count(p) && want[p].count(k)) ++right;
      else if (verbose) std::printf("  unexpected: %s %s\n", p.c_str(), k.c_str());
    }

  // The busiest day's arrivals, evaluated again one by one.
  std::map<std::string, std::vector<std::string>> by_day;
  auto visitors = svc.Visitors("all", "", 0, 10'000'000).first;
  for (const auto& v : visitors)
    for (const auto& s : v.stays) by_day[FormatTime(Timestamp::FromSeconds(s.entry)).substr(0, 10)].push_back(v.passport);
  std::string busiest;
  size_t most = 0;
  for (const auto& [d, ps] : by_day)
    if (ps.size() > most) most = ps.size(), busiest = d;
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& p : by_day[busiest])
    if (Status s = svc.Refresh(p); !s.ok()) return Fail(s);
  double day_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  std::printf("stays: %lld visa-free passports, %lld stays, as of %s\n", static_cast<long long>(rep->passports),
              static_cast<long long>(rep->stays), st.value("as_of", "").c_str());
  std::printf("alerts: recall %.4f (%lld of %lld planted), precision %.4f (%lld of %lld raised)\n",
              expected ? static_cast<double>(found) / expected : 0.0, static_cast<long long>(found),
              static_cast<long long>(expected), raised ? static_cast<double>(right) / raised : 1.0,
              static_cast<long long>(right), static_cast<long long>(raised));
  std::printf("overstay days: %lld of %lld right\n", static_cast<long long>(days_checked - days_wrong),
              static_cast<long long>(days_checked));
  std::printf("time: all passports %.1f ms (%.0f passports/s); busiest day's %zu arrivals (%s) %.1f ms\n",
              rep->seconds * 1000, rep->seconds > 0 ? rep->passports / rep->seconds : 0.0, most, busiest.c_str(), day_ms);
  return found == expected && right == raised && days_wrong == 0 ? 0 : 2;
}

}  // namespace jingwu::app
