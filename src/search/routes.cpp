// HTTP face of one-box search, entity profiles and the relationship graph.
// See docs/api.md "Search".
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

}  // namespace

void RegisterRoutes(http::Api& api, events::Store* store, Index* index, registry::Service* registry) {
  api.Get("/api/v1/search",
          {.permission = auth::perm::kPersonRead, .personal_data = true, .audit_action = "search.query"},
          [store, index](Context& c) -> Result<Reply> {
            std::string q = c.Param("q");
            c.audit_target = q;
            JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 20, 1, 200));
            if (!index) return Conflict("search_unavailable", "no search index");
            JW_ASSIGN_OR_RETURN(Results r, index->Search(q, static_cast<size_t>(limit)));
            json j = ToJson(r);
            j["indexed_seq"] = index->committed_seq();
            j["journal_seq"] = store->JournalHead();
            return Reply::Json(j);
          });

  api.Get(R"(/api/v1/entities/(.+)/graph)",
          {.permission = auth::perm::kPersonRead, .personal_data = true, .analysis = true,
           .audit_action = "analysis.graph"},
          [store, index](Context& c) -> Result<Reply> {
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
