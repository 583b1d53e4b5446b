// HTTP face of the big-data core: places, ingest over HTTP, counters and the
// three analyses. See docs/api.md "Big data".
#include "analysis/analysis.h"
#include "analysis/dutyfree.h"
#include "auth/roles.h"
#include "core/time.h"
#include "fusion/ingest.h"
#include "http/api.h"
#include "http/server.h"

namespace jingwu::analysis {

using http::Context;
using http::Reply;
using nlohmann::json;

namespace {

Result<int64_t> Int(const json& body, const char* key, int64_t def, int64_t lo, int64_t hi) {
  if (!body.contains(key)) return def;
  if (!body[key].is_number_integer()) return Validation("invalid_value", std::string(key) + " must be an integer");
  int64_t v = body[key].get<int64_t>();
  if (v < lo || v > hi)
    return Validation("invalid_value", std::string(key) + " must be between " + std::to_string(lo) + " and " +
                                           std::to_string(hi));
  return v;
}

json ReportJson(const fusion::IngestReport& r) {
  json rejects = json::array();
  for (const auto& x : r.rejects)
    rejects.push_back({{"line", x.line}, {"reason", x.reason}, {"message", x.message}, {"fields", x.fields}});
  return {{"source", r.source},   {"rows", r.rows},         {"accepted", r.accepted},
          {"already", r.already}, {"rejected", r.rejected}, {"rejects_by_reason", r.rejects_by_reason},
          {"unresolved", r.unresolved},
          {"rejects", rejects},   {"seconds", r.seconds}};
}

json SourceSummary(const fusion::SourceDef& d, const fusion::SourceRegistry* reg, int64_t events) {
  return {{"name", d.name},         {"id", d.id},
          {"kind", d.kind},         {"label", d.label},
          {"description", d.description}, {"version", d.version},
          {"builtin", d.builtin},   {"required_columns", d.RequiredColumns()},
          {"events", events},       {"in_use", d.builtin ? events > 0 : reg && reg->InUse(d)},
          {"added_at", d.added_at}, {"added_by", d.added_by}};
}

Result<fusion::SourceDef> DefinitionFromBody(Context& c) {
  if (c.req.body.empty()) return InvalidArgument("empty_body", "send the definition as JSON");
  return fusion::ParseSourceDef(c.req.body);
}

}  // namespace

void RegisterRoutes(http::Api& api, events::Store* store, fusion::SourceRegistry* sources) {
  // ---- source definitions (docs/sources.md) ----
  auto events_per_source = [store] {
    std::map<int, int64_t> n;
    for (const auto& x : store->CountsBySourceDay(0, int64_t{1} << 40)) n[static_cast<int>(x.source)] += x.count;
    return n;
  };
  api.Get("/api/v1/sources", {}, [sources, events_per_source](Context&) -> Result<Reply> {
    if (!sources) return Unavailable("no_event_store", "the event store is not open");
    auto counts = events_per_source();
    json items = json::array();
    for (const fusion::SourceDef* d : sources->All()) items.push_back(SourceSummary(*d, sources, counts[d->id]));
    return Reply::Json({{"sources", items}});
  });
  api.Get(R"(/api/v1/sources/([a-z][a-z0-9_]*))", {}, [sources, events_per_source](Context& c) -> Result<Reply> {
    if (!sources) return Unavailable("no_event_store", "the event store is not open");
    const fusion::SourceDef* d = sources->Find(c.PathArg(1));
    if (!d) return NotFound("unknown_source", "no source named " + c.PathArg(1));
    json j = SourceSummary(*d, sources, events_per_source()[d->id]);
    j["definition"] = json::parse(fusion::SourceDefJson(*d, -1));
    j["versions"] = json::array();
    for (const auto& v : sources->History(d->name))
      j["versions"].push_back({{"version", v.version}, {"added_at", v.added_at}, {"added_by", v.added_by}});
    return Reply::Json(j);
  });
  api.Post("/api/v1/sources/check", {.permission = auth::perm::kSourcesWrite}, [sources](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(fusion::SourceDef d, DefinitionFromBody(c));
    json j = {{"valid", true}, {"name", d.name}, {"required_columns", d.RequiredColumns()},
              {"definition", json::parse(fusion::SourceDefJson(d, -1))}};
    if (sources) {
      const fusion::SourceDef* prev = sources->Find(d.name);
      j["exists"] = prev != nullptr;
      if (prev && prev->builtin) j["conflict"] = "builtin_source";
      else if (prev && prev->Interpretation() != d.Interpretation() && sources->InUse(*prev))
        j["conflict"] = "definition_in_use";
    }
    return Reply::Json(j);
  });
  api.Post("/api/v1/sources",
           {.permission = auth::perm::kSourcesWrite, .audited_write = true, .audit_action = "sources.define"},
           [sources](Context& c) -> Result<Reply> {
             if (!sources) return Unavailable("no_event_store", "the event store is not open");
             JW_ASSIGN_OR_RETURN(fusion::SourceDef d, DefinitionFromBody(c));
             c.audit_target = d.name;
             JW_ASSIGN_OR_RETURN(const fusion::SourceDef* added, sources->Add(std::move(d), c.user().user.username));
             c.audit_detail = "version " + std::to_string(added->version) + ", id " + std::to_string(added->id);
             json j = SourceSummary(*added, sources, 0);
             j["definition"] = json::parse(fusion::SourceDefJson(*added, -1));
             return Reply::Json(j, added->version == 1 ? 201 : 200);
           });

  api.Get("/api/v1/places", {}, [store](Context& c) -> Result<Reply> {
    std::string kind = c.Param("kind"), q = c.Param("q"), district = c.Param("district");
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 200, 1, 10000));
    json items = json::array();
    int64_t total = 0;
    for (const events::Place& p : store->Places()) {
      if (!kind.empty() && p.kind != kind) continue;
      if (!district.empty() && p.district_code != district) continue;
      if (!q.empty() && p.code.find(q) == std::string::npos && p.name.find(q) == std::string::npos) continue;
      ++total;
      if (static_cast<int64_t>(items.size()) >= limit) continue;
      items.push_back({{"code", p.code},
                       {"kind", p.kind},
                       {"name", p.name},
                       {"district_code", p.district_code},
                       {"district", std::string(identity::RegionName(p.district_code))},
                       {"lat", p.lat},
                       {"lon", p.lon},
                       {"events", store->PlaceEventCount(p.id)}});
    }
    return Reply::Json({{"places", items}, {"total", total}});
  });

  api.Post(R"(/api/v1/sources/([a-z][a-z0-9_]*)/records)",
           {.permission = auth::perm::kSourcesWrite, .audited_write = true, .audit_action = "events.ingest"},
           [store, sources](Context& c) -> Result<Reply> {
             std::string name = c.PathArg(1);
             const fusion::SourceDef* def = sources ? sources->Find(name) : fusion::BuiltinDef(
                                                                          events::SourceFromName(name).value_or(
                                                                              events::Source{0}));
             if (!def) return NotFound("unknown_source", "no source named " + name);
             c.audit_target = name;
             std::string type = c.req.get_header_value("Content-Type");
             fusion::Format format;
             if (type.rfind("text/csv", 0) == 0) format = fusion::Format::kCsv;
             else if (type.rfind("application/x-ndjson", 0) == 0 || type.rfind("application/jsonl", 0) == 0)
               format = fusion::Format::kNdjson;
             else
               return Status(ErrorKind::kInvalidArgument, "unsupported_media_type",
                             "send text/csv (with a header row) or application/x-ndjson");
             if (c.req.body.empty()) return InvalidArgument("empty_body", "the body holds no records");
             JW_ASSIGN_OR_RETURN(fusion::IngestReport r, fusion::IngestBody(*store, *def, c.req.body, format));
             c.audit_detail = "rows=" + std::to_string(r.rows) + " accepted=" + std::to_string(r.accepted) +
                              " already=" + std::to_string(r.already) + " rejected=" + std::to_string(r.rejected);
             return Reply::Json(ReportJson(r));
           });

  api.Get("/api/v1/events/stats", {.permission = auth::perm::kStatsRead}, [store](Context& c) -> Result<Reply> {
    std::string by = c.Param("by");
    if (by.empty() || by == "source_day") {
      JW_ASSIGN_OR_RETURN(TimeRange r, ParseRange(c.Param("from"), c.Param("to")));
      int64_t from_day = r.from ? LocalDay(events::ToTimestamp(r.from)) : 0;
      int64_t to_day = r.to == 0xFFFFFFFFu ? (int64_t{1} << 40) : LocalDay(events::ToTimestamp(r.to));
      json rows = json::array();
      for (const auto& x : store->CountsBySourceDay(from_day, to_day)) {
        int y, m, d;
        CivilFromDays(x.day, &y, &m, &d);
        char day[16];
        std::snprintf(day, sizeof day, "%04d-%02d-%02d", y, m, d);
        rows.push_back({{"source", events::SourceName(x.source)}, {"day", day}, {"count", x.count}});
      }
      return Reply::Json({{"by", "source_day"}, {"rows", rows}, {"total", store->TotalEvents()}});
    }
    if (by == "district_month") {
      json rows = json::array();
      for (const auto& x : store->CountsByDistrictMonth()) {
        char month[16];
        std::snprintf(month, sizeof month, "%04d-%02d", x.year, x.month);
        rows.push_back({{"district_code", x.district_code},
                        {"district", std::string(identity::RegionName(x.district_code))},
                        {"month", month},
                        {"count", x.count}});
      }
      return Reply::Json({{"by", "district_month"}, {"rows", rows}, {"total", store->TotalEvents()}});
    }
    return Validation("invalid_value", "by must be source_day or district_month");
  });

  const http::RouteOptions analysis_opts = {
      .permission = auth::perm::kAnalysisRun, .personal_data = true, .analysis = true};

  auto trajectory_opts = analysis_opts;
  trajectory_opts.audit_action = "analysis.trajectory";
  api.Get("/api/v1/analysis/trajectory", trajectory_opts, [store](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(identity::EntityRef ref, identity::ParseEntityRef(c.Param("entity")));
    c.audit_target = ref.ToString();
    JW_ASSIGN_OR_RETURN(TimeRange r, ParseRange(c.Param("from"), c.Param("to")));
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 5000, 1, 100000));
    std::string records = c.Param("records");
    if (!records.empty() && records != "0" && records != "1")
      return Validation("invalid_value", "records must be 0 or 1");
    JW_ASSIGN_OR_RETURN(Trajectory t, RunTrajectory(*store, ref, r, static_cast<size_t>(limit)));
    return Reply::Json(ToJson(*store, t, records != "0"));
  });

  auto cotravel_opts = analysis_opts;
  cotravel_opts.audit_action = "analysis.cotravel";
  api.Get("/api/v1/analysis/cotravel", cotravel_opts, [store](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(identity::EntityRef ref, identity::ParseEntityRef(c.Param("entity")));
    c.audit_target = ref.ToString();
    JW_ASSIGN_OR_RETURN(TimeRange r, ParseRange(c.Param("from"), c.Param("to")));
    JW_ASSIGN_OR_RETURN(int64_t within, c.IntParam("within", 120, 0, 86400));
    JW_ASSIGN_OR_RETURN(int64_t min, c.IntParam("min", 3, 1, 100000));
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 500, 1, 10000));
    JW_ASSIGN_OR_RETURN(Cotravel t, RunCotravel(*store, ref, static_cast<uint32_t>(within), static_cast<int>(min), r,
                                                static_cast<size_t>(limit)));
    return Reply::Json(ToJson(*store, t));
  });

  auto collision_opts = analysis_opts;
  collision_opts.audit_action = "analysis.collision";
  api.Post("/api/v1/analysis/collision", collision_opts, [store](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    if (!body.contains("windows") || !body["windows"].is_array())
      return Validation("invalid_window", "windows (an array of {place, from, to}) is required");
    std::vector<Window> windows;
    std::string target;
    for (const json& w : body["windows"]) {
      if (!w.is_object() || !w.contains("place") || !w["place"].is_string() || !w.contains("from") ||
          !w["from"].is_string() || !w.contains("to") || !w["to"].is_string())
        return Validation("invalid_window", "each window needs place, from and to (strings)");
      JW_ASSIGN_OR_RETURN(TimeRange r, ParseRange(w["from"].get<std::string>(), w["to"].get<std::string>()));
      windows.push_back({w["place"].get<std::string>(), r.from, r.to});
      target += (target.empty() ? "" : ";") + w["place"].get<std::string>() + "," + w["from"].get<std::string>() +
                "," + w["to"].get<std::string>();
    }
    c.audit_target = target;
    JW_ASSIGN_OR_RETURN(int64_t min, Int(body, "min", 0, 0, 20));
    JW_ASSIGN_OR_RETURN(int64_t limit, Int(body, "limit", 1000, 1, 10000));
    JW_ASSIGN_OR_RETURN(Collision col, RunCollision(*store, windows, static_cast<int>(min), static_cast<size_t>(limit)));
    return Reply::Json(ToJson(*store, col));
  });

  auto rings_opts = analysis_opts;
  rings_opts.audit_action = "analysis.dutyfree_rings";
  api.Get("/api/v1/analysis/dutyfree-rings", rings_opts, [store](Context& c) -> Result<Reply> {
    c.audit_target = "dutyfree";
    RingOptions o;
    JW_ASSIGN_OR_RETURN(o.range, ParseRange(c.Param("from"), c.Param("to")));
    JW_ASSIGN_OR_RETURN(int64_t min, c.IntParam("min_members", 3, 2, 1000));
    JW_ASSIGN_OR_RETURN(int64_t hours, c.IntParam("window_hours", 24, 1, 24 * 31));
    o.min_members = static_cast<int>(min);
    o.window_seconds = static_cast<uint32_t>(hours * 3600);
    JW_ASSIGN_OR_RETURN(RingReport r, DetectDutyfreeRings(*store, o));
    return Reply::Json(ToJson(*store, r));
  });
}

}  // namespace jingwu::analysis
