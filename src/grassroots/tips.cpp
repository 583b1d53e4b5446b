// Community partners and their tips (群防群治, docs/grassroots.md §3).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/files.h"
#include "dispatch/service.h"
#include "grassroots/service.h"
#include "grassroots/util.h"
#include "identity/identity.h"
#include "registry/service.h"

namespace jingwu::grassroots {

using namespace util;

namespace {

std::string MaskPhone(const std::string& p) {
  return p.size() >= 7 ? p.substr(0, 3) + "****" + p.substr(p.size() - 4) : "****";
}

// The district of a point: the nearest police station's (the demo stations, spread over the four districts).
std::string DistrictNear(double lat, double lon) {
  std::string best;
  double d = 1e18;
  for (const auto& st : dispatch::DemoStations()) {
    double x = (st.lat - lat) * (st.lat - lat) + (st.lon - lon) * (st.lon - lon);
    if (x < d) d = x, best = st.district;
  }
  return best;
}

}  // namespace

Result<json> Service::CreatePartner(const auth::Actor& a, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string name, Str(b, "name", true, 100));
  JW_ASSIGN_OR_RETURN(std::string kind, Str(b, "kind", true));
  JW_ASSIGN_OR_RETURN(std::string district, Str(b, "district_code", true));
  JW_ASSIGN_OR_RETURN(std::string area, Str(b, "area", false, 200));
  JW_ASSIGN_OR_RETURN(std::string credit_code, Str(b, "credit_code"));
  JW_ASSIGN_OR_RETURN(std::string contact, Str(b, "contact", false, 100));
  if (!OneOf(kPartnerKinds, kind))
    return Validation("invalid_kind", "kind is security_company, school_alliance, sanitation_team or other");
  if (!IsDistrict(district)) return Validation("invalid_district", "district_code is one of 460105-460108");
  if (!credit_code.empty() && registry_ && !registry_->GetOrganisation(credit_code).ok())
    return NotFound("unknown_organisation", "no organisation " + credit_code + " in the registry");
  JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT id FROM gr_partners WHERE name = ?", {name}));
  if (!have.empty()) return Conflict("partner_exists", "a partner named " + name + " exists");
  JW_ASSIGN_OR_RETURN(sql::Rows ins, db_->Query("INSERT INTO gr_partners (name, kind, district_code, area, credit_code, "
                                                "contact, created_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
                                                {name, kind, district, area, credit_code, contact, FormatTime(Now())}));
  Audit(a, "grassroots.partner.create", name, "ok", kind);
  return Partner(ins[0].Int("id"));
}

Result<json> Service::Partners() {
  JW_ASSIGN_OR_RETURN(sql::Rows ps, db_->Query("SELECT p.*, (SELECT COUNT(*) FROM gr_members m WHERE m.partner_id = p.id) AS "
                                               "members, (SELECT COUNT(*) FROM gr_tips t WHERE t.partner_id = p.id) AS tips "
                                               "FROM gr_partners p ORDER BY p.district_code, p.id"));
  json items = json::array();
  for (const auto& r : ps)
    items.push_back({{"id", r.Int("id")}, {"name", r.Text("name")}, {"kind", r.Text("kind")},
                     {"district_code", r.Text("district_code")}, {"area", r.Text("area")},
                     {"credit_code", r.Text("credit_code")}, {"contact", r.Text("contact")},
                     {"members", r.Int("members")}, {"tips", r.Int("tips")}});
  return json{{"items", items}, {"total", items.size()}};
}

Result<json> Service::Partner(int64_t id) {
  JW_ASSIGN_OR_RETURN(json all, Partners());
  for (auto& p : all["items"])
    if (p["id"] == id) {
      JW_ASSIGN_OR_RETURN(sql::Rows ms, db_->Query("SELECT * FROM gr_members WHERE partner_id = ? ORDER BY id", {id}));
      p["members_list"] = json::array();
      for (const auto& m : ms)
        p["members_list"].push_back({{"id", m.Int("id")}, {"name", m.Text("name")}, {"phone", MaskPhone(m.Text("phone"))},
                                     {"joined_on", m.Text("joined_on")}});
      return p;
    }
  return NotFound("unknown_partner", "no partner " + std::to_string(id));
}

