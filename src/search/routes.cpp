// HTTP face of one-box search, entity profiles and the relationship graph.
// See docs/api.md "Search".
#include <map>
#include <set>

#include "auth/roles.h"
#include "http/api.h"
#include "http/server.h"
#include "registry/service.h"
#include "search/graph.h"
#include "search/index.h"
#include "search/resolve.h"

namespace jingwu::search {

using http::Context;
using http::Reply;
using nlohmann::json;

namespace {

Result<events::EntityId> Resolve(const events::Store& store, const std::string& text) {
  identity::EntityRef ref;
  auto parsed = identity::ParseEntityRef(text);
  if (parsed.ok()) ref = *parsed;
  else if (!identity::DetectKind(text, &ref)) return parsed.status();
  auto id = store.FindEntity(ref);
  if (!id) return NotFound("unknown_entity", "nothing is known about " + ref.ToString());
  return *id;
}

// Where a person lives and lived (the base registries), newest first; for a
// current residence, who else lives in the same room.
Result<json> Residences(registry::Service& reg, const std::string& ref) {
  json out = json::array();
  if (!ref.starts_with("ID:") && !ref.starts_with("PASSPORT:")) return out;
  JW_ASSIGN_OR_RETURN(auto list, reg.ResidencesOf(ref));
  auto ix = reg.index();
  for (const auto& r : list) {
    json mates = json::array();
    if (!r.moved_out_at) {
      JW_ASSIGN_OR_RETURN(auto room, reg.Residents(r.address_code, false));
      for (const auto& m : room)
        if (m.person != ref) mates.push_back({{"person", m.person}, {"name", m.name}, {"relation", m.relation}});
    }
    out.push_back({{"address_code", r.address_code},
                   {"full_address", ix ? ix->FullName(r.address_code) : std::string()},
                   {"category", r.category},
                   {"relation", r.relation},
                   {"source", r.source},
                   {"moved_in_at", r.moved_in_at},
                   {"moved_out_at", r.moved_out_at ? json(*r.moved_out_at) : json(nullptr)},
                   {"housemates", mates}});
  }
  return out;
}

// The registry's "same room" edges (同室居住): for each person in the graph,
// the others currently registered in the same room, with the room as
// evidence. Added to the graph's JSON (nodes for housemates not in it yet).
Status AddSameRoom(registry::Service& reg, const events::Store& store, json& g, size_t max_people) {
  auto ix = reg.index();
  std::map<std::string, int> depth_of;
  for (const auto& n : g["nodes"]) depth_of[n["id"].get<std::string>()] = n["depth"].get<int>();
  std::set<std::pair<std::string, std::string>> have;
  for (const auto& e : g["edges"])
    if (e["kind"] == "same_room") have.insert({e["source"].get<std::string>(), e["target"].get<std::string>()});
  std::vector<std::pair<std::string, int>> people;
  for (const auto& [ref, d] : depth_of)
    if (ref.starts_with("ID:") || ref.starts_with("PASSPORT:")) people.push_back({ref, d});
  std::sort(people.begin(), people.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  if (people.size() > max_people) people.resize(max_people);
  for (const auto& [ref, d] : people) {
    JW_ASSIGN_OR_RETURN(auto homes, reg.ResidencesOf(ref));
    for (const auto& home : homes) {
      if (home.moved_out_at) continue;
      JW_ASSIGN_OR_RETURN(auto room, reg.Residents(home.address_code, false));
      for (const auto& m : room) {
        if (m.person == ref) continue;
        std::string a = std::min(ref, m.person), b = std::max(ref, m.person);
        if (!have.insert({a, b}).second) continue;
        if (!depth_of.count(m.person)) {
          depth_of[m.person] = d + 1;
          int64_t events = 0;
          if (auto parsed = identity::ParseEntityRef(m.person); parsed.ok())
            if (auto id = store.FindEntity(*parsed)) events = store.EntityEventCount(*id);
          g["nodes"].push_back({{"id", m.person},
                                {"kind", m.person.substr(0, m.person.find(':'))},
                                {"label", m.name},
                                {"depth", d + 1},
                                {"events", events},
                                {"more", 0},
                                {"expanded", false}});
        }
        g["edges"].push_back({{"source", a},
                              {"target", b},
                              {"kind", "same_room"},
                              {"weight", 1},
                              {"evidence", json::array({{{"source", "registry"},
                                                         {"time", std::max(home.moved_in_at, m.moved_in_at)},
                                                         {"place", home.address_code},
                                                         {"detail", ix ? ix->FullName(home.address_code) : ""}}})}});
      }
    }
  }
  return Status::Ok();
}

}  // namespace

void RegisterRoutes(http::Api& api, events::Store* store, Index* index, registry::Service* registry) {
  api.Get("/api/v1/search",
          {.permission = auth::perm::kPersonRead, .personal_data = true, .audit_action = "search.query"},
          [store, index, registry](Context& c) -> Result<Reply> {
            std::string q = c.Param("q");
            c.audit_target = q;
            JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 20, 1, 200));
            if (!index) return Conflict("search_unavailable", "no search index");
            // Read before searching: the answer then holds at least what
            // indexed_seq says (a client waiting for indexed_seq >= journal_seq
            // gets a result that includes its upload).
            uint64_t indexed = index->committed_seq();
            uint64_t head = store->JournalHead();
            JW_ASSIGN_OR_RETURN(Results r, index->Search(q, static_cast<size_t>(limit)));
            json j = ToJson(r);
            // The base registries: a standard address the text names (a full
            // match first, then places whose name contains it) and organisations.
            json addresses = json::array(), orgs = json::array();
            if (registry && !q.empty() && q.size() <= 400) {
              if (auto ix = registry->index()) {
                std::set<std::string> seen;
                registry::MatchResult m = ix->Match(q);
                if (m.matched) {
                  seen.insert(m.code);
                  addresses.push_back({{"code", m.code}, {"level", registry::LevelName(m.level)},
                                       {"full_name", ix->FullName(m.code)}, {"score", m.score}});
                }
                for (const registry::Node* n : ix->Search(q, std::nullopt, 5))
                  if (seen.insert(n->code).second)
                    addresses.push_back({{"code", n->code}, {"level", registry::LevelName(n->level)},
                                         {"full_name", ix->FullName(n->code)}, {"score", nullptr}});
                registry::OrgFilter f;
                f.q = q;
                f.page_size = 5;
                if (auto found = registry->Organisations(f); found.ok())
                  for (const auto& o : found->first)
                    orgs.push_back({{"credit_code", o.credit_code}, {"name", o.name}, {"type", o.type},
                                    {"key_units", o.key_units}, {"full_address", ix->FullName(o.address_code)},
                                    {"address_code", o.address_code}});
              }
            }
            j["addresses"] = addresses;
            j["organisations"] = orgs;
            j["indexed_seq"] = indexed;
            j["journal_seq"] = head;
            return Reply::Json(j);
          });

