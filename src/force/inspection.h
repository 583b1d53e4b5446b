// Online inspection (大数据+网上督察, docs/force.md): rules over the audit log
// that raise findings for an inspector, each with its evidence entries.
//
// Rules (thresholds are data: RuleConfig, from config.json "force.rules" and
// the rule page):
//   off_shift  a personal-data read outside the reader's shift (their roster,
//              or office hours when they have none) or at night, without a
//              valid case of theirs;
//   bad_case   a read citing a case number that does not exist, was closed
//              before the read, or belongs to another branch while the person
//              read is not in it;
//   volume     daily reads far above both the reader's own baseline and their
//              role's peers that day (robust z-scores, median and MAD);
//   repeat     the same person read again and again by one reader in a
//              window without a case linking them;
//   protected  reads of colleagues, of listed public figures or of the
//              reader's own household (same registry room), without a case
//              naming the person;
//   dispatch_timer  an incident step (acknowledge, arrival, feedback) met
//              late, against the unit first assigned and its crew then.
// A run reads the log actor by actor (its (actor, id) index), so memory is
// bounded by the busiest reader's entries; an incremental run re-reads only
// the actors with new entries, over the rules' look-back window. Findings are
// keyed, so a re-run raises nothing twice.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "sql/database.h"

namespace jingwu::force {

struct RuleConfig {
  // Audit actions that read one person's data (their target is ID:… or PASSPORT:…).
  std::vector<std::string> read_actions = {"entity.profile",       "analysis.trajectory", "registry.residents.read",
                                           "stays.visitor.read",   "analysis.graph",      "registry.rentals.read",
                                           "identity.parse"};
  bool off_shift = true;
  int night_from_hour = 0, night_to_hour = 6;  // local; [from, to)
  int office_from_hour = 8, office_to_hour = 19;  // for readers without a roster, Monday to Friday
  int64_t shift_grace_minutes = 30;
  bool bad_case = true;
  bool volume = true;
  double volume_z = 5.0;        // both z-scores above this
  int64_t volume_min = 150;     // and at least this many reads that day
  int baseline_days = 30;       // the reader's own baseline: their previous days with reads
  bool repeat = true;
  int repeat_min = 3;           // reads of one person ...
  int repeat_window_days = 30;  // ... within this many days
  bool protected_reads = true;
  // Dispatch timers (签收, 到达, 反馈) met late on finished steps, per incident
  // and step, against the unit first assigned and its crew on the roster.
  bool dispatch_timers = true;

  nlohmann::json ToJson() const;
  // Merges the keys present in j over *this; errors: invalid_rules (422).
  Status Merge(const nlohmann::json& j);
};

// What the rules know about a reader (from personnel and the registry).
struct Reader {
  std::string police_no, name, unit_code, branch_district;  // district of the reader's branch
  std::string id_number;
  std::set<std::string> household;                          // ID numbers in the reader's registry room
  std::vector<std::pair<int64_t, int64_t>> shifts;          // [start, end) micros, sorted
  bool rostered = false;
};

struct CaseInfo {
  std::string district_code;
  int64_t filed_us = 0, closed_us = 0;  // closed_us 0: open
  std::set<std::string> persons;        // ID numbers of its suspects
};

struct RuleContext {
  std::function<const Reader*(const std::string& username)> reader;  // null: not a known officer
  std::function<const CaseInfo*(const std::string& case_no)> find_case;
  std::map<std::string, std::string> protected_ids;  // ID number → public_figure / colleague
};

struct Finding {
  int64_t id = 0;
  std::string key;   // unique: rule|actor|...
  std::string rule, actor, police_no, unit_code, day;  // day: YYYY-MM-DD of the first evidence
  std::string subject;  // the person read or case cited, when the rule is about one
  double score = 0;
  std::string summary;  // English, for logs; the web builds its text from rule + facts
  nlohmann::json facts = nlohmann::json::object();
  std::vector<int64_t> evidence;  // audit entry ids (at most 50)
  int64_t evidence_count = 0;
  // review
  std::string state = "open";  // open, proposed, confirmed, dismissed
  std::string proposed_decision, proposed_by, proposed_reason, proposed_at;
  std::string decided_by, decided_at;
  int64_t discipline_id = 0;
  std::string raised_at;
};

struct RunStats {
  int64_t entries = 0, readers = 0, raised = 0, last_id = 0;
  double seconds = 0;
  bool full = true;
};

// One read, as the rules see it.
struct Read {
  int64_t id = 0, at_us = 0;
  std::string role, action, target, case_no;
};

// The rules over one reader's reads (sorted by time); `days_from` limits the
// findings to days on or after it (local day number), for incremental runs.
// Also returns the reader's daily read counts (local day → count, ids).
struct DayCount {
  int64_t reads = 0;
  std::vector<int64_t> ids;  // first 50
  std::string role;
};
std::vector<Finding> RunReaderRules(const RuleConfig& cfg, const RuleContext& ctx, const std::string& actor,
                                    const std::vector<Read>& reads, int64_t days_from,
                                    std::map<int64_t, DayCount>* days);
// The volume rule over every reader's daily counts (actor → day → count).
std::vector<Finding> RunVolumeRule(const RuleConfig& cfg, const RuleContext& ctx,
                                   const std::map<std::string, std::map<int64_t, DayCount>>& days, int64_t days_from);

std::string DayString(int64_t local_day);

}  // namespace jingwu::force
