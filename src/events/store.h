// The event store: sightings of entities (people, vehicles, phones) at places,
// on RocksDB. See docs/event-store.md for the on-disk layout.
//
//   dictionary   normalised identifier (KIND:VALUE) <-> dense EntityId
//   by_entity    entity, time, place, source            (trajectory, co-travel)
//   by_place     place, time, entity, source            (collision, co-travel)
//   records      the original row of each event, compressed (evidence)
//   counters     events per source per day, per district per month, per
//                entity and per place, kept at ingest (merge operator)
//   places       the place registry (code, kind, name, district, lat/lon)
//   links        identifier-to-identifier links (a person's phone, vehicle…)
//
// The interface is narrow on purpose (Write batches in, ordered scans out)
// so that a ClickHouse-backed store can implement the same calls later.
//
// Threads: reads are thread-safe. Writes go through one Writer at a time
// (the store hands out a Writer under a mutex). A data folder is opened for
// writing by one process only; a second one gets a clear error. Read-only
// opens (jingwu query while a server runs) never take the lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "identity/identity.h"

namespace rocksdb {
class DB;
class Iterator;
class WriteBatch;
class ColumnFamilyHandle;
struct ColumnFamilyOptions;
}  // namespace rocksdb

namespace jingwu::events {

using EntityId = uint32_t;
using PlaceId = uint32_t;

// The sources of DESIGN.md "Source files". Values are stored; never renumber.
enum class Source : uint8_t {
  kHotel = 1,
  kVehiclePass = 2,
  kTravel = 3,
  kDutyfree = 4,
  kNetcafe = 5,
  kResidents = 6,
  kVehicles = 7,
  kPlaces = 8,
};
inline constexpr Source kEventSources[] = {Source::kHotel, Source::kVehiclePass, Source::kTravel, Source::kDutyfree,
                                           Source::kNetcafe};
// Sources 9…250 are added as definitions (fusion/source_def.h); their names
// are registered when the definitions load. A process that opens several
// stores (tests) sees the last name registered for an id.
std::string_view SourceName(Source s);  // "hotel", "vehicle_pass", …, or "unknown"
std::optional<Source> SourceFromName(std::string_view name);
void RegisterSourceName(Source s, std::string_view name);

struct Place {
  PlaceId id = 0;
  std::string code;  // HT00012
  std::string kind;  // hotel, checkpoint, station, store, netcafe, police_station, community
  std::string name;
  std::string district_code;  // 460105…460108
  double lat = 0, lon = 0;
};

// One sighting. Time is Unix seconds (the sources give seconds).
struct Event {
  EntityId entity = 0;
  PlaceId place = 0;
  uint32_t time = 0;
  Source source = Source::kHotel;
  bool operator==(const Event&) const = default;
};

inline Timestamp ToTimestamp(uint32_t t) { return Timestamp::FromSeconds(t); }
// Clamps to the representable range [0, 2^32).
uint32_t ToSeconds(Timestamp t);

// A stored original row: the column names of its file and the values.
struct Record {
  std::vector<std::string> columns;
  std::vector<std::string> values;
};

struct OpenOptions {
  bool read_only = false;
  bool create = true;
  size_t block_cache_mb = 512;
  // Bulk loading (jingwu ingest): writers sort each batch themselves and
  // ingest it as SST files, bypassing the WAL and memtables; small writes
  // (a server's uploads) go through the WAL instead.
  bool bulk = false;
  // Open as a read-only follower of a store another process writes (the
  // running server): RocksDB's secondary instance, keeping its own logs in
  // this folder and seeing the writer's state as of Open. For online backups.
  std::string secondary_dir;
};

// Counter groupings (GET /api/v1/events/stats, the bench's count queries).
struct SourceDayCount {
  Source source;
  int64_t day;  // days since 1970-01-01, Asia/Shanghai
  int64_t count;
};
struct DistrictMonthCount {
  std::string district_code;
  int year, month;
  int64_t count;
};

class Writer;

class Store {
 public:
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Opens (creating) DIR as an event store. A second writer on the same DIR
  // fails with Unavailable "data_folder_busy".
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, OpenOptions options = {});

  // ---- places (a small registry, kept in memory) ----
  const Place* FindPlace(std::string_view code) const;
  const Place* PlaceById(PlaceId id) const;
  std::vector<Place> Places() const;
  // Adds or updates places by code (ids are kept for known codes). Durable on return.
  Status UpsertPlaces(const std::vector<Place>& places);

