// Case records, gangs and traffic safety: the records behind the bureau's
// published statistics. Plain values; code tables are static data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace jingwu::cases {

// 刑事 criminal / 治安 public order.
inline constexpr std::string_view kKinds[] = {"criminal", "public_order"};
// Categories (a code table; the web shows their zh/en names from the locales).
inline constexpr std::string_view kCategories[] = {
    "theft",      // 盗窃
    "burglary",   // 入室盗窃
    "robbery",    // 两抢 (robbery and snatching)
    "fraud",      // 诈骗, including telecom and internet fraud
    "drugs",      // 涉毒
    "gang",       // 涉黑涉恶
    "smuggling",  // 走私, including duty-free proxy buying
    "vice",       // 黄赌 (gambling and vice)
    "traffic",    // 交通
    "violence",   // 八类严重暴力 (homicide, arson, ...)
    "other",      // 其他
    "epidemic",   // 涉疫 (obstructing epidemic prevention, fraud with masks, ...)
};
// A case's life: 立案 filed → 破案 solved → 结案 closed; or withdrawn (撤案).
inline constexpr std::string_view kStatuses[] = {"filed", "solved", "closed", "withdrawn"};
// Haikou's districts (GB/T 2260).
inline constexpr std::string_view kDistricts[] = {"460105", "460106", "460107", "460108"};
// 涉黑 mafia-type, 涉恶 evil-force, 走私团伙 smuggling ring.
inline constexpr std::string_view kGangTypes[] = {"mafia", "evil", "smuggling"};

template <size_t N>
int IndexOf(const std::string_view (&table)[N], std::string_view v) {
  for (size_t i = 0; i < N; ++i)
    if (table[i] == v) return static_cast<int>(i);
  return -1;
}

struct Suspect {
  std::string id_number;  // GB 11643, normalised
  std::string name;
  std::string role;  // e.g. principal, accomplice
};

struct Case {
  int64_t id = 0;
  std::string case_no;  // A + district + year + sequence, unique
  std::string kind;
  std::string category;
  std::string district_code;
  std::string place;
  std::optional<Timestamp> occurred_at, reported_at, filed_at, solved_at, closed_at;
  std::string status = "filed";
  std::string narrative;
  std::string incident_ref;  // the dispatch incident it came from, if any
  std::string seized_goods;
  double seized_amount_cny = 0;
  int64_t gang_id = 0;  // 0 when none
  std::vector<Suspect> suspects;
  int64_t version = 0;  // incremented by every change (optimistic locking)
  std::string created_at, updated_at;
};

struct GangMember {
  std::string id_number;
  std::string name;
  std::string role;  // leader, member
};

struct Gang {
  int64_t id = 0;
  std::string name;
  std::string type;
  std::string district_code;
  std::optional<Timestamp> broken_up_at;  // 打掉 (when the gang was broken up)
  std::string notes;
  std::vector<GangMember> members;
  std::vector<std::string> case_nos;  // the cases tied to it
};

struct Accident {
  int64_t id = 0;
  Timestamp occurred_at;
  std::string place;
  std::string district_code;
  int deaths = 0;
  int injuries = 0;
  int vehicles = 0;
};

// Registered motor vehicles at the end of a year.
struct VehicleCount {
  int year = 0;
  int64_t year_end_count = 0;
};

// One change in a case's history.
struct HistoryEntry {
  int64_t version = 0;
  std::string at;
  std::string actor;
  std::string changes;  // JSON object: field -> [old, new]
};

}  // namespace jingwu::cases
