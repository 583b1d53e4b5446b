#include "analysis/analysis.h"

#include <roaring/roaring.h>

#include <algorithm>
#include <unordered_map>

#include "core/time.h"

namespace jingwu::analysis {

using events::Event;
using nlohmann::json;

namespace {

// A Roaring bitmap owned by RAII.
struct Bitmap {
  roaring_bitmap_t* b = roaring_bitmap_create();
  Bitmap() = default;
  Bitmap(const Bitmap&) = delete;
  Bitmap& operator=(const Bitmap&) = delete;
  Bitmap(Bitmap&& o) noexcept : b(o.b) { o.b = nullptr; }
  ~Bitmap() {
    if (b) roaring_bitmap_free(b);
  }
};

Result<uint32_t> ParseBound(std::string_view text, const char* what) {
  auto t = ParseTime(text);
  if (!t.ok()) return Validation("invalid_time", std::string(what) + ": " + t.status().message());
  if (t->micros < 0) return Validation("invalid_time", std::string(what) + " is before 1970");
  return events::ToSeconds(*t);
}

}  // namespace

Result<TimeRange> ParseRange(std::string_view from, std::string_view to) {
  TimeRange r;
  if (!from.empty()) {
    JW_ASSIGN_OR_RETURN(r.from, ParseBound(from, "from"));
  }
  if (!to.empty()) {
    JW_ASSIGN_OR_RETURN(r.to, ParseBound(to, "to"));
  }
  if (r.from > r.to) return Validation("invalid_time", "from is after to");
  return r;
}

Result<Trajectory> RunTrajectory(const events::Store& store, const identity::EntityRef& ref, TimeRange range,
                                 size_t limit) {
  Trajectory t;
  t.entity = ref.ToString();
  auto id = store.FindEntity(ref);
  if (!id) return t;
  // A person's own events, then those of the records merged into them.
  std::vector<events::EntityId> ids = {*id};
  for (const auto& m : store.MembersOf(*id)) ids.push_back(m.absorbed);
  for (events::EntityId e : ids) {
    JW_RETURN_IF_ERROR(store.ScanEntity(e, range.from, range.to, [&](const Event& ev) {
      if (t.events.size() >= limit) {
        t.truncated = true;
        return false;
      }
      t.events.push_back(ev);
      return true;
    }));
  }
  if (ids.size() > 1)
    std::stable_sort(t.events.begin(), t.events.end(), [](const Event& a, const Event& b) { return a.time < b.time; });
  t.entity_id = *id;
  return t;
}

Result<Window> ParseWindow(std::string_view text) {
  size_t a = text.find(',');
  size_t b = a == std::string_view::npos ? a : text.find(',', a + 1);
  if (a == std::string_view::npos || b == std::string_view::npos)
    return Validation("invalid_window", "a window is PLACE,FROM,TO");
  Window w;
  w.place_code = std::string(text.substr(0, a));
  JW_ASSIGN_OR_RETURN(TimeRange r, ParseRange(text.substr(a + 1, b - a - 1), text.substr(b + 1)));
  w.from = r.from;
  w.to = r.to;
  return w;
}

Result<Collision> RunCollision(const events::Store& store, const std::vector<Window>& windows, int min_windows,
                               size_t limit) {
  if (windows.empty() || windows.size() > 20) return Validation("invalid_window", "give 1 to 20 windows");
  int n = static_cast<int>(windows.size());
  if (min_windows <= 0) min_windows = n;
  if (min_windows > n) return Validation("invalid_window", "min is larger than the number of windows");
  Collision c;
  c.windows = windows;
  std::vector<std::vector<Event>> in_window(windows.size());
  std::vector<Bitmap> sets(windows.size());
  for (size_t i = 0; i < windows.size(); ++i) {
    const Window& w = windows[i];
    if (w.from > w.to) return Validation("invalid_window", "window " + std::to_string(i + 1) + ": from is after to");
    const events::Place* p = store.FindPlace(w.place_code);
    if (!p) return Validation("unknown_place", "window " + std::to_string(i + 1) + ": unknown place " + w.place_code);
    JW_RETURN_IF_ERROR(store.ScanPlace(p->id, w.from, w.to, [&](const Event& e) {
      in_window[i].push_back(e);
      return true;
    }));
    for (const Event& e : in_window[i]) roaring_bitmap_add(sets[i].b, e.entity);
    c.window_events.push_back(static_cast<int64_t>(in_window[i].size()));
  }
  // Entities matched per window: set algebra on the bitmaps.
  std::unordered_map<events::EntityId, int> matched;
  if (min_windows == n) {
    std::vector<size_t> order(sets.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return roaring_bitmap_get_cardinality(sets[a].b) < roaring_bitmap_get_cardinality(sets[b].b);
    });
    Bitmap all;
    roaring_bitmap_or_inplace(all.b, sets[order[0]].b);
    for (size_t k = 1; k < order.size(); ++k) roaring_bitmap_and_inplace(all.b, sets[order[k]].b);
    roaring_uint32_iterator_t* it = roaring_create_iterator(all.b);
    while (it->has_value) {
      matched[it->current_value] = n;
      roaring_advance_uint32_iterator(it);
    }
    roaring_free_uint32_iterator(it);
  } else {
    std::unordered_map<events::EntityId, int> counts;
    for (const auto& s : sets) {
      roaring_uint32_iterator_t* it = roaring_create_iterator(s.b);
      while (it->has_value) {
        ++counts[it->current_value];
        roaring_advance_uint32_iterator(it);
      }
      roaring_free_uint32_iterator(it);
    }
    for (auto [e, k] : counts)
      if (k >= min_windows) matched[e] = k;
  }
  std::unordered_map<events::EntityId, size_t> index;
  for (auto [e, k] : matched) {
    index[e] = c.hits.size();
    c.hits.push_back({e, k, {}});
  }
  for (size_t i = 0; i < in_window.size(); ++i)
    for (const Event& e : in_window[i]) {
      auto it = index.find(e.entity);
      if (it != index.end()) c.hits[it->second].evidence.emplace_back(static_cast<int>(i), e);
    }
  std::sort(c.hits.begin(), c.hits.end(), [](const CollisionHit& a, const CollisionHit& b) {
    return a.matched != b.matched ? a.matched > b.matched : a.entity < b.entity;
  });
  if (c.hits.size() > limit) {
    c.hits.resize(limit);
    c.truncated = true;
  }
  return c;
}

