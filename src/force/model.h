// Force management (队伍管理, docs/force.md): the types of the module.
//
// Units form a tree (bureau → branch → station/brigade → post); the police
// stations of dispatch are its stations. Personnel (民警 and 辅警) belong to a
// unit, may be linked to one jingwu account (by user name) and to a dispatch
// call sign. Shifts (排班) are per unit and day with their members; training
// sessions (公安夜校, 大练兵) have attendance with hours and scores; discipline
// records and commendations may come from an inspection finding.
//
// Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jingwu::force {

inline constexpr std::string_view kUnitKinds[] = {"bureau", "branch", "station", "brigade", "post"};
inline constexpr std::string_view kPersonnelKinds[] = {"police", "auxiliary"};  // 民警, 辅警
// on_duty (在岗), leave (休假), training (培训), suspended (停职), left (离职: the account is disabled)
inline constexpr std::string_view kStatuses[] = {"on_duty", "leave", "training", "suspended", "left"};
inline constexpr std::string_view kCourseKinds[] = {"night_school", "physical", "shooting", "legal", "first_aid",
                                                    "tactics"};
inline constexpr std::string_view kDisciplineKinds[] = {
    // commendations
    "commendation", "merit_third", "merit_second",
    // discipline
    "criticism", "warning", "demerit", "major_demerit", "dismissal"};

bool IsOneOf(std::string_view v, const std::string_view* begin, size_t n);
template <size_t N>
bool IsOneOf(std::string_view v, const std::string_view (&list)[N]) {
  return IsOneOf(v, list, N);
}
bool IsCommendation(std::string_view kind);

struct Unit {
  std::string code;   // 460100000000 style: bureau, branch per district, then stations
  std::string name;
  std::string kind;
  std::string parent_code;  // "" for the bureau
  std::string district_code;
  int64_t personnel = 0;    // people directly in the unit (filled by listings)
};

struct Officer {
  std::string police_no;  // 警号
  std::string name;
  std::string kind;       // police / auxiliary
  std::string id_number;  // personal data: masked outside the profile
  std::string unit_code;
  std::string rank, post;
  std::string status = "on_duty";
  std::string username;   // the linked jingwu account, "" when none
  std::string call_sign;  // the dispatch unit they usually crew, "" when none
  std::string joined_at, left_at;
  std::string updated_at;
};

struct ShiftMember {
  std::string police_no, name, call_sign;
};

struct Shift {
  int64_t id = 0;
  std::string unit_code;
  std::string date;        // YYYY-MM-DD (local), the day it starts
  std::string code;        // day, night, office, ... (free, short)
  std::string starts_at, ends_at;  // times with offset
  std::vector<ShiftMember> members;
};

struct Course {
  std::string code, name, kind;
  double hours = 0;
  double pass_mark = 60;  // of 100; 0: no assessment
};

struct Session {
  int64_t id = 0;
  std::string course_code, title, kind, starts_at, place, unit_code;
  double hours = 0;
  int64_t attendance = 0;
  double pass_mark = 60;
};

struct Attendance {
  int64_t session_id = 0;
  std::string police_no, name;
  double hours = 0;
  std::optional<double> score;
  bool passed = true;
};

struct Discipline {
  int64_t id = 0;
  std::string police_no, name, kind, date, decision;
  int64_t finding_id = 0;  // 0: not from a finding
  std::string created_by, created_at;
};

}  // namespace jingwu::force
