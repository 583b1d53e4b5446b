#include "search/graph.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

#include "analysis/analysis.h"
#include "core/time.h"
#include "identity/identity.h"
#include "search/resolve.h"

namespace jingwu::search {

using events::EntityId;
using events::Event;
using events::Source;
using nlohmann::json;

namespace {

constexpr size_t kMaxEvidence = 5;
constexpr size_t kMaxScan = 300;  // events of one kind looked at per entity

std::string Col(const events::Record& r, std::string_view name) {
  for (size_t i = 0; i < r.columns.size() && i < r.values.size(); ++i)
    if (r.columns[i] == name) return r.values[i];
  return "";
}

json RecordJson(const events::Record& r) {
  json j = json::object();
  for (size_t i = 0; i < r.columns.size() && i < r.values.size(); ++i) j[r.columns[i]] = r.values[i];
  return j;
}

bool Mentions(const events::Record& r, const identity::EntityRef& ref) {
  for (const auto& v : r.values) {
    if (v.empty()) continue;
    if (v == ref.value) return true;
    identity::EntityRef got;
    if (identity::DetectKind(v, &got) && got == ref) return true;
  }
  return false;
}

std::vector<Event> EventsOf(const events::Store& store, EntityId e, std::optional<Source> only, size_t max) {
  std::vector<Event> out;
  (void)store.ScanEntity(e, 0, 0xFFFFFFFFu, [&](const Event& ev) {
    if (!only || ev.source == *only) out.push_back(ev);
    return true;
  });
  if (out.size() > max) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(max));
  return out;
}

uint32_t DayStart(uint32_t t) {
  int64_t off = int64_t{kShanghaiOffsetMinutes} * 60;
  int64_t s = ((static_cast<int64_t>(t) + off) / 86400) * 86400 - off;
  return s < 0 ? 0 : static_cast<uint32_t>(s);
}

// "12A" and "12B": the same prefix, last characters one apart.
bool AdjacentSeats(const std::string& a, const std::string& b) {
  if (a.size() < 2 || a.size() != b.size()) return false;
  if (a.compare(0, a.size() - 1, b, 0, b.size() - 1) != 0) return false;
  int d = static_cast<unsigned char>(a.back()) - static_cast<unsigned char>(b.back());
  return d == 1 || d == -1;
}

bool IsPerson(identity::Kind k) {
  return k == identity::Kind::kId || k == identity::Kind::kPassport || k == identity::Kind::kPerson;
}

Evidence EvidenceOf(const events::Store& store, const Event& e, std::string detail) {
  Evidence ev;
  ev.source = std::string(events::SourceName(e.source));
  ev.time = FormatTime(events::ToTimestamp(e.time));
  if (const events::Place* p = store.PlaceById(e.place)) ev.place = p->code;
  ev.detail = std::move(detail);
  return ev;
}

struct Acc {
  std::map<std::pair<EntityId, std::string>, Edge> edges;
  Edge& At(EntityId self, EntityId other, const std::string& kind) {
    Edge& e = edges[{other, kind}];
    e.a = self;
    e.b = other;
    e.kind = kind;
    return e;
  }
  void Add(EntityId self, EntityId other, const std::string& kind, int64_t w, Evidence ev) {
    if (other == self) return;
    Edge& e = At(self, other, kind);
    e.weight += w;
    if (e.evidence.size() < kMaxEvidence) e.evidence.push_back(std::move(ev));
  }
};

void CoLodging(const events::Store& store, EntityId self, size_t max_stays, bool use_index, Acc& acc) {
  auto mine = EventsOf(store, self, Source::kHotel, max_stays);
  auto recs = store.Records(mine);
  events::Store::RecordCursor cursor;
  for (size_t i = 0; i < mine.size(); ++i) {
    if (!recs[i]) continue;
    std::string room = Col(*recs[i], "room");
    if (room.empty()) continue;
    auto mates = use_index ? store.StayMates(mine[i].place, mine[i].time, room, &cursor) : std::nullopt;
    if (mates) {
      for (const auto& m : *mates)
        if (m.entity != self) acc.Add(self, m.entity, "co_lodging", 1, EvidenceOf(store, mine[i], "room " + room));
      continue;
    }
    // A store from before the stay index: read the hotel's rows of that day.
    uint32_t lo = DayStart(mine[i].time);
    size_t seen = 0;
    (void)store.ScanPlaceRecords(mine[i].place, lo, lo + 86399, Source::kHotel,
                                 [&](const Event& e, const events::Store::RecordView& r) {
                                   if (e.entity != self && r.Get("room") == room)
                                     acc.Add(self, e.entity, "co_lodging", 1, EvidenceOf(store, mine[i], "room " + room));
                                   return ++seen < 2000;
                                 },
                                 &cursor);
  }
}

void SameTrip(const events::Store& store, EntityId self, size_t max_trips, Acc& acc) {
  auto mine = EventsOf(store, self, Source::kTravel, max_trips);
  auto recs = store.Records(mine);
  events::Store::RecordCursor cursor;
  for (size_t i = 0; i < mine.size(); ++i) {
    if (!recs[i]) continue;
    std::string trip = Col(*recs[i], "trip_no"), seat = Col(*recs[i], "seat");
    if (trip.empty() || seat.empty()) continue;
    size_t seen = 0;
    (void)store.ScanPlaceRecords(mine[i].place, mine[i].time, mine[i].time, Source::kTravel,
                                 [&](const Event& e, const events::Store::RecordView& r) {
                                   if (e.entity != self && r.Get("trip_no") == trip) {
                                     std::string theirs(r.Get("seat"));
                                     if (AdjacentSeats(seat, theirs))
                                       acc.Add(self, e.entity, "same_trip", 1,
                                               EvidenceOf(store, mine[i], trip + " " + seat + "/" + theirs));
                                   }
                                   return ++seen < 2000;
                                 },
                                 &cursor);
  }
}

// True when one of a and b is a record merged into the other.
bool SamePerson(const events::Store& store, EntityId a, EntityId b) {
  auto ma = store.MergeOf(a), mb = store.MergeOf(b);
  return (ma && ma->survivor == b) || (mb && mb->survivor == a);
}

}  // namespace

