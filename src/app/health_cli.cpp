#include "app/health_cli.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "app/bigdata_cli.h"
#include "core/log.h"
#include "core/score.h"
#include "health/trace.h"

namespace jingwu::app {

namespace {

}  // namespace

// Traces the planted confirmed case over the folder's event store (ingest the
// generated folder first: `jingwu ingest --source all G`) and scores the
// contacts against health_truth.json; times the trace in-process.
int RunHealth(const Config& config, const HealthArgs& args) {
  using SteadyClock = std::chrono::steady_clock;
  log::SetLevel(log::Level::kWarn);
  std::ifstream tin(args.from + "/health_truth.json");
  auto truth = nlohmann::json::parse(tin, nullptr, false);
  if (!truth.is_object() || !truth.contains("case")) return CliFail(NotFound("no_truth", args.from + "/health_truth.json is missing"));
  events::OpenOptions oo;
  oo.read_only = true;
  auto store = events::Store::Open(EventsDir(config), oo);
  if (!store.ok()) return CliFail(store.status());
  auto sources = fusion::SourceRegistry::Load(store->get());
  if (!sources.ok()) return CliFail(sources.status());
  const auto& c = truth["case"];
  auto subject = identity::ParseEntityRef(c.value("person", ""));
  auto at = ParseTime(c.value("confirmed_at", ""));
  if (!subject.ok() || !at.ok()) return CliFail(Validation("invalid_truth", "health_truth.json case has no person or time"));
  health::TraceOptions o{c.value("days", 14), static_cast<uint32_t>(c.value("within_minutes", 30)) * 60, SIZE_MAX};
  std::vector<double> ms;
  health::Trace t;
  for (int i = 0; i < std::max(1, args.runs); ++i) {
    auto t0 = SteadyClock::now();
    auto r = health::RunTrace(**store, sources->get(), *subject, *at, o);
    ms.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
    if (!r.ok()) return CliFail(r.status());
    t = std::move(r).value();
  }
  std::sort(ms.begin(), ms.end());
  // Compared: people by ID number (the truth is computed from the rows with ID numbers).
  std::map<std::string, std::set<std::string>> planted, found;
  for (const auto& x : truth["contacts"])
    for (const auto& k : x["kinds"]) planted[k.get<std::string>()].insert(x["person"].get<std::string>()), planted["any"].insert(x["person"].get<std::string>());
  for (const auto& x : t.contacts) {
    std::string ref = (*store)->RefString(x.entity);
    if (ref.rfind("ID:", 0) != 0) continue;
    found["any"].insert(ref);
    for (const auto& k : x.kinds) found[k].insert(ref);
  }
  std::printf("trace of %s confirmed %s: %lld case events in %d days, %lld contacts; median %.2f ms (min %.2f, max %.2f, %zu runs)\n",
              t.subject.c_str(), FormatTime(t.confirmed_at).c_str(), static_cast<long long>(t.case_events), o.days,
              static_cast<long long>(t.total_contacts), ms[ms.size() / 2], ms.front(), ms.back(), ms.size());
  std::printf("%-14s %8s %8s %8s %8s %9s\n", "exposure", "planted", "found", "correct", "recall", "precision");
  bool perfect = true;
  for (const char* kind : {"any", "same_place", "overlap_stay", "same_room", "same_trip", "near_seat"}) {
    RuleScore s = ScoreKeys(planted[kind], found[kind]);
    std::printf("%-14s %8lld %8lld %8lld %8.2f %9.2f\n", kind, static_cast<long long>(s.planted),
                static_cast<long long>(s.found), static_cast<long long>(s.true_positives), s.recall(), s.precision());
    for (const auto& m : s.missed) std::printf("    missed %s\n", m.c_str());
    for (const auto& f : s.false_positives) std::printf("    not planted %s\n", f.c_str());
    perfect = perfect && s.recall() == 1.0 && s.precision() >= 0.95;
  }
  // The closest contacts rank first.
  if (!t.contacts.empty() && !planted["same_room"].empty()) {
    bool first_close = t.contacts[0].kinds.count("same_room") || t.contacts[0].kinds.count("near_seat");
    std::printf("the first contact is %s (%s)\n", (*store)->RefString(t.contacts[0].entity).c_str(),
                first_close ? "a close contact, as it should be" : "NOT a close contact");
    perfect = perfect && first_close;
  }
  return perfect ? 0 : 1;
}

}  // namespace jingwu::app
