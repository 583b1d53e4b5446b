#include "fusion/source_def.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/time.h"
#include "core/utf8.h"

namespace jingwu::fusion {

extern const std::vector<std::string_view> kBuiltinSourceTexts;  // generated (cmake/embed_sources.cmake)

namespace {

using json = nlohmann::json;

constexpr int kFirstCustomId = 9;
constexpr int kLastCustomId = 250;
constexpr const char* kTypes[] = {"text", "enum", "int", "number", "time", "date", "id_number", "plate", "phone", "card"};

Status Bad(const std::string& what) { return Validation("invalid_definition", what); }

bool ValidName(std::string_view s) {
  if (s.size() < 2 || s.size() > 32 || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

bool ValidColumn(std::string_view s) {
  return !s.empty() && s.size() <= 64 && IsValidUtf8(s) &&
         std::none_of(s.begin(), s.end(), [](char c) { return c == ',' || c == '"' || c == '\n' || c == '\r'; });
}

std::string KindText(identity::Kind k) {
  switch (k) {
    case identity::Kind::kId: return "person";
    case identity::Kind::kPlate: return "plate";
    case identity::Kind::kPhone: return "phone";
    case identity::Kind::kCard: return "card";
    default: return "?";
  }
}

Result<std::string> Str(const json& j, const char* key, const std::string& where, bool required) {
  if (!j.contains(key)) {
    if (required) return Bad(where + ": '" + key + "' is required");
    return std::string();
  }
  if (!j[key].is_string()) return Bad(where + ": '" + key + "' must be a string");
  return j[key].get<std::string>();
}

Result<IdentifierSpec> ParseIdentifier(const json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where + " must be an object");
  JW_ASSIGN_OR_RETURN(std::string kind, Str(j, "kind", where, true));
  IdentifierSpec s;
  if (j.contains("optional")) {
    if (!j["optional"].is_boolean()) return Bad(where + ": 'optional' must be true or false");
    s.optional = j["optional"].get<bool>();
  }
  if (kind == "person") {
    s.kind = identity::Kind::kId;
    JW_ASSIGN_OR_RETURN(s.column, Str(j, "id_number", where, true));
    JW_ASSIGN_OR_RETURN(s.id_type, Str(j, "id_type", where, false));
    JW_ASSIGN_OR_RETURN(s.nationality, Str(j, "nationality", where, false));
    if (!s.nationality.empty() && s.id_type.empty())
      return Bad(where + ": a nationality column needs an id_type column (passports)");
  } else {
    if (kind == "plate") s.kind = identity::Kind::kPlate;
    else if (kind == "phone") s.kind = identity::Kind::kPhone;
    else if (kind == "card") s.kind = identity::Kind::kCard;
    else return Bad(where + ": kind must be person, plate, phone or card");
    JW_ASSIGN_OR_RETURN(s.column, Str(j, "column", where, true));
  }
  for (const std::string* c : {&s.column, &s.id_type, &s.nationality})
    if (!c->empty() && !ValidColumn(*c)) return Bad(where + ": '" + *c + "' is not a usable column name");
  return s;
}

json IdentifierJson(const IdentifierSpec& s) {
  json j = {{"kind", KindText(s.kind)}};
  if (s.kind == identity::Kind::kId) {
    j["id_number"] = s.column;
    if (!s.id_type.empty()) j["id_type"] = s.id_type;
    if (!s.nationality.empty()) j["nationality"] = s.nationality;
  } else {
    j["column"] = s.column;
  }
  if (s.optional) j["optional"] = true;
  return j;
}

Result<ColumnSpec> ParseColumn(const json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where + " must be an object");
  ColumnSpec c;
  JW_ASSIGN_OR_RETURN(c.name, Str(j, "name", where, true));
  if (!ValidColumn(c.name)) return Bad(where + ": '" + c.name + "' is not a usable column name");
  for (auto [key, out] : {std::pair{"required", &c.required}, std::pair{"not_empty", &c.not_empty}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_boolean()) return Bad(where + ": '" + key + "' must be true or false");
    *out = j[key].get<bool>();
  }
  if (j.contains("type")) {
    JW_ASSIGN_OR_RETURN(c.type, Str(j, "type", where, true));
    if (std::find(std::begin(kTypes), std::end(kTypes), c.type) == std::end(kTypes))
      return Bad(where + ": type must be one of text, enum, int, number, time, date, id_number, plate, phone, card");
  }
  if (j.contains("values")) {
    if (!j["values"].is_array() || j["values"].empty()) return Bad(where + ": 'values' must be a non-empty list");
    for (const auto& v : j["values"]) {
      if (!v.is_string()) return Bad(where + ": every value must be a string");
      c.values.push_back(v.get<std::string>());
    }
  }
  if (c.type == "enum" && c.values.empty()) return Bad(where + ": an enum column needs 'values'");
  if (c.type != "enum" && !c.values.empty()) return Bad(where + ": 'values' is only for enum columns");
  for (auto [key, out] : {std::pair{"min", &c.min}, std::pair{"max", &c.max}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_number()) return Bad(where + ": '" + key + "' must be a number");
    if (c.type != "int" && c.type != "number") return Bad(where + ": '" + key + "' is only for int and number columns");
    *out = j[key].get<double>();
  }
  if (c.min && c.max && *c.min > *c.max) return Bad(where + ": min is above max");
  if (j.contains("max_length")) {
    if (!j["max_length"].is_number_unsigned() || j["max_length"].get<int64_t>() < 1)
      return Bad(where + ": 'max_length' must be a positive integer");
    c.max_length = j["max_length"].get<size_t>();
  }
  return c;
}

json ColumnJson(const ColumnSpec& c) {
  json j = {{"name", c.name}};
  if (c.required) j["required"] = true;
  if (c.not_empty) j["not_empty"] = true;
  if (c.type != "text") j["type"] = c.type;
  if (!c.values.empty()) j["values"] = c.values;
  if (c.min) j["min"] = *c.min;
  if (c.max) j["max"] = *c.max;
  if (c.max_length) j["max_length"] = c.max_length;
  return j;
}

json DefJson(const SourceDef& d) {
  json j = {{"name", d.name}, {"version", d.version}, {"kind", d.kind}, {"label", d.label}};
  if (!d.description.empty()) j["description"] = d.description;
  if (!d.subjects.empty()) {
    j["subjects"] = json::array();
    for (const auto& s : d.subjects) j["subjects"].push_back(IdentifierJson(s));
  }
  if (!d.unresolved_name.empty())
    j["unresolved"] = {{"name", d.unresolved_name}, {"birth_date", d.unresolved_birth_date}, {"phone", d.unresolved_phone}};
  if (!d.place_column.empty()) {
    j["place"] = {{"column", d.place_column}};
    if (!d.place_kinds.empty()) j["place"]["kinds"] = d.place_kinds;
  }
  if (!d.time_column.empty()) {
    j["time"] = {{"column", d.time_column}};
    if (!d.end_column.empty()) j["time"]["end"] = d.end_column;
    if (d.reject_future) j["time"]["reject_future"] = true;
  }
  if (!d.links.empty()) {
    j["links"] = json::array();
    for (const auto& s : d.links) j["links"].push_back(IdentifierJson(s));
  }
  if (!d.stay_room.empty()) j["stay_room"] = d.stay_room;
  if (!d.columns.empty()) {
    j["columns"] = json::array();
    for (const auto& c : d.columns) j["columns"].push_back(ColumnJson(c));
  }
  return j;
}

std::vector<SourceDef> LoadBuiltins() {
  std::vector<SourceDef> out;
  static constexpr std::pair<const char*, events::Source> kIds[] = {
      {"hotel", events::Source::kHotel},         {"vehicle_pass", events::Source::kVehiclePass},
      {"travel", events::Source::kTravel},       {"dutyfree", events::Source::kDutyfree},
      {"netcafe", events::Source::kNetcafe},     {"residents", events::Source::kResidents},
      {"vehicles", events::Source::kVehicles},   {"places", events::Source::kPlaces}};
  for (std::string_view text : kBuiltinSourceTexts) {
    auto d = ParseSourceDef(text);
    if (!d.ok()) continue;  // checked by a unit test: every built-in parses
    for (auto [name, id] : kIds)
      if (d->name == name) d->id = static_cast<int>(id);
    if (d->id == 0) continue;
    d->builtin = true;
    out.push_back(std::move(*d));
  }
  std::sort(out.begin(), out.end(), [](const SourceDef& a, const SourceDef& b) { return a.id < b.id; });
  return out;
}

}  // namespace

std::string SourceDef::Interpretation() const {
  json j = {{"kind", kind}};
  j["subjects"] = json::array();
  for (const auto& s : subjects) j["subjects"].push_back(IdentifierJson(s));
  j["links"] = json::array();
  for (const auto& s : links) j["links"].push_back(IdentifierJson(s));
  j["unresolved"] = {unresolved_name, unresolved_birth_date, unresolved_phone};
  j["place"] = place_column;
  j["time"] = {time_column, end_column};
  j["stay_room"] = stay_room;
  return j.dump();
}

std::vector<std::string> SourceDef::RequiredColumns() const {
  std::vector<std::string> out;
  auto add = [&](const std::string& c) {
    if (!c.empty() && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  for (const auto& s : subjects)
    if (!s.optional) add(s.id_type), add(s.column);
  for (const auto& c : columns)
    if (c.required) add(c.name);
  add(place_column);
  add(time_column);
  for (const auto& s : links)
    if (!s.optional) add(s.id_type), add(s.column);
  if (kind == "places") {
    out.clear();
    for (const auto& c : columns) add(c.name);
  }
  return out;
}

Result<SourceDef> ParseSourceDef(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Validation("invalid_json", "the definition is not valid JSON");
  if (!j.is_object()) return Bad("the definition must be a JSON object");
  static const std::set<std::string> kKeys = {"name",  "version", "kind",  "label",     "description", "subjects",
                                              "links", "unresolved", "place", "time", "stay_room",   "columns",
                                              "id",    "builtin", "added_at", "added_by", "required_columns"};
  for (const auto& [k, v] : j.items())
    if (!kKeys.count(k)) return Bad("unknown key '" + k + "'");
  SourceDef d;
  JW_ASSIGN_OR_RETURN(d.name, Str(j, "name", "the definition", true));
  if (!ValidName(d.name)) return Bad("name must be 2-32 characters of a-z, 0-9 and _, starting with a letter");
  if (j.contains("version")) {
    if (!j["version"].is_number_unsigned() || j["version"].get<int64_t>() < 1)
      return Bad("version must be a positive integer");
    d.version = j["version"].get<int>();
  }
  if (j.contains("kind")) {
    JW_ASSIGN_OR_RETURN(d.kind, Str(j, "kind", "the definition", true));
  }
  if (d.kind != "sightings" && d.kind != "registry" && d.kind != "places")
    return Bad("kind must be sightings or registry");
  if (!j.contains("label") || !j["label"].is_object()) return Bad("label must give the name shown in zh-CN and en");
  for (const char* lang : {"zh-CN", "en"}) {
    JW_ASSIGN_OR_RETURN(std::string l, Str(j["label"], lang, "label", true));
    if (l.empty() || l.size() > 200 || !IsValidUtf8(l)) return Bad(std::string("label.") + lang + " must be 1-200 bytes of text");
    d.label[lang] = l;
  }
  JW_ASSIGN_OR_RETURN(d.description, Str(j, "description", "the definition", false));
  for (auto [key, out] : {std::pair{"subjects", &d.subjects}, std::pair{"links", &d.links}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_array()) return Bad(std::string(key) + " must be a list");
    for (size_t i = 0; i < j[key].size(); ++i) {
      JW_ASSIGN_OR_RETURN(IdentifierSpec s, ParseIdentifier(j[key][i], std::string(key) + "[" + std::to_string(i) + "]"));
      out->push_back(std::move(s));
    }
  }
  if (j.contains("unresolved")) {
    const json& u = j["unresolved"];
    if (!u.is_object()) return Bad("unresolved must be an object");
    JW_ASSIGN_OR_RETURN(d.unresolved_name, Str(u, "name", "unresolved", true));
    JW_ASSIGN_OR_RETURN(d.unresolved_birth_date, Str(u, "birth_date", "unresolved", true));
    JW_ASSIGN_OR_RETURN(d.unresolved_phone, Str(u, "phone", "unresolved", true));
    if (d.subjects.empty() || d.subjects[0].kind != identity::Kind::kId || d.subjects[0].id_type.empty())
      return Bad("unresolved needs a first subject of kind person with an id_type column");
  }
  if (j.contains("place")) {
    const json& p = j["place"];
    if (!p.is_object()) return Bad("place must be an object");
    JW_ASSIGN_OR_RETURN(d.place_column, Str(p, "column", "place", true));
    if (p.contains("kinds")) {
      if (!p["kinds"].is_array()) return Bad("place.kinds must be a list");
      for (const auto& k : p["kinds"]) {
        if (!k.is_string() || std::find(std::begin(kPlaceKinds), std::end(kPlaceKinds), k.get<std::string>()) ==
                                  std::end(kPlaceKinds))
          return Bad("place.kinds: each must be hotel, checkpoint, station, store, netcafe, police_station or community");
        d.place_kinds.push_back(k.get<std::string>());
      }
    }
  }
  if (j.contains("time")) {
    const json& t = j["time"];
    if (!t.is_object()) return Bad("time must be an object");
    JW_ASSIGN_OR_RETURN(d.time_column, Str(t, "column", "time", true));
    JW_ASSIGN_OR_RETURN(d.end_column, Str(t, "end", "time", false));
    if (t.contains("reject_future")) {
      if (!t["reject_future"].is_boolean()) return Bad("time.reject_future must be true or false");
      d.reject_future = t["reject_future"].get<bool>();
    }
  }
  JW_ASSIGN_OR_RETURN(d.stay_room, Str(j, "stay_room", "the definition", false));
  if (j.contains("columns")) {
    if (!j["columns"].is_array()) return Bad("columns must be a list");
    std::set<std::string> seen;
    for (size_t i = 0; i < j["columns"].size(); ++i) {
      JW_ASSIGN_OR_RETURN(ColumnSpec c, ParseColumn(j["columns"][i], "columns[" + std::to_string(i) + "]"));
      if (!seen.insert(c.name).second) return Bad("column '" + c.name + "' is described twice");
      d.columns.push_back(std::move(c));
    }
  }
  // The shape each kind needs.
  if (d.kind == "sightings") {
    if (d.subjects.empty() || d.subjects.size() > 4) return Bad("a sightings source needs 1-4 subjects");
    if (d.place_column.empty() || d.time_column.empty()) return Bad("a sightings source needs place and time");
  } else if (d.kind == "registry") {
    if (d.subjects.size() != 1 || d.subjects[0].optional)
      return Bad("a registry source needs exactly one subject, not optional");
    if (!d.place_column.empty() || !d.time_column.empty()) return Bad("a registry source has no place or time");
  }
  if (d.links.size() > 8) return Bad("at most 8 links");
  if (!d.stay_room.empty() && d.kind != "sightings") return Bad("stay_room is for sightings sources");
  return d;
}

std::string SourceDefJson(const SourceDef& def, int indent) {
  json j = DefJson(def);
  j["id"] = def.id;
  j["builtin"] = def.builtin;
  if (!def.added_at.empty()) j["added_at"] = def.added_at;
  if (!def.added_by.empty()) j["added_by"] = def.added_by;
  j["required_columns"] = def.RequiredColumns();
  return j.dump(indent);
}

const std::vector<SourceDef>& BuiltinDefs() {
  static const std::vector<SourceDef> defs = LoadBuiltins();
  return defs;
}

const SourceDef* BuiltinDef(events::Source s) {
  for (const auto& d : BuiltinDefs())
    if (d.source() == s) return &d;
  return nullptr;
}

// ---- the registry ----

namespace {
std::string DefKey(std::string_view name) { return "source_def/" + std::string(name); }
}  // namespace

Result<std::unique_ptr<SourceRegistry>> SourceRegistry::Load(events::Store* store) {
  std::unique_ptr<SourceRegistry> r(new SourceRegistry(store));
  for (const auto& d : BuiltinDefs()) {
    r->defs_.push_back(std::make_unique<SourceDef>(d));
    r->by_name_[d.name] = r->defs_.back().get();
    r->by_id_[d.id] = r->defs_.back().get();
  }
  for (const auto& [key, value] : store->MetaWithPrefix("source_def/")) {
    json versions = json::parse(value, nullptr, false);
    if (!versions.is_array() || versions.empty()) return Internal("stored source definition " + key + " is unreadable");
    for (const auto& v : versions) {
      auto d = ParseSourceDef(v.dump());
      if (!d.ok()) return Internal("stored source definition " + key + ": " + d.status().message());
      d->id = v.value("id", 0);
      d->added_at = v.value("added_at", std::string());
      d->added_by = v.value("added_by", std::string());
      r->defs_.push_back(std::make_unique<SourceDef>(std::move(*d)));
    }
    const SourceDef* current = r->defs_.back().get();
    if (current->id < kFirstCustomId || current->id > kLastCustomId)
      return Internal("stored source definition " + key + " has id " + std::to_string(current->id));
    r->by_name_[current->name] = current;
    r->by_id_[current->id] = current;
    events::RegisterSourceName(current->source(), current->name);
  }
  return r;
}

const SourceDef* SourceRegistry::Find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const SourceDef* SourceRegistry::Find(events::Source id) const {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(static_cast<int>(id));
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<const SourceDef*> SourceRegistry::All() const {
  std::lock_guard lock(mu_);
  std::vector<const SourceDef*> out;
  for (const auto& [id, d] : by_id_) out.push_back(d);
  return out;
}

std::vector<SourceDef> SourceRegistry::History(std::string_view name) const {
  std::lock_guard lock(mu_);
  std::vector<SourceDef> out;
  for (const auto& d : defs_)
    if (d->name == name) out.push_back(*d);
  return out;
}

bool SourceRegistry::InUse(const SourceDef& def) const {
  return store_->GetMeta("source_used/" + def.name).has_value();
}

Result<const SourceDef*> SourceRegistry::Add(SourceDef def, const std::string& actor) {
  std::lock_guard lock(mu_);
  if (def.kind == "places") return Validation("invalid_definition", "kind must be sightings or registry");
  auto it = by_name_.find(def.name);
  const SourceDef* prev = it == by_name_.end() ? nullptr : it->second;
  if (prev && prev->builtin)
    return Conflict("builtin_source", "'" + def.name + "' is a built-in source; its definition cannot be replaced");
  if (prev) {
    def.id = prev->id;
    SourceDef same = def;
    same.version = prev->version, same.added_at = prev->added_at, same.added_by = prev->added_by;
    if (SourceDefJson(same) == SourceDefJson(*prev))
      return Conflict("unchanged", "the definition is the same as version " + std::to_string(prev->version));
    if (def.Interpretation() != prev->Interpretation() && store_->GetMeta("source_used/" + def.name))
      return Conflict("definition_in_use",
                      "rows of '" + def.name + "' are stored; a definition that reads subjects, place, time or links "
                      "differently would change what they mean. Add it under a new name");
    def.version = prev->version + 1;
  } else {
    int id = kFirstCustomId;
    while (by_id_.count(id)) ++id;
    if (id > kLastCustomId) return Conflict("too_many_sources", "no source ids are left");
    def.id = id;
    def.version = 1;
  }
  def.builtin = false;
  def.added_at = FormatTime(SystemClock().Now());
  def.added_by = actor;
  json versions = json::array();
  for (const auto& d : defs_)
    if (d->name == def.name) versions.push_back(json::parse(SourceDefJson(*d, -1)));
  versions.push_back(json::parse(SourceDefJson(def, -1)));
  JW_RETURN_IF_ERROR(store_->PutMeta(DefKey(def.name), versions.dump()));
  defs_.push_back(std::make_unique<SourceDef>(std::move(def)));
  const SourceDef* added = defs_.back().get();
  by_name_[added->name] = added;
  by_id_[added->id] = added;
  events::RegisterSourceName(added->source(), added->name);
  return added;
}

}  // namespace jingwu::fusion
