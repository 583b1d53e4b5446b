#include "stays/rules.h"

#include <algorithm>

namespace jingwu::stays {

namespace {
constexpr int64_t kDay = 86400, kHour = 3600, kLocalOffset = 8 * kHour;

int64_t CeilDiv(int64_t a, int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; }
}  // namespace

int64_t LocalMidnight(int64_t t, int64_t days_after) {
  int64_t local = t + kLocalOffset;
  int64_t day = local >= 0 ? local / kDay : -((-local + kDay - 1) / kDay);
  return (day + days_after) * kDay - kLocalOffset;
}

namespace {

void Evaluate(const Policy& p, Stay& s, int64_t now) {
  int64_t end = s.exit ? *s.exit : now;  // the stay lasts until here (so far)
  // Whether the visitor was still here at time t (at `now` itself, yes).
  auto here_at = [&](int64_t t) { return s.exit ? t < *s.exit : t <= now; };
  const int64_t window = static_cast<int64_t>(p.registration_hours) * kHour;

  // Registration: never unaccounted for longer than the window. `since` is
  // the time from which the visitor has had no registered place to stay.
  int64_t since = s.entry;
  bool open_ended = false;
  for (const Lodging& l : s.lodgings) {
    if (open_ended) break;
    int64_t due = since + window;
    int64_t known = std::max(l.from, l.registered);  // when this place became known to the police
    if (known > due && here_at(due)) {
      StayAlert a{kNoRegistration, due};
      a.since = since;
      if (known <= now) {
        a.resolved = known;
        a.resolution = "registered";
        a.hours_late = CeilDiv(known - due, kHour);
      }
      s.alerts.push_back(a);
    }
    if (!l.to) open_ended = true;
    else since = std::max(since, *l.to);
  }
  if (!open_ended) {
    int64_t due = since + window;
    if (here_at(due)) {
      StayAlert a{kNoRegistration, due};
      a.since = since;
      if (s.exit) {
        a.resolved = *s.exit;
        a.resolution = "departed";
      }
      s.alerts.push_back(a);
    }
  }

  // The limit: a reminder some days before, then overstay.
  {
    if (here_at(s.remind_at)) {
      StayAlert a{kLimitApproaching, s.remind_at};
      if (s.exit && *s.exit < s.deadline) {
        a.resolved = *s.exit;
        a.resolution = "departed";
      } else if (s.deadline <= now) {
        a.resolved = s.deadline;
        a.resolution = "limit_passed";
      }
      s.alerts.push_back(a);
    }
    if (end > s.deadline) {
      StayAlert a{kOverstay, s.deadline};
      // Days begun past the limit: a second past it is one day (art. 78: "每非法居留一日").
      a.days_over = (end - s.deadline) / kDay + 1;
      a.fine = std::min(a.days_over * p.fine_per_day, p.fine_cap);
      if (s.exit) {
        a.resolved = *s.exit;
        a.resolution = "departed";
      }
      s.alerts.push_back(a);
    }
  }
  if (s.status == "mainland") {
    StayAlert a{kMainland, *s.exit};
    a.place = s.exit_place;
    a.trip = s.exit_trip;
    s.alerts.push_back(a);
  }
  std::stable_sort(s.alerts.begin(), s.alerts.end(),
                   [](const StayAlert& a, const StayAlert& b) { return a.raised < b.raised; });
}

}  // namespace

std::vector<Stay> BuildStays(const Policy& p, const std::string& passport, std::vector<Trip> trips,
                             std::vector<Lodging> lodgings, int64_t now) {
  std::vector<Stay> stays;
  std::string nat = passport.substr(0, passport.find('/'));
  int days = p.AllowedDays(nat);
  if (days == 0) return stays;
  std::stable_sort(trips.begin(), trips.end(), [](const Trip& a, const Trip& b) { return a.at < b.at; });
  std::stable_sort(lodgings.begin(), lodgings.end(), [](const Lodging& a, const Lodging& b) { return a.from < b.from; });
  Stay* open = nullptr;
  auto port = [&](const std::string& code) {
    auto it = p.ports.find(code);
    return it == p.ports.end() ? std::optional<PortKind>() : std::optional<PortKind>(it->second);
  };
  for (const Trip& t : trips) {
    if (t.at > now) break;
    auto kind = port(t.place);
    bool abroad = kind == PortKind::kAirport && p.IsInternational(t.trip);
    if (t.in && abroad) {
      if (open) open->status = "unknown";  // left through another port: no exit seen
      Stay s;
      s.passport = passport;
      s.nationality = nat;
      s.allowed_days = days;
      s.entry = t.at;
      s.entry_place = t.place;
      s.entry_trip = t.trip;
      s.deadline = LocalMidnight(t.at, days);
      s.remind_at = s.deadline - static_cast<int64_t>(p.reminder_days) * kDay;
      s.status = "in_hainan";
      s.trips.push_back(t);
      stays.push_back(std::move(s));
      open = &stays.back();
      continue;
    }
    if (!open) continue;  // not in a visa-free stay: a domestic traveller's trip
    open->trips.push_back(t);
    if (t.in || kind == PortKind::kIsland || !kind) continue;  // movements within Hainan
    open->exit = t.at;
    open->exit_place = t.place;
    open->exit_trip = t.trip;
    open->status = abroad ? "left" : "mainland";
    open = nullptr;
  }
  for (size_t i = 0; i < stays.size(); ++i) {
    Stay& s = stays[i];
    if (s.status == "unknown") s.exit.reset();
    // A stay whose exit was not seen ends, for its lodgings, at the next entry.
    int64_t until = s.exit ? *s.exit : i + 1 < stays.size() ? stays[i + 1].entry : now;
    for (const Lodging& l : lodgings)
      if (l.from >= s.entry && l.from <= until && l.from <= now) {
        Lodging c = l;
        if (c.to && *c.to > now) c.to.reset();  // not left yet as of now
        s.lodgings.push_back(c);
      }
    if (s.status == "unknown") {
      // Judged only up to the next entry; nothing after it is known.
      Evaluate(p, s, std::min(now, until));
    } else {
      Evaluate(p, s, now);
    }
  }
  return stays;
}

}  // namespace jingwu::stays