std::vector<Edge> EdgesOf(const events::Store& store, const Index* index, EntityId self, const GraphOptions& o) {
  Acc acc;
  auto ref = store.EntityOf(self);
  if (!ref.ok()) return {};
  bool person = IsPerson(ref->kind);
  if (person) {
    CoLodging(store, self, o.max_scan, o.use_stay_index, acc);
    SameTrip(store, self, o.max_scan, acc);
  }
  // Links: shared phone / vehicle between people; the identifier itself.
  for (const auto& l : store.LinksOf(self)) {
    auto other = store.EntityOf(l.other);
    if (!other.ok()) continue;
    std::string src(events::SourceName(l.source));
    if (person && !IsPerson(other->kind)) {
      bool phone = other->kind == identity::Kind::kPhone;
      acc.Add(self, l.other, phone ? "uses_phone" : "owns_vehicle", l.count, {src, "", "", other->ToString()});
      for (const auto& l2 : store.LinksOf(l.other)) {
        if (l2.other == self || SamePerson(store, self, l2.other)) continue;
        auto third = store.EntityOf(l2.other);
        if (!third.ok() || !IsPerson(third->kind)) continue;
        acc.Add(self, l2.other, phone ? "shared_phone" : "shared_vehicle", std::min(l.count, l2.count),
                {std::string(events::SourceName(l2.source)), "", "", other->ToString()});
      }
    } else {
      std::string kind = ref->kind == identity::Kind::kPhone   ? "uses_phone"
                         : ref->kind == identity::Kind::kPlate ? "owns_vehicle"
                                                               : "linked";
      acc.Add(self, l.other, kind, l.count, {src, "", "", ref->ToString()});
    }
  }
  // Identity resolution: the records merged into this person, or the person this record was merged into.
  if (person) {
    for (const auto& m : store.MembersOf(self))
      acc.Add(self, m.absorbed, "merged_record", std::max<int64_t>(1, store.EntityEventCount(m.absorbed)),
              {"resolution", "", "", store.RefString(m.absorbed)});
    if (auto m = store.MergeOf(self))
      acc.Add(self, m->survivor, "merged_record", std::max<int64_t>(1, store.EntityEventCount(self)),
              {"resolution", "", "", ref->ToString()});
  }
  // Shared address: residents registered at the same address code (via the index).
  if (person && index) {
    for (const auto& [src, rec] : store.RegistryRecords(self)) {
      std::string address = Col(rec, "address");
      if (src != Source::kResidents || address.empty() || address.size() >= 200) continue;
      for (EntityId other : index->EntitiesWithTerm("A" + address, 2000))
        acc.Add(self, other, "shared_address", 1, {"residents", "", "", Col(rec, "address_code") + " " + address});
    }
  }
  // Co-travel from the events (skipped for very busy entities: they are hubs anyway).
  if (o.cotravel && store.EntityEventCount(self) <= o.cotravel_max_events) {
    auto c = analysis::RunCotravel(store, *ref, o.cotravel_within, o.cotravel_min, {}, 200);
    if (c.ok())
      for (const auto& h : c->hits) {
        Edge& e = acc.At(self, h.entity, "co_travel");
        e.weight += h.count;
        for (const auto& p : h.evidence) {
          if (e.evidence.size() >= kMaxEvidence) break;
          e.evidence.push_back(EvidenceOf(store, p.mine,
                                          std::to_string(static_cast<int64_t>(p.theirs.time) -
                                                         static_cast<int64_t>(p.mine.time)) + " s"));
        }
      }
  }
  std::vector<Edge> out;
  out.reserve(acc.edges.size());
  for (auto& [k, e] : acc.edges) out.push_back(std::move(e));
  std::stable_sort(out.begin(), out.end(), [](const Edge& a, const Edge& b) {
    return a.weight != b.weight ? a.weight > b.weight : a.b < b.b;
  });
  return out;
}