Result<json> Service::AddMember(const auth::Actor& a, int64_t partner, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string name, Str(b, "name", true, 50));
  JW_ASSIGN_OR_RETURN(std::string phone_in, Str(b, "phone", true));
  JW_ASSIGN_OR_RETURN(std::string id_in, Str(b, "id_number"));
  JW_ASSIGN_OR_RETURN(std::string joined, Str(b, "joined_on"));
  auto phone = identity::ParsePhone(phone_in);
  if (!phone.ok() || phone->size() != 11) return Validation("invalid_phone", "a member's phone is a mobile number");
  std::string id_number;
  if (!id_in.empty()) {
    auto p = identity::ParseIdNumber(id_in);
    if (!p.ok()) return Validation("invalid_id_number", p.status().message());
    id_number = p->number;
  }
  if (joined.empty()) joined = Today();
  JW_RETURN_IF_ERROR(Day(joined, "joined_on").status());
  JW_ASSIGN_OR_RETURN(sql::Rows p, db_->Query("SELECT id FROM gr_partners WHERE id = ?", {partner}));
  if (p.empty()) return NotFound("unknown_partner", "no partner " + std::to_string(partner));
  JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT id FROM gr_members WHERE partner_id = ? AND phone = ?", {partner, *phone}));
  if (!have.empty()) return Conflict("member_exists", "a member with this phone is in the partner already");
  JW_RETURN_IF_ERROR(db_->Exec("INSERT INTO gr_members (partner_id, name, phone, id_number, joined_on) VALUES (?,?,?,?,?)",
                               {partner, name, *phone, id_number, joined})
                         .status());
  Audit(a, "grassroots.partner.member", std::to_string(partner), "ok", MaskPhone(*phone));
  return Partner(partner);
}

Result<json> Service::PartnerFigures() {
  JW_ASSIGN_OR_RETURN(sql::Rows ps, db_->Query("SELECT id, name, kind, district_code FROM gr_partners ORDER BY id"));
  JW_ASSIGN_OR_RETURN(sql::Rows ts, db_->Query("SELECT partner_id, district_code, category, action FROM gr_tips"));
  std::map<int64_t, json> by_partner;
  for (const auto& p : ps)
    by_partner[p.Int("id")] = {{"partner_id", p.Int("id")}, {"name", p.Text("name")}, {"kind", p.Text("kind")},
                               {"district_code", p.Text("district_code")}, {"tips", 0},
                               {"by_category", json::object()}, {"by_action", json::object()}};
  std::map<std::string, json> by_district;
  for (const char* d : {"460105", "460106", "460107", "460108"})
    by_district[d] = {{"district_code", d}, {"tips", 0}, {"by_category", json::object()}, {"by_action", json::object()}};
  auto add = [](json& row, const std::string& cat, const std::string& action) {
    row["tips"] = row["tips"].get<int64_t>() + 1;
    row["by_category"][cat] = row["by_category"].value(cat, 0) + 1;
    std::string act = action.empty() ? "pending" : action;
    row["by_action"][act] = row["by_action"].value(act, 0) + 1;
  };
  for (const auto& t : ts) {
    if (!t.IsNull("partner_id") && by_partner.count(t.Int("partner_id")))
      add(by_partner[t.Int("partner_id")], t.Text("category"), t.Text("action"));
    if (by_district.count(t.Text("district_code"))) add(by_district[t.Text("district_code")], t.Text("category"), t.Text("action"));
  }
  json a = json::array(), d = json::array();
  for (auto& [k, v] : by_partner) a.push_back(v);
  for (auto& [k, v] : by_district) d.push_back(v);
  return json{{"by_partner", a}, {"by_district", d}};
}

