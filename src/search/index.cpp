#include "search/index.h"

#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "core/log.h"
#include "identity/identity.h"

namespace jingwu::search {

using events::EntityId;
using nlohmann::json;

namespace {
constexpr uint64_t kPruneStep = 1024;  // journal entries per prune


Status FromXapian(const Xapian::Error& e, std::string_view what) {
  if (std::string_view(e.get_type()) == "DatabaseLockError")
    return Conflict("search_index_busy", "the search index is open for writing by another jingwu process");
  return Internal(std::string(what) + ": " + e.get_description());
}

std::string UniqueTerm(EntityId e) { return "Q" + std::to_string(e); }
std::string PlaceTerm(events::PlaceId p) { return "QP" + std::to_string(p); }

bool IsNameColumn(std::string_view c) { return c == "name" || c == "owner_name"; }
bool IsAddressColumn(std::string_view c) { return c == "address"; }

}  // namespace

std::string NameTerm(std::string_view name) {
  std::string s = identity::NormalizeWidth(name), out = "N";
  for (char c : s) {
    if (c == ' ' || c == '\t') continue;
    out += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

namespace {

// Last max events of e (time order) for their records.
std::vector<events::Event> LastEvents(const events::Store& store, EntityId e, size_t max) {
  std::vector<events::Event> evs;
  (void)store.ScanEntity(e, 0, 0xFFFFFFFFu, [&](const events::Event& ev) {
    evs.push_back(ev);
    return true;
  });
  if (evs.size() > max) evs.erase(evs.begin(), evs.end() - static_cast<std::ptrdiff_t>(max));
  return evs;
}

}  // namespace

std::map<std::string, int64_t> SourceCounts(const events::Store& store, EntityId e) {
  std::map<std::string, int64_t> out;
  (void)store.ScanEntity(e, 0, 0xFFFFFFFFu, [&](const events::Event& ev) {
    ++out[std::string(events::SourceName(ev.source))];
    return true;
  });
  for (const auto& [src, rec] : store.RegistryRecords(e)) ++out[std::string(events::SourceName(src))];
  return out;
}

std::vector<std::string> NamesOf(const events::Store& store, EntityId e, size_t max_records) {
  std::map<std::string, int> seen;
  auto take = [&](const events::Record& r) {
    for (size_t i = 0; i < r.columns.size() && i < r.values.size(); ++i)
      if (IsNameColumn(r.columns[i]) && !r.values[i].empty()) ++seen[r.values[i]];
  };
  for (const auto& rec : store.Records(LastEvents(store, e, max_records)))
    if (rec) take(*rec);
  for (const auto& [src, rec] : store.RegistryRecords(e)) take(rec);
  std::vector<std::pair<std::string, int>> v(seen.begin(), seen.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> out;
  for (auto& [n, c] : v) out.push_back(n);
  return out;
}

json ToJson(const Results& r) {
  json ents = json::array();
  for (const EntityHit& h : r.entities)
    ents.push_back({{"id", h.id},
                    {"ref", h.ref},
                    {"kind", h.kind},
                    {"names", h.names},
                    {"sources", h.sources},
                    {"events", h.events},
                    {"score", h.score},
                    {"exact", h.exact},
                    {"merged_into", h.merged_into.empty() ? json(nullptr) : json(h.merged_into)}});
  json places = json::array();
  for (const PlaceHit& p : r.places)
    places.push_back({{"code", p.code},
                      {"kind", p.kind},
                      {"name", p.name},
                      {"district_code", p.district_code},
                      {"district", std::string(identity::RegionName(p.district_code))},
                      {"lat", p.lat},
                      {"lon", p.lon}});
  return {{"query", r.query}, {"kind", r.kind}, {"entities", ents}, {"places", places}, {"total", r.total}};
}

// ---------------------------------------------------------------------------

struct Index::Impl {
  std::unique_ptr<Xapian::WritableDatabase> db;
  Xapian::TermGenerator tg;
  std::shared_ptr<std::atomic<Index*>> follow_target;  // cleared on Stop(); the store's listener checks it
  std::unique_ptr<Xapian::Database> reader;             // guarded by read_mu_
};

// The shared reader, brought up to the latest commit (cheap when nothing changed).
// Callers hold read_mu_.
static Xapian::Database& Reader(std::unique_ptr<Xapian::Database>& reader, const std::string& dir) {
  if (!reader) reader = std::make_unique<Xapian::Database>(dir);
  else reader->reopen();
  return *reader;
}

Index::~Index() { Stop(); }

Result<std::unique_ptr<Index>> Index::Open(const std::string& dir, const events::Store* store) {
  std::unique_ptr<Index> ix(new Index());
  ix->dir_ = dir;
  ix->store_ = store;
  ix->impl_ = std::make_unique<Impl>();
  try {
    ix->impl_->db = std::make_unique<Xapian::WritableDatabase>(dir, Xapian::DB_CREATE_OR_OPEN);
    ix->impl_->tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    std::string seq = ix->impl_->db->get_metadata("seq");
    ix->committed_seq_ = seq.empty() ? 0 : std::stoull(seq);
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "open search index " + dir);
  }
  return ix;
}

Status Index::Commit(const std::map<std::string, std::string>& meta) {
  try {
    for (const auto& [k, v] : meta) impl_->db->set_metadata(k, v);
    impl_->db->commit();  // documents and metadata together, atomically
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "commit search index");
  }
  return Status::Ok();
}

Status Index::IndexPlaces() {
  try {
    for (const events::Place& p : store_->Places()) {
      Xapian::Document doc;
      impl_->tg.set_document(doc);
      impl_->tg.index_text(p.code);
      impl_->tg.index_text(p.name, 2);
      impl_->tg.index_text(std::string(identity::RegionName(p.district_code)));
      doc.add_boolean_term("KPLACE");
      doc.add_boolean_term(PlaceTerm(p.id));
      doc.set_data(std::to_string(p.id));
      impl_->db->replace_document(PlaceTerm(p.id), doc);
    }
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "index places");
  }
  return Status::Ok();
}

Status Index::IndexEntities(const std::vector<EntityId>& ids) {
  try {
    size_t done = 0;
    for (EntityId id : ids) {
      // A server that is stopping does not wait for a whole chunk: what was not
      // committed is indexed again after the restart.
      if (++done % 256 == 0 && stopping_) return Unavailable("stopping", "the search index is stopping");
      auto ref = store_->EntityOf(id);
      if (!ref.ok()) continue;
      Xapian::Document doc;
      Xapian::TermGenerator& tg = impl_->tg;
      tg.set_document(doc);
      doc.add_boolean_term(UniqueTerm(id));
      doc.add_boolean_term("K" + std::string(identity::KindName(ref->kind)));
      doc.add_boolean_term("X" + ref->value);
      tg.index_text(ref->value, 3);
      tg.increase_termpos();
      std::set<std::string> names, addresses;
      auto take = [&](const events::Record& r) {
        for (size_t i = 0; i < r.columns.size() && i < r.values.size(); ++i) {
          if (r.values[i].empty()) continue;
          if (IsNameColumn(r.columns[i])) names.insert(r.values[i]);
          else if (IsAddressColumn(r.columns[i])) addresses.insert(r.values[i]);
        }
      };
      // Names from the latest 50 rows and the registry (older spellings fall out); vehicle
      // passes carry no names, so only the registry rows matter for plates.
      size_t max_records = ref->kind == identity::Kind::kPlate ? 0 : 50;
      if (max_records)
        for (const auto& rec : store_->Records(LastEvents(*store_, id, max_records)))
          if (rec) take(*rec);
      for (const auto& [src, rec] : store_->RegistryRecords(id)) take(rec);
      for (const auto& n : names) {
        tg.index_text(n, 2);
        tg.increase_termpos();
      }
      for (const auto& a : addresses) {
        tg.index_text(a);
        tg.increase_termpos();
      }
      // Exact names (identity resolution looks people up by name).
      for (const auto& n : names)
        if (n.size() < 200) doc.add_boolean_term(NameTerm(n));
      // Shared address: the full address (a community code alone is hundreds of households).
      for (const auto& a : addresses)
        if (a.size() < 200) doc.add_boolean_term("A" + a);
      // Linked identifiers (a person's phone, a vehicle's owner) find it too.
      size_t linked = 0;
      for (const auto& l : store_->LinksOf(id)) {
        if (++linked > 50) break;
        auto other = store_->EntityOf(l.other);
        if (!other.ok()) continue;
        tg.index_text(other->value);
        tg.increase_termpos();
      }
      json data = {{"ref", ref->ToString()}, {"names", std::vector<std::string>(names.begin(), names.end())}};
      doc.set_data(data.dump());
      impl_->db->replace_document(UniqueTerm(id), doc);
    }
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "index entities");
  }
  return Status::Ok();
}

