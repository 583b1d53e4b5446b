#include "health/trace.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <unordered_map>

#include "analysis/analysis.h"

namespace jingwu::health {

namespace {

using events::Event;
constexpr uint32_t kLongestStay = 31 * 86400;  // how far back a stay that overlaps the case's may have begun
constexpr size_t kMaxEvidence = 10;

int SeatRow(std::string_view seat) {
  int n = 0;
  bool any = false;
  for (char c : seat) {
    if (c < '0' || c > '9') break;
    n = n * 10 + (c - '0');
    any = true;
  }
  return any ? n : -1000;
}

// Seconds of a record's time column; fallback when empty or unparseable.
uint32_t TimeOf(std::string_view text, uint32_t fallback) {
  if (text.empty()) return fallback;
  auto t = ParseTime(text);
  return t.ok() ? events::ToSeconds(*t) : fallback;
}

}  // namespace

Result<Trace> RunTrace(const events::Store& store, const fusion::SourceRegistry* sources, const identity::EntityRef& subject,
                       Timestamp confirmed_at, const TraceOptions& o) {
  if (o.days < 1 || o.days > 28) return Validation("invalid_value", "days is 1 to 28");
  if (o.within_seconds > 86400) return Validation("invalid_value", "within is at most 24 hours");
  Trace t;
  t.subject = subject.ToString();
  t.confirmed_at = confirmed_at;
  t.to = events::ToSeconds(confirmed_at);
  t.from = t.to > static_cast<uint32_t>(o.days) * 86400 ? t.to - static_cast<uint32_t>(o.days) * 86400 : 0;
  auto self = store.FindEntity(subject);
  if (!self) return t;

  std::unordered_map<events::EntityId, bool> person_cache;
  auto is_person = [&](events::EntityId id) {
    auto it = person_cache.find(id);
    if (it != person_cache.end()) return it->second;
    auto ref = store.EntityOf(id);
    bool p = ref.ok() && (ref->kind == identity::Kind::kId || ref->kind == identity::Kind::kPassport ||
                          ref->kind == identity::Kind::kPerson);
    return person_cache[id] = p;
  };
  std::map<events::EntityId, Contact> acc;
  auto add = [&](events::EntityId who, Exposure x) {
    if (who == *self || !is_person(who)) return;
    Contact& c = acc[who];
    c.entity = who;
    c.kinds.insert(x.kind);
    c.overlap_seconds += x.overlap_seconds;
    if (c.evidence.size() < kMaxEvidence) c.evidence.push_back(std::move(x));
  };

  // same_place: the co-travel engine over the case's window.
  JW_ASSIGN_OR_RETURN(analysis::Cotravel near, analysis::RunCotravel(store, subject, o.within_seconds, 1,
                                                                      {t.from, t.to}, SIZE_MAX));
  t.case_events = near.occasions;
  for (const auto& h : near.hits) {
    if (h.entity == *self || !is_person(h.entity)) continue;
    acc[h.entity].occasions += h.count;
    for (const auto& p : h.evidence) add(h.entity, {"same_place", p.mine, p.theirs, 0, ""});
  }

  // overlap_stay / same_room and same_trip / near_seat, from the rows of the case's events.
  std::vector<Event> mine;
  JW_RETURN_IF_ERROR(store.ScanEntity(*self, t.from, t.to, [&](const Event& e) {
    mine.push_back(e);
    return true;
  }));
  auto records = store.Records(mine);
  events::Store::RecordCursor cursor;
  for (size_t i = 0; i < mine.size(); ++i) {
    const Event& m = mine[i];
    if (!records[i]) continue;
    auto col = [&](std::string_view name) -> std::string {
      const auto& r = *records[i];
      for (size_t k = 0; k < r.columns.size() && k < r.values.size(); ++k)
        if (r.columns[k] == name) return r.values[k];
      return "";
    };
    const fusion::SourceDef* def = sources ? sources->Find(m.source) : nullptr;
    if (def && !def->end_column.empty()) {
      const uint32_t end = std::max(m.time, TimeOf(col(def->end_column), m.time));
      const std::string room = def->stay_room.empty() ? "" : col(def->stay_room);
      uint32_t lo = m.time > kLongestStay ? m.time - kLongestStay : 0;
      JW_RETURN_IF_ERROR(store.ScanPlaceRecords(
          m.place, lo, end, m.source,
          [&](const Event& x, const events::Store::RecordView& r) {
            if (x.entity == *self) return true;
            uint32_t x_end = std::max(x.time, TimeOf(r.Get(def->end_column), x.time));
            if (x_end < m.time) return true;
            int64_t overlap = static_cast<int64_t>(std::min(end, x_end)) - static_cast<int64_t>(std::max(m.time, x.time));
            bool same_room = !room.empty() && r.Get(def->stay_room) == room;
            add(x.entity, {"overlap_stay", m, x, std::max<int64_t>(0, overlap), same_room ? "room " + room : ""});
            if (same_room) add(x.entity, {"same_room", m, x, 0, "room " + room});
            return true;
          },
          &cursor));
    }
    if (m.source == events::Source::kTravel) {
      const std::string trip = col("trip_no"), seat = col("seat");
      if (trip.empty()) continue;
      JW_RETURN_IF_ERROR(store.ScanPlaceRecords(
          m.place, m.time, m.time, events::Source::kTravel,
          [&](const Event& x, const events::Store::RecordView& r) {
            if (x.entity == *self || r.Get("trip_no") != trip) return true;
            std::string theirs(r.Get("seat"));
            std::string detail = trip + (seat.empty() ? "" : " " + seat + "/" + theirs);
            add(x.entity, {"same_trip", m, x, 0, detail});
            if (!seat.empty() && std::abs(SeatRow(seat) - SeatRow(theirs)) <= 1) add(x.entity, {"near_seat", m, x, 0, detail});
            return true;
          },
          &cursor));
    }
  }

  for (auto& [id, c] : acc) {
    c.entity = id;
    c.score = (c.kinds.count("same_room") ? 100000 : 0) + (c.kinds.count("near_seat") ? 50000 : 0) +
              (c.kinds.count("same_trip") ? 10000 : 0) + c.overlap_seconds / 36 + c.occasions * 10;
    t.contacts.push_back(std::move(c));
  }
  std::sort(t.contacts.begin(), t.contacts.end(), [](const Contact& a, const Contact& b) {
    return a.score != b.score ? a.score > b.score : a.entity < b.entity;
  });
  t.total_contacts = static_cast<int64_t>(t.contacts.size());
  if (t.contacts.size() > o.limit) {
    t.contacts.resize(o.limit);
    t.truncated = true;
  }
  return t;
}

nlohmann::json ToJson(const events::Store& store, const Trace& t) {
  nlohmann::json cs = nlohmann::json::array();
  for (const auto& c : t.contacts) {
    nlohmann::json ev = nlohmann::json::array();
    for (const auto& x : c.evidence)
      ev.push_back({{"kind", x.kind},
                    {"detail", x.detail},
                    {"overlap_minutes", x.overlap_seconds / 60},
                    {"mine", analysis::EventJson(store, x.mine)},
                    {"theirs", analysis::EventJson(store, x.theirs)}});
    cs.push_back({{"entity", store.RefString(c.entity)},
                  {"kinds", c.kinds},
                  {"score", c.score},
                  {"overlap_minutes", c.overlap_seconds / 60},
                  {"occasions", c.occasions},
                  {"evidence", ev}});
  }
  return {{"subject", t.subject},
          {"confirmed_at", FormatTime(t.confirmed_at)},
          {"from", FormatTime(events::ToTimestamp(t.from))},
          {"to", FormatTime(events::ToTimestamp(t.to))},
          {"case_events", t.case_events},
          {"total_contacts", t.total_contacts},
          {"truncated", t.truncated},
          {"contacts", cs}};
}

}  // namespace jingwu::health