  // ---- dictionary ----
  std::optional<EntityId> FindEntity(const identity::EntityRef& ref) const;
  Result<identity::EntityRef> EntityOf(EntityId id) const;
  // "ID:…" for display; "?" for an unknown id.
  std::string RefString(EntityId id) const;

  // ---- scans, in key order (time ascending); the callback returns false to stop ----
  // Events of one entity with from <= time <= to.
  Status ScanEntity(EntityId e, uint32_t from, uint32_t to, const std::function<bool(const Event&)>& f) const;
  // Events at one place with from <= time <= to.
  Status ScanPlace(PlaceId p, uint32_t from, uint32_t to, const std::function<bool(const Event&)>& f) const;
  // The original rows of events (nullopt where none is stored).
  std::vector<std::optional<Record>> Records(const std::vector<Event>& events) const;
  // The events at one place with from <= time <= to together with their rows,
  // in time order: one range read, cheaper than ScanPlace + Records when the
  // rows are wanted (who shared a hotel room, a flight).
  // Who checked in at a hotel on the same local day into the same room
  // (同住), from the stay index kept at ingest: key 0xFE · place · day · room
  // · 0 · entity → check-in time. nullopt for a store created before the index
  // existed (callers then read the day's rows).
  struct Stay {
    EntityId entity;
    uint32_t time;
  };
  // A reusable read position over the rows, for many StayMates /
  // ScanPlaceRecords calls in a row (one iterator instead of one per call).
  // Not thread-safe; sees the store as of its first use.
  class RecordCursor {
   public:
    RecordCursor();
    ~RecordCursor();

   private:
    friend class Store;
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };
  std::optional<std::vector<Stay>> StayMates(PlaceId p, uint32_t time, std::string_view room,
                                             RecordCursor* cursor = nullptr) const;
  // The row is a view, valid during the call only.
  struct RecordView {
    const std::vector<std::string>* columns = nullptr;
    std::vector<std::string_view> values;
    std::string_view Get(std::string_view column) const;  // "" when absent
  };
  Status ScanPlaceRecords(PlaceId p, uint32_t from, uint32_t to, std::optional<Source> only,
                          const std::function<bool(const Event&, const RecordView&)>& f,
                          RecordCursor* cursor = nullptr) const;

  // ---- counters kept at ingest ----
  std::vector<SourceDayCount> CountsBySourceDay(int64_t from_day, int64_t to_day) const;
  std::vector<DistrictMonthCount> CountsByDistrictMonth() const;
  int64_t EntityEventCount(EntityId e) const;
  int64_t PlaceEventCount(PlaceId p) const;
  int64_t TotalEvents() const;
  int64_t EntityCount() const;
  // The n entities with the most events (scans the per-entity counters).
  std::vector<std::pair<EntityId, int64_t>> BusiestEntities(size_t n) const;

  // ---- links between identifiers (person's phone, vehicle owner, address) ----
  struct Link {
    EntityId other;
    Source source;
    int64_t count;
  };
  std::vector<Link> LinksOf(EntityId e) const;

  // ---- writing ----
  // The single writer; blocks while another is active.
  std::unique_ptr<Writer> BeginWrite();

  // Called after each stored batch with its events (in place order, distinct),
  // on the writer's storing thread; keep it short (hand work to a queue).
  using Listener = std::function<void(const std::vector<Event>&)>;
  void AddListener(Listener l);
  // Called after each stored batch, before the event listeners, with the
  // batch's links (identifier a linked to b, both directions; may repeat):
  // watchlists on a phone learn who gave it before that person's events come.
  using LinkListener = std::function<void(const std::vector<std::pair<EntityId, EntityId>>&)>;
  void AddLinkListener(LinkListener l);

  // A small key-value area for ingest checkpoints and other metadata.
  std::optional<std::string> GetMeta(std::string_view key) const;
  std::vector<std::pair<std::string, std::string>> MetaWithPrefix(std::string_view prefix) const;
  // Durable on return (source definitions; batch metadata goes with Writer::Commit).
  Status PutMeta(std::string_view key, std::string_view value);

