// The legal limits of custody (羁押期限), as pure arithmetic (docs/custody.md).
// Every limit runs from the admission instant to the hour: a criminal
// detention from 23:30 on 1 March ends at 23:30 on 4 March, whatever midnight
// falls between. Extensions add to the limit up to the law's ceiling for the
// legal basis; each is recorded with its approver by the service.
//
//   criminal_detention (刑事拘留)       3 days; extended to at most 7, or to 30
//                                        for roving, repeated or gang crimes
//                                        (流窜作案、多次作案、结伙作案), plus 7 days
//                                        while the procuratorate decides on arrest
//   arrest (逮捕, investigation custody) 2 months (60 days); +1, +2, +2 months
//   administrative_detention (行政拘留)  the decision's days (1-15); several
//                                        decisions together at most 20
//   compulsory_isolation (强制隔离戒毒)  2 years (730 days); +1 year at most
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace jingwu::custody {

inline constexpr const char* kBases[] = {"criminal_detention", "arrest", "administrative_detention",
                                         "compulsory_isolation"};
// Reasons that allow a criminal detention to 30 days.
inline constexpr const char* kSeriousReasons[] = {"roving", "repeated", "gang"};

struct Extension {
  int days = 0;
  std::string reason;  // criminal_detention: serious reasons or "complex"; procuratorate_review
};

// The days a basis allows before any extension (administrative detention:
// the decision's days, 1-15).
Result<int> BaseDays(const std::string& basis, int decision_days);

// Checks one more extension against those granted before; 422
// extension_exceeds_limit (with the ceiling), invalid_reason, not_extendable.
Status CheckExtension(const std::string& basis, int base_days, const std::vector<Extension>& granted,
                      const Extension& next);

// The instant custody must end: admitted + (base + extensions) days.
Timestamp DueAt(Timestamp admitted, int base_days, const std::vector<Extension>& extensions);

}  // namespace jingwu::custody
