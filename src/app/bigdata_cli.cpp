#include "app/bigdata_cli.h"

#include <chrono>

#include "search/index.h"
#include "search/resolve.h"

#include <cstdio>

#include "analysis/analysis.h"
#include "analysis/dutyfree.h"
#include "core/log.h"
#include "fusion/ingest.h"
#include "http/api.h"
#include "gen/city_gen.h"
#include "gen/community_gen.h"
#include "gen/health_gen.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace jingwu::app {

namespace {

const audit::Actor kCli{"cli", "admin", "cli"};

audit::Entry CliEntry(std::string action, std::string target, std::string outcome, std::string detail) {
  audit::Entry e;
  e.actor = "cli";
  e.role = "admin";
  e.client = "cli";
  e.action = std::move(action);
  e.target = std::move(target);
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  return e;
}

}  // namespace

std::string EventsDir(const Config& config) { return config.data_dir + "/events"; }
std::string SearchDir(const Config& config) { return config.data_dir + "/search"; }

int RunResolve(const Config& config) {
  auto store = events::Store::Open(EventsDir(config));
  if (!store.ok()) return CliFail(store.status());
  Status s = ResolveAfterIngest(**store);
  if (!s.ok()) return CliFail(s);
  if ((*store)->EntitiesOfKind(identity::Kind::kPerson).empty())
    std::printf("identity resolution: no records without an ID number\n");
  return 0;
}