Status Index::Rebuild() {
  std::lock_guard lock(write_mu_);
  try {
    impl_->db->close();
    impl_->db = std::make_unique<Xapian::WritableDatabase>(dir_, Xapian::DB_CREATE_OR_OVERWRITE);
    committed_seq_ = 0;
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "rebuild search index");
  }
  return Status::Ok();
}

Result<int64_t> Index::CatchUp() {
  std::lock_guard lock(write_mu_);
  try {
    return CatchUpLocked();
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "catch up search index");
  }
}

Result<int64_t> Index::CatchUpLocked() {
  auto start = std::chrono::steady_clock::now();
  int64_t written = 0;
  std::string seq_text;
  try {
    seq_text = impl_->db->get_metadata("seq");
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "read search index");
  }
  // No committed sequence yet: a (resumable) rebuild over every entity first.
  if (seq_text.empty()) {
    std::string next_text = impl_->db->get_metadata("rebuild_next");
    std::string base_text = impl_->db->get_metadata("rebuild_seq");
    uint64_t base = base_text.empty() ? store_->JournalHead() : std::stoull(base_text);
    EntityId next = next_text.empty() ? 1 : static_cast<EntityId>(std::stoul(next_text));
    if (next == 1) JW_RETURN_IF_ERROR(IndexPlaces());
    EntityId count = static_cast<EntityId>(store_->EntityCount());
    std::vector<EntityId> ids;
    while (next <= count) {
      if (stopping_) return written;
      ids.clear();
      for (; next <= count && ids.size() < commit_every_; ++next) ids.push_back(next);
      JW_RETURN_IF_ERROR(IndexEntities(ids));
      written += static_cast<int64_t>(ids.size());
      JW_RETURN_IF_ERROR(Commit({{"rebuild_seq", std::to_string(base)}, {"rebuild_next", std::to_string(next)}}));
    }
    JW_RETURN_IF_ERROR(Commit({{"seq", std::to_string(base)}, {"rebuild_next", ""}, {"rebuild_seq", ""},
                               {"places", std::to_string(store_->Places().size())}}));
    committed_seq_ = base;
    std::lock_guard lock(touched_mu_);
    touched_all_ = true;  // everything is new to whoever follows
    touched_.clear();
  }
  // Places change rarely (UpsertPlaces has no journal): re-index when the count moved.
  if (impl_->db->get_metadata("places") != std::to_string(store_->Places().size())) {
    JW_RETURN_IF_ERROR(IndexPlaces());
    JW_RETURN_IF_ERROR(Commit({{"places", std::to_string(store_->Places().size())}}));
  }
  // Replay the journal after the committed sequence, in chunks.
  std::set<EntityId> pending;
  uint64_t upto = committed_seq_;
  Status failed = Status::Ok();
  auto flush = [&]() -> Status {
    if (upto == committed_seq_) return Status::Ok();
    std::vector<EntityId> ids(pending.begin(), pending.end());
    JW_RETURN_IF_ERROR(IndexEntities(ids));
    written += static_cast<int64_t>(ids.size());
    JW_RETURN_IF_ERROR(Commit({{"seq", std::to_string(upto)}}));
    committed_seq_ = upto;
    Touch(ids);
    pending.clear();
    return Status::Ok();
  };
  Status scan = store_->ScanJournal(committed_seq_, [&](uint64_t seq, const std::vector<EntityId>& touched) {
    pending.insert(touched.begin(), touched.end());
    upto = seq;
    if (pending.size() >= commit_every_) {
      failed = flush();
      if (stopping_) return false;
      if (!failed.ok()) return false;
    }
    return true;
  });
  JW_RETURN_IF_ERROR(failed);
  JW_RETURN_IF_ERROR(scan);
  if (stopping_) return written;  // the rest after the restart
  JW_RETURN_IF_ERROR(flush());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (written > 0 && secs > 0) last_rate_ = static_cast<double>(written) / secs;
  return written;
}