Result<Cotravel> RunCotravel(const events::Store& store, const identity::EntityRef& ref, uint32_t within,
                             int min_count, TimeRange range, size_t limit) {
  if (within > 86400) return Validation("invalid_value", "within must be at most 86400 seconds");
  if (min_count < 1) min_count = 1;
  Cotravel c;
  c.entity = ref.ToString();
  auto id = store.FindEntity(ref);
  if (!id) return c;
  std::vector<Event> mine;
  JW_RETURN_IF_ERROR(store.ScanEntity(*id, range.from, range.to, [&](const Event& e) {
    mine.push_back(e);
    return true;
  }));
  c.occasions = static_cast<int64_t>(mine.size());
  struct Acc {
    int count = 0;
    size_t last_occasion = SIZE_MAX;
    std::vector<CotravelPair> evidence;
  };
  std::unordered_map<events::EntityId, Acc> acc;
  // The target's events by place and time; nearby ones share one scan of the
  // place (a busy entity passes the same checkpoints many times a day).
  std::vector<size_t> order(mine.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return mine[x].place != mine[y].place ? mine[x].place < mine[y].place : mine[x].time < mine[y].time;
  });
  auto lo_of = [&](uint32_t t) { return t >= within ? t - within : 0u; };
  auto hi_of = [&](uint32_t t) { return t > 0xFFFFFFFFu - within ? 0xFFFFFFFFu : t + within; };
  std::vector<Event> around;
  for (size_t g = 0; g < order.size();) {
    // A run of the target's events at one place whose windows overlap or nearly touch.
    size_t h = g + 1;
    while (h < order.size() && mine[order[h]].place == mine[order[g]].place &&
           lo_of(mine[order[h]].time) <= hi_of(mine[order[h - 1]].time) + 600)
      ++h;
    around.clear();
    JW_RETURN_IF_ERROR(store.ScanPlace(mine[order[g]].place, lo_of(mine[order[g]].time),
                                       hi_of(mine[order[h - 1]].time), [&](const Event& e) {
                                         if (e.entity != *id) around.push_back(e);
                                         return true;
                                       }));
    for (size_t k = g; k < h; ++k) {
      const Event& m = mine[order[k]];
      auto it = std::lower_bound(around.begin(), around.end(), lo_of(m.time),
                                 [](const Event& e, uint32_t t) { return e.time < t; });
      for (; it != around.end() && it->time <= hi_of(m.time); ++it) {
        Acc& a = acc[it->entity];
        if (a.last_occasion != order[k]) {
          a.last_occasion = order[k];
          ++a.count;
          a.evidence.push_back({m, *it});
        }
      }
    }
    g = h;
  }
  for (auto& [e, a] : acc)
    std::sort(a.evidence.begin(), a.evidence.end(),
              [](const CotravelPair& x, const CotravelPair& y) { return x.mine.time < y.mine.time; });
  for (auto& [e, a] : acc)
    if (a.count >= min_count) c.hits.push_back({e, a.count, std::move(a.evidence)});
  std::sort(c.hits.begin(), c.hits.end(), [](const CotravelHit& a, const CotravelHit& b) {
    return a.count != b.count ? a.count > b.count : a.entity < b.entity;
  });
  if (c.hits.size() > limit) {
    c.hits.resize(limit);
    c.truncated = true;
  }
  return c;
}