int RunReindex(const Config& config) {
  events::OpenOptions oo;
  oo.read_only = true;
  auto store = events::Store::Open(EventsDir(config), oo);
  if (!store.ok()) {
    std::fprintf(stderr, "jingwu: %s\n", store.status().message().c_str());
    return 1;
  }
  auto index = search::Index::Open(SearchDir(config), store->get());
  Status s = index.ok() ? (*index)->Rebuild() : index.status();
  if (!s.ok()) {
    std::fprintf(stderr, "jingwu: %s\n", s.message().c_str());
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto n = (*index)->CatchUp();
  if (!n.ok()) {
    std::fprintf(stderr, "jingwu: %s\n", n.status().message().c_str());
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("reindexed %lld entities and %zu places in %.1f s (%.0f documents/s); journal seq %llu\n",
              static_cast<long long>(*n), (*store)->Places().size(), secs, secs > 0 ? *n / secs : 0.0,
              static_cast<unsigned long long>((*index)->committed_seq()));
  return 0;
}

int RunIngest(const Config& config, const IngestArgs& args) {
  if (args.source == "all") {
    if (args.files.size() != 1) return CliFail(InvalidArgument("bad_args", "--source all takes one folder written by jingwu gen"));
    events::OpenOptions oo;
    oo.bulk = true;
    log::SetLevel(log::Level::kWarn);
    auto opened = Open(config);
    if (!opened.ok()) return CliFail(opened.status());
    auto store = events::Store::Open(EventsDir(config), oo);
    if (!store.ok()) return CliFail(store.status());
    Status s = IngestFolder(**store, args.files[0], !args.quiet, (*opened)->audit.get());
    return s.ok() ? 0 : CliFail(s);
  }
  log::SetLevel(log::Level::kWarn);
  auto opened = Open(config);
  if (!opened.ok()) return CliFail(opened.status());
  events::OpenOptions oo;
  oo.bulk = true;
  auto store = events::Store::Open(EventsDir(config), oo);
  if (!store.ok()) return CliFail(store.status());
  auto sources = fusion::SourceRegistry::Load(store->get());
  if (!sources.ok()) return CliFail(sources.status());
  const fusion::SourceDef* def = (*sources)->Find(args.source);
  if (!def) {
    std::string names;
    for (const auto* d : (*sources)->All()) names += (names.empty() ? "" : ", ") + d->name;
    return CliFail(InvalidArgument("unknown_source", "unknown source '" + args.source + "' (" + names + ")"));
  }
  int rc = 0;
  for (const std::string& file : args.files) {
    fusion::IngestOptions opt;
    opt.progress = !args.quiet;
    auto r = fusion::IngestFile(**store, *def, file, opt);
    if (!r.ok()) {
      (*opened)->audit->Record(kCli, "events.ingest", file, "failed", r.status().code());
      std::fprintf(stderr, "jingwu: %s: %s\n", file.c_str(), r.status().message().c_str());
      rc = r.status().kind() == ErrorKind::kInvalidArgument ? 2 : 1;
      continue;
    }
    std::string reasons;
    for (const auto& [reason, n] : r->rejects_by_reason)
      reasons += (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(n);
    double rate = r->seconds > 0 ? static_cast<double>(r->rows) / r->seconds : 0;
    std::printf("%s: %lld rows, %lld accepted (%lld already stored), %lld rejected%s%s%s in %.2f s (%.0f rows/s)\n",
                file.c_str(), static_cast<long long>(r->rows), static_cast<long long>(r->accepted),
                static_cast<long long>(r->already), static_cast<long long>(r->rejected),
                reasons.empty() ? "" : " (", reasons.c_str(), reasons.empty() ? "" : ")", r->seconds, rate);
    if (r->rejected) std::printf("  rejected rows with their reasons: %s.rejects.csv\n", file.c_str());
    (*opened)->audit->Record(kCli, "events.ingest", file, "ok",
                             args.source + ": " + std::to_string(r->accepted) + " accepted, " +
                                 std::to_string(r->rejected) + " rejected");
    if (r->unresolved)
      std::printf("  %lld rows without a valid ID number kept by name, birth date and phone\n",
                  static_cast<long long>(r->unresolved));
  }
  if (Status s = ResolveAfterIngest(**store); !s.ok()) return CliFail(s);
  return rc;
}

Status ResolveAfterIngest(events::Store& store) {
  SystemClock clock;
  JW_ASSIGN_OR_RETURN(search::ResolveReport r, search::ResolvePending(store, clock.Now()));
  if (r.records > 0)
    std::printf("identity resolution: %lld records without an ID number; %lld merged into a person now, %lld before; "
                "%lld with several strong matches and %lld kept apart left for review\n",
                static_cast<long long>(r.records), static_cast<long long>(r.merged),
                static_cast<long long>(r.already_merged), static_cast<long long>(r.ambiguous),
                static_cast<long long>(r.kept_apart));
  return Status::Ok();
}

namespace {

// Ingests (source name, file) pairs of dir that exist, with the report line and the audit entry.
Status IngestFiles(events::Store& store, fusion::SourceRegistry& sources, const std::string& dir,
                   const std::vector<std::pair<std::string, std::string>>& order, bool progress, audit::Log* audit) {
  std::error_code ec;
  for (const auto& [source, file] : order) {
    std::string path = dir + "/" + file;
    if (!std::filesystem::exists(path, ec)) continue;
    fusion::IngestOptions opt;
    opt.progress = progress;
    const fusion::SourceDef* def = sources.Find(source);
    if (!def) return NotFound("unknown_source", "no source named " + source);
    auto r = fusion::IngestFile(store, *def, path, opt);
    if (!r.ok()) {
      if (audit) audit->Record(kCli, "events.ingest", path, "failed", r.status().code());
      return r.status();
    }
    // Source rows are personal data: every write is audited, like every read.
    if (audit)
      audit->Record(kCli, "events.ingest", path, "ok",
                    source + ": " + std::to_string(r->accepted) + " accepted, " + std::to_string(r->rejected) +
                        " rejected");
    std::printf("  %-16s %9lld rows, %9lld accepted, %6lld rejected (%.1f s)\n", file.c_str(),
                static_cast<long long>(r->rows), static_cast<long long>(r->accepted),
                static_cast<long long>(r->rejected), r->seconds);
    std::fflush(stdout);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> DefineFolderSources(fusion::SourceRegistry& sources, const std::string& dir,
                                                     audit::Log* audit) {
  std::error_code ec;
  std::vector<std::string> defs, names;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().string().ends_with(".source.json")) defs.push_back(e.path().string());
  std::sort(defs.begin(), defs.end());
  for (const auto& path : defs) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto def = fusion::ParseSourceDef(text);
    if (!def.ok()) return Status(def.status().kind(), def.status().code(), path + ": " + def.status().message());
    std::string name = def->name;
    auto added = sources.Add(std::move(*def), "cli");
    if (!added.ok() && added.status().code() != "unchanged") return added.status();
    if (added.ok()) {
      std::printf("  defined source '%s' (version %d) from %s\n", name.c_str(), (*added)->version, path.c_str());
      if (audit) audit->Record(kCli, "sources.define", name, "ok", "version " + std::to_string((*added)->version));
    }
    names.push_back(name);
  }
  return names;
}

Status IngestDefinedSources(events::Store& store, const std::string& dir, bool progress, audit::Log* audit) {
  JW_ASSIGN_OR_RETURN(std::unique_ptr<fusion::SourceRegistry> sources, fusion::SourceRegistry::Load(&store));
  JW_ASSIGN_OR_RETURN(std::vector<std::string> names, DefineFolderSources(*sources, dir, audit));
  std::vector<std::pair<std::string, std::string>> order;
  for (const auto& n : names) order.emplace_back(n, n + ".csv");
  return IngestFiles(store, *sources, dir, order, progress, audit);
}

Status IngestFolder(events::Store& store, const std::string& dir, bool progress, audit::Log* audit) {
  static constexpr std::pair<const char*, const char*> kOrder[] = {
      {"places", "places.csv"},   {"residents", "residents.csv"}, {"vehicles", "vehicles.csv"},
      {"hotel", "hotel.csv"},     {"vehicle_pass", "vehicle_pass.csv"}, {"travel", "travel.csv"},
      {"dutyfree", "dutyfree.csv"}, {"netcafe", "netcafe.csv"}};
  JW_ASSIGN_OR_RETURN(std::unique_ptr<fusion::SourceRegistry> sources, fusion::SourceRegistry::Load(&store));
  std::vector<std::pair<std::string, std::string>> order(std::begin(kOrder), std::end(kOrder));
  // Sources defined as data in the folder (NAME.source.json, docs/sources.md) come after the built-ins.
  JW_ASSIGN_OR_RETURN(std::vector<std::string> names, DefineFolderSources(*sources, dir, audit));
  for (const auto& n : names) order.emplace_back(n, n + ".csv");
  JW_RETURN_IF_ERROR(IngestFiles(store, *sources, dir, order, progress, audit));
  return ResolveAfterIngest(store);
}

int RunEventsInfo(const Config& config, bool compact) {
  events::OpenOptions oo;
  oo.read_only = !compact;
  auto store = events::Store::Open(EventsDir(config), oo);
  if (!store.ok()) return CliFail(store.status());
  if (compact) {
    Status s = (*store)->Compact();
    if (!s.ok()) return CliFail(s);
  }
  auto u = (*store)->Usage();
  int64_t n = (*store)->TotalEvents();
  double per = n ? 1.0 / static_cast<double>(n) : 0;
  std::printf("events     %lld\nentities   %lld\nplaces     %zu\n", static_cast<long long>(n),
              static_cast<long long>((*store)->EntityCount()), (*store)->Places().size());
  std::printf("bytes/event: by_entity %.2f + by_place %.2f = %.2f (both orders); records %.2f; other %.2f\n",
              static_cast<double>(u.by_entity) * per, static_cast<double>(u.by_place) * per,
              static_cast<double>(u.by_entity + u.by_place) * per, static_cast<double>(u.records) * per,
              static_cast<double>(u.other) * per);
  return 0;
}

Status SeedBigData(const Config& config, events::Store& store, audit::Log* audit) {
  std::string dir = config.data_dir + "/sources";
  std::printf("  jingwu demo: generating the synthetic city's big-data sources (hotels, checkpoints, travel, "
              "duty-free, internet cafés) into %s ...\n", dir.c_str());
  std::fflush(stdout);
  gen::CityOptions o;
  o.out_dir = dir;
  o.seed = 1;
  o.scale = "small";
  JW_RETURN_IF_ERROR(gen::WriteCity(o));
  // The smart communities' gate passes, barrier reads and alarms (sources defined as data).
  JW_RETURN_IF_ERROR(gen::WriteCommunities({.out_dir = dir, .seed = 1}));
  // The epidemic checkpoints (a source defined as data) with a confirmed case to trace.
  JW_RETURN_IF_ERROR(gen::WriteHealth({.out_dir = dir, .seed = 1}));
  std::printf("  jingwu demo: ingesting them into the event store\n");
  return IngestFolder(store, dir, false, audit);
}

int RunQuery(const Config& config, const QueryArgs& a) {
  // The same rule as over HTTP: real text, no controls, at least two characters.
  auto purpose = http::CleanStatement(a.purpose, "purpose_required", "an analysis's stated purpose (--purpose)", 2);
  if (!purpose.ok()) return CliFail(purpose.status());
  auto case_no = http::CleanStatement(a.case_no, "case_no_required", "an analysis's case number (--case)", 2);
  if (!case_no.ok()) return CliFail(case_no.status());
  log::SetLevel(log::Level::kWarn);
  auto opened = Open(config);
  if (!opened.ok()) return CliFail(opened.status());
  App& app = **opened;
  events::OpenOptions oo;
  oo.read_only = true;
  auto store_r = events::Store::Open(EventsDir(config), oo);
  if (!store_r.ok()) return CliFail(store_r.status());
  const events::Store& store = **store_r;

  nlohmann::json out;
  std::string target;
  std::string detail;
  auto range = analysis::ParseRange(a.from, a.to);
  if (!range.ok()) return CliFail(range.status());
  if (a.kind == "dutyfree-rings") {
    analysis::RingOptions o;
    o.range = *range;
    if (a.min > 0) o.min_members = a.min;
    auto r = analysis::DetectDutyfreeRings(store, o);
    if (!r.ok()) return CliFail(r.status());
    out = analysis::ToJson(store, *r);
    target = "dutyfree";
    detail = std::to_string(r->rings.size()) + " rings";
  } else if (a.kind == "trajectory" || a.kind == "cotravel") {
    auto ref = identity::ParseEntityRef(a.entity);
    if (!ref.ok()) return CliFail(ref.status());
    target = ref->ToString();
    if (a.kind == "trajectory") {
      auto t = analysis::RunTrajectory(store, *ref, *range, a.limit > 0 ? static_cast<size_t>(a.limit) : 1000000);
      if (!t.ok()) return CliFail(t.status());
      out = analysis::ToJson(store, *t);
      detail = std::to_string(t->events.size()) + " events";
    } else {
      auto c = analysis::RunCotravel(store, *ref, static_cast<uint32_t>(std::max(0, a.within)), std::max(1, a.min),
                                     *range, a.limit > 0 ? static_cast<size_t>(a.limit) : 1000);
      if (!c.ok()) return CliFail(c.status());
      out = analysis::ToJson(store, *c);
      detail = std::to_string(c->hits.size()) + " entities";
    }
  } else {
    std::vector<analysis::Window> windows;
    for (const auto& w : a.windows) {
      auto p = analysis::ParseWindow(w);
      if (!p.ok()) return CliFail(p.status());
      windows.push_back(*p);
      target += (target.empty() ? "" : ";") + w;
    }
    auto c = analysis::RunCollision(store, windows, a.min, a.limit > 0 ? static_cast<size_t>(a.limit) : 1000);
    if (!c.ok()) return CliFail(c.status());
    out = analysis::ToJson(store, *c);
    detail = std::to_string(c->hits.size()) + " entities";
  }
  audit::Entry e = CliEntry("analysis." + a.kind, target, "ok", detail);
  e.purpose = *purpose;
  e.case_no = *case_no;
  auto appended = app.audit->Append(e);
  if (!appended.ok()) return CliFail(appended.status());  // no audit, no answer

  if (a.json) {
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  if (a.kind == "dutyfree-rings") {
    std::printf("%zu rings in %lld duty-free purchases\n", out["rings"].size(),
                static_cast<long long>(out["purchases"].get<int64_t>()));
    for (const auto& g : out["rings"]) {
      std::printf("  %-28s store %-8s %3zu members %12.2f CNY  %s .. %s\n", g["key"].get<std::string>().c_str(),
                  g["store"].get<std::string>().c_str(), g["members"].size(), g["total_cny"].get<double>(),
                  g["first"].get<std::string>().c_str(), g["last"].get<std::string>().c_str());
      for (const auto& m : g["members"])
        std::printf("      %-26s %-10s %10.2f CNY (year %10.2f)\n", m["ref"].get<std::string>().c_str(),
                    m["name"].get<std::string>().c_str(), m["total_cny"].get<double>(),
                    m["year_total_cny"].get<double>());
      for (const auto& why : g["reasons"]) std::printf("      - %s\n", why.get<std::string>().c_str());
    }
    return 0;
  }
  if (a.kind == "trajectory") {
    std::printf("%s: %zu events\n", target.c_str(), out["events"].size());
    for (const auto& ev : out["events"])
      std::printf("  %s  %-10s %-14s %s\n", ev["time"].get<std::string>().c_str(),
                  ev["place"].get<std::string>().c_str(), ev["source"].get<std::string>().c_str(),
                  ev.value("place_name", std::string()).c_str());
  } else {
    std::printf("%zu entities\n", out["entities"].size());
    for (const auto& h : out["entities"])
      std::printf("  %-36s %4d  (%zu evidence events)\n", h["ref"].get<std::string>().c_str(),
                  h.contains("matched") ? h["matched"].get<int>() : h["count"].get<int>(), h["evidence"].size());
  }
  return 0;
}

}  // namespace jingwu::app