Graph BuildGraph(const events::Store& store, const Index* index, EntityId root, const GraphOptions& o) {
  Graph g;
  std::unordered_map<EntityId, size_t> at;  // node index
  std::set<std::tuple<EntityId, EntityId, std::string>> seen_edges;
  auto node = [&](EntityId id, int depth) -> size_t {
    auto it = at.find(id);
    if (it != at.end()) return it->second;
    Node n;
    n.id = id;
    n.depth = depth;
    if (auto ref = store.EntityOf(id); ref.ok()) {
      n.ref = ref->ToString();
      n.kind = std::string(identity::KindName(ref->kind));
      n.label = ref->value;
      if (IsPerson(ref->kind)) {
        auto names = NamesOf(store, id, 20);
        if (!names.empty()) n.label = names[0];
      }
    }
    n.events = store.EntityEventCount(id);
    g.nodes.push_back(std::move(n));
    at[id] = g.nodes.size() - 1;
    return g.nodes.size() - 1;
  };
  node(root, 0);
  std::deque<EntityId> queue{root};
  int depth = std::clamp(o.depth, 1, 3);
  while (!queue.empty()) {
    EntityId cur = queue.front();
    queue.pop_front();
    size_t ci = at[cur];
    if (g.nodes[ci].depth >= depth) continue;
    if (g.nodes.size() >= o.max_nodes) {
      g.truncated = true;
      break;
    }
    GraphOptions here = o;
    if (g.nodes[ci].depth > 0) {
      here.cotravel_max_events = o.cotravel_max_events_deeper;
      here.max_scan = o.max_scan_deeper;
    }
    auto edges = EdgesOf(store, index, cur, here);
    g.nodes[ci].expanded = true;
    int d = g.nodes[ci].depth + 1;
    if (edges.size() > o.per_node) {
      g.nodes[ci].more = static_cast<int64_t>(edges.size() - o.per_node);
      edges.resize(o.per_node);
    }
    for (Edge& e : edges) {
      bool is_new = !at.count(e.b);
      if (is_new && g.nodes.size() >= o.max_nodes) {
        g.truncated = true;
        ++g.nodes[ci].more;
        continue;
      }
      node(e.b, d);
      if (is_new) queue.push_back(e.b);
      auto key = std::make_tuple(std::min(e.a, e.b), std::max(e.a, e.b), e.kind);
      if (seen_edges.insert(key).second) g.edges.push_back(std::move(e));
    }
  }
  return g;
}

json ToJson(const Graph& g) {
  json nodes = json::array(), edges = json::array();
  std::unordered_map<EntityId, std::string> refs;
  for (const Node& n : g.nodes) {
    refs[n.id] = n.ref;
    nodes.push_back({{"id", n.ref},
                     {"kind", n.kind},
                     {"label", n.label},
                     {"depth", n.depth},
                     {"events", n.events},
                     {"more", n.more},
                     {"expanded", n.expanded}});
  }
  for (const Edge& e : g.edges) {
    json ev = json::array();
    for (const Evidence& x : e.evidence)
      ev.push_back({{"source", x.source}, {"time", x.time}, {"place", x.place}, {"detail", x.detail}});
    edges.push_back(
        {{"source", refs[e.a]}, {"target", refs[e.b]}, {"kind", e.kind}, {"weight", e.weight}, {"evidence", ev}});
  }
  return {{"nodes", nodes}, {"edges", edges}, {"truncated", g.truncated}};
}

