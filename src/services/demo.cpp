// Demo data for the service hall: a year of applications across the
// catalogue and the four channels (四办), shaped after the bureau's published
// account: about 138,000 online-hall applications a year, and a talent-
// settlement stream with exactly `talent` settlements (approved applications)
// among those submitted in January–October. Commitments, documents to follow,
// late cases, terminations and ratings (with follow-ups of bad ones) are all
// present, so every figure of the metrics page rests on records.
//
// Demo applications belong to no citizen account (citizen_id 0) and carry no
// form data: there is no personal data in them.
#include <cstdio>
#include <random>

#include "core/csv.h"

#include "services/service.h"

namespace jingwu::services {

namespace {

// Relative volume of each item in a year (others weigh 1).
double Weight(const std::string& code) {
  static const std::map<std::string, double> kW = {
      {"JG001", 9},  {"JG002", 3},  {"JG005", 8},  {"JG003", 5}, {"JG004", 4}, {"CR004", 9}, {"CR001", 4},
      {"CR002", 3},  {"CR003", 4},  {"CR006", 2},  {"ZA001", 7}, {"HZ006", 6}, {"HZ009", 5}, {"HZ010", 5},
      {"HZ004", 3},  {"HZ002", 2},  {"HZ003", 2},  {"HZ005", 2}, {"CR007", 1.5}, {"CR008", 1}, {"CR010", 1.5}};
  auto it = kW.find(code);
  return it == kW.end() ? 1.0 : it->second;
}

Timestamp LocalTime(int64_t day, int minutes) {
  return {((day * 86400) + minutes * 60 - kShanghaiOffsetMinutes * 60) * kMicrosPerSecond};
}

}  // namespace

std::vector<Application> GenerateDemo(const BusinessCalendar& cal, int follow_up_days, int year, uint64_t seed,
                                      int64_t total, int64_t talent) {
  std::mt19937_64 rng(seed);
  auto uni = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  auto pick = [&](int lo, int hi) { return static_cast<int>(std::uniform_int_distribution<int>(lo, hi)(rng)); };
  const int64_t first = DaysFromCivil(year, 1, 1), last = DaysFromCivil(year, 12, 31);
  const int64_t nov1 = DaysFromCivil(year, 11, 1);
  std::vector<int64_t> work_days, all_days;
  for (int64_t d = first; d <= last; ++d) {
    all_days.push_back(d);
    if (cal.IsWorkingDay(d)) work_days.push_back(d);
  }

  // One application: submitted on `day` through `channel`; `outcome` is
  // approved / rejected / terminated / open.
  auto make = [&](const Item& item, int64_t day, const std::string& channel, const std::string& outcome) {
    Application a;
    a.item_code = item.code;
    a.department = item.department;
    a.channel = channel;
    a.submitted_at = LocalTime(day, pick(8 * 60, 21 * 60));
    a.commitment = item.commitment && uni() < 0.45;
    if (item.approval)
      for (const auto& d : item.approval->departments) a.decisions.push_back({d, "", "", "", std::nullopt});
    a.steps.push_back({a.submitted_at, "citizen", "submit", "received", a.commitment ? "commitment" : ""});
    a.version = 1;
    int64_t accept = cal.IsWorkingDay(day) ? day : cal.AddWorkingDays(day, 1);
    a.accept_day = accept;
    a.accepted_at = LocalTime(accept, 10 * 60);
    a.commissioner = "demo.commissioner";
    bool pending = !a.commitment && uni() < 0.12 &&
                   std::any_of(item.materials.begin(), item.materials.end(), [](const Material& m) { return !m.key; });
    if (outcome == "terminated") pending = true;
    a.due_day = cal.AddWorkingDays(accept, item.promised_days);
    a.statutory_due_day = cal.AddWorkingDays(accept, item.statutory_days);
    a.steps.push_back({*a.accepted_at, "demo.clerk", pending ? "accept_pending" : "accept",
                       pending ? "accepted_pending" : "accepted", ""});
    if (pending) {
      int follow = std::max(1, std::min(item.promised_days, 3));
      if (outcome == "terminated") {
        a.paused_days = cal.WorkingDaysBetween(accept, cal.AddWorkingDays(accept, follow + 1));
        a.state = "terminated";
        a.reason = "documents_not_supplied";
        int64_t end = cal.AddWorkingDays(accept, follow + 1);
        a.decided_at = LocalTime(end, 0 * 60 + 30);
        a.decided_working_days = 0;
        a.steps.push_back({*a.decided_at, "system", "terminate", "terminated", "termination notice"});
        return a;
      }
      a.paused_days = pick(1, follow);
      a.due_day = cal.AddWorkingDays(accept, item.promised_days + a.paused_days);
      a.statutory_due_day = cal.AddWorkingDays(accept, item.statutory_days + a.paused_days);
      a.steps.push_back({LocalTime(cal.AddWorkingDays(accept, a.paused_days), 11 * 60), "citizen", "upload", "accepted", ""});
    }
    if (outcome == "open") {
      a.state = "under_review";
      return a;
    }
    // Working days to decision: most well inside the promised limit, some late.
    int wd;
    if (a.commitment) wd = pick(0, 1);
    else if (uni() < 0.06) wd = item.promised_days + pick(1, std::max(1, (item.statutory_days - item.promised_days) / 2 + 1));
    else wd = std::max(0, static_cast<int>(item.promised_days * (0.15 + 0.75 * uni())));
    if (wd > item.statutory_days && uni() < 0.8) wd = item.statutory_days;
    int64_t decide = cal.AddWorkingDays(accept, wd + a.paused_days);
    a.decided_at = LocalTime(decide, 15 * 60);
    a.decided_working_days = wd;
    if (outcome == "approved") {
      for (auto& d : a.decisions) d.decision = "approved", d.by = "demo.clerk", d.at = a.decided_at;
      a.state = uni() < 0.7 ? "issued" : "approved";
      a.steps.push_back({*a.decided_at, "demo.clerk", "approve", "approved", ""});
      if (a.state == "issued") {
        a.issued_at = LocalTime(cal.AddWorkingDays(decide, 1), 10 * 60);
        a.certificate_no = item.code + "-DEMO";
        a.steps.push_back({*a.issued_at, "demo.clerk", "issue", "issued", ""});
      }
      if (a.commitment && uni() < 0.1) a.verification = uni() < 0.03 ? "revoked" : "confirmed";
    } else {
      a.state = "rejected";
      a.reason = "不符合办理条件";
      a.steps.push_back({*a.decided_at, "demo.clerk", "reject", "rejected", a.reason});
    }
    if (uni() < 0.35) {
      bool late = wd > item.promised_days;
      double r = uni();
      int level = late ? (r < 0.55 ? 5 : r < 0.7 ? 4 : r < 0.8 ? 3 : r < 0.92 ? 2 : 1)
                       : (r < 0.86 ? 5 : r < 0.95 ? 4 : r < 0.98 ? 3 : r < 0.993 ? 2 : 1);
      Rating rt{level, "", LocalTime(decide, 18 * 60)};
      if (level <= 2) {
        rt.follow_up = true;
        rt.follow_up_due_day = cal.AddWorkingDays(decide, follow_up_days);
        rt.follow_up_closed_at = LocalTime(cal.AddWorkingDays(decide, pick(1, follow_up_days)), 16 * 60);
        rt.follow_up_note = "已回访";
      }
      a.rating = rt;
    }
    return a;
  };

  auto channel_for = [&](const Item& item) {
    static const std::map<std::string, double> kShare = {
        {"online", 0.78}, {"post", 0.07}, {"appointment", 0.13}, {"fast_track", 0.02}};
    double sum = 0;
    for (const auto& c : item.channels) sum += kShare.at(c);
    double r = uni() * sum;
    for (const auto& c : item.channels) {
      r -= kShare.at(c);
      if (r <= 0) return c;
    }
    return item.channels.back();
  };
  auto day_for = [&](int64_t from, int64_t to, const std::string& channel) {
    // Online applications also arrive on rest days, at a third of the rate.
    for (;;) {
      int64_t d = from + static_cast<int64_t>(uni() * static_cast<double>(to - from + 1));
      if (cal.IsWorkingDay(d) || (channel == "online" && uni() < 0.33)) return d;
    }
  };
  auto outcome_for = [&](int64_t day) -> std::string {
    double r = uni();
    if (day > last - 12 && r < 0.5) return "open";
    return r < 0.945 ? "approved" : r < 0.985 ? "rejected" : "terminated";
  };

  std::vector<Application> apps;
  apps.reserve(static_cast<size_t>(total));
  // Talent settlement: exactly `talent` approvals among January–October submissions.
  const Item& hz001 = *FindItem("HZ001");
  int64_t talent_jan_oct = 0, talent_count = 0;
  while (talent_jan_oct < talent) {
    std::string ch = channel_for(hz001);
    int64_t day = day_for(first, nov1 - 1, ch);
    std::string out = outcome_for(day);
    if (out == "approved") ++talent_jan_oct;
    apps.push_back(make(hz001, day, ch, out));
  }
  // November and December at the same monthly rate.
  int64_t per_month = static_cast<int64_t>(apps.size()) / 10;
  for (int64_t i = 0; i < 2 * per_month; ++i) {
    std::string ch = channel_for(hz001);
    int64_t day = day_for(nov1, last, ch);
    apps.push_back(make(hz001, day, ch, outcome_for(day)));
  }
  talent_count = static_cast<int64_t>(apps.size());
  // The rest of the catalogue by weight.
  std::vector<const Item*> others;
  std::vector<double> weights;
  for (const auto& it : Catalogue())
    if (it.code != "HZ001") others.push_back(&it), weights.push_back(Weight(it.code));
  std::discrete_distribution<size_t> which(weights.begin(), weights.end());
  for (int64_t i = talent_count; i < total; ++i) {
    const Item& item = *others[which(rng)];
    std::string ch = channel_for(item);
    int64_t day = day_for(first, last, ch);
    apps.push_back(make(item, day, ch, outcome_for(day)));
  }
  std::sort(apps.begin(), apps.end(),
            [](const Application& a, const Application& b) { return a.submitted_at < b.submitted_at; });
  return apps;
}

Result<int64_t> SeedDemo(Service& s, int year, uint64_t seed, int64_t total, int64_t talent) {
  JW_ASSIGN_OR_RETURN(int64_t existing, s.store().Count());
  if (existing > 0) return int64_t{0};
  auto apps = GenerateDemo(s.options().calendar, s.options().follow_up_days, year, seed, total, talent);
  JW_RETURN_IF_ERROR(s.store().InsertMany(apps));
  return static_cast<int64_t>(apps.size());
}

Status WriteDemoCsv(const std::vector<Application>& apps, const std::string& path) {
  std::string out;
  AppendCsvRow(&out, {"item_code", "department", "channel", "state", "commitment", "submitted_at", "accept_day",
                      "due_day", "paused_days", "decided_at", "decided_working_days", "rating", "verification"});
  auto day = [](int64_t d) { return d < 0 ? std::string() : DayString(d); };
  for (const auto& a : apps)
    AppendCsvRow(&out, {a.item_code, a.department, a.channel, a.state, a.commitment ? "1" : "0",
                        FormatTime(a.submitted_at), day(a.accept_day), day(a.due_day), std::to_string(a.paused_days),
                        a.decided_at ? FormatTime(*a.decided_at) : "", std::to_string(a.decided_working_days),
                        a.rating ? std::to_string(a.rating->level) : "", a.verification});
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Internal("cannot write " + path);
  bool ok = std::fwrite(out.data(), 1, out.size(), f) == out.size();
  ok = std::fclose(f) == 0 && ok;
  return ok ? Status::Ok() : Internal("cannot write " + path);
}

}  // namespace jingwu::services