void Index::Touch(const std::vector<EntityId>& ids) {
  std::lock_guard lock(touched_mu_);
  if (touched_all_) return;
  if (touched_.size() + ids.size() > kMaxTouched) {
    touched_all_ = true;
    touched_.clear();
    return;
  }
  touched_.insert(touched_.end(), ids.begin(), ids.end());
}

bool Index::TakeTouched(std::vector<EntityId>* out) {
  std::lock_guard lock(touched_mu_);
  bool all = touched_all_;
  out->swap(touched_);
  touched_.clear();
  touched_all_ = false;
  return all;
}

void Index::Follow(events::Store* store) {
  impl_->follow_target = std::make_shared<std::atomic<Index*>>(this);
  std::weak_ptr<std::atomic<Index*>> target = impl_->follow_target;
  store->AddListener([target](const std::vector<events::Event>&) {
    auto t = target.lock();
    if (!t) return;
    Index* ix = t->load();
    if (!ix) return;
    std::lock_guard lock(ix->follow_mu_);
    ix->wake_ = true;
    ix->follow_cv_.notify_one();
  });
  follower_ = std::thread([this, store] {
    uint64_t pruned = 0;
    // The journal entries the index has committed are not needed any more.
    // Each prune is a range tombstone that later reads of the store's meta
    // column family step over, so prune in steps, and once when stopping.
    auto prune = [&](bool force) {
      uint64_t committed = committed_seq_.load();
      if (committed <= pruned || (!force && committed - pruned < kPruneStep)) return;
      Status s = store->PruneJournal(committed);
      if (!s.ok()) log::Warn("search.prune_journal_failed", {{"error", s.message()}});
      else pruned = committed;
    };
    for (;;) {
      bool stopping = false;
      {
        std::unique_lock lock(follow_mu_);
        follow_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return wake_ || stop_; });
        stopping = stop_;
        wake_ = false;
      }
      if (stopping) {
        prune(true);
        return;
      }
      auto r = CatchUp();
      if (!r.ok()) {
        if (!stopping_) log::Warn("search.catch_up_failed", {{"error", r.status().message()}});
        continue;
      }
      if (*r > 0 && after_catch_up_) {
        std::vector<EntityId> touched;
        bool all = TakeTouched(&touched);
        after_catch_up_(touched, all);
      }
      prune(false);
    }
  });
}