  // ---- registry rows and the change journal (for derived indexes: search) ----
  // The registry rows (residents, vehicles) kept for an entity.
  std::vector<std::pair<Source, Record>> RegistryRecords(EntityId e) const;
  // Every stored batch gets the next sequence number and a journal entry
  // (meta "journal/<seq, 8 bytes BE>" -> the entity ids it touched, 4 bytes BE
  // each) written in the same atomic batch as its data. 0 = no entry yet.
  uint64_t JournalHead() const;
  // Drops the entries with seq < before (their consumer, the search index, has
  // committed them). The newest entry is always kept, so that numbering goes on
  // after a restart. Losing a prune in a crash is harmless.
  Status PruneJournal(uint64_t before);
  // Entries with seq > after, in order; f returns false to stop.
  Status ScanJournal(uint64_t after,
                     const std::function<bool(uint64_t seq, const std::vector<EntityId>& touched)>& f) const;

  // ---- identity resolution: records merged into people ----
  // A PERSON record (a row without a valid ID number, kept under its name,
  // birth date and phone) can be merged into a person: its events then count
  // as the person's in profiles and trajectories, while both keep their ids,
  // so a merge is undone by removing it. An undone pair is "kept apart" so
  // that automatic resolution does not merge it again. Merges are few; they
  // are kept in memory as well as in the meta area (see docs/event-store.md).
  struct Merge {
    EntityId absorbed = 0, survivor = 0;
    std::string detail;  // JSON: by, actor, at, reason, evidence
  };
  std::optional<Merge> MergeOf(EntityId absorbed) const;
  std::vector<Merge> MembersOf(EntityId survivor) const;
  // The detail of the last undo of this pair, if it was undone.
  std::optional<std::string> KeptApart(EntityId absorbed, EntityId survivor) const;
  // Durable on return. Conflict "already_merged" when absorbed is merged.
  Status SetMerge(EntityId absorbed, EntityId survivor, const std::string& detail);
  // Durable on return. Conflict "not_merged" when absorbed is not merged.
  Status RemoveMerge(EntityId absorbed, const std::string& detail);
  // Called after each merge (merged = true) or undo, on the caller's thread
  // (watchlists follow the records merged into a watched person).
  using MergeListener = std::function<void(EntityId absorbed, EntityId survivor, bool merged)>;
  void AddMergeListener(MergeListener l);
  // Merges and undos touching e, oldest first (JSON objects).
  std::vector<std::string> MergeHistory(EntityId e) const;
  // Every entity of one kind, in dictionary order (PERSON records are few).
  std::vector<EntityId> EntitiesOfKind(identity::Kind kind) const;

  // Bytes on disk of the index column families and of the records.
  struct DiskUsage {
    uint64_t by_entity = 0, by_place = 0, records = 0, other = 0;
  };
  DiskUsage Usage() const;
  // Flushes memtables and waits; used by benches before measuring disk use.
  Status Compact();

  // Backup: writes every column family, as this store sees it now, to one
  // sorted SST file each in out_dir (<name>.sst; empty ones are skipped).
  // Returns the number of keys written.
  Result<int64_t> ExportSst(const std::string& out_dir) const;
  // Restore: loads the files of ExportSst into this store, which must be new
  // (nothing ingested). Reopen the store afterwards to read them.
  Status ImportSst(const std::string& in_dir);

  bool read_only() const { return read_only_; }

 private:
  friend class Writer;
  Store() = default;
  Status LoadPlaces();
  Status LoadMerges();
  using HeaderCache = std::map<uint32_t, std::vector<std::string>>;
  rocksdb::Iterator* CursorIterator(RecordCursor* c) const;
  // The columns of a stored row's header (the varint at the front of v, consumed).
  const std::vector<std::string>* HeaderOf(std::string_view* v, HeaderCache* headers) const;
  std::optional<Record> DecodeRecord(std::string_view v, HeaderCache* headers) const;
  void Notify(const std::vector<Event>& stored);
  void NotifyLinks(const std::vector<std::pair<EntityId, EntityId>>& links);
  Status ScanBlocks(size_t cf, uint32_t owner, uint32_t from, uint32_t to, uint32_t unit,
                    const std::function<bool(const Event&)>& f) const;