  api.Get(R"(/api/v1/entities/(.+)/graph)",
          {.permission = auth::perm::kPersonRead, .personal_data = true, .analysis = true,
           .audit_action = "analysis.graph"},
          [store, index, registry](Context& c) -> Result<Reply> {
            std::string text = c.PathArg(1);
            c.audit_target = text;
            GraphOptions o;
            JW_ASSIGN_OR_RETURN(int64_t depth, c.IntParam("depth", 1, 1, 3));
            JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 20, 1, 200));
            o.depth = static_cast<int>(depth);
            o.per_node = static_cast<size_t>(limit);
            // Co-travel is an analysis result: the same permission as /analysis/cotravel.
            o.cotravel = c.user().Can(auth::perm::kAnalysisRun);
            JW_ASSIGN_OR_RETURN(events::EntityId id, Resolve(*store, text));
            c.audit_target = store->RefString(id);
            json j = ToJson(BuildGraph(*store, index, id, o));
            j["cotravel_included"] = o.cotravel;
            if (registry) JW_RETURN_IF_ERROR(AddSameRoom(*registry, *store, j, 50));
            return Reply::Json(j);
          });

  // Identity resolution: merge a record without an ID number into a person, or undo it.
  api.Post(R"(/api/v1/entities/(.+)/merge)",
           {.permission = auth::perm::kEntityMerge, .personal_data = true, .audit_action = "entity.merge"},
           [store, index, &api](Context& c) -> Result<Reply> {
             std::string text = c.PathArg(1);
             c.audit_target = text;
             JW_ASSIGN_OR_RETURN(json b, c.Body());
             std::string into = b.contains("into") && b["into"].is_string() ? b["into"].get<std::string>() : "";
             std::string reason = b.contains("reason") && b["reason"].is_string() ? b["reason"].get<std::string>() : "";
             if (into.empty()) return Validation("invalid_value", "into (the person's ID:… or PASSPORT:…) is required");
             JW_ASSIGN_OR_RETURN(events::EntityId record, Resolve(*store, text));
             JW_ASSIGN_OR_RETURN(events::EntityId person, Resolve(*store, into));
             c.audit_target = store->RefString(record) + " -> " + store->RefString(person);
             JW_RETURN_IF_ERROR(
                 MergeRecord(*store, record, person, c.user().user.username, reason, api.clock().Now()));
             return Reply::Json({{"resolution", ResolutionJson(*store, index, record)}});
           });

  api.Post(R"(/api/v1/entities/(.+)/unmerge)",
           {.permission = auth::perm::kEntityMerge, .personal_data = true, .audit_action = "entity.unmerge"},
           [store, index, &api](Context& c) -> Result<Reply> {
             std::string text = c.PathArg(1);
             c.audit_target = text;
             JW_ASSIGN_OR_RETURN(json b, c.Body());
             std::string reason = b.contains("reason") && b["reason"].is_string() ? b["reason"].get<std::string>() : "";
             JW_ASSIGN_OR_RETURN(events::EntityId record, Resolve(*store, text));
             c.audit_target = store->RefString(record);
             JW_RETURN_IF_ERROR(UnmergeRecord(*store, record, c.user().user.username, reason, api.clock().Now()));
             return Reply::Json({{"resolution", ResolutionJson(*store, index, record)}});
           });

  // Last: the value may hold '/' (PASSPORT:RUS/…, PERSON:…/…/…), so this pattern
  // would also match the routes above.
  api.Get(R"(/api/v1/entities/(.+))",
          {.permission = auth::perm::kPersonRead, .personal_data = true, .audit_action = "entity.profile"},
          [store, index, registry](Context& c) -> Result<Reply> {
            std::string text = c.PathArg(1);
            c.audit_target = text;
            JW_ASSIGN_OR_RETURN(events::EntityId id, Resolve(*store, text));
            c.audit_target = store->RefString(id);
            json profile = Profile(*store, id, 30, index);
            if (registry) {
              JW_ASSIGN_OR_RETURN(profile["residences"], Residences(*registry, store->RefString(id)));
            }
            return Reply::Json(profile);
          });
}

}  // namespace jingwu::search