void Index::Stop() {
  stopping_ = true;
  if (impl_ && impl_->follow_target) {
    impl_->follow_target->store(nullptr);
  }
  {
    std::lock_guard lock(follow_mu_);
    stop_ = true;
    follow_cv_.notify_one();
  }
  if (follower_.joinable()) follower_.join();
}

int64_t Index::doc_count() const {
  std::lock_guard lock(read_mu_);
  try {
    Xapian::Database db(dir_);
    return static_cast<int64_t>(db.get_doccount());
  } catch (const Xapian::Error&) {
    return 0;
  }
}

std::string Index::Metadata(const std::string& key) const {
  try {
    Xapian::Database db(dir_);
    return db.get_metadata(key);
  } catch (const Xapian::Error&) {
    return "";
  }
}

int64_t Index::DocsForEntity(EntityId e) const {
  try {
    Xapian::Database db(dir_);
    return db.get_termfreq(UniqueTerm(e));
  } catch (const Xapian::Error&) {
    return -1;
  }
}

std::vector<EntityId> Index::EntitiesWithTerm(const std::string& term, size_t limit, const std::string& also) const {
  std::vector<EntityId> out;
  std::lock_guard lock(read_mu_);
  try {
    Xapian::Database& db = Reader(impl_->reader, dir_);
    // With `also`, walk the rarer posting list and skip along the other (both are in docid order).
    bool swap = !also.empty() && db.get_termfreq(also) < db.get_termfreq(term);
    const std::string& first = swap ? also : term;
    const std::string& second = swap ? term : also;
    Xapian::PostingIterator other = second.empty() ? db.postlist_end("") : db.postlist_begin(second);
    for (auto it = db.postlist_begin(first); it != db.postlist_end(first) && out.size() < limit; ++it) {
      if (!second.empty()) {
        other.skip_to(*it);
        if (other == db.postlist_end(second)) break;
        if (*other != *it) continue;
      }
      Xapian::Document doc = db.get_document(*it);
      auto t = doc.termlist_begin();
      t.skip_to("Q");  // the unique term Q<entity id> (QP<id> for places)
      for (; t != doc.termlist_end(); ++t) {
        std::string s = *t;
        if (s.empty() || s[0] != 'Q') break;
        if (s.size() > 1 && s[1] != 'P') {
          out.push_back(static_cast<EntityId>(std::stoul(s.substr(1))));
          break;
        }
      }
    }
  } catch (const Xapian::Error&) {
    impl_->reader.reset();
  }
  return out;
}

namespace {

EntityHit HitFor(const events::Store& store, EntityId id) {
  EntityHit h;
  h.id = id;
  if (auto ref = store.EntityOf(id); ref.ok()) {
    h.ref = ref->ToString();
    h.kind = std::string(identity::KindName(ref->kind));
  }
  h.sources = SourceCounts(store, id);
  h.events = store.EntityEventCount(id);
  if (auto m = store.MergeOf(id)) h.merged_into = store.RefString(m->survivor);
  return h;
}

}  // namespace

