// HTTP face of the base registries (docs/registry.md): the address tree and
// search, matching, address changes, organisations, residents (personal
// data: person.read, a stated purpose, audited) and the overview counts.
#include "auth/roles.h"
#include "core/utf8.h"
#include "http/api.h"
#include "identity/identity.h"
#include "registry/service.h"

namespace jingwu::registry {

using http::Context;
using http::json;
using http::Reply;

namespace {

json NodeJson(const AddressIndex& ix, const Node& n) {
  json j = {{"code", n.code},
            {"level", LevelName(n.level)},
            {"name", n.name},
            {"road", n.road},
            {"full_name", ix.FullName(n.code)},
            {"status", n.status},
            {"merged_into", n.merged_into.empty() ? json(nullptr) : json(n.merged_into)},
            {"lat", n.lat != 0 ? json(n.lat) : json(nullptr)},
            {"lon", n.lon != 0 ? json(n.lon) : json(nullptr)},
            {"children", ix.ChildCount(n.code)},
            {"rooms", n.rooms_below},
            {"aliases", n.aliases}};
  return j;
}

json OrgJson(const AddressIndex* ix, const Organisation& o) {
  return {{"credit_code", o.credit_code},
          {"name", o.name},
          {"type", o.type},
          {"legal_rep", o.legal_rep},
          {"address_code", o.address_code},
          {"full_address", ix ? ix->FullName(o.address_code) : std::string()},
          {"key_units", o.key_units},
          {"place_code", o.place_code},
          {"employees", o.employees},
          {"created_at", o.created_at},
          {"updated_at", o.updated_at}};
}

json ResidentJson(const AddressIndex* ix, const Resident& r) {
  return {{"id", r.id},
          {"person", r.person},
          {"name", r.name},
          {"category", r.category},
          {"relation", r.relation},
          {"source", r.source},
          {"address_code", r.address_code},
          {"full_address", ix ? ix->FullName(r.address_code) : std::string()},
          {"moved_in_at", r.moved_in_at},
          {"moved_out_at", r.moved_out_at ? json(*r.moved_out_at) : json(nullptr)}};
}

json HousingJson(const Housing& h, int64_t occupants, bool group_rental) {
  return {{"address_code", h.address_code},
          {"use", h.use},
          {"owner_id_number", h.owner_id_number},
          {"owner_name", h.owner_name},
          {"source", h.source},
          {"updated_at", h.updated_at},
          {"updated_by", h.updated_by},
          {"verified_at", h.verified_at ? json(*h.verified_at) : json(nullptr)},
          {"occupants", occupants},
          {"group_rental", group_rental}};
}

json RentalJson(const AddressIndex* ix, const Rental& r) {
  return {{"id", r.id},
          {"address_code", r.address_code},
          {"full_address", ix ? ix->FullName(r.address_code) : std::string()},
          {"tenant", r.tenant},
          {"tenant_name", r.tenant_name},
          {"landlord_id_number", r.landlord_id_number},
          {"landlord_name", r.landlord_name},
          {"start_date", r.start_date},
          {"end_date", r.end_date ? json(*r.end_date) : json(nullptr)},
          {"registered_at", r.registered_at},
          {"source", r.source},
          {"verified_at", r.verified_at ? json(*r.verified_at) : json(nullptr)}};
}

json TaskJson(const AddressIndex* ix, const Task& t) {
  return {{"id", t.id},
          {"community_code", t.community_code},
          {"community", ix && ix->Find(t.community_code) ? ix->Find(t.community_code)->name : std::string()},
          {"kind", t.kind},
          {"address_code", t.address_code},
          {"full_address", ix ? ix->FullName(t.address_code) : std::string()},
          {"subject", t.subject},
          {"detail", json::parse(t.detail, nullptr, false)},
          {"created_at", t.created_at},
          {"status", t.status},
          {"result", t.result},
          {"note", t.note},
          {"verified_by", t.verified_by},
          {"verified_at", t.verified_at ? json(*t.verified_at) : json(nullptr)}};
}

json OfficerJson(const CommunityOfficer& o, const std::string& community) {
  return {{"community_code", o.community_code}, {"community", community},       {"officer_name", o.officer_name},
          {"police_number", o.police_number},   {"phone", o.phone},             {"station_code", o.station_code},
          {"updated_at", o.updated_at},         {"updated_by", o.updated_by}};
}

json CompletenessJson(const Completeness& x) {
  auto share = [](int64_t a, int64_t b) { return b ? json(static_cast<double>(a) / static_cast<double>(b)) : json(nullptr); };
  return {{"code", x.code},
          {"name", x.name},
          {"level", x.level},
          {"rooms", x.rooms},
          {"rooms_known_use", x.rooms_known_use},
          {"known_use_share", share(x.rooms_known_use, x.rooms)},
          {"occupants", x.occupants},
          {"occupants_registered", x.occupants_registered},
          {"registered_share", share(x.occupants_registered, x.occupants)},
          {"stale", x.stale},
          {"open_tasks", x.open_tasks},
          {"group_rentals", x.group_rentals}};
}

Result<std::shared_ptr<const AddressIndex>> IndexOf(Service& svc) {
  auto ix = svc.index();
  if (!ix) return Unavailable("registry_unavailable", "the address registry is not loaded");
  return ix;
}

Result<std::string> Str(const json& body, const char* field, bool required) {
  if (!body.contains(field) || body[field].is_null()) {
    if (required) return Validation("validation_failed", std::string("the field '") + field + "' is required");
    return std::string();
  }
  if (!body[field].is_string()) return Validation("validation_failed", std::string("'") + field + "' must be a string");
  return body[field].get<std::string>();
}

}  // namespace

void RegisterRoutes(http::Api& api, Service& svc) {
  const http::RouteOptions read = {.permission = auth::perm::kRegistryRead};
  const http::RouteOptions write = {.permission = auth::perm::kRegistryWrite};

  api.Get("/api/v1/registry/addresses", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto ix, IndexOf(svc));
    json items = json::array();
    std::string q = c.Param("q");
    if (!q.empty()) {
      JW_RETURN_IF_ERROR(CheckText(q, "q", kShortText));
      std::optional<Level> level;
      if (!c.Param("level").empty()) {
        level = LevelFromName(c.Param("level"));
        if (!level || *level > Level::kCompound)
          return Validation("invalid_value", "level is district, street, community or compound");
      }
      JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 50, 1, 500));
      for (const Node* n : ix->Search(q, level, static_cast<size_t>(limit))) items.push_back(NodeJson(*ix, *n));
      return Reply::Json({{"items", items}, {"total", items.size()}});
    }
    std::string under = c.Param("under");
    if (!under.empty()) {
      // Everything below a node in one answer (a building's units, floors and rooms).
      JW_RETURN_IF_ERROR(CheckCode(under));
      if (!ix->Find(under)) return NotFound("unknown_address", "no standard address " + under);
      std::optional<Level> level;
      if (!c.Param("level").empty()) {
        level = LevelFromName(c.Param("level"));
        if (!level) return Validation("invalid_value", "level is one of district … room");
      }
      JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 2000, 1, 10000));
      auto found = ix->Descendants(under, level, static_cast<size_t>(limit) + 1);
      bool more = found.size() > static_cast<size_t>(limit);
      if (more) found.pop_back();
      for (const Node* n : found) items.push_back(NodeJson(*ix, *n));
      return Reply::Json({{"items", items}, {"total", items.size()}, {"truncated", more}});
    }
    std::string parent = c.Param("parent");
    if (!parent.empty()) {
      JW_RETURN_IF_ERROR(CheckCode(parent));
      if (!ix->Find(parent)) return NotFound("unknown_address", "no standard address " + parent);
    }
    for (const Node* n : ix->Children(parent)) items.push_back(NodeJson(*ix, *n));
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });

  api.Get(R"(/api/v1/registry/addresses/([^/]+))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto ix, IndexOf(svc));
    std::string code = c.PathArg(1);
    JW_RETURN_IF_ERROR(CheckCode(code));
    const Node* n = ix->Find(code);
    if (!n) return NotFound("unknown_address", "no standard address " + code);
    json j = NodeJson(*ix, *n);
    json path = json::array();
    for (const Node* p : ix->Path(code))
      path.push_back({{"code", p->code}, {"level", LevelName(p->level)}, {"name", p->road + p->name}});
    j["path"] = path;
    JW_ASSIGN_OR_RETURN(auto history, svc.History(code));
    json h = json::array();
    for (const auto& e : history) h.push_back({{"at", e.at}, {"actor", e.actor}, {"change", e.change}});
    j["history"] = h;
    json orgs = json::array();
    if (n->level >= Level::kCompound) {
      JW_ASSIGN_OR_RETURN(auto list, svc.OrganisationsAt(code, 100));
      for (const auto& o : list) orgs.push_back(OrgJson(ix.get(), o));
    }
    j["organisations"] = orgs;
    return Reply::Json(j);
  });

  api.Patch(R"(/api/v1/registry/addresses/([^/]+))", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    AddressPatch p;
    for (const char* f : {"status", "merged_into", "name"}) {
      if (!body.contains(f)) continue;
      JW_ASSIGN_OR_RETURN(std::string v, Str(body, f, true));
      if (std::string_view(f) == "status") p.status = v;
      else if (std::string_view(f) == "merged_into") p.merged_into = v;
      else p.name = v;
    }
    if (body.contains("aliases")) {
      if (!body["aliases"].is_array()) return Validation("validation_failed", "'aliases' must be a list of names");
      std::vector<std::string> a;
      for (const auto& x : body["aliases"]) {
        if (!x.is_string()) return Validation("validation_failed", "'aliases' must be a list of names");
        a.push_back(x.get<std::string>());
      }
      p.aliases = a;
    }
    JW_ASSIGN_OR_RETURN(Node n, svc.UpdateAddress(c.user().AsActor(), c.PathArg(1), p));
    JW_ASSIGN_OR_RETURN(auto ix, IndexOf(svc));
    return Reply::Json(NodeJson(*ix, n));
  });

  api.Post("/api/v1/registry/match", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    JW_ASSIGN_OR_RETURN(std::string text, Str(body, "text", true));
    JW_RETURN_IF_ERROR(CheckText(text, "text", 200));
    if (TrimUnicode(text).empty()) return Validation("validation_failed", "the field 'text' is empty");
    JW_ASSIGN_OR_RETURN(auto ix, IndexOf(svc));
    MatchResult m = ix->Match(text);
    json cands = json::array();
    for (const auto& k : m.candidates)
      cands.push_back({{"code", k.code}, {"level", LevelName(k.level)}, {"full_name", ix->FullName(k.code)},
                       {"score", k.score}});
    json j = {{"matched", m.matched},
              {"score", m.score},
              {"parsed",
               {{"district", m.parsed.district},
                {"street", m.parsed.street},
                {"community", m.parsed.community},
                {"compound", m.parsed.compound},
                {"building", m.parsed.building},
                {"unit", m.parsed.unit},
                {"floor", m.parsed.floor},
                {"room", m.parsed.room}}},
              {"candidates", cands}};
    j["code"] = m.matched ? json(m.code) : json(nullptr);
    j["level"] = m.matched ? json(LevelName(m.level)) : json(nullptr);
    j["full_name"] = m.matched ? json(ix->FullName(m.code)) : json(nullptr);
    return Reply::Json(j);
  });

  api.Get("/api/v1/registry/organisations", read, [&svc](Context& c) -> Result<Reply> {
    OrgFilter f;
    f.q = c.Param("q");
    JW_RETURN_IF_ERROR(CheckText(f.q, "q", kShortText));
    f.address = c.Param("address");
    f.key_unit = c.Param("key_unit");
    JW_ASSIGN_OR_RETURN(int64_t page, c.IntParam("page", 1, 1, 1000000));
    JW_ASSIGN_OR_RETURN(int64_t size, c.IntParam("page_size", 50, 1, 200));
    f.page = static_cast<int>(page);
    f.page_size = static_cast<int>(size);
    JW_ASSIGN_OR_RETURN(auto page_items, svc.Organisations(f));
    auto ix = svc.index();
    json items = json::array();
    for (const auto& o : page_items.first) items.push_back(OrgJson(ix.get(), o));
    return Reply::Json({{"items", items}, {"total", page_items.second}});
  });

  api.Get(R"(/api/v1/registry/organisations/([^/]+))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Organisation o, svc.GetOrganisation(c.PathArg(1)));
    auto ix = svc.index();
    return Reply::Json(OrgJson(ix.get(), o));
  });

  api.Post("/api/v1/registry/organisations", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    Organisation o;
    JW_ASSIGN_OR_RETURN(o.credit_code, Str(body, "credit_code", true));
    JW_ASSIGN_OR_RETURN(o.name, Str(body, "name", true));
    JW_ASSIGN_OR_RETURN(o.type, Str(body, "type", false));
    JW_ASSIGN_OR_RETURN(o.legal_rep, Str(body, "legal_rep", false));
    JW_ASSIGN_OR_RETURN(o.address_code, Str(body, "address_code", true));
    JW_ASSIGN_OR_RETURN(o.place_code, Str(body, "place_code", false));
    if (body.contains("key_units")) {
      if (!body["key_units"].is_array()) return Validation("validation_failed", "'key_units' must be a list");
      for (const auto& k : body["key_units"]) {
        if (!k.is_string()) return Validation("validation_failed", "'key_units' must be a list of names");
        o.key_units.push_back(k.get<std::string>());
      }
    }
    if (body.contains("employees")) {
      if (!body["employees"].is_number_integer()) return Validation("validation_failed", "'employees' is a whole number");
      o.employees = body["employees"].get<int64_t>();
    }
    JW_ASSIGN_OR_RETURN(Organisation made, svc.CreateOrganisation(c.user().AsActor(), o));
    auto ix = svc.index();
    return Reply::Json(OrgJson(ix.get(), made), 201);
  });

  http::RouteOptions residents = {.permission = auth::perm::kPersonRead,
                                  .personal_data = true,
                                  .audit_action = "registry.residents.read"};
  api.Get("/api/v1/registry/residents", residents, [&svc](Context& c) -> Result<Reply> {
    std::string address = c.Param("address"), person = c.Param("person");
    std::vector<Resident> list;
    if (!person.empty()) {
      auto ref = identity::ParseEntityRef(person);
      if (!ref.ok()) return ref.status();
      c.audit_target = ref->ToString();
      JW_ASSIGN_OR_RETURN(list, svc.ResidencesOf(ref->ToString()));
    } else {
      if (address.empty()) return Validation("validation_failed", "give an address (a standard address code) or a person");
      JW_RETURN_IF_ERROR(CheckCode(address));
      JW_ASSIGN_OR_RETURN(auto ix, IndexOf(svc));
      if (!ix->Find(address)) return NotFound("unknown_address", "no standard address " + address);
      c.audit_target = address;
      JW_ASSIGN_OR_RETURN(list, svc.Residents(address, c.Param("all") == "1" || c.Param("all") == "true"));
    }
    auto ix = svc.index();
    json items = json::array();
    for (const auto& r : list) items.push_back(ResidentJson(ix.get(), r));
    c.audit_detail = "residents=" + std::to_string(list.size());
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });

  api.Post("/api/v1/registry/residents", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    Resident r;
    JW_ASSIGN_OR_RETURN(r.person, Str(body, "person", true));
    JW_ASSIGN_OR_RETURN(r.name, Str(body, "name", true));
    JW_ASSIGN_OR_RETURN(r.category, Str(body, "category", true));
    JW_ASSIGN_OR_RETURN(r.relation, Str(body, "relation", false));
    JW_ASSIGN_OR_RETURN(r.source, Str(body, "source", false));
    JW_ASSIGN_OR_RETURN(r.address_code, Str(body, "address_code", true));
    JW_ASSIGN_OR_RETURN(r.moved_in_at, Str(body, "moved_in_at", true));
    JW_ASSIGN_OR_RETURN(Resident made, svc.MoveIn(c.user().AsActor(), r));
    auto ix = svc.index();
    return Reply::Json(ResidentJson(ix.get(), made), 201);
  });

  api.Post(R"(/api/v1/registry/residents/(\d+)/move-out)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    JW_ASSIGN_OR_RETURN(std::string at, Str(body, "moved_out_at", true));
    JW_ASSIGN_OR_RETURN(Resident r, svc.MoveOut(c.user().AsActor(), c.IdArg(), at));
    auto ix = svc.index();
    return Reply::Json(ResidentJson(ix.get(), r));
  });

  // ---- actual housing and rentals
  api.Get("/api/v1/registry/housing", read, [&svc](Context& c) -> Result<Reply> {
    std::string under = c.Param("under");
    if (under.empty()) return Validation("validation_failed", "under (a building's or floor's code) is required");
    JW_ASSIGN_OR_RETURN(auto rooms, svc.HousingUnder(under));
    json items = json::array();
    for (const auto& r : rooms) items.push_back(HousingJson(r.housing, r.occupants, r.group_rental));
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });
  api.Get(R"(/api/v1/registry/housing/(\d{25}))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Housing h, svc.GetHousing(c.PathArg(1)));
    JW_ASSIGN_OR_RETURN(auto groups, svc.GroupRentals(h.address_code));
    JW_ASSIGN_OR_RETURN(auto occupants, svc.Residents(h.address_code, false));
    return Reply::Json(HousingJson(h, static_cast<int64_t>(occupants.size()), !groups.empty()));
  });
  api.Put(R"(/api/v1/registry/housing/(\d{25}))", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    Housing h;
    h.address_code = c.PathArg(1);
    JW_ASSIGN_OR_RETURN(h.use, Str(body, "use", true));
    JW_ASSIGN_OR_RETURN(h.owner_id_number, Str(body, "owner_id_number", false));
    JW_ASSIGN_OR_RETURN(h.owner_name, Str(body, "owner_name", false));
    JW_ASSIGN_OR_RETURN(Housing made, svc.SetHousing(c.user().AsActor(), h));
    JW_ASSIGN_OR_RETURN(auto occupants, svc.Residents(made.address_code, false));
    JW_ASSIGN_OR_RETURN(auto groups, svc.GroupRentals(made.address_code));
    return Reply::Json(HousingJson(made, static_cast<int64_t>(occupants.size()), !groups.empty()));
  });
  http::RouteOptions rentals = {.permission = auth::perm::kPersonRead,
                                .personal_data = true,
                                .audit_action = "registry.rentals.read"};
  api.Get("/api/v1/registry/rentals", rentals, [&svc](Context& c) -> Result<Reply> {
    std::string address = c.Param("address"), tenant = c.Param("tenant");
    if (!tenant.empty()) {
      JW_ASSIGN_OR_RETURN(identity::EntityRef ref, identity::ParseEntityRef(tenant));
      tenant = ref.ToString();
      c.audit_target = tenant;
    } else {
      if (address.empty()) return Validation("validation_failed", "give an address (a standard address code) or a tenant");
      c.audit_target = address;
    }
    JW_ASSIGN_OR_RETURN(auto list, svc.Rentals(address, tenant, c.Param("all") == "1" || c.Param("all") == "true"));
    auto ix = svc.index();
    json items = json::array();
    for (const auto& r : list) items.push_back(RentalJson(ix.get(), r));
    c.audit_detail = "rentals=" + std::to_string(list.size());
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });
  api.Post("/api/v1/registry/rentals", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    Rental r;
    JW_ASSIGN_OR_RETURN(r.address_code, Str(body, "address_code", true));
    JW_ASSIGN_OR_RETURN(r.tenant, Str(body, "tenant", true));
    JW_ASSIGN_OR_RETURN(r.tenant_name, Str(body, "tenant_name", true));
    JW_ASSIGN_OR_RETURN(r.landlord_id_number, Str(body, "landlord_id_number", true));
    JW_ASSIGN_OR_RETURN(r.landlord_name, Str(body, "landlord_name", true));
    JW_ASSIGN_OR_RETURN(r.start_date, Str(body, "start_date", true));
    JW_ASSIGN_OR_RETURN(std::string end, Str(body, "end_date", false));
    if (!end.empty()) r.end_date = end;
    JW_ASSIGN_OR_RETURN(Rental made, svc.AddRental(c.user().AsActor(), r));
    auto ix = svc.index();
    return Reply::Json(RentalJson(ix.get(), made), 201);
  });
  api.Post(R"(/api/v1/registry/rentals/(\d+)/end)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    JW_ASSIGN_OR_RETURN(std::string end, Str(body, "end_date", true));
    JW_ASSIGN_OR_RETURN(Rental r, svc.EndRental(c.user().AsActor(), c.IdArg(), end));
    auto ix = svc.index();
    return Reply::Json(RentalJson(ix.get(), r));
  });
  api.Get("/api/v1/registry/group-rentals", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto list, svc.GroupRentals(c.Param("under")));
    auto ix = svc.index();
    json items = json::array();
    for (const auto& [code, n] : list)
      items.push_back({{"address_code", code}, {"full_address", ix ? ix->FullName(code) : ""}, {"occupants", n}});
    return Reply::Json({{"items", items}, {"total", items.size()}, {"threshold", kGroupRentalOccupants}});
  });

  // ---- community verification (采集核查) and completeness
  http::RouteOptions tasks_read = {.permission = auth::perm::kRegistryWrite,
                                   .personal_data = true,
                                   .audit_action = "registry.tasks.read"};
  api.Get("/api/v1/registry/tasks", tasks_read, [&svc](Context& c) -> Result<Reply> {
    std::string community = c.Param("community"), status = c.Param("status");
    if (!status.empty() && status != "open" && status != "done") return Validation("invalid_value", "status is open or done");
    JW_ASSIGN_OR_RETURN(int64_t page, c.IntParam("page", 1, 1, 100000));
    JW_ASSIGN_OR_RETURN(int64_t page_size, c.IntParam("page_size", 50, 1, 500));
    std::map<std::string, int64_t> by_kind;
    JW_ASSIGN_OR_RETURN(auto got, svc.Tasks(community, status, c.Param("kind"), static_cast<int>(page),
                                            static_cast<int>(page_size), &by_kind));
    auto ix = svc.index();
    json items = json::array();
    for (const auto& t : got.first) items.push_back(TaskJson(ix.get(), t));
    c.audit_target = community.empty() ? "all" : community;
    c.audit_detail = "tasks=" + std::to_string(got.first.size());
    return Reply::Json({{"items", items}, {"total", got.second}, {"page", page}, {"page_size", page_size},
                        {"by_kind", by_kind}});
  });
  api.Post("/api/v1/registry/tasks/generate", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    JW_ASSIGN_OR_RETURN(std::string community, Str(body, "community", false));
    JW_ASSIGN_OR_RETURN(auto made, svc.GenerateTasks(c.user().AsActor(), community));
    int64_t total = 0;
    for (const auto& [k, n] : made) total += n;
    return Reply::Json({{"created", made}, {"total", total}});
  });
  api.Post(R"(/api/v1/registry/tasks/(\d+)/verify)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    JW_ASSIGN_OR_RETURN(std::string result, Str(body, "result", true));
    JW_ASSIGN_OR_RETURN(std::string note, Str(body, "note", false));
    JW_ASSIGN_OR_RETURN(Task t, svc.VerifyTask(c.user().AsActor(), c.IdArg(), result, note));
    auto ix = svc.index();
    return Reply::Json(TaskJson(ix.get(), t));
  });
  api.Get("/api/v1/registry/completeness", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto list, svc.GetCompleteness(c.Param("under")));
    json items = json::array();
    Completeness all;
    for (const auto& x : list) {
      items.push_back(CompletenessJson(x));
      all.rooms += x.rooms;
      all.rooms_known_use += x.rooms_known_use;
      all.occupants += x.occupants;
      all.occupants_registered += x.occupants_registered;
      all.stale += x.stale;
      all.open_tasks += x.open_tasks;
      all.group_rentals += x.group_rentals;
    }
    all.code = c.Param("under");
    return Reply::Json({{"items", items}, {"total", items.size()}, {"all", CompletenessJson(all)},
                        {"as_of", FormatTime(svc.Now())}, {"group_rental_threshold", kGroupRentalOccupants},
                        {"stale_days", kStaleDays}});
  });

  // ---- community police officers (社区民警)
  api.Get(R"(/api/v1/registry/communities/(\d{12})/officer)", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto ix, IndexOf(svc));
    const Node* n = ix->Find(c.PathArg(1));
    if (!n || n->level != Level::kCommunity) return NotFound("unknown_address", "no community " + c.PathArg(1));
    auto o = svc.OfficerOf(c.PathArg(1));
    if (!o) return NotFound("no_officer", "no officer is assigned to " + n->name);
    return Reply::Json(OfficerJson(*o, n->name));
  });
  api.Put(R"(/api/v1/registry/communities/(\d{12})/officer)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    CommunityOfficer o;
    o.community_code = c.PathArg(1);
    JW_ASSIGN_OR_RETURN(o.officer_name, Str(body, "officer_name", true));
    JW_ASSIGN_OR_RETURN(o.police_number, Str(body, "police_number", true));
    JW_ASSIGN_OR_RETURN(o.phone, Str(body, "phone", false));
    JW_ASSIGN_OR_RETURN(o.station_code, Str(body, "station_code", false));
    JW_ASSIGN_OR_RETURN(CommunityOfficer made, svc.SetOfficer(c.user().AsActor(), o));
    auto ix = svc.index();
    const Node* n = ix ? ix->Find(made.community_code) : nullptr;
    return Reply::Json(OfficerJson(made, n ? n->name : ""));
  });

  api.Get("/api/v1/registry/stats", read, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Stats s, svc.GetStats());
    json districts = json::array();
    for (const auto& d : s.districts)
      districts.push_back({{"code", d.code},
                           {"name", d.name},
                           {"rooms", d.rooms},
                           {"residents", d.residents},
                           {"organisations", d.organisations}});
    return Reply::Json({{"levels", s.levels},
                        {"organisations", s.organisations},
                        {"residents", s.residents},
                        {"districts", districts}});
  });
}

}  // namespace jingwu::registry
