#include "search/resolve.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/utf8.h"
#include "search/index.h"

namespace jingwu::search {

using events::EntityId;
using nlohmann::json;

namespace {

constexpr size_t kMaxCandidates = 10;
constexpr const char* kAutoReason = "name, birth date and phone all agree with exactly one person";

std::string DateText(const identity::Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}


struct Value {
  std::string value, source;
};

// What the store knows of a person: names, birth date, phones.
struct Facts {
  std::vector<std::string> names;
  std::optional<Value> birth;
  std::vector<Value> phones;
};

Facts FactsOf(const events::Store& store, EntityId person, const identity::EntityRef& ref) {
  Facts f;
  f.names = NamesOf(store, person, 50);
  if (ref.kind == identity::Kind::kId) {
    if (auto id = identity::ParseIdNumber(ref.value); id.ok()) f.birth = Value{DateText(id->birth_date), "id_number"};
  } else {
    for (const auto& [src, rec] : store.RegistryRecords(person))
      for (size_t i = 0; i < rec.columns.size() && i < rec.values.size() && !f.birth; ++i)
        if (rec.columns[i] == "birth_date")
          if (auto d = identity::ParseBirthDate(rec.values[i]); d.ok())
            f.birth = Value{DateText(*d), std::string(events::SourceName(src))};
  }
  for (const auto& l : store.LinksOf(person)) {
    auto other = store.EntityOf(l.other);
    if (!other.ok() || other->kind != identity::Kind::kPhone) continue;
    std::string src(events::SourceName(l.source));
    auto same = std::find_if(f.phones.begin(), f.phones.end(), [&](const Value& v) { return v.value == other->value; });
    if (same == f.phones.end()) f.phones.push_back({other->value, src});
    else same->source += "," + src;  // the sources that gave this phone
  }
  return f;
}

// Compares a record's key with a person's facts.
Candidate Compare(const identity::PersonKey& key, const Facts& f) {
  Candidate c;
  Match name{"name", key.name, f.names.empty() ? "" : f.names.front(), false, "records"};
  for (const auto& n : f.names)
    if (NameTerm(n) == NameTerm(key.name)) {  // without spaces, width or ASCII case
      name.person = n;
      name.match = true;
      break;
    }
  Match birth{"birth_date", DateText(key.birth_date), "", false, ""};
  if (f.birth) {
    birth.person = f.birth->value;
    birth.source = f.birth->source;
    birth.match = f.birth->value == birth.record;
  }
  Match phone{"phone", key.phone, "", false, ""};
  for (const auto& p : f.phones) {
    if (phone.person.empty() || p.value == key.phone) {
      phone.person = p.value;
      phone.source = p.source;
    }
    if (p.value == key.phone) {
      phone.match = true;
      break;
    }
  }
  c.evidence = {std::move(name), std::move(birth), std::move(phone)};
  for (const auto& m : c.evidence) c.score += m.match ? 1 : 0;
  c.strong = c.score == 3;
  return c;
}

void Sort(std::vector<Candidate>* v) {
  std::stable_sort(v->begin(), v->end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  if (v->size() > kMaxCandidates) v->resize(kMaxCandidates);
}

// People (persons) or PERSON records (!persons) indexed under exactly this name.
std::vector<EntityId> ByName(const events::Store& store, const Index* index, const std::string& name, bool persons) {
  std::vector<EntityId> out;
  if (!index || name.empty()) return out;
  // Records without an ID number are few: asking for them only keeps a common name cheap.
  for (EntityId id : index->EntitiesWithTerm(NameTerm(name), 500, persons ? "" : "KPERSON")) {
    auto ref = store.EntityOf(id);
    if (!ref.ok()) continue;
    if (persons ? IsPersonKind(ref->kind) : ref->kind == identity::Kind::kPerson) out.push_back(id);
  }
  return out;
}

std::vector<Candidate> PhoneCandidates(const events::Store& store, const Index* index, EntityId record,
                                       const identity::PersonKey& key) {
  std::set<EntityId> seen;
  std::vector<EntityId> ids;
  if (auto phone = store.FindEntity({identity::Kind::kPhone, key.phone}))
    for (const auto& l : store.LinksOf(*phone)) ids.push_back(l.other);
  for (EntityId id : ByName(store, index, key.name, true)) ids.push_back(id);
  std::vector<Candidate> out;
  for (EntityId id : ids) {
    if (id == record || !seen.insert(id).second) continue;
    auto ref = store.EntityOf(id);
    if (!ref.ok() || !IsPersonKind(ref->kind)) continue;
    Facts f = FactsOf(store, id, *ref);
    Candidate c = Compare(key, f);
    if (c.score < 2) continue;
    c.id = id;
    c.ref = ref->ToString();
    c.names = f.names;
    c.kept_apart = store.KeptApart(record, id).has_value();
    out.push_back(std::move(c));
  }
  Sort(&out);
  return out;
}

json Parse(const std::string& s) {
  json j = json::parse(s, nullptr, false);
  return j.is_object() ? j : json::object();
}

}  // namespace

bool IsPersonKind(identity::Kind k) { return k == identity::Kind::kId || k == identity::Kind::kPassport; }

json ToJson(const Match& m) {
  return {{"field", m.field}, {"record", m.record}, {"person", m.person}, {"match", m.match}, {"source", m.source}};
}

std::vector<Candidate> CandidatesFor(const events::Store& store, const Index* index, EntityId record) {
  auto ref = store.EntityOf(record);
  if (!ref.ok() || ref->kind != identity::Kind::kPerson) return {};
  auto key = identity::ParsePersonKey(ref->value);
  if (!key.ok()) return {};
  return PhoneCandidates(store, index, record, *key);
}

std::vector<Candidate> RecordsFor(const events::Store& store, const Index* index, EntityId person) {
  auto ref = store.EntityOf(person);
  if (!ref.ok() || !IsPersonKind(ref->kind)) return {};
  Facts f = FactsOf(store, person, *ref);
  std::vector<EntityId> ids;
  for (const auto& p : f.phones)
    if (auto phone = store.FindEntity({identity::Kind::kPhone, p.value}))
      for (const auto& l : store.LinksOf(*phone)) ids.push_back(l.other);
  for (const auto& n : f.names)
    for (EntityId id : ByName(store, index, n, false)) ids.push_back(id);
  std::set<EntityId> seen;
  std::vector<Candidate> out;
  for (EntityId id : ids) {
    if (!seen.insert(id).second || store.MergeOf(id)) continue;
    auto rref = store.EntityOf(id);
    if (!rref.ok() || rref->kind != identity::Kind::kPerson) continue;
    auto key = identity::ParsePersonKey(rref->value);
    if (!key.ok()) continue;
    Candidate c = Compare(*key, f);
    if (c.score < 2) continue;
    c.id = id;
    c.ref = rref->ToString();
    c.names = {key->name};
    c.kept_apart = store.KeptApart(id, person).has_value();
    out.push_back(std::move(c));
  }
  Sort(&out);
  return out;
}

namespace {

Result<ResolveReport> ResolveRecords(events::Store& store, Timestamp now, const std::vector<EntityId>& records) {
  ResolveReport r;
  for (EntityId record : records) {
    ++r.records;
    if (store.MergeOf(record)) {
      ++r.already_merged;
      continue;
    }
    std::vector<Candidate> strong;
    for (auto& c : CandidatesFor(store, nullptr, record))
      if (c.strong) strong.push_back(std::move(c));
    if (strong.size() > 1) {
      ++r.ambiguous;
      continue;
    }
    if (strong.empty()) continue;
    if (strong[0].kept_apart) {
      ++r.kept_apart;
      continue;
    }
    JW_RETURN_IF_ERROR(MergeRecord(store, record, strong[0].id, "auto", kAutoReason, now, true));
    ++r.merged;
  }
  return r;
}

}  // namespace

Result<ResolveReport> ResolvePending(events::Store& store, Timestamp now) {
  return ResolveRecords(store, now, store.EntitiesOfKind(identity::Kind::kPerson));
}

Result<ResolveReport> ResolveTouched(events::Store& store, Timestamp now, const std::vector<EntityId>& touched) {
  std::set<EntityId> records;
  auto records_of_phone = [&](EntityId phone) {
    for (const auto& l : store.LinksOf(phone))
      if (auto ref = store.EntityOf(l.other); ref.ok() && ref->kind == identity::Kind::kPerson) records.insert(l.other);
  };
  for (EntityId e : touched) {
    auto ref = store.EntityOf(e);
    if (!ref.ok()) continue;
    if (ref->kind == identity::Kind::kPerson) {
      records.insert(e);
    } else if (ref->kind == identity::Kind::kPhone) {
      records_of_phone(e);
    } else if (IsPersonKind(ref->kind)) {
      for (const auto& l : store.LinksOf(e))
        if (auto other = store.EntityOf(l.other); other.ok() && other->kind == identity::Kind::kPhone)
          records_of_phone(l.other);
    }
  }
  return ResolveRecords(store, now, std::vector<EntityId>(records.begin(), records.end()));
}

Status MergeRecord(events::Store& store, EntityId record, EntityId person, const std::string& actor,
                   const std::string& reason, Timestamp now, bool automatic) {
  std::string why(TrimAscii(reason));
  if (why.empty()) return InvalidArgument("reason_required", "say why these are the same person (reason)");
  JW_ASSIGN_OR_RETURN(identity::EntityRef rref, store.EntityOf(record));
  JW_ASSIGN_OR_RETURN(identity::EntityRef pref, store.EntityOf(person));
  if (rref.kind != identity::Kind::kPerson)
    return Conflict("not_mergeable", rref.ToString() + " is not a record without an ID number (PERSON:…)");
  if (!IsPersonKind(pref.kind))
    return Conflict("not_mergeable", "a record can only be merged into an ID or passport holder, not " + pref.ToString());
  auto key = identity::ParsePersonKey(rref.value);
  if (!key.ok()) return key.status();
  Candidate c = Compare(*key, FactsOf(store, person, pref));
  json evidence = json::array();
  for (const auto& m : c.evidence) evidence.push_back(ToJson(m));
  json detail = {{"action", "merge"},
                 {"absorbed", rref.ToString()},
                 {"survivor", pref.ToString()},
                 {"by", automatic ? "auto" : "user"},
                 {"actor", actor},
                 {"at", FormatTime(now)},
                 {"reason", why},
                 {"score", c.score},
                 {"evidence", evidence}};
  return store.SetMerge(record, person, detail.dump());
}

Status UnmergeRecord(events::Store& store, EntityId record, const std::string& actor, const std::string& reason,
                     Timestamp now) {
  std::string why(TrimAscii(reason));
  if (why.empty()) return InvalidArgument("reason_required", "say why the merge is wrong (reason)");
  auto m = store.MergeOf(record);
  if (!m) return Conflict("not_merged", store.RefString(record) + " is not merged into anyone");
  json detail = {{"action", "unmerge"},
                 {"absorbed", store.RefString(record)},
                 {"survivor", store.RefString(m->survivor)},
                 {"by", "user"},
                 {"actor", actor},
                 {"at", FormatTime(now)},
                 {"reason", why}};
  return store.RemoveMerge(record, detail.dump());
}

json ResolutionJson(const events::Store& store, const Index* index, EntityId e) {
  auto ref = store.EntityOf(e);
  if (!ref.ok() || !(ref->kind == identity::Kind::kPerson || IsPersonKind(ref->kind))) return nullptr;
  auto candidates = [](const std::vector<Candidate>& v) {
    json a = json::array();
    for (const auto& c : v) {
      json ev = json::array();
      for (const auto& m : c.evidence) ev.push_back(ToJson(m));
      a.push_back({{"ref", c.ref},
                   {"names", c.names},
                   {"score", c.score},
                   {"strong", c.strong},
                   {"kept_apart", c.kept_apart},
                   {"evidence", ev}});
    }
    return a;
  };
  json out;
  if (ref->kind == identity::Kind::kPerson) {
    if (auto m = store.MergeOf(e)) {
      out["status"] = "merged";
      json into = Parse(m->detail);
      into.erase("action");
      into.erase("absorbed");
      into["ref"] = store.RefString(m->survivor);
      into.erase("survivor");
      into["names"] = NamesOf(store, m->survivor, 20);
      out["merged_into"] = std::move(into);
      out["candidates"] = json::array();
    } else {
      out["status"] = "unresolved";
      out["candidates"] = candidates(CandidatesFor(store, index, e));
    }
    out["members"] = json::array();
  } else {
    out["status"] = "person";
    json members = json::array();
    for (const auto& m : store.MembersOf(e)) {
      json j = Parse(m.detail);
      j.erase("action");
      j.erase("survivor");
      j.erase("absorbed");
      j["ref"] = store.RefString(m.absorbed);
      j["names"] = NamesOf(store, m.absorbed, 20);
      j["events"] = store.EntityEventCount(m.absorbed);
      members.push_back(std::move(j));
    }
    out["members"] = std::move(members);
    out["candidates"] = candidates(RecordsFor(store, index, e));
  }
  json history = json::array();
  for (const auto& h : store.MergeHistory(e)) history.push_back(Parse(h));
  out["history"] = std::move(history);
  return out;
}

}  // namespace jingwu::search