  std::string dir_;
  bool read_only_ = false;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cf_;  // indexed by the Cf enum in store.cpp
  std::vector<std::shared_ptr<rocksdb::ColumnFamilyOptions>> cf_options_;
  bool bulk_ = false;
  bool has_stay_index_ = false;  // "stay_index" in meta: every hotel stay was indexed by room
  uint32_t next_frag_ = 1;  // the next batch's fragment number; guarded by writer_mu_
  std::vector<uint32_t> last_slot_;  // per place: 1 + the last ten-minute slot stored (writer only)
  bool last_slot_loaded_ = false;
  mutable std::mutex places_mu_;
  std::vector<Place> places_;                                 // by id-1; guarded by places_mu_
  std::unordered_map<std::string, PlaceId> place_by_code_;   // guarded by places_mu_
  std::mutex writer_mu_;
  std::mutex listeners_mu_;
  std::vector<Listener> listeners_;  // guarded by listeners_mu_
  std::vector<LinkListener> link_listeners_;  // guarded by listeners_mu_
  struct WriteCache;
  std::unique_ptr<WriteCache> cache_;  // entity and header ids; guarded by writer_mu_
  bool needs_resume_ = false;          // a write failed: Resume() before the next; guarded by writer_mu_
  uint64_t journal_seq_ = 0;           // last journal seq handed out; guarded by writer_mu_
  // Last journal seq written, for JournalHead() without a seek backwards over
  // pruned entries (that cost grew with every batch; soak, issue #12). Only a
  // store that owns its writes keeps it; read-only and secondary ones seek.
  std::atomic<uint64_t> journal_written_{0};
  bool journal_cached_ = false;
  mutable std::mutex merges_mu_;
  std::map<EntityId, Merge> merges_;                              // by absorbed; guarded by merges_mu_
  std::map<std::pair<EntityId, EntityId>, std::string> apart_;    // guarded by merges_mu_
  uint64_t merge_seq_ = 0;                                        // guarded by merges_mu_
  std::vector<MergeListener> merge_listeners_;                    // guarded by listeners_mu_
  void NotifyMerge(EntityId absorbed, EntityId survivor, bool merged);
  Status WriteMerge(EntityId absorbed, EntityId survivor, const std::string& detail);
  Status WriteUnmerge(EntityId absorbed, const std::string& detail);
  Status WriteWithHistory(rocksdb::WriteBatch* b, EntityId absorbed, EntityId survivor, const std::string& detail);
};

// Buffers events, records, links and registry rows; Write() stores them
// atomically with counters derived from them and the meta key/values given
// (bulk stores: sorted SST files ingested across column families at once;
// otherwise one write batch), so an interrupted ingest leaves a consistent
// prefix. Commit() also makes it durable. New entities get ids at Intern.
class Writer {
 public:
  ~Writer();
  // The dense id of ref, assigning one if new.
  EntityId Intern(const identity::EntityRef& ref);
  // Adds an event with its original row (header_id from HeaderId()).
  void Add(const Event& e, uint32_t header_id, std::string_view row_values);
  // Adds a link between two identifiers (both directions).
  void Link(EntityId a, EntityId b, Source s);
  // Indexes a hotel stay by place, check-in day and room (Store::StayMates).
  void AddStay(const Event& e, std::string_view room);
  // Keeps a registry row (residents, vehicles) for an entity.
  void AddRegistryRecord(EntityId e, Source s, uint32_t header_id, std::string_view row_values);
  // A stable id for a list of column names.
  uint32_t HeaderId(const std::vector<std::string>& columns);
  // Hands the buffered batch, with these meta values, to a second thread
  // that stores it (errors surface at the next Write or Commit).
  Status Write(const std::map<std::string, std::string>& meta = {});
  // Write() and make everything written durable.
  Status Commit(const std::map<std::string, std::string>& meta = {});
  // True when an event with exactly this key is stored already.
  bool Exists(const Event& e) const;
  size_t pending() const { return pending_; }

 private:
  struct Impl;
  Status Wait();
  Status StoreBatch(Impl& batch);
  static std::vector<std::pair<std::string, uint64_t>> SumLinks(Impl& m);
  static void BuildBlocks(Impl& m, uint32_t frag, std::vector<std::pair<std::string, std::string>>* by_place,
                          std::vector<std::pair<std::string, std::string>>* by_entity);
  Status WriteBatch(Impl& batch, const std::map<std::string, uint64_t>& counters);
  Status WriteFiles(Impl& batch, const std::map<std::string, uint64_t>& counters);
  friend class Store;
  explicit Writer(events::Store* s);
  events::Store* store_;
  std::unique_ptr<Impl> impl_;
  size_t pending_ = 0;
  std::string name_buf_;
  std::future<Status> inflight_;  // the batch being stored on a second thread
  bool wal_dirty_ = false;
  std::atomic<bool> failed_{false};  // a batch of this writer was not stored
  int files_ = 0;
  std::unique_lock<std::mutex> lock_;
};

// Encodes a record's values for Writer::Add (fields joined by U+001F).
std::string EncodeValues(const std::vector<std::string_view>& values);

}  // namespace jingwu::events
