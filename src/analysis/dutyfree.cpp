#include "analysis/dutyfree.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>

#include "core/time.h"

namespace jingwu::analysis {

namespace {

struct Purchase {
  events::EntityId buyer = 0;
  uint32_t time = 0;
  events::PlaceId store = 0;
  double amount = 0;
  std::string phone, pickup, name;
};

int YearOf(uint32_t t) {
  int y, m, d;
  CivilFromDays(LocalDay(events::ToTimestamp(t)), &y, &m, &d);
  return y;
}

std::string Cny(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// The burst in idx (purchases of one group at one store, time order) with
// the most distinct buyers whose burst total is near the quota.
struct Burst {
  size_t begin = 0, end = 0;  // [begin, end)
  int near = 0;
};

Burst BestBurst(const std::vector<const Purchase*>& ps, const RingOptions& o) {
  Burst best;
  double near_amount = o.quota_cny * o.near_quota_share;
  for (size_t i = 0; i < ps.size(); ++i) {
    std::unordered_map<events::EntityId, double> per;
    size_t j = i;
    for (; j < ps.size() && ps[j]->time - ps[i]->time <= o.window_seconds; ++j) per[ps[j]->buyer] += ps[j]->amount;
    int near = 0;
    for (auto& [b, v] : per)
      if (v >= near_amount) ++near;
    if (near > best.near) best = {i, j, near};
  }
  return best;
}

}  // namespace

Result<RingReport> DetectDutyfreeRings(const events::Store& store, const RingOptions& o) {
  RingReport report;
  std::vector<Purchase> all;
  for (const events::Place& p : store.Places()) {
    if (p.kind != "store") continue;
    ++report.stores;
    std::vector<events::Event> evs;
    JW_RETURN_IF_ERROR(store.ScanPlace(p.id, o.range.from, o.range.to, [&](const events::Event& e) {
      if (e.source == events::Source::kDutyfree) evs.push_back(e);
      return true;
    }));
    constexpr size_t kChunk = 20000;
    for (size_t at = 0; at < evs.size(); at += kChunk) {
      std::vector<events::Event> chunk(evs.begin() + at, evs.begin() + std::min(evs.size(), at + kChunk));
      auto recs = store.Records(chunk);
      for (size_t i = 0; i < chunk.size(); ++i) {
        Purchase pu;
        pu.buyer = chunk[i].entity;
        pu.time = chunk[i].time;
        pu.store = chunk[i].place;
        if (i < recs.size() && recs[i]) {
          const auto& r = *recs[i];
          for (size_t c = 0; c < r.columns.size() && c < r.values.size(); ++c) {
            const std::string& col = r.columns[c];
            if (col == "phone") pu.phone = r.values[c];
            else if (col == "pickup_place") pu.pickup = r.values[c];
            else if (col == "name") pu.name = r.values[c];
            else if (col == "amount_cny") pu.amount = std::strtod(r.values[c].c_str(), nullptr);
          }
        }
        all.push_back(std::move(pu));
      }
    }
  }
  report.purchases = static_cast<int64_t>(all.size());

  std::map<std::pair<events::EntityId, int>, double> year_total;
  for (const auto& p : all) year_total[{p.buyer, YearOf(p.time)}] += p.amount;

  std::vector<Ring> rings;
  std::set<events::EntityId> in_phone_ring;
  // One candidate from a group's purchases at one store.
  auto consider = [&](const std::string& key, const std::string& phone, std::vector<const Purchase*> ps,
                      bool by_phone) {
    std::sort(ps.begin(), ps.end(), [](auto* a, auto* b) { return a->time < b->time; });
    Burst b = BestBurst(ps, o);
    if (b.near < o.min_members) return;
    std::vector<const Purchase*> burst(ps.begin() + b.begin, ps.begin() + b.end);
    if (!by_phone) {
      int known = 0;
      std::set<events::EntityId> buyers;
      for (auto* p : burst) buyers.insert(p->buyer);
      for (auto id : buyers) known += in_phone_ring.count(id);
      if (known * 2 >= static_cast<int>(buyers.size())) return;  // the same ring, found by its phone
    }
    Ring r;
    r.key = key;
    r.shared_phone = phone;
    const events::Place* st = store.PlaceById(burst.front()->store);
    r.store = st ? st->code : "";
    std::map<events::EntityId, RingMember> members;
    std::map<std::string, int> pickups;
    for (auto* p : burst) {
      RingMember& m = members[p->buyer];
      if (m.ref.empty()) {
        m.ref = store.RefString(p->buyer);
        m.name = p->name;
        m.year_total_cny = year_total[{p->buyer, YearOf(p->time)}];
      }
      ++m.purchases;
      m.total_cny += p->amount;
      r.total_cny += p->amount;
      ++pickups[p->pickup];
      r.evidence.push_back({p->buyer, m.ref, p->name, p->phone, r.store, p->pickup, p->time, p->amount});
      if (by_phone) in_phone_ring.insert(p->buyer);
    }
    for (auto& [pl, n] : pickups) r.pickup_places.push_back(pl);
    double near_amount = o.quota_cny * o.near_quota_share, share_sum = 0;
    int near = 0;
    for (auto& [id, m] : members) {
      if (m.total_cny >= near_amount) ++near;
      share_sum += m.total_cny / o.quota_cny;
      r.members.push_back(m);
    }
    std::sort(r.members.begin(), r.members.end(), [](auto& a, auto& b) { return a.ref < b.ref; });
    r.near_quota_share = members.empty() ? 0 : static_cast<double>(near) / static_cast<double>(members.size());
    r.first = burst.front()->time;
    r.last = burst.back()->time;
    r.score = near * (share_sum / static_cast<double>(members.size()));
    double hours = (r.last - r.first) / 3600.0;
    char buf[256];
    if (by_phone)
      std::snprintf(buf, sizeof buf, "%zu buyers gave the same phone %s", members.size(), phone.c_str());
    else
      std::snprintf(buf, sizeof buf, "%zu buyers chose the same pickup place %s", members.size(),
                    r.pickup_places.empty() ? "" : r.pickup_places[0].c_str());
    r.reasons.push_back(buf);
    std::snprintf(buf, sizeof buf, "%zu purchases at store %s within %.1f hours", burst.size(), r.store.c_str(), hours);
    r.reasons.push_back(buf);
    std::snprintf(buf, sizeof buf, "%d of %zu buyers spent at least %.0f%% of the %.0f CNY yearly quota (average %.0f%%)",
                  near, members.size(), o.near_quota_share * 100, o.quota_cny, 100 * share_sum / members.size());
    r.reasons.push_back(buf);
    r.reasons.push_back("total " + Cny(r.total_cny) + " CNY");
    rings.push_back(std::move(r));
  };

  // Shared phones.
  std::unordered_map<std::string, std::vector<const Purchase*>> by_phone;
  for (const auto& p : all)
    if (!p.phone.empty()) by_phone[p.phone].push_back(&p);
  for (auto& [phone, ps] : by_phone) {
    std::set<events::EntityId> buyers;
    for (auto* p : ps) buyers.insert(p->buyer);
    if (static_cast<int>(buyers.size()) < o.min_members) continue;
    std::map<events::PlaceId, std::vector<const Purchase*>> at;
    for (auto* p : ps) at[p->store].push_back(p);
    for (auto& [st, list] : at) consider("PHONE:" + phone, phone, list, true);
  }
  // Shared pickup places (near-quota purchases only: everyone picks up at the airport).
  std::map<std::pair<events::PlaceId, std::string>, std::vector<const Purchase*>> by_pickup;
  double near_amount = o.quota_cny * o.near_quota_share;
  for (const auto& p : all)
    if (p.amount >= near_amount / 4) by_pickup[{p.store, p.pickup}].push_back(&p);
  for (auto& [k, ps] : by_pickup) {
    const events::Place* st = store.PlaceById(k.first);
    consider("PICKUP:" + (st ? st->code : std::string("?")) + "/" + k.second, "", ps, false);
  }

  std::sort(rings.begin(), rings.end(), [](const Ring& a, const Ring& b) {
    return a.score != b.score ? a.score > b.score : a.key < b.key;
  });
  report.rings = std::move(rings);
  return report;
}

nlohmann::json ToJson(const events::Store& store, const RingReport& r) {
  using nlohmann::json;
  json rings = json::array();
  for (const Ring& g : r.rings) {
    json members = json::array(), evidence = json::array();
    for (const auto& m : g.members)
      members.push_back({{"ref", m.ref},
                         {"name", m.name},
                         {"purchases", m.purchases},
                         {"total_cny", m.total_cny},
                         {"year_total_cny", m.year_total_cny}});
    for (const auto& p : g.evidence)
      evidence.push_back({{"buyer", p.buyer_ref},
                          {"name", p.name},
                          {"phone", p.phone},
                          {"store", p.store},
                          {"pickup_place", p.pickup},
                          {"time", FormatTime(events::ToTimestamp(p.time))},
                          {"amount_cny", p.amount}});
    const events::Place* st = store.FindPlace(g.store);
    rings.push_back({{"key", g.key},
                     {"shared_phone", g.shared_phone.empty() ? json(nullptr) : json(g.shared_phone)},
                     {"store", g.store},
                     {"store_name", st ? st->name : ""},
                     {"pickup_places", g.pickup_places},
                     {"members", members},
                     {"member_count", g.members.size()},
                     {"purchases", g.evidence.size()},
                     {"total_cny", g.total_cny},
                     {"near_quota_share", g.near_quota_share},
                     {"first", FormatTime(events::ToTimestamp(g.first))},
                     {"last", FormatTime(events::ToTimestamp(g.last))},
                     {"score", g.score},
                     {"reasons", g.reasons},
                     {"evidence", evidence}});
  }
  return {{"purchases", r.purchases}, {"stores", r.stores}, {"rings", rings}};
}

}  // namespace jingwu::analysis