json EventJson(const events::Store& store, const Event& e) {
  json j = {{"time", FormatTime(events::ToTimestamp(e.time))}, {"source", events::SourceName(e.source)}};
  if (const events::Place* p = store.PlaceById(e.place)) {
    j["place"] = p->code;
    j["place_name"] = p->name;
    j["place_kind"] = p->kind;
    j["district_code"] = p->district_code;
    j["lat"] = p->lat;
    j["lon"] = p->lon;
  } else {
    j["place"] = "?";
  }
  return j;
}

json ToJson(const events::Store& store, const Trajectory& t, bool with_records) {
  json events = json::array();
  auto records = with_records ? store.Records(t.events) : std::vector<std::optional<events::Record>>();
  for (size_t i = 0; i < t.events.size(); ++i) {
    json j = EventJson(store, t.events[i]);
    json rec = json::object();
    if (i < records.size() && records[i]) {
      const auto& r = *records[i];
      for (size_t k = 0; k < r.columns.size() && k < r.values.size(); ++k) rec[r.columns[k]] = r.values[k];
    }
    j["record"] = std::move(rec);
    if (t.entity_id && t.events[i].entity != t.entity_id) j["via"] = store.RefString(t.events[i].entity);
    events.push_back(std::move(j));
  }
  return {{"entity", t.entity}, {"events", std::move(events)}, {"truncated", t.truncated}};
}

json ToJson(const events::Store& store, const Collision& c) {
  json windows = json::array();
  for (size_t i = 0; i < c.windows.size(); ++i) {
    const Window& w = c.windows[i];
    const events::Place* p = store.FindPlace(w.place_code);
    windows.push_back({{"place", w.place_code},
                       {"place_name", p ? p->name : ""},
                       {"from", FormatTime(events::ToTimestamp(w.from))},
                       {"to", FormatTime(events::ToTimestamp(w.to))},
                       {"events", i < c.window_events.size() ? c.window_events[i] : 0}});
  }
  json hits = json::array();
  for (const CollisionHit& h : c.hits) {
    json ev = json::array();
    for (const auto& [w, e] : h.evidence) {
      json j = EventJson(store, e);
      j["window"] = w;
      ev.push_back(std::move(j));
    }
    hits.push_back({{"ref", store.RefString(h.entity)}, {"matched", h.matched}, {"evidence", std::move(ev)}});
  }
  return {{"windows", std::move(windows)}, {"entities", std::move(hits)}, {"truncated", c.truncated}};
}

json ToJson(const events::Store& store, const Cotravel& c) {
  json hits = json::array();
  for (const CotravelHit& h : c.hits) {
    json ev = json::array();
    for (const CotravelPair& p : h.evidence) {
      json j = EventJson(store, p.mine);
      j["other_time"] = FormatTime(events::ToTimestamp(p.theirs.time));
      j["other_source"] = events::SourceName(p.theirs.source);
      j["delta_seconds"] = static_cast<int64_t>(p.theirs.time) - static_cast<int64_t>(p.mine.time);
      ev.push_back(std::move(j));
    }
    hits.push_back({{"ref", store.RefString(h.entity)}, {"count", h.count}, {"evidence", std::move(ev)}});
  }
  return {{"entity", c.entity}, {"occasions", c.occasions}, {"entities", std::move(hits)}, {"truncated", c.truncated}};
}

}  // namespace jingwu::analysis
