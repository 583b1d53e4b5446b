// HTTP face of statistics: the query API for signed-in users (JSON or CSV)
// and the public statistics page (数读), which needs no login, offers only
// aggregates and suppresses every cell under 5.
#include <set>

#include "auth/roles.h"
#include "http/api.h"
#include "stats/engine.h"

namespace jingwu::stats {

using http::Context;
using http::json;
using http::Reply;

namespace {

json AnswerJson(const Query& q, const Answer& a) {
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json groups = json::array();
  if (!q.period.empty()) groups.push_back(q.period);
  for (int d : q.dims) groups.push_back(DimName(d));
  json rows = json::array();
  for (const auto& r : a.rows) {
    json row = {{"value", opt(r.value)}};
    if (!q.period.empty()) row["period"] = r.period;
    for (size_t i = 0; i < q.dims.size(); ++i) row[DimName(q.dims[i])] = r.keys[i];
    if (!q.compare.empty()) {
      row["previous"] = opt(r.previous);
      row["change"] = opt(r.change);
      row["change_pct"] = opt(r.change_pct);
    }
    if (q.measure == "clearance" || q.measure == "death_rate") {
      row["numerator"] = r.numerator;
      row["denominator"] = r.denominator;
    }
    if (r.suppressed) {
      row["suppressed"] = true;
      row["suppression"] = r.complementary ? "complementary" : "small";
    }
    rows.push_back(std::move(row));
  }
  json filters = json::object();
  for (int d = 0; d < kNumDims; ++d)
    if (!q.filters[static_cast<size_t>(d)].empty()) filters[DimName(d)] = q.filters[static_cast<size_t>(d)];
  auto day = [](int64_t d) {
    int y, m, dd;
    CivilFromDays(d, &y, &m, &dd);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, dd);
    return std::string(buf);
  };
  json out = {{"measure", a.measure}, {"basis", a.basis},     {"basis_note", a.basis_note}, {"group", groups},
              {"filters", filters},   {"from", day(q.from_day)}, {"to", day(q.to_day)},     {"rows", rows},
              {"total", a.total ? json(*a.total) : json(nullptr)}};
  if (!q.compare.empty()) {
    out["compare"] = q.compare;
    out["compare_note"] = a.compare_note;
  }
  if (q.measure == "death_rate") out["vehicles_basis"] = "year_end";
  return out;
}

Result<Reply> Respond(const Context& c, Engine& engine, bool public_view) {
  std::map<std::string, std::string> params(c.req.params.begin(), c.req.params.end());
  JW_ASSIGN_OR_RETURN(Query q, ParseQuery(params));
  if (public_view) {
    // The public page publishes whole years, split by at most one dimension
    // and never filtered, so that no two published figures differ by a small
    // group of records (no day ranges to subtract, no cross-tabulations);
    // the engine adds complementary suppression within each year.
    static const std::set<std::string> kPublic = {"cases", "accidents", "deaths", "death_rate", "gangs"};
    if (!kPublic.count(q.measure))
      return Validation("unknown_measure", "the public page offers cases, accidents, deaths, death_rate and gangs");
    for (int d : q.dims)
      if (d == kStatus) return Validation("unknown_dimension", "the public page does not group by status");
    if (q.period != "year") return Validation("bad_group", "the public page groups by year (group=year[,dimension])");
    if (q.dims.size() > 1) return Validation("bad_group", "the public page splits by one dimension at most");
    for (const auto& f : q.filters)
      if (!f.empty()) return Validation("validation_failed", "the public page takes no filters; group by the dimension instead");
    if (!q.compare.empty()) return Validation("unknown_compare", "the public page shows whole years; compare them directly");
    int y, m, d;
    CivilFromDays(q.from_day, &y, &m, &d);
    bool from_ok = m == 1 && d == 1;
    CivilFromDays(q.to_day, &y, &m, &d);
    if (!from_ok || m != 12 || d != 31)
      return Validation("validation_failed", "the public page covers whole years: from YYYY-01-01 to YYYY-12-31");
  }
  JW_ASSIGN_OR_RETURN(Answer a, engine.Run(q, public_view));
  std::string format = c.Param("format");
  if (format == "csv") {
    Reply r;
    r.content_type = "text/csv; charset=utf-8";
    r.raw = ToCsv(q, a);
    c.res.set_header("Content-Disposition", "attachment; filename=\"jingwu-" + q.measure + ".csv\"");
    return r;
  }
  if (!format.empty() && format != "json") return Validation("validation_failed", "format is json or csv");
  json out = AnswerJson(q, a);
  if (public_view) out["suppression"] = "cells with 1 to 4 records are not shown";
  return Reply::Json(out);
}

}  // namespace

void RegisterRoutes(http::Api& api, Engine& engine) {
  api.Get("/api/v1/stats", {.permission = auth::perm::kStatsRead},
          [&engine](Context& c) { return Respond(c, engine, false); });
  api.Get("/api/v1/public/stats", {.auth = false}, [&engine](Context& c) { return Respond(c, engine, true); });
}

}  // namespace jingwu::stats
