#include "custody/limits.h"

#include <algorithm>

namespace jingwu::custody {

namespace {

bool OneOf(const std::string& v, std::initializer_list<const char*> list) {
  return std::any_of(list.begin(), list.end(), [&](const char* x) { return v == x; });
}

int Sum(const std::vector<Extension>& e, const char* reason = nullptr) {
  int n = 0;
  for (const auto& x : e)
    if (!reason || x.reason == reason) n += x.days;
  return n;
}

}  // namespace

Result<int> BaseDays(const std::string& basis, int decision_days) {
  if (basis == "criminal_detention") return 3;
  if (basis == "arrest") return 60;
  if (basis == "compulsory_isolation") return 730;
  if (basis == "administrative_detention") {
    if (decision_days < 1 || decision_days > 15)
      return Validation("invalid_days", "an administrative detention decision is 1 to 15 days");
    return decision_days;
  }
  return Validation("invalid_basis",
                    "the legal basis is criminal_detention, arrest, administrative_detention or compulsory_isolation");
}

Status CheckExtension(const std::string& basis, int base_days, const std::vector<Extension>& granted,
                      const Extension& next) {
  if (next.days < 1) return Validation("invalid_days", "an extension is at least one day");
  const int total = base_days + Sum(granted);
  auto exceeds = [&](int ceiling, const std::string& what) {
    return Validation("extension_exceeds_limit", "the law allows at most " + std::to_string(ceiling) + " days " + what +
                                                     "; " + std::to_string(total) + " are granted already");
  };
  if (basis == "criminal_detention") {
    if (next.reason == "procuratorate_review") {
      // Up to 7 days while the procuratorate decides on the arrest, once.
      if (Sum(granted, "procuratorate_review") + next.days > 7)
        return Validation("extension_exceeds_limit", "the procuratorate's review adds at most 7 days");
      return Status::Ok();
    }
    const bool serious = OneOf(next.reason, {"roving", "repeated", "gang"});
    if (!serious && next.reason != "complex")
      return Validation("invalid_reason",
                        "a criminal detention is extended for complex (to 7 days) or roving, repeated or gang crimes "
                        "(to 30 days), or procuratorate_review (7 more days)");
    bool any_serious = serious;
    for (const auto& g : granted) any_serious |= OneOf(g.reason, {"roving", "repeated", "gang"});
    const int ceiling = any_serious ? 30 : 7;
    const int before_review = base_days + Sum(granted) - Sum(granted, "procuratorate_review");
    if (before_review + next.days > ceiling)
      return exceeds(ceiling, any_serious ? "for roving, repeated or gang crimes" : "for a criminal detention");
    return Status::Ok();
  }
  if (basis == "arrest") {
    // One month with the higher procuratorate's approval, then two, then two more.
    static constexpr int kSteps[] = {30, 60, 60};
    size_t i = granted.size();
    if (i >= std::size(kSteps)) return exceeds(base_days + 150, "of investigation custody");
    if (next.days > kSteps[i])
      return Validation("extension_exceeds_limit", "extension " + std::to_string(i + 1) + " of an arrest is at most " +
                                                       std::to_string(kSteps[i]) + " days");
    return Status::Ok();
  }
  if (basis == "administrative_detention") {
    // Several decisions together: at most 20 days.
    if (total + next.days > 20) return exceeds(20, "of administrative detention together");
    return Status::Ok();
  }
  if (basis == "compulsory_isolation") {
    if (Sum(granted) + next.days > 365) return exceeds(base_days + 365, "of compulsory isolation");
    return Status::Ok();
  }
  return Validation("invalid_basis", "unknown legal basis " + basis);
}

Timestamp DueAt(Timestamp admitted, int base_days, const std::vector<Extension>& extensions) {
  int64_t days = base_days + Sum(extensions);
  return admitted + days * 86400 * kMicrosPerSecond;
}

}  // namespace jingwu::custody