json Profile(const events::Store& store, EntityId e, size_t latest, const Index* index) {
  auto ref = store.EntityOf(e);
  if (!ref.ok()) return nullptr;
  json out;
  auto members = store.MembersOf(e);
  out["entity"] = {{"id", e},
                   {"ref", ref->ToString()},
                   {"kind", std::string(identity::KindName(ref->kind))},
                   {"value", ref->value},
                   {"names", NamesOf(store, e)},
                   {"events", store.EntityEventCount(e)},
                   {"sources", SourceCounts(store, e)}};
  auto all = EventsOf(store, e, std::nullopt, 100000);
  // The events of records merged into this person count as theirs (marked "via").
  if (!members.empty()) {
    auto sources = out["entity"]["sources"];
    for (const auto& m : members) {
      auto more = EventsOf(store, m.absorbed, std::nullopt, 100000);
      all.insert(all.end(), more.begin(), more.end());
      for (const auto& [src, n] : SourceCounts(store, m.absorbed)) sources[src] = sources.value(src, int64_t{0}) + n;
    }
    std::stable_sort(all.begin(), all.end(), [](const Event& a, const Event& b) { return a.time < b.time; });
    out["entity"]["sources_with_merged"] = std::move(sources);
  }
  out["resolution"] = ResolutionJson(store, index, e);
  // Linked identifiers, with the rows that link them.
  std::map<EntityId, json> ids;
  auto registry = store.RegistryRecords(e);
  for (const auto& l : store.LinksOf(e)) {
    auto other = store.EntityOf(l.other);
    if (!other.ok()) continue;
    json& j = ids[l.other];
    if (j.is_null()) {
      j = {{"ref", other->ToString()},
           {"kind", std::string(identity::KindName(other->kind))},
           {"value", other->value},
           {"sources", json::object()},
           {"count", 0},
           {"evidence", json::array()}};
      if (IsPerson(other->kind)) j["names"] = NamesOf(store, l.other, 20);
    }
    std::string src(events::SourceName(l.source));
    j["sources"][src] = j["sources"].value(src, int64_t{0}) + l.count;
    j["count"] = j["count"].get<int64_t>() + l.count;
    // Evidence: the rows of this source that mention the other identifier
    // (this entity's events and registry rows) or this one (the other's).
    auto add = [&](const events::Record& r, const Event* ev) {
      if (j["evidence"].size() >= kMaxEvidence) return;
      json x = {{"source", src}, {"record", RecordJson(r)}};
      if (ev) {
        x["time"] = FormatTime(events::ToTimestamp(ev->time));
        if (const events::Place* p = store.PlaceById(ev->place)) {
          x["place"] = p->code;
          x["place_name"] = p->name;
        }
      }
      j["evidence"].push_back(std::move(x));
    };
    for (const auto& [rs, rec] : registry)
      if (rs == l.source && Mentions(rec, *other)) add(rec, nullptr);
    for (const auto& [rs, rec] : store.RegistryRecords(l.other))
      if (rs == l.source && Mentions(rec, *ref)) add(rec, nullptr);
    if (j["evidence"].size() < kMaxEvidence && l.source != Source::kResidents && l.source != Source::kVehicles) {
      bool other_is_owner = !IsPerson(ref->kind) && IsPerson(other->kind);
      EntityId owner = other_is_owner ? l.other : e;
      const identity::EntityRef& mention = other_is_owner ? *ref : *other;
      auto evs = EventsOf(store, owner, l.source, kMaxScan);
      auto recs = store.Records(evs);
      for (size_t i = recs.size(); i-- > 0;)
        if (recs[i] && Mentions(*recs[i], mention)) add(*recs[i], &evs[i]);
    }
  }
  json identifiers = json::array();
  for (auto& [id, j] : ids) identifiers.push_back(std::move(j));
  std::stable_sort(identifiers.begin(), identifiers.end(),
                   [](const json& a, const json& b) { return a["count"].get<int64_t>() > b["count"].get<int64_t>(); });
  out["identifiers"] = std::move(identifiers);
  json reg = json::array();
  for (const auto& [src, rec] : registry)
    reg.push_back({{"source", std::string(events::SourceName(src))}, {"record", RecordJson(rec)}});
  out["registry"] = std::move(reg);
  // Latest events, newest first, with their rows.
  std::vector<Event> last(all.size() > latest ? all.end() - static_cast<std::ptrdiff_t>(latest) : all.begin(),
                          all.end());
  std::reverse(last.begin(), last.end());
  auto recs = store.Records(last);
  json lj = json::array();
  for (size_t i = 0; i < last.size(); ++i) {
    json x = analysis::EventJson(store, last[i]);
    x["record"] = recs[i] ? RecordJson(*recs[i]) : json::object();
    if (last[i].entity != e) x["via"] = store.RefString(last[i].entity);
    lj.push_back(std::move(x));
  }
  out["latest"] = std::move(lj);
  // Places with their visit counts.
  std::map<events::PlaceId, int64_t> visits;
  for (const Event& ev : all) ++visits[ev.place];
  json places = json::array();
  for (auto [pid, n] : visits)
    if (const events::Place* p = store.PlaceById(pid))
      places.push_back({{"code", p->code},
                        {"name", p->name},
                        {"kind", p->kind},
                        {"lat", p->lat},
                        {"lon", p->lon},
                        {"count", n}});
  std::stable_sort(places.begin(), places.end(),
                   [](const json& a, const json& b) { return a["count"].get<int64_t>() > b["count"].get<int64_t>(); });
  if (places.size() > 200) places.erase(places.begin() + 200, places.end());
  out["places"] = std::move(places);
  out["events_total"] = static_cast<int64_t>(all.size());
  return out;
}

}  // namespace jingwu::search
