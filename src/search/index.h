// One-box search (一键搜) over the event store, on Xapian.
//
// The index (DATA/search) is derived from the event store and holds one
// document per entity (unique term Q<id>: its identifier, the names and
// addresses seen in its records and registry rows, the identifiers linked to
// it) and one per place (unique term QP<id>: code, name, district). Chinese is
// indexed as CJK n-grams, so 伟 finds 张伟 and 李伟.
//
// Keeping up: every batch the store writes carries a journal entry (its
// sequence number and the entities it touched) in the same atomic write. The
// index replays journal entries after the sequence number it last committed;
// the number is Xapian metadata committed together with the documents, and a
// document is replaced by its unique term, so replaying twice changes nothing.
// After a crash (kill -9) the next CatchUp() continues where the last commit
// stopped: nothing lost, nothing doubled. A fresh or interrupted rebuild
// resumes from its committed position (metadata "rebuild_next").
//
// An exact identifier (ID number, plate, phone, passport) is looked up in the
// store's dictionary directly, without Xapian.
//
// Threads: Search() is thread-safe (a reader per call under a mutex);
// CatchUp()/Rebuild() run on one thread at a time (internal mutex).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "events/store.h"

namespace jingwu::search {

// Counts of an entity's events per source plus its registry rows.
std::map<std::string, int64_t> SourceCounts(const events::Store& store, events::EntityId e);
// The boolean term of an exact name ("N" + the name without spaces, width or
// ASCII case): Index::EntitiesWithTerm(NameTerm("张伟"), n) lists who bears it.
std::string NameTerm(std::string_view name);
// The names seen in an entity's records and registry rows (most frequent first).
std::vector<std::string> NamesOf(const events::Store& store, events::EntityId e, size_t max_records = 200);

struct EntityHit {
  events::EntityId id = 0;
  std::string ref;   // KIND:VALUE
  std::string kind;  // ID, PASSPORT, PLATE, PHONE, PERSON
  std::vector<std::string> names;
  std::map<std::string, int64_t> sources;  // events/rows per source
  int64_t events = 0;
  double score = 0;
  bool exact = false;  // the query was this identifier
  std::string merged_into;  // a PERSON record merged into a person: their ref
};
struct PlaceHit {
  std::string code, kind, name, district_code;
  double lat = 0, lon = 0;
};
struct Results {
  std::string query;
  std::string kind;  // ID, PASSPORT, PLATE, PHONE for an exact identifier, else "text"
  std::vector<EntityHit> entities;
  std::vector<PlaceHit> places;
  int64_t total = 0;  // estimated matching entities
};
nlohmann::json ToJson(const Results& r);

class Index {
 public:
  ~Index();
  // Opens (creating) the index at dir for the store. Does not index yet.
  static Result<std::unique_ptr<Index>> Open(const std::string& dir, const events::Store* store);

  // Drops everything and rebuilds from the store (jingwu reindex).
  Status Rebuild();
  // Indexes what the store holds beyond the last committed journal entry
  // (finishing an interrupted rebuild first). Returns documents written.
  Result<int64_t> CatchUp();
  // Follows the store: catches up on each stored batch (and once a second)
  // on a background thread until Stop(), pruning the journal entries it has
  // committed (Store::PruneJournal).
  void Follow(events::Store* store);
  // Called on the follower thread after a catch-up that indexed documents,
  // with the entities indexed since the last call (all = too many to list, or
  // a rebuild): the server resolves new records without an ID number there.
  // Set before Follow.
  using CaughtUp = std::function<void(const std::vector<events::EntityId>& touched, bool all)>;
  void OnCaughtUp(CaughtUp f) { after_catch_up_ = std::move(f); }
  // The entities indexed since the last call (false) or "too many / all" (true).
  bool TakeTouched(std::vector<events::EntityId>* out);
  void Stop();

  Result<Results> Search(std::string_view q, size_t limit = 20) const;

  uint64_t committed_seq() const { return committed_seq_.load(); }
  int64_t doc_count() const;
  // Documents indexed per second during the last CatchUp/Rebuild.
  double last_rate() const { return last_rate_.load(); }
  // Xapian metadata of the committed index (tests).
  std::string Metadata(const std::string& key) const;
  // How many documents carry the unique term of entity e (tests: exactly 1).
  int64_t DocsForEntity(events::EntityId e) const;
  // Entity ids whose documents carry term (e.g. "A" + a residents address).
  // With `also`, only the documents that carry that term as well (e.g. "KPERSON").
  std::vector<events::EntityId> EntitiesWithTerm(const std::string& term, size_t limit,
                                                 const std::string& also = "") const;

  // Chunk size between commits (tests make it small).
  void set_commit_every(size_t n) { commit_every_ = n; }

 private:
  Index() = default;
  struct Impl;
  Status IndexEntities(const std::vector<events::EntityId>& ids);
  Status IndexPlaces();
  Result<int64_t> CatchUpLocked();
  // The names kept in an entity's document (empty when it is not indexed yet).
  std::vector<std::string> IndexedNames(events::EntityId e) const;
  Status Commit(const std::map<std::string, std::string>& meta);

  std::string dir_;
  const events::Store* store_ = nullptr;
  std::unique_ptr<Impl> impl_;
  std::mutex write_mu_;
  mutable std::mutex read_mu_;
  std::atomic<uint64_t> committed_seq_{0};
  std::atomic<double> last_rate_{0};
  size_t commit_every_ = 5000;
  CaughtUp after_catch_up_;
  void Touch(const std::vector<events::EntityId>& ids);
  static constexpr size_t kMaxTouched = 200000;
  std::mutex touched_mu_;
  std::vector<events::EntityId> touched_;  // guarded by touched_mu_
  bool touched_all_ = false;               // guarded by touched_mu_
  std::thread follower_;
  std::mutex follow_mu_;
  std::condition_variable follow_cv_;
  bool wake_ = false, stop_ = false;  // guarded by follow_mu_
  std::atomic<bool> stopping_{false};  // ends a long CatchUp between commits
};

}  // namespace jingwu::search