Result<json> Service::SubmitTip(const Reporter& r, const json& b, Timestamp at) {
  const auth::Actor actor{"citizen:" + std::to_string(r.citizen_id), "citizen", ""};
  auto fail = [&](Status s) {
    Audit(actor, "grassroots.tip.submit", "", "failed", s.code());
    return s;
  };
  auto run = [&]() -> Result<json> {
    JW_ASSIGN_OR_RETURN(std::string category, Str(b, "category", true));
    JW_ASSIGN_OR_RETURN(std::string text, Str(b, "text", true, 2000));
    JW_ASSIGN_OR_RETURN(std::string address, Str(b, "address", false, 200));
    JW_ASSIGN_OR_RETURN(double lat, Num(b, "lat", 0));
    JW_ASSIGN_OR_RETURN(double lon, Num(b, "lon", 0));
    if (!OneOf(kTipCategories, category)) return Validation("invalid_category", "unknown tip category");
    bool has_point = lat != 0 || lon != 0;
    if (has_point && !InCity(lat, lon)) return Validation("invalid_location", "the point is not in Haikou");
    if (!has_point && address.empty())
      return Validation("location_required", "say where: an address, or a point on the map");
    std::string address_code, district, community;
    if (!address.empty() && registry_) {
      registry::Located l = registry_->Locate(address);
      if (l.match.matched) {
        address_code = l.match.code, district = l.district_code, community = l.community_code;
        if (!has_point && l.lat != 0) lat = l.lat, lon = l.lon, has_point = true;
      }
    }
    if (!has_point)
      return Validation("location_required", "the address was not found on the map: put a point on the map instead");
    if (district.empty()) district = DistrictNear(lat, lon);
    // Photos: every check before the first byte is stored; one refused photo refuses the tip.
    struct Photo {
      std::string type, bytes;
    };
    std::vector<Photo> photos;
    if (b.contains("photos") && !b["photos"].is_null()) {
      if (!b["photos"].is_array()) return Validation("invalid_value", "photos is a list");
      if (static_cast<int>(b["photos"].size()) > opt_.max_photos)
        return Validation("too_many_photos", "at most " + std::to_string(opt_.max_photos) + " photos");
      for (const auto& p : b["photos"]) {
        JW_ASSIGN_OR_RETURN(std::string type, Str(p, "content_type", true));
        JW_ASSIGN_OR_RETURN(std::string data, Str(p, "data", true, 16u << 20));
        type = type.substr(0, type.find(';'));
        if (type != "image/jpeg" && type != "image/png")
          return Validation("upload_type_not_allowed", "photos are JPEG or PNG, not '" + type + "'");
        JW_ASSIGN_OR_RETURN(std::string bytes, Base64Decode(data));
        if (bytes.empty()) return Validation("upload_empty", "a photo is empty");
        if (static_cast<int64_t>(bytes.size()) > opt_.photo_max_bytes)
          return Status(ErrorKind::kTooLarge, "upload_too_large",
                        "a photo exceeds " + std::to_string(opt_.photo_max_bytes) + " bytes");
        if (!ContentMatches(type, bytes)) return Validation("upload_content_mismatch", "a photo's content is not " + type);
        photos.push_back({type, std::move(bytes)});
      }
    }
    json stored = json::array();
    for (const auto& p : photos) {
      JW_ASSIGN_OR_RETURN(std::string sha, StoreBySha256(opt_.uploads_dir, p.bytes));
      stored.push_back({{"sha256", sha}, {"content_type", p.type}, {"size", p.bytes.size()}});
    }
    // A partner's member reports for the partner.
    JW_ASSIGN_OR_RETURN(sql::Rows m, db_->Query("SELECT partner_id FROM gr_members WHERE phone = ? ORDER BY id LIMIT 1", {r.phone}));
    sql::Value partner = m.empty() ? sql::Value(nullptr) : sql::Value(m[0].Int("partner_id"));
    Timestamp now = at.micros ? at : Now();
    JW_ASSIGN_OR_RETURN(sql::Rows ins,
                        db_->Query("INSERT INTO gr_tips (citizen_id, reporter_name, reporter_phone, reporter_id_number, "
                                   "partner_id, category, text, address, address_code, district_code, community_code, lat, "
                                   "lon, photos, status, action, target_type, target_id, feedback, handler, created_at, "
                                   "created_us, triaged_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,'new','','',NULL,'','',?,?,NULL) "
                                   "RETURNING id",
                                   {r.citizen_id, r.name, r.phone, r.id_number, partner, category, text, address,
                                    address_code, district, community, lat, lon, stored.dump(), FormatTime(now), now.micros}));
    Audit(actor, "grassroots.tip.submit", std::to_string(ins[0].Int("id")), "ok", category);
    return LoadTip(ins[0].Int("id"));
  };
  auto out = run();
  if (!out.ok()) return fail(out.status());
  return out;
}

