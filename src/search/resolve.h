// Identity resolution (身份研判): records without a valid ID number.
//
// A hotel check-in or duty-free purchase without a valid ID number but with a
// name, a birth date and a phone is stored under PERSON:NAME/YYYYMMDD/PHONE
// (fusion/ingest). This module matches such a record to the people the store
// knows (ID and PASSPORT holders), comparing three attributes:
//   name        the names seen in the person's records and registry rows
//   birth_date  from the ID number (GB 11643 digits 7-14) or the residents row
//   phone       the phones linked to the person (hotel, duty-free, residents)
// A person who agrees on all three is a strong match; two of three make a
// candidate, shown with the evidence for a user to decide. A record with
// exactly one strong match is merged into that person automatically
// (ResolvePending); candidates are merged by hand (MergeRecord). Every merge
// can be undone (UnmergeRecord), after which the pair is "kept apart" and not
// merged automatically again. Merges never rewrite events: both sides keep
// their ids, and readers (profiles, trajectories) add a person's merged
// records (Store::MembersOf).
//
// Candidates are found through the record's phone (the links of PHONE:…)
// and, when a search index is given, through people of the same name.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "events/store.h"

namespace jingwu::search {

class Index;

// One compared attribute.
struct Match {
  std::string field;   // name, birth_date, phone
  std::string record;  // the record's value
  std::string person;  // the person's value ("" when unknown)
  bool match = false;
  std::string source;  // where the person's value comes from: id_number, residents, hotel, …
};

struct Candidate {
  events::EntityId id = 0;  // the person (CandidatesFor) or the record (RecordsFor)
  std::string ref;
  std::vector<std::string> names;
  int score = 0;        // attributes that agree, 0-3
  bool strong = false;  // all three agree
  bool kept_apart = false;  // a merge of this pair was undone
  std::vector<Match> evidence;
};

// True for the kinds a record can be merged into (ID, PASSPORT).
bool IsPersonKind(identity::Kind k);

// The people a PERSON record may be (score >= 2), strongest first.
std::vector<Candidate> CandidatesFor(const events::Store& store, const Index* index, events::EntityId record);
// The unmerged PERSON records that may be this person (score >= 2, found
// through the person's phones and, with an index, their names).
std::vector<Candidate> RecordsFor(const events::Store& store, const Index* index, events::EntityId person);

struct ResolveReport {
  int64_t records = 0;          // PERSON records looked at
  int64_t merged = 0;           // merged automatically now
  int64_t already_merged = 0;   // merged before
  int64_t ambiguous = 0;        // more than one strong match: left for a user
  int64_t kept_apart = 0;       // the only strong match was undone before
};
// Merges every unmerged PERSON record that has exactly one strong match
// (found through its phone), unless the pair was kept apart. Idempotent.
Result<ResolveReport> ResolvePending(events::Store& store, Timestamp now);
// The same for the records a batch may have changed: the PERSON records among
// `touched`, those linked to a touched phone, and those linked to the phones
// of a touched person (a newly registered resident can make a strong match).
Result<ResolveReport> ResolveTouched(events::Store& store, Timestamp now, const std::vector<events::EntityId>& touched);

// Merges a PERSON record into a person (ID or PASSPORT). Validation
// "reason_required"; Conflict "not_mergeable", "already_merged".
Status MergeRecord(events::Store& store, events::EntityId record, events::EntityId person, const std::string& actor,
                   const std::string& reason, Timestamp now, bool automatic = false);
// Undoes the merge of a record. Conflict "not_merged"; Validation "reason_required".
Status UnmergeRecord(events::Store& store, events::EntityId record, const std::string& actor, const std::string& reason,
                     Timestamp now);

// The "resolution" block of a profile (null for plates and phones).
nlohmann::json ResolutionJson(const events::Store& store, const Index* index, events::EntityId e);
nlohmann::json ToJson(const Match& m);

}  // namespace jingwu::search
