// Source definitions (docs/sources.md): how the rows of one source become
// events, links and evidence, as data instead of code. The eight sources of
// DESIGN.md are built-in definitions (src/fusion/sources/*.json, compiled
// in); a bureau adds its own with `jingwu sources add FILE` or
// POST /api/v1/sources, and uploads rows to it like to any other.
//
// A definition names the columns that give the subjects (the people,
// vehicles, phones or cards a row is a sighting of), the place code, the
// time (and an optional end), the identifiers linked to the subject, and a
// validation per column. Everything else in a row is kept as evidence.
//
// Definitions are versioned and stored in the event store's meta area with
// the source id they were given (9…250; 1…8 are the built-ins). A new
// version may change labels and column validation; a change to how rows are
// interpreted (subjects, place, time, links) is refused once rows were
// stored, because stored events would then mean something else.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "events/store.h"
#include "identity/identity.h"

namespace jingwu::fusion {

// The kinds of place the place registry knows (places.csv's kind column; a definition's place.kinds).
inline constexpr const char* kPlaceKinds[] = {"hotel",   "checkpoint",     "station",   "store",
                                              "netcafe", "police_station", "community", "health_checkpoint"};

// An identifier read from a row: a subject of the event or a link.
struct IdentifierSpec {
  identity::Kind kind = identity::Kind::kId;
  // kId (a person): id_number, and optionally id_type (ID or PASSPORT; without
  // it only ID numbers are accepted) and nationality (for passports without a
  // NAT/ prefix). kPlate, kPhone, kCard: column.
  std::string column, id_type, nationality;
  // An empty value is allowed (the row has no such identifier); otherwise it
  // is missing_field. Non-optional identifiers' columns must be in the header.
  bool optional = false;
};

struct ColumnSpec {
  std::string name;
  bool required = false;   // must be in the header
  bool not_empty = false;  // a row must give a value
  // text, enum, int, number, time, date, id_number, plate, phone, card
  std::string type = "text";
  std::vector<std::string> values;  // enum
  std::optional<double> min, max;   // int, number
  size_t max_length = 0;            // text: characters (0: no limit)
};

struct SourceDef {
  std::string name;  // [a-z][a-z0-9_]{1,31}
  int id = 0;        // the stored source byte
  int version = 1;
  std::string kind = "sightings";  // sightings, registry, places
  std::map<std::string, std::string> label;  // zh-CN, en
  std::string description;
  std::vector<IdentifierSpec> subjects;  // sightings: at least one; registry: exactly one
  std::vector<IdentifierSpec> links;     // linked to the row's subjects
  // A person row without a valid ID number kept under PERSON:NAME/BIRTH/PHONE.
  std::string unresolved_name, unresolved_birth_date, unresolved_phone;
  std::string place_column;
  std::vector<std::string> place_kinds;  // empty: any place
  std::string time_column, end_column;   // end: optional column, not before the start
  bool reject_future = false;            // a time after now (+5 min) is invalid_time
  std::string stay_room;                 // hotel: the room column for the stay index
  std::vector<ColumnSpec> columns;
  bool builtin = false;
  // Set when stored: who added this version and when; earlier versions.
  std::string added_at, added_by;

  events::Source source() const { return static_cast<events::Source>(id); }
  // The parts that decide what a stored event means (subjects, place, time, links).
  std::string Interpretation() const;
  // Every column a file must have (its header may have more).
  std::vector<std::string> RequiredColumns() const;
};

// Parses and checks a definition (JSON). 422 invalid_definition with what is
// wrong; the id is not read from the text (it is assigned when added).
Result<SourceDef> ParseSourceDef(std::string_view text);
// The definition as JSON (the format ParseSourceDef reads, plus id, builtin,
// version, added_at, added_by).
std::string SourceDefJson(const SourceDef& def, int indent = 2);

// The built-in definitions, by source; nullptr for a custom id.
const SourceDef* BuiltinDef(events::Source s);
const std::vector<SourceDef>& BuiltinDefs();

// The definitions of one event store: the built-ins and those stored in it.
// Thread-safe; definitions are never removed, so pointers stay valid.
class SourceRegistry {
 public:
  // Loads the stored definitions and registers their names (events::SourceName).
  static Result<std::unique_ptr<SourceRegistry>> Load(events::Store* store);

  const SourceDef* Find(std::string_view name) const;
  const SourceDef* Find(events::Source id) const;
  std::vector<const SourceDef*> All() const;  // by id
  // Earlier versions of a definition (oldest first).
  std::vector<SourceDef> History(std::string_view name) const;

  // Adds a definition or a new version of one. 409 builtin_source (a built-in
  // name), 409 definition_in_use (rows stored and the interpretation
  // changed), 409 unchanged (identical to the current version), 409
  // too_many_sources. Durable on return.
  Result<const SourceDef*> Add(SourceDef def, const std::string& actor);
  // True when rows of this source were stored.
  bool InUse(const SourceDef& def) const;

 private:
  explicit SourceRegistry(events::Store* store) : store_(store) {}
  events::Store* store_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<SourceDef>> defs_;  // guarded by mu_; every version ever loaded
  std::map<std::string, const SourceDef*, std::less<>> by_name_;  // current version; guarded by mu_
  std::map<int, const SourceDef*> by_id_;                          // guarded by mu_
};

}  // namespace jingwu::fusion