std::vector<std::string> Index::IndexedNames(EntityId e) const {
  std::lock_guard lock(read_mu_);
  try {
    Xapian::Database& db = Reader(impl_->reader, dir_);
    std::string term = UniqueTerm(e);
    auto it = db.postlist_begin(term);
    if (it == db.postlist_end(term)) return {};
    json data = json::parse(db.get_document(*it).get_data(), nullptr, false);
    if (data.is_object()) return data.value("names", std::vector<std::string>{});
  } catch (const Xapian::Error&) {
    impl_->reader.reset();
  }
  return {};
}

Result<Results> Index::Search(std::string_view q_in, size_t limit) const {
  Results r;
  std::string q(q_in);
  while (!q.empty() && std::isspace(static_cast<unsigned char>(q.back()))) q.pop_back();
  while (!q.empty() && std::isspace(static_cast<unsigned char>(q.front()))) q.erase(0, 1);
  r.query = q;
  if (q.empty()) return Validation("empty_query", "type something to search for");
  if (q.size() > 200) return Validation("query_too_long", "a query has at most 200 bytes");
  // An exact identifier, with or without its KIND: prefix: the dictionary answers.
  identity::EntityRef ref;
  bool exact = identity::DetectKind(q, &ref);
  if (!exact) {
    auto parsed = identity::ParseEntityRef(q);
    if (parsed.ok()) {
      ref = *parsed;
      exact = true;
    }
  }
  if (exact) {
    r.kind = std::string(identity::KindName(ref.kind));
    if (auto id = store_->FindEntity(ref)) {
      EntityHit h = HitFor(*store_, *id);
      h.names = IndexedNames(*id);
      if (h.names.empty()) h.names = NamesOf(*store_, *id, 50);
      h.exact = true;
      h.score = 100;
      r.entities.push_back(std::move(h));
      r.total = 1;
    }
    return r;
  }
  r.kind = "text";
  std::vector<std::pair<Xapian::docid, std::string>> docs;
  std::vector<events::PlaceId> place_ids;
  {
    std::lock_guard lock(read_mu_);
    try {
      Xapian::Database& db = Reader(impl_->reader, dir_);
      Xapian::QueryParser qp;
      qp.set_database(db);
      qp.set_default_op(Xapian::Query::OP_AND);
      Xapian::Query query = qp.parse_query(
          q, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM);
      Xapian::Enquire enquire(db);
      enquire.set_query(Xapian::Query(Xapian::Query::OP_AND_NOT, query, Xapian::Query("KPLACE")));
      Xapian::MSet ms = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
      r.total = ms.get_matches_estimated();
      for (auto it = ms.begin(); it != ms.end(); ++it) {
        EntityHit h;
        json data = json::parse(it.get_document().get_data(), nullptr, false);
        if (!data.is_object()) continue;
        Xapian::Document doc = it.get_document();
        for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
          std::string s = *t;
          if (s.size() > 1 && s[0] == 'Q' && s[1] != 'P') {
            h.id = static_cast<EntityId>(std::stoul(s.substr(1)));
            break;
          }
        }
        h.score = it.get_weight();
        h.names = data.value("names", std::vector<std::string>{});
        r.entities.push_back(std::move(h));
      }
      Xapian::Enquire pe(db);
      pe.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query, Xapian::Query("KPLACE")));
      Xapian::MSet pm = pe.get_mset(0, 10);
      for (auto it = pm.begin(); it != pm.end(); ++it)
        place_ids.push_back(static_cast<events::PlaceId>(std::stoul(it.get_document().get_data())));
    } catch (const Xapian::QueryParserError& e) {
      return Validation("invalid_query", e.get_msg());
    } catch (const Xapian::Error& e) {
      impl_->reader.reset();  // reopened from scratch next time
      return FromXapian(e, "search");
    }
  }
  for (EntityHit& h : r.entities) {
    EntityHit full = HitFor(*store_, h.id);
    h.ref = full.ref;
    h.kind = full.kind;
    h.sources = std::move(full.sources);
    h.events = full.events;
    h.merged_into = std::move(full.merged_into);
  }
  // People first (a name also finds the vehicles and phones linked to them), each group by score.
  std::stable_partition(r.entities.begin(), r.entities.end(),
                        [](const EntityHit& h) { return h.kind == "ID" || h.kind == "PASSPORT"; });
  for (events::PlaceId pid : place_ids)
    if (const events::Place* p = store_->PlaceById(pid))
      r.places.push_back({p->code, p->kind, p->name, p->district_code, p->lat, p->lon});
  return r;
}

}  // namespace jingwu::search
