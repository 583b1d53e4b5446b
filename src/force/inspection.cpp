#include "force/inspection.h"

#include <algorithm>
#include <cmath>

namespace jingwu::force {

using nlohmann::json;

namespace {
constexpr int64_t kDayUs = 86400 * kMicrosPerSecond;
constexpr size_t kMaxEvidence = 50;

int64_t LocalMicros(int64_t us) { return us + int64_t{kShanghaiOffsetMinutes} * kMicrosPerMinute; }
int LocalHour(int64_t us) {
  int64_t l = LocalMicros(us);
  int64_t in_day = ((l % kDayUs) + kDayUs) % kDayUs;
  return static_cast<int>(in_day / kMicrosPerHour);
}
int64_t DayOf(int64_t us) { return LocalDay(Timestamp{us}); }
// Monday 0 … Sunday 6 (1970-01-01 was a Thursday).
int Weekday(int64_t day) { return static_cast<int>(((day + 3) % 7 + 7) % 7); }

// The ID number a person reference names ("ID:460…" → "460…"); "" for others.
std::string PersonOf(const std::string& target) {
  if (target.rfind("ID:", 0) == 0) return target.substr(3, 18);
  if (target.rfind("PASSPORT:", 0) == 0) return target;
  return "";
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Robust z-score of x among v: (x - median) / (1.4826 MAD), with a floor on
// the spread so that a flat history does not make every change "infinite".
double RobustZ(double x, const std::vector<double>& v) {
  double med = Median(v);
  std::vector<double> dev;
  dev.reserve(v.size());
  for (double y : v) dev.push_back(std::fabs(y - med));
  double mad = 1.4826 * Median(dev);
  double floor = std::max(1.0, 0.1 * med);
  return (x - med) / std::max(mad, floor);
}

// The read is covered by a case of the reader: it exists, was open then, and
// is their branch's or names the person read.
bool ValidCase(const RuleContext& ctx, const Reader* reader, const Read& r, const CaseInfo** out = nullptr) {
  if (r.case_no.empty()) return false;
  const CaseInfo* c = ctx.find_case ? ctx.find_case(r.case_no) : nullptr;
  if (out) *out = c;
  if (!c) return false;
  if (c->filed_us > r.at_us + kDayUs) return false;
  if (c->closed_us != 0 && c->closed_us < r.at_us) return false;
  std::string person = PersonOf(r.target);
  if (!person.empty() && c->persons.count(person)) return true;
  return reader && !reader->branch_district.empty() && reader->branch_district == c->district_code;
}

Finding Make(const std::string& rule, const std::string& actor, const Reader* reader, const std::string& key_tail,
             int64_t first_us) {
  Finding f;
  f.rule = rule;
  f.actor = actor;
  f.key = rule + "|" + actor + "|" + key_tail;
  if (reader) {
    f.police_no = reader->police_no;
    f.unit_code = reader->unit_code;
  }
  f.day = DayString(DayOf(first_us));
  return f;
}

void AddEvidence(Finding& f, int64_t id) {
  ++f.evidence_count;
  if (f.evidence.size() < kMaxEvidence) f.evidence.push_back(id);
}
}  // namespace

std::string DayString(int64_t local_day) { return DayText(local_day); }

json RuleConfig::ToJson() const {
  return {{"read_actions", read_actions},
          {"off_shift", off_shift},
          {"night_from_hour", night_from_hour},
          {"night_to_hour", night_to_hour},
          {"office_from_hour", office_from_hour},
          {"office_to_hour", office_to_hour},
          {"shift_grace_minutes", shift_grace_minutes},
          {"bad_case", bad_case},
          {"volume", volume},
          {"volume_z", volume_z},
          {"volume_min", volume_min},
          {"baseline_days", baseline_days},
          {"repeat", repeat},
          {"repeat_min", repeat_min},
          {"repeat_window_days", repeat_window_days},
          {"protected_reads", protected_reads},
          {"dispatch_timers", dispatch_timers}};
}

Status RuleConfig::Merge(const json& j) {
  if (!j.is_object()) return Validation("invalid_rules", "the rules must be a JSON object");
  RuleConfig next = *this;
  auto bad = [](const std::string& k, const std::string& want) {
    return Validation("invalid_rules", "rule setting '" + k + "' must be " + want);
  };
  for (auto& [k, v] : j.items()) {
    auto int_in = [&](int64_t lo, int64_t hi, auto* field) -> Status {
      if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
        return bad(k, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
      *field = static_cast<std::remove_pointer_t<decltype(field)>>(v.get<int64_t>());
      return Status::Ok();
    };
    auto flag = [&](bool* field) -> Status {
      if (!v.is_boolean()) return bad(k, "true or false");
      *field = v.get<bool>();
      return Status::Ok();
    };
    Status s;
    if (k == "read_actions") {
      if (!v.is_array() || v.empty()) return bad(k, "a non-empty list of audit actions");
      next.read_actions.clear();
      for (const auto& a : v) {
        if (!a.is_string() || a.get<std::string>().empty()) return bad(k, "a list of audit action names");
        next.read_actions.push_back(a.get<std::string>());
      }
    } else if (k == "off_shift") s = flag(&next.off_shift);
    else if (k == "bad_case") s = flag(&next.bad_case);
    else if (k == "volume") s = flag(&next.volume);
    else if (k == "repeat") s = flag(&next.repeat);
    else if (k == "protected_reads") s = flag(&next.protected_reads);
    else if (k == "dispatch_timers") s = flag(&next.dispatch_timers);
    else if (k == "night_from_hour") s = int_in(0, 23, &next.night_from_hour);
    else if (k == "night_to_hour") s = int_in(0, 24, &next.night_to_hour);
    else if (k == "office_from_hour") s = int_in(0, 23, &next.office_from_hour);
    else if (k == "office_to_hour") s = int_in(1, 24, &next.office_to_hour);
    else if (k == "shift_grace_minutes") s = int_in(0, 240, &next.shift_grace_minutes);
    else if (k == "volume_min") s = int_in(1, 1000000, &next.volume_min);
    else if (k == "baseline_days") s = int_in(3, 365, &next.baseline_days);
    else if (k == "repeat_min") s = int_in(2, 1000, &next.repeat_min);
    else if (k == "repeat_window_days") s = int_in(1, 365, &next.repeat_window_days);
    else if (k == "volume_z") {
      if (!v.is_number() || v.get<double>() < 1 || v.get<double>() > 100) return bad(k, "a number from 1 to 100");
      next.volume_z = v.get<double>();
    } else return Validation("invalid_rules", "unknown rule setting '" + k + "'");
    if (!s.ok()) return s;
  }
  if (next.office_from_hour >= next.office_to_hour)
    return Validation("invalid_rules", "office hours must start before they end");
  *this = std::move(next);
  return Status::Ok();
}

std::vector<Finding> RunReaderRules(const RuleConfig& cfg, const RuleContext& ctx, const std::string& actor,
                                    const std::vector<Read>& reads, int64_t days_from,
                                    std::map<int64_t, DayCount>* days) {
  const Reader* reader = ctx.reader ? ctx.reader(actor) : nullptr;
  std::map<std::string, Finding> out;  // by key
  auto get = [&](const std::string& rule, const std::string& tail, int64_t first_us) -> Finding& {
    std::string key = rule + "|" + actor + "|" + tail;
    auto it = out.find(key);
    if (it == out.end()) it = out.emplace(key, Make(rule, actor, reader, tail, first_us)).first;
    return it->second;
  };
  const int64_t grace = cfg.shift_grace_minutes * kMicrosPerMinute;
  std::map<std::string, std::vector<const Read*>> uncovered_by_person;  // for repeat
  size_t shift_i = 0;
  for (const Read& r : reads) {
    int64_t day = DayOf(r.at_us);
    if (days) {
      DayCount& dc = (*days)[day];
      ++dc.reads;
      if (dc.ids.size() < kMaxEvidence) dc.ids.push_back(r.id);
      if (dc.role.empty()) dc.role = r.role.substr(0, r.role.find(','));
    }
    const CaseInfo* cs = nullptr;
    bool covered = ValidCase(ctx, reader, r, &cs);
    std::string person = PersonOf(r.target);
    if (!person.empty() && !covered) uncovered_by_person[person].push_back(&r);
    if (day < days_from) continue;

    if (cfg.off_shift) {
      int hour = LocalHour(r.at_us);
      bool night = cfg.night_from_hour <= cfg.night_to_hour
                       ? hour >= cfg.night_from_hour && hour < cfg.night_to_hour
                       : hour >= cfg.night_from_hour || hour < cfg.night_to_hour;
      bool on_shift = false;
      if (reader && reader->rostered) {
        const auto& sh = reader->shifts;
        while (shift_i < sh.size() && sh[shift_i].second + grace <= r.at_us) ++shift_i;
        for (size_t k = shift_i; k < sh.size() && sh[k].first - grace <= r.at_us; ++k)
          if (r.at_us < sh[k].second + grace) on_shift = true;
      } else {
        on_shift = Weekday(day) < 5 && hour >= cfg.office_from_hour && hour < cfg.office_to_hour;
      }
      if ((!on_shift || night) && !covered) {
        Finding& f = get("off_shift", DayString(day), r.at_us);
        AddEvidence(f, r.id);
        f.facts["reads"] = f.evidence_count;
        f.facts["night"] = f.facts.value("night", 0) + (night ? 1 : 0);
        f.facts["rostered"] = reader && reader->rostered;
        f.score = static_cast<double>(f.evidence_count) + f.facts["night"].get<int>();
      }
    }
    if (cfg.bad_case && !r.case_no.empty()) {
      std::string problem;
      if (!cs) problem = "unknown_case";
      else if (cs->closed_us != 0 && cs->closed_us < r.at_us) problem = "closed_case";
      else if (!covered) problem = "other_unit";
      if (!problem.empty()) {
        Finding& f = get("bad_case", r.case_no + "|" + problem, r.at_us);
        f.subject = r.case_no;
        AddEvidence(f, r.id);
        f.facts["problem"] = problem;
        f.facts["case_no"] = r.case_no;
        f.facts["reads"] = f.evidence_count;
        f.score = 5.0 + static_cast<double>(f.evidence_count);
      }
    }
    if (cfg.protected_reads && !person.empty()) {
      std::string category;
      if (reader && person == reader->id_number) category = "self";
      else if (reader && reader->household.count(person)) category = "household";
      else if (auto it = ctx.protected_ids.find(person); it != ctx.protected_ids.end()) category = it->second;
      bool named = cs && cs->persons.count(person) && covered;
      if (!category.empty() && !named) {
        Finding& f = get("protected", r.target, r.at_us);
        f.subject = r.target;
        AddEvidence(f, r.id);
        f.facts["category"] = category;
        f.facts["reads"] = f.evidence_count;
        f.score = 10.0 + 2.0 * static_cast<double>(f.evidence_count);
      }
    }
  }
  if (cfg.repeat) {
    const int64_t window = int64_t{cfg.repeat_window_days} * kDayUs;
    for (const auto& [person, list] : uncovered_by_person) {
      if (static_cast<int>(list.size()) < cfg.repeat_min) continue;
      size_t i = 0;
      while (i < list.size()) {
        size_t j = i;
        while (j < list.size() && list[j]->at_us - list[i]->at_us < window) ++j;
        if (static_cast<int>(j - i) >= cfg.repeat_min && DayOf(list[j - 1]->at_us) >= days_from) {
          Finding& f = get("repeat", list[i]->target + "|" + DayString(DayOf(list[i]->at_us)), list[i]->at_us);
          f.subject = list[i]->target;
          for (size_t k = i; k < j; ++k) AddEvidence(f, list[k]->id);
          f.facts["reads"] = f.evidence_count;
          f.facts["window_days"] = cfg.repeat_window_days;
          f.score = 2.0 * static_cast<double>(f.evidence_count);
          i = j;
        } else {
          ++i;
        }
      }
    }
  }
  std::vector<Finding> v;
  v.reserve(out.size());
  for (auto& [k, f] : out) {
    f.summary = f.rule + " by " + actor + " on " + f.day + ": " + f.facts.dump();
    v.push_back(std::move(f));
  }
  return v;
}

std::vector<Finding> RunVolumeRule(const RuleConfig& cfg, const RuleContext& ctx,
                                   const std::map<std::string, std::map<int64_t, DayCount>>& days, int64_t days_from) {
  std::vector<Finding> out;
  if (!cfg.volume) return out;
  // Peers: every reader of the same role, that day.
  std::map<std::pair<int64_t, std::string>, std::vector<double>> peers;
  for (const auto& [actor, by_day] : days)
    for (const auto& [day, dc] : by_day) peers[{day, dc.role}].push_back(static_cast<double>(dc.reads));
  for (const auto& [actor, by_day] : days) {
    std::vector<double> history;  // the reader's previous days with reads, oldest first
    for (const auto& [day, dc] : by_day) {
      double x = static_cast<double>(dc.reads);
      if (day >= days_from && dc.reads >= cfg.volume_min) {
        std::vector<double> own(history.end() - std::min<std::ptrdiff_t>(history.size(), cfg.baseline_days),
                                history.end());
        const auto& peer = peers[{day, dc.role}];
        bool own_known = own.size() >= 5, peers_known = peer.size() >= 5;
        double z_own = own_known ? RobustZ(x, own) : 0, z_peer = peers_known ? RobustZ(x, peer) : 0;
        bool high = (own_known || peers_known) && (!own_known || z_own > cfg.volume_z) &&
                    (!peers_known || z_peer > cfg.volume_z);
        if (high) {
          const Reader* reader = ctx.reader ? ctx.reader(actor) : nullptr;
          Finding f = Make("volume", actor, reader, DayString(day), 0);
          f.day = DayString(day);
          f.evidence = dc.ids;
          f.evidence_count = dc.reads;
          f.facts = {{"reads", dc.reads},
                     {"own_median", Median(own)},
                     {"peer_median", Median(peer)},
                     {"z_own", std::round(z_own * 10) / 10},
                     {"z_peer", std::round(z_peer * 10) / 10},
                     {"role", dc.role}};
          f.score = std::min(z_own > 0 ? z_own : z_peer, z_peer > 0 ? z_peer : z_own);
          f.summary = "volume by " + actor + " on " + f.day + ": " + f.facts.dump();
          out.push_back(std::move(f));
        }
      }
      history.push_back(x);
    }
  }
  return out;
}

}  // namespace jingwu::force