Result<json> Service::TipJson(const sql::Row& r) {
  json photos = json::array();
  json stored = json::parse(r.Text("photos"), nullptr, false);
  int n = 0;
  if (stored.is_array())
    for (const auto& p : stored) photos.push_back({{"n", n++}, {"content_type", p.value("content_type", "")}, {"size", p.value("size", 0)}});
  json reporter = {{"kind", r.IsNull("partner_id") ? "citizen" : "partner"}, {"partner_id", nullptr}, {"partner_name", nullptr}};
  if (!r.IsNull("partner_id")) {
    reporter["partner_id"] = r.Int("partner_id");
    JW_ASSIGN_OR_RETURN(sql::Rows p, db_->Query("SELECT name FROM gr_partners WHERE id = ?", {r.Int("partner_id")}));
    if (!p.empty()) reporter["partner_name"] = p[0].Text("name");
  }
  json target = nullptr;
  if (!r.Text("target_type").empty()) target = {{"type", r.Text("target_type")}, {"id", r.Int("target_id")}};
  return json{{"id", r.Int("id")},
              {"category", r.Text("category")},
              {"text", r.Text("text")},
              {"address", r.Text("address")},
              {"address_code", r.Text("address_code")},
              {"district_code", r.Text("district_code")},
              {"community_code", r.Text("community_code")},
              {"lat", r.Double("lat")},
              {"lon", r.Double("lon")},
              {"photos", photos},
              {"status", r.Text("status")},
              {"action", r.Text("action")},
              {"target", target},
              {"feedback", r.Text("feedback")},
              {"handler", r.Text("handler")},
              {"created_at", r.Text("created_at")},
              {"triaged_at", r.IsNull("triaged_at") ? json(nullptr) : json(r.Text("triaged_at"))},
              {"reporter", reporter}};
}

Result<json> Service::LoadTip(int64_t id) {
  JW_ASSIGN_OR_RETURN(sql::Rows r, db_->Query("SELECT * FROM gr_tips WHERE id = ?", {id}));
  if (r.empty()) return NotFound("unknown_tip", "no tip " + std::to_string(id));
  return TipJson(r[0]);
}

Result<json> Service::CitizenTips(int64_t citizen_id) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT * FROM gr_tips WHERE citizen_id = ? ORDER BY id DESC LIMIT 200", {citizen_id}));
  json items = json::array();
  for (const auto& r : rows) {
    JW_ASSIGN_OR_RETURN(json t, TipJson(r));
    t.erase("handler");  // the reporter is told what happened, not by whom
    items.push_back(t);
  }
  return json{{"items", items}, {"total", items.size()}};
}

Result<json> Service::Tips(const std::string& status, const std::string& district, int64_t partner) {
  std::string sql = "SELECT * FROM gr_tips WHERE 1 = 1";
  sql::Params p;
  if (status.empty() || status == "new" || status == "triaged") sql += " AND status = ?", p.push_back(status.empty() ? "new" : status);
  else if (status != "all") return Validation("invalid_value", "status is new, triaged or all");
  if (!district.empty()) sql += " AND district_code = ?", p.push_back(district);
  if (partner) sql += " AND partner_id = ?", p.push_back(partner);
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql + " ORDER BY created_us DESC, id DESC LIMIT 500", p));
  json items = json::array();
  for (const auto& r : rows) {
    JW_ASSIGN_OR_RETURN(json t, TipJson(r));
    items.push_back(t);
  }
  return json{{"items", items}, {"total", items.size()}};
}

Result<std::pair<std::string, std::string>> Service::TipPhoto(int64_t tip, int n) {
  JW_ASSIGN_OR_RETURN(sql::Rows r, db_->Query("SELECT photos FROM gr_tips WHERE id = ?", {tip}));
  if (r.empty()) return NotFound("unknown_tip", "no tip " + std::to_string(tip));
  json photos = json::parse(r[0].Text("photos"), nullptr, false);
  if (!photos.is_array() || n < 0 || n >= static_cast<int>(photos.size())) return NotFound("unknown_photo", "no such photo");
  std::string sha = photos[static_cast<size_t>(n)].value("sha256", "");
  std::ifstream f(opt_.uploads_dir + "/" + sha.substr(0, 2) + "/" + sha, std::ios::binary);
  if (!f) return NotFound("unknown_photo", "the photo's file is missing");
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return std::make_pair(bytes, photos[static_cast<size_t>(n)].value("content_type", "application/octet-stream"));
}

Result<json> Service::TipReporter(const auth::Actor& a, int64_t tip, bool audit_reader) {
  JW_ASSIGN_OR_RETURN(sql::Rows r, db_->Query("SELECT handler, reporter_name, reporter_phone, reporter_id_number FROM "
                                              "gr_tips WHERE id = ?",
                                              {tip}));
  if (r.empty()) return NotFound("unknown_tip", "no tip " + std::to_string(tip));
  if (!audit_reader && (r[0].Text("handler").empty() || r[0].Text("handler") != a.username))
    return PermissionDenied("not_handler", "only the tip's handling officer and inspectors see who reported it");
  return json{{"name", r[0].Text("reporter_name")}, {"phone", r[0].Text("reporter_phone")},
              {"id_number", r[0].Text("reporter_id_number")}};
}

