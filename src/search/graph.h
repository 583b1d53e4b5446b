// Entity profiles and the relationship graph (关系图谱) over the event store.
//
// Edges, each with its kind, weight (how much evidence) and up to a few
// pieces of evidence (the records behind it):
//   co_lodging     同住: same hotel, same room, same check-in date
//   same_trip      同行 by ticket: same trip number, adjacent seats
//   co_travel      同行 from the event store: within 120 s at the same place, >= 3 times
//   shared_phone   two people who gave the same phone (hotel, duty-free, residents)
//   shared_address two residents registered at the same address
//   shared_vehicle two people linked to the same vehicle
//   uses_phone / owns_vehicle   a person and their identifier (when the phone or plate is a node)
//   merged_record  a record without an ID number merged into the person (search/resolve.h);
//                  such a pair is never also a shared_phone edge
// A node keeps its top-N edges by weight; `more` counts the rest, so a hub
// with thousands of links expands gracefully. Pure functions of the store
// (and the index for shared addresses); callers check purpose and audit.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "events/store.h"
#include "search/index.h"

namespace jingwu::search {

struct GraphOptions {
  int depth = 1;            // 1..3
  size_t per_node = 20;     // top-N edges per expanded node
  size_t max_nodes = 300;   // stop expanding beyond this
  uint32_t cotravel_within = 120;
  int cotravel_min = 3;
  bool cotravel = true;     // co-travel is the costliest edge kind:
  int64_t cotravel_max_events = 2000;       // skipped for the root beyond this many events,
  int64_t cotravel_max_events_deeper = 300; // and for the nodes it expands to beyond this
  size_t max_scan = 300;         // latest hotel stays / trips looked at for 同住 and 同行 (the root)
  size_t max_scan_deeper = 100;  // the same for the nodes it expands to
  bool use_stay_index = true;    // false: 同住 from the hotel's rows of the day (stores without the index)
};

struct Evidence {
  std::string source;  // hotel, travel, residents, …
  std::string time;    // ISO 8601 or ""
  std::string place;   // place code or ""
  std::string detail;  // room 1203, trip HU7781 seats 12A/12B, phone 138…
};

struct Edge {
  events::EntityId a = 0, b = 0;
  std::string kind;
  int64_t weight = 0;
  std::vector<Evidence> evidence;
};

struct Node {
  events::EntityId id = 0;
  std::string ref, kind, label;
  int depth = 0;
  int64_t events = 0;
  int64_t more = 0;       // edges not shown (beyond top-N)
  bool expanded = false;
};

struct Graph {
  std::vector<Node> nodes;
  std::vector<Edge> edges;
  bool truncated = false;
};

// The edges of one entity, strongest first (all of them; callers cut).
std::vector<Edge> EdgesOf(const events::Store& store, const Index* index, events::EntityId e, const GraphOptions& o);

// Breadth-first from root to o.depth.
Graph BuildGraph(const events::Store& store, const Index* index, events::EntityId root, const GraphOptions& o);
nlohmann::json ToJson(const Graph& g);

// The profile of an entity: identifiers linked to it with the records that
// link them, counts per source, latest events with records, places, and the
// identity-resolution block (search/resolve.h). The events of records merged
// into a person are included (marked "via": the record's ref); the index, when
// given, finds resolution candidates by name too.
nlohmann::json Profile(const events::Store& store, events::EntityId e, size_t latest = 30,
                       const Index* index = nullptr);

}  // namespace jingwu::search