Result<json> Service::Triage(const auth::Actor& a, int64_t tip, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string action, Str(b, "action", true));
  JW_ASSIGN_OR_RETURN(std::string feedback, Str(b, "feedback", true, 500));
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT * FROM gr_tips WHERE id = ?", {tip}));
  if (rows.empty()) return NotFound("unknown_tip", "no tip " + std::to_string(tip));
  const sql::Row& t = rows[0];
  if (t.Text("status") != "new") return Conflict("tip_triaged", "the tip was triaged by " + t.Text("handler"));
  std::string target_type;
  int64_t target_id = 0;
  if (action == "incident") {
    if (!dispatch_) return Unavailable("dispatch_unavailable", "dispatch is not running");
    JW_ASSIGN_OR_RETURN(std::string category, Str(b, "category"));
    JW_ASSIGN_OR_RETURN(int64_t priority, Int(b, "priority", 3));
    if (category.empty()) category = t.Text("category") == "dispute" ? "dispute" : "report";
    if (t.Double("lat") == 0) return Validation("location_required", "the tip has no position for an incident");
    dispatch::IncidentInput in;
    in.lat = t.Double("lat"), in.lon = t.Double("lon");
    in.address = t.Text("address").empty() ? "群众线索 #" + std::to_string(tip) : t.Text("address");
    in.district_code = t.Text("district_code");
    in.category = category;
    in.narrative = "群众线索 #" + std::to_string(tip) + "：" + t.Text("text");
    in.priority = static_cast<int>(priority);
    JW_ASSIGN_OR_RETURN(dispatch::Incident inc, dispatch_->CreateIncident(a, in));
    target_type = "incident", target_id = inc.id;
  } else if (action == "registry_task") {
    if (!registry_) return Unavailable("registry_unavailable", "the registry is not loaded");
    if (t.Text("address_code").size() < 12)
      return Validation("address_required", "a verification task needs the tip's standard address");
    json detail = {{"tip_id", tip}, {"category", t.Text("category")}, {"text", t.Text("text")}};
    JW_ASSIGN_OR_RETURN(target_id, registry_->AddTask(a, "tip_check", t.Text("address_code"), "tip:" + std::to_string(tip),
                                                      detail.dump()));
    target_type = "registry_task";
  } else if (action == "dispute") {
    json body = b;
    body["source"] = "tip";
    body["tip_id"] = tip;
    if (!body.contains("address")) {
      char where[96];
      std::snprintf(where, sizeof where, "线索位置 %.5f, %.5f", t.Double("lat"), t.Double("lon"));
      body["address"] = t.Text("address").empty() ? std::string(where) : t.Text("address");
    }
    if (!body.contains("address_code") && !t.Text("address_code").empty()) body["address_code"] = t.Text("address_code");
    if (!body.contains("summary")) body["summary"] = t.Text("text");
    if (!body.contains("reported_at")) body["reported_at"] = t.Text("created_at");
    body.erase("action");
    body.erase("feedback");
    JW_ASSIGN_OR_RETURN(json d, CreateDispute(a, body));
    target_type = "dispute", target_id = d["id"].get<int64_t>();
  } else if (action != "no_action") {
    return Validation("invalid_action", "action is incident, registry_task, dispute or no_action");
  }
  JW_ASSIGN_OR_RETURN(int64_t n, db_->Exec("UPDATE gr_tips SET status = 'triaged', action = ?, target_type = ?, target_id = ?, "
                                           "feedback = ?, handler = ?, triaged_at = ? WHERE id = ? AND status = 'new'",
                                           {action, target_type, target_id ? sql::Value(target_id) : sql::Value(nullptr),
                                            feedback, a.username, FormatTime(Now()), tip}));
  if (n == 0) return Conflict("tip_triaged", "the tip was triaged by someone else just now");
  Audit(a, "grassroots.tip.triage", std::to_string(tip), "ok", action + (target_id ? " " + std::to_string(target_id) : ""));
  return LoadTip(tip);
}

}  // namespace jingwu::grassroots
