#include "events/store.h"

#include <array>

#include <absl/container/flat_hash_map.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <unistd.h>

#include "core/time.h"

namespace jingwu::events {

namespace {

enum Cf : size_t { kMeta = 0, kDict, kByEntity, kByPlace, kRecords, kCounters, kLinks, kCfCount };
constexpr const char* kCfNames[] = {"default", "dictionary", "by_entity", "by_place", "records", "counters", "links"};

// ---- big-endian fixed-width encoding, so that byte order is numeric order ----
inline void Put32(std::string* s, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
  s->append(b, 4);
}
inline uint32_t Get32(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}
inline void PutVarint(std::string* s, uint32_t v) {
  while (v >= 0x80) {
    s->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s->push_back(static_cast<char>(v));
}
inline bool GetVarint(std::string_view* in, uint32_t* v) {
  uint32_t r = 0;
  for (int shift = 0; shift <= 28 && !in->empty(); shift += 7) {
    auto b = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    r |= uint32_t{b & 0x7Fu} << shift;
    if (!(b & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

// Days since 1970-01-01 in Asia/Shanghai (a hotel stay's check-in date).
uint32_t LocalDayOf(uint32_t t) {
  return static_cast<uint32_t>((static_cast<int64_t>(t) + int64_t{kShanghaiOffsetMinutes} * 60) / 86400);
}

// records: place(4) time(4) entity(4) source(1) — the event itself
std::string PlaceKey(const Event& e) {
  std::string k;
  k.reserve(13);
  Put32(&k, e.place);
  Put32(&k, e.time);
  Put32(&k, e.entity);
  k.push_back(static_cast<char>(e.source));
  return k;
}

// ---- blocks: the two orders keep events in small packed blocks ----
// by_entity: key entity(4) · day(4, time / 86400) · fragment(4) — the entity's
//   events of that UTC day stored by one batch; value: varint n, then per
//   event varint(time - previous time, starting at the day's start) and
//   varint(place * 16 + source).
// by_place: key place(4) · slot(4, time / 600) · fragment(4) — ten minutes at
//   a place; value: varint n, then varint(time delta) and varint(entity * 16 + source).
// A fragment number is taken by each stored batch, so later batches add
// blocks beside earlier ones instead of rewriting them.
constexpr const char* kFormat = "2";
constexpr uint32_t kDaySeconds = 86400;
constexpr uint32_t kSlotSeconds = 600;

inline void PutVarint64(std::string* s, uint64_t v) {
  while (v >= 0x80) {
    s->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s->push_back(static_cast<char>(v));
}
inline bool GetVarint64(const char** p, const char* end, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift <= 63 && *p < end; shift += 7) {
    auto b = static_cast<unsigned char>(**p);
    ++*p;
    r |= uint64_t{b & 0x7Fu} << shift;
    if (!(b & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

std::string BlockKey(uint32_t a, uint32_t b, uint32_t frag) {
  std::string k;
  k.reserve(12);
  Put32(&k, a);
  Put32(&k, b);
  Put32(&k, frag);
  return k;
}

// Packs events (sorted by time) of one block; by_entity stores place, by_place entity.
std::string PackBlock(const std::vector<Event>& evs, size_t begin, size_t end, uint32_t base, bool entity_order) {
  std::string v;
  v.reserve((end - begin) * 5 + 4);
  PutVarint64(&v, end - begin);
  uint32_t prev = base;
  for (size_t i = begin; i < end; ++i) {
    const Event& e = evs[i];
    PutVarint64(&v, e.time - prev);
    prev = e.time;
    uint64_t other = entity_order ? e.place : e.entity;
    PutVarint64(&v, other * 16 + static_cast<uint8_t>(e.source));
  }
  return v;
}

// Decodes a block into out (appending); false if malformed.
bool UnpackBlock(std::string_view key, std::string_view value, bool entity_order, uint32_t unit,
                 std::vector<Event>* out) {
  if (key.size() != 12) return false;
  uint32_t owner = Get32(key.data());
  uint32_t prev = Get32(key.data() + 4) * unit;
  const char* p = value.data();
  const char* end = p + value.size();
  uint64_t n = 0;
  if (!GetVarint64(&p, end, &n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t dt = 0, packed = 0;
    if (!GetVarint64(&p, end, &dt) || !GetVarint64(&p, end, &packed)) return false;
    prev += static_cast<uint32_t>(dt);
    Event e;
    e.time = prev;
    e.source = static_cast<Source>(packed & 15);
    if (entity_order) {
      e.entity = owner;
      e.place = static_cast<PlaceId>(packed >> 4);
    } else {
      e.place = owner;
      e.entity = static_cast<EntityId>(packed >> 4);
    }
    out->push_back(e);
  }
  return true;
}

std::string CounterKey(char tag, uint32_t a) {
  std::string k(1, tag);
  Put32(&k, a);
  return k;
}

std::string U64(uint64_t v) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &v, 8);
  return s;
}
uint64_t ReadU64(const rocksdb::Slice& s) {
  uint64_t v = 0;
  if (s.size() == 8) std::memcpy(&v, s.data(), 8);
  return v;
}

// Counters and link weights: 64-bit little-endian sums.
class AddOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger*) const override {
    uint64_t sum = (existing ? ReadU64(*existing) : 0) + ReadU64(value);
    *new_value = U64(sum);
    return true;
  }
  const char* Name() const override { return "jingwu.add64"; }
};

char KindByte(identity::Kind k) { return static_cast<char>('0' + static_cast<int>(k)); }
std::string DictNameKey(const identity::EntityRef& ref) {
  std::string k = "n";
  k.push_back(KindByte(ref.kind));
  k += ref.value;
  return k;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
    return Conflict("data_folder_busy",
                       "the data folder's event store is open for writing by another jingwu process "
                       "(a running server or ingest); stop it, or ingest through POST /api/v1/sources/{name}/records");
  if (s.IsNoSpace()) return Unavailable("storage_full", "the server's disk is full; nothing was stored");
  if (s.IsIOError()) return Unavailable("storage_unavailable", std::string(what) + ": " + s.ToString());
  return Internal(std::string(what) + ": " + s.ToString());
}

std::string PlaceValue(const Place& p) {
  std::string v;
  for (const std::string* f : {&p.code, &p.kind, &p.name, &p.district_code}) {
    v += *f;
    v.push_back('\x1f');
  }
  v += std::to_string(p.lat);
  v.push_back('\x1f');
  v += std::to_string(p.lon);
  return v;
}

std::vector<std::string_view> SplitUnit(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t i = s.find('\x1f', start);
    out.push_back(s.substr(start, i == std::string_view::npos ? std::string_view::npos : i - start));
    if (i == std::string_view::npos) break;
    start = i + 1;
  }
  return out;
}

// Days since epoch of local (Asia/Shanghai) time t.
inline int64_t DayOf(uint32_t t) { return (static_cast<int64_t>(t) + kShanghaiOffsetMinutes * 60) / 86400; }

}  // namespace

namespace {
// Names of sources added as definitions (fusion::SourceRegistry), by id.
// Written once per id and never freed, so the views handed out stay valid.
std::array<std::atomic<const std::string*>, 256> g_source_names{};
}  // namespace

void RegisterSourceName(Source s, std::string_view name) {
  auto& slot = g_source_names[static_cast<uint8_t>(s)];
  const std::string* cur = slot.load();
  if (cur && *cur == name) return;
  slot.store(new std::string(name));  // an earlier name (another store in a test process) is leaked
}

std::string_view SourceName(Source s) {
  if (const std::string* n = g_source_names[static_cast<uint8_t>(s)].load()) return *n;
  switch (s) {
    case Source::kHotel: return "hotel";
    case Source::kVehiclePass: return "vehicle_pass";
    case Source::kTravel: return "travel";
    case Source::kDutyfree: return "dutyfree";
    case Source::kNetcafe: return "netcafe";
    case Source::kResidents: return "residents";
    case Source::kVehicles: return "vehicles";
    case Source::kPlaces: return "places";
  }
  return "unknown";
}

std::optional<Source> SourceFromName(std::string_view name) {
  if (name == "unknown") return std::nullopt;
  for (int i = 1; i <= 255; ++i)
    if (SourceName(static_cast<Source>(i)) == name) return static_cast<Source>(i);
  return std::nullopt;
}

uint32_t ToSeconds(Timestamp t) {
  int64_t s = t.micros / 1000000;
  if (t.micros < 0) return 0;
  return s > 0xFFFFFFFFll ? 0xFFFFFFFFu : static_cast<uint32_t>(s);
}

std::string EncodeValues(const std::vector<std::string_view>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back('\x1f');
    out.append(values[i]);
  }
  return out;
}

// ---------------------------------------------------------------------------

// Entity dictionary and header ids shared by the writers of a store. The
// dictionary is looked up once or twice per ingested row: an open-addressing
// map (one probe, no node per entry) instead of std::unordered_map.
struct Store::WriteCache {
  absl::flat_hash_map<std::string, EntityId> ids;
  EntityId next = 0;
  std::map<std::string, uint32_t> headers;
  uint32_t next_header = 0;
};

Store::~Store() {
  if (db_) {
    for (auto* h : cf_) db_->DestroyColumnFamilyHandle(h);
    db_.reset();
  }
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, OpenOptions o) {
  std::unique_ptr<Store> s(new Store());
  s->dir_ = dir;
  s->read_only_ = o.read_only;
  s->bulk_ = o.bulk;
  std::error_code ec;
  if (!o.read_only) std::filesystem::create_directories(dir, ec);

  static std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(o.block_cache_mb << 20);
  rocksdb::DBOptions dbo;
  dbo.create_if_missing = o.create;
  dbo.create_missing_column_families = true;
  dbo.atomic_flush = true;  // all column families flush together: a batch is all in or all out
  dbo.max_background_jobs = 2;
  dbo.bytes_per_sync = 1 << 20;
  dbo.db_write_buffer_size = size_t{1} << 30;
  dbo.max_open_files = 2000;
  dbo.keep_log_file_num = 3;

  auto index_opts = [&](size_t write_buffer_mb) {
    rocksdb::ColumnFamilyOptions c;
    c.write_buffer_size = write_buffer_mb << 20;
    c.max_write_buffer_number = 4;
    c.min_write_buffer_number_to_merge = 1;
    c.target_file_size_base = 64 << 20;
    c.max_bytes_for_level_base = 512 << 20;
    c.level0_file_num_compaction_trigger = 8;
    // Bulk loads ingest a sorted file per batch and column family, which lands
    // in level 0; compaction catches up in the background. Throttling the
    // loader when level 0 grows (RocksDB's default) would cap it at the
    // compaction rate, so bulk stores let level 0 grow further.
    c.level0_slowdown_writes_trigger = o.bulk ? 400 : 40;
    c.level0_stop_writes_trigger = o.bulk ? 800 : 64;
    c.soft_pending_compaction_bytes_limit = o.bulk ? (uint64_t{1} << 40) : (uint64_t{64} << 30);
    c.hard_pending_compaction_bytes_limit = o.bulk ? (uint64_t{2} << 40) : (uint64_t{256} << 30);
    c.compression = rocksdb::kLZ4Compression;
    c.bottommost_compression = rocksdb::kZSTD;
    c.compression_per_level = {rocksdb::kNoCompression, rocksdb::kLZ4Compression, rocksdb::kLZ4Compression,
                               rocksdb::kZSTD, rocksdb::kZSTD, rocksdb::kZSTD, rocksdb::kZSTD};
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    t.block_size = 16 << 10;
    t.format_version = 5;
    c.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    return c;
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (size_t i = 0; i < kCfCount; ++i) {
    rocksdb::ColumnFamilyOptions c = index_opts(i == kByEntity || i == kByPlace || i == kRecords ? 128 : 32);
    if (i == kRecords || i == kDict) {
      rocksdb::BlockBasedTableOptions t;
      t.block_cache = cache;
      t.block_size = 16 << 10;
      t.format_version = 5;
      t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      c.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
      c.compression = rocksdb::kZSTD;
      c.compression_per_level.clear();
    }
    if (i == kCounters || i == kLinks) {
      c.merge_operator = std::make_shared<AddOperator>();
      // A reader of a counter steps over every merge operand still in the
      // memtable ("T" gains one per batch): fold them after a few.
      c.max_successive_merges = 16;
    }
    cfs.emplace_back(kCfNames[i], c);
    s->cf_options_.push_back(std::make_shared<rocksdb::ColumnFamilyOptions>(c));
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status st;
  if (!o.secondary_dir.empty()) {
    // A follower keeps every table file open, so that the writer's compactions
    // cannot delete a file under it.
    s->read_only_ = true;
    dbo.max_open_files = -1;
    std::filesystem::create_directories(o.secondary_dir, ec);
    st = rocksdb::DB::OpenAsSecondary(dbo, dir, o.secondary_dir, cfs, &s->cf_, &raw);
    if (st.ok()) st = raw->TryCatchUpWithPrimary();
  } else {
    st = o.read_only ? rocksdb::DB::OpenForReadOnly(dbo, dir, cfs, &s->cf_, &raw)
                     : rocksdb::DB::Open(dbo, dir, cfs, &s->cf_, &raw);
  }
  if (!st.ok()) {
    if (o.read_only && st.IsNotFound())
      return NotFound("no_event_store", "no event store in " + dir + " (nothing ingested yet)");
    if (o.read_only && st.IsInvalidArgument() && st.ToString().find("does not exist") != std::string::npos)
      return NotFound("no_event_store", "no event store in " + dir + " (nothing ingested yet)");
    return FromRocks(st, "open " + dir);
  }
  s->db_.reset(raw);
  JW_RETURN_IF_ERROR(s->LoadPlaces());
  JW_RETURN_IF_ERROR(s->LoadMerges());
  s->has_stay_index_ = s->GetMeta("stay_index").has_value() || (s->TotalEvents() == 0 && s->EntityCount() == 0);
  if (auto f = s->GetMeta("next_fragment"); f && f->size() == 4) s->next_frag_ = Get32(f->data());
  // The layout of docs/event-store.md, version 2 (packed blocks). An older
  // store is refused with a clear message rather than read wrongly.
  auto format = s->GetMeta("format");
  if (!format && s->TotalEvents() == 0 && s->EntityCount() == 0) {
    if (!s->read_only_) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      JW_RETURN_IF_ERROR(FromRocks(s->db_->Put(wo, s->cf_[kMeta], "format", kFormat), "write format"));
      JW_RETURN_IF_ERROR(FromRocks(s->db_->Put(wo, s->cf_[kMeta], "stay_index", "1"), "write format"));
    }
  } else if (!format || *format != kFormat) {
    return Conflict("event_store_format", "the event store in " + dir + " has layout version " +
                                              (format ? *format : std::string("1")) + ", this jingwu reads " + kFormat +
                                              "; move it aside and ingest the sources again");
  }
  s->journal_seq_ = s->JournalHead();
  s->journal_written_ = s->journal_seq_;
  s->journal_cached_ = !s->read_only_;
  return s;
}

Result<int64_t> Store::ExportSst(const std::string& out_dir) const {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Internal("cannot create " + out_dir + ": " + ec.message());
  // One snapshot for every column family: the files agree with each other. A
  // read-only or follower store does not change while it is open (a follower
  // only moves on when told to catch up), and cannot take snapshots.
  const rocksdb::Snapshot* snap = read_only_ ? nullptr : db_->GetSnapshot();
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  ro.fill_cache = false;
  int64_t keys = 0;
  Status out = Status::Ok();
  for (size_t i = 0; i < kCfCount && out.ok(); ++i) {
    rocksdb::SstFileWriter w(rocksdb::EnvOptions(), rocksdb::Options(rocksdb::DBOptions(), *cf_options_[i]));
    std::string path = out_dir + "/" + kCfNames[i] + ".sst";
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_[i]));
    bool open = false;
    for (it->SeekToFirst(); it->Valid() && out.ok(); it->Next()) {
      if (!open) {
        out = FromRocks(w.Open(path), "open " + path);
        open = true;
        if (!out.ok()) break;
      }
      out = FromRocks(w.Put(it->key(), it->value()), "write " + path);
      ++keys;
    }
    if (out.ok()) out = FromRocks(it->status(), "read the event store");
    if (open && out.ok()) out = FromRocks(w.Finish(), "finish " + path);
  }
  if (snap) db_->ReleaseSnapshot(snap);
  if (!out.ok()) return out;
  return keys;
}

Status Store::ImportSst(const std::string& in_dir) {
  if (read_only_) return Conflict("read_only", "the event store is open read-only");
  if (TotalEvents() != 0 || EntityCount() != 0)
    return Conflict("store_not_empty", "a backup is restored into a new event store only");
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (size_t i = 0; i < kCfCount; ++i) {
    std::string path = in_dir + "/" + kCfNames[i] + ".sst";
    if (!std::filesystem::exists(path)) continue;
    rocksdb::IngestExternalFileArg a;
    a.column_family = cf_[i];
    a.external_files = {path};
    a.options.move_files = false;
    a.options.allow_global_seqno = true;
    a.options.allow_blocking_flush = true;
    args.push_back(std::move(a));
  }
  if (args.empty()) return Status::Ok();
  return FromRocks(db_->IngestExternalFiles(args), "restore the event store");
}

Status Store::LoadPlaces() {
  std::lock_guard lock(places_mu_);
  places_.clear();
  place_by_code_.clear();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kMeta]));
  for (it->Seek("place/"); it->Valid() && it->key().starts_with("place/"); it->Next()) {
    std::string_view k(it->key().data() + 6, it->key().size() - 6);
    if (k.size() != 4) continue;
    PlaceId id = Get32(k.data());
    auto f = SplitUnit(std::string_view(it->value().data(), it->value().size()));
    if (f.size() < 6) continue;
    Place p{id, std::string(f[0]), std::string(f[1]), std::string(f[2]), std::string(f[3]),
            std::strtod(std::string(f[4]).c_str(), nullptr), std::strtod(std::string(f[5]).c_str(), nullptr)};
    if (places_.size() < id) places_.resize(id);
    place_by_code_[p.code] = id;
    places_[id - 1] = std::move(p);
  }
  return FromRocks(it->status(), "load places");
}

const Place* Store::FindPlace(std::string_view code) const {
  std::lock_guard lock(places_mu_);
  auto it = place_by_code_.find(std::string(code));
  return it == place_by_code_.end() ? nullptr : &places_[it->second - 1];
}

const Place* Store::PlaceById(PlaceId id) const {
  std::lock_guard lock(places_mu_);
  return id >= 1 && id <= places_.size() && places_[id - 1].id == id ? &places_[id - 1] : nullptr;
}

std::vector<Place> Store::Places() const {
  std::lock_guard lock(places_mu_);
  std::vector<Place> out;
  for (const Place& p : places_)
    if (p.id) out.push_back(p);
  return out;
}

Status Store::UpsertPlaces(const std::vector<Place>& places) {
  if (read_only_) return Conflict("read_only", "the event store is open read-only");
  std::lock_guard wlock(writer_mu_);
  rocksdb::WriteBatch batch;
  {
    std::lock_guard lock(places_mu_);
    for (Place p : places) {
      auto it = place_by_code_.find(p.code);
      if (it != place_by_code_.end()) {
        p.id = it->second;
      } else {
        p.id = static_cast<PlaceId>(places_.size() + 1);
        places_.push_back(p);
        place_by_code_[p.code] = p.id;
      }
      places_[p.id - 1] = p;
      std::string key = "place/";
      Put32(&key, p.id);
      batch.Put(cf_[kMeta], key, PlaceValue(p));
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &batch), "write places");
}

std::optional<EntityId> Store::FindEntity(const identity::EntityRef& ref) const {
  std::string v;
  if (!db_->Get(rocksdb::ReadOptions(), cf_[kDict], DictNameKey(ref), &v).ok() || v.size() != 4) return std::nullopt;
  return Get32(v.data());
}

Result<identity::EntityRef> Store::EntityOf(EntityId id) const {
  std::string key = "i";
  Put32(&key, id);
  std::string v;
  if (!db_->Get(rocksdb::ReadOptions(), cf_[kDict], key, &v).ok() || v.empty())
    return NotFound("unknown_entity", "no entity with id " + std::to_string(id));
  identity::EntityRef ref;
  ref.kind = static_cast<identity::Kind>(v[0] - '0');
  ref.value = v.substr(1);
  return ref;
}

std::string Store::RefString(EntityId id) const {
  auto r = EntityOf(id);
  return r.ok() ? r->ToString() : "?";
}

namespace {
inline bool TimeLess(const Event& a, const Event& b) {
  if (a.time != b.time) return a.time < b.time;
  if (a.place != b.place) return a.place < b.place;
  if (a.entity != b.entity) return a.entity < b.entity;
  return a.source < b.source;
}
}  // namespace

// Scans the blocks of owner from the unit holding `from` to the one holding
// `to`; the fragments of one unit are merged into time order and duplicates dropped.
Status Store::ScanBlocks(size_t cf, uint32_t owner, uint32_t from, uint32_t to, uint32_t unit,
                         const std::function<bool(const Event&)>& f) const {
  bool entity_order = cf == kByEntity;
  std::string lo = BlockKey(owner, from / unit, 0);
  std::string hi = (to / unit == 0xFFFFFFFFu) ? BlockKey(owner + 1, 0, 0) : BlockKey(owner, to / unit + 1, 0);
  if (to / unit == 0xFFFFFFFFu && owner == 0xFFFFFFFFu) hi = std::string(13, '\xff');
  rocksdb::Slice upper(hi);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_[cf]));
  std::vector<Event> unit_events;
  uint32_t current = 0xFFFFFFFFu;
  bool more = true;
  auto flush = [&]() {
    std::sort(unit_events.begin(), unit_events.end(), TimeLess);
    unit_events.erase(std::unique(unit_events.begin(), unit_events.end()), unit_events.end());
    for (const Event& e : unit_events) {
      if (e.time < from || e.time > to) continue;
      if (!f(e)) {
        more = false;
        break;
      }
    }
    unit_events.clear();
  };
  for (it->Seek(lo); more && it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    if (k.size() != 12) continue;
    uint32_t u = Get32(k.data() + 4);
    if (u != current) {
      if (!unit_events.empty()) flush();
      current = u;
    }
    if (!more) break;
    if (!UnpackBlock(k, std::string_view(it->value().data(), it->value().size()), entity_order, unit, &unit_events))
      return Internal("event store: a malformed block");
  }
  if (more && !unit_events.empty()) flush();
  return FromRocks(it->status(), "scan");
}

Status Store::ScanEntity(EntityId e, uint32_t from, uint32_t to, const std::function<bool(const Event&)>& f) const {
  return ScanBlocks(kByEntity, e, from, to, kDaySeconds, f);
}

Status Store::ScanPlace(PlaceId p, uint32_t from, uint32_t to, const std::function<bool(const Event&)>& f) const {
  return ScanBlocks(kByPlace, p, from, to, kSlotSeconds, f);
}

const std::vector<std::string>* Store::HeaderOf(std::string_view* v, HeaderCache* headers) const {
  uint32_t hid = 0;
  if (!GetVarint(v, &hid)) return nullptr;
  auto h = headers->find(hid);
  if (h == headers->end()) {
    std::vector<std::string> cols;
    if (auto hv = GetMeta("header/" + std::to_string(hid)))
      for (auto c : SplitUnit(*hv)) cols.emplace_back(c);
    h = headers->emplace(hid, std::move(cols)).first;
  }
  return &h->second;
}

std::optional<Record> Store::DecodeRecord(std::string_view v, HeaderCache* headers) const {
  const std::vector<std::string>* columns = HeaderOf(&v, headers);
  if (!columns) return std::nullopt;
  Record r;
  r.columns = *columns;
  for (auto f : SplitUnit(v)) r.values.emplace_back(f);
  return r;
}

std::vector<std::optional<Record>> Store::Records(const std::vector<Event>& events) const {
  std::vector<std::string> keys;
  keys.reserve(events.size());
  for (const Event& e : events) keys.push_back(PlaceKey(e));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  if (!keys.empty())
    db_->MultiGet(rocksdb::ReadOptions(), cf_[kRecords], keys.size(), slices.data(), values.data(), statuses.data());
  std::vector<std::optional<Record>> out(keys.size());
  HeaderCache headers;
  for (size_t i = 0; i < keys.size(); ++i)
    if (statuses[i].ok()) out[i] = DecodeRecord(std::string_view(values[i].data(), values[i].size()), &headers);
  return out;
}

std::string_view Store::RecordView::Get(std::string_view column) const {
  if (!columns) return {};
  for (size_t i = 0; i < columns->size() && i < values.size(); ++i)
    if ((*columns)[i] == column) return values[i];
  return {};
}

struct Store::RecordCursor::Impl {
  std::unique_ptr<rocksdb::Iterator> it;
  HeaderCache headers;
  RecordView view;
};
Store::RecordCursor::RecordCursor() : impl_(std::make_unique<Impl>()) {}
Store::RecordCursor::~RecordCursor() = default;

// One iterator over `records` for many look-ups (creating one costs as much as a short scan).
rocksdb::Iterator* Store::CursorIterator(RecordCursor* c) const {
  if (!c->impl_->it) c->impl_->it.reset(db_->NewIterator(rocksdb::ReadOptions(), cf_[kRecords]));
  return c->impl_->it.get();
}

std::optional<std::vector<Store::Stay>> Store::StayMates(PlaceId p, uint32_t time, std::string_view room,
                                                         RecordCursor* cursor) const {
  if (!has_stay_index_) return std::nullopt;
  RecordCursor local;
  rocksdb::Iterator* it = CursorIterator(cursor ? cursor : &local);
  std::string prefix = "\xfe";
  Put32(&prefix, p);
  Put32(&prefix, LocalDayOf(time));
  prefix.append(room);
  prefix.push_back('\0');
  std::vector<Stay> out;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    rocksdb::Slice k = it->key();
    if (k.size() != prefix.size() + 4 || it->value().size() != 4) continue;
    out.push_back({Get32(k.data() + prefix.size()), Get32(it->value().data())});
  }
  return out;
}

Status Store::ScanPlaceRecords(PlaceId p, uint32_t from, uint32_t to, std::optional<Source> only,
                               const std::function<bool(const Event&, const RecordView&)>& f,
                               RecordCursor* cursor) const {
  if (from > to) return Status::Ok();
  RecordCursor local;
  RecordCursor& c = cursor ? *cursor : local;
  rocksdb::Iterator* it = CursorIterator(&c);
  std::string lo, hi;
  Put32(&lo, p);
  Put32(&lo, from);
  Put32(&hi, p);
  Put32(&hi, to);
  hi.append("\xff\xff\xff\xff\xff", 5);  // past every entity and source of the last second
  rocksdb::Slice upper(hi);
  RecordView& view = c.impl_->view;
  for (it->Seek(lo); it->Valid() && it->key().compare(upper) < 0; it->Next()) {
    rocksdb::Slice k = it->key();
    if (k.size() != 13) continue;
    Event e{Get32(k.data() + 8), Get32(k.data()), Get32(k.data() + 4), static_cast<Source>(k[12])};
    if (only && e.source != *only) continue;
    std::string_view v(it->value().data(), it->value().size());
    view.columns = HeaderOf(&v, &c.impl_->headers);
    if (!view.columns) continue;
    view.values.clear();
    for (auto field : SplitUnit(v)) view.values.push_back(field);
    if (!f(e, view)) break;
  }
  return FromRocks(it->status(), "scan records");
}

namespace {
int64_t GetCounter(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
  std::string v;
  if (!db->Get(rocksdb::ReadOptions(), cf, key, &v).ok()) return 0;
  return static_cast<int64_t>(ReadU64(v));
}
}  // namespace

std::vector<SourceDayCount> Store::CountsBySourceDay(int64_t from_day, int64_t to_day) const {
  std::vector<SourceDayCount> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kCounters]));
  for (it->Seek("S"); it->Valid() && it->key().starts_with("S"); it->Next()) {
    if (it->key().size() != 6) continue;
    int64_t day = Get32(it->key().data() + 2);
    if (day < from_day || day > to_day) continue;
    out.push_back({static_cast<Source>(it->key()[1]), day, static_cast<int64_t>(ReadU64(it->value()))});
  }
  return out;
}

std::vector<DistrictMonthCount> Store::CountsByDistrictMonth() const {
  std::vector<DistrictMonthCount> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kCounters]));
  for (it->Seek("D"); it->Valid() && it->key().starts_with("D"); it->Next()) {
    if (it->key().size() != 11) continue;
    uint32_t ym = Get32(it->key().data() + 7);
    out.push_back({std::string(it->key().data() + 1, 6), static_cast<int>(ym / 12), static_cast<int>(ym % 12) + 1,
                   static_cast<int64_t>(ReadU64(it->value()))});
  }
  return out;
}

int64_t Store::EntityEventCount(EntityId e) const { return GetCounter(db_.get(), cf_[kCounters], CounterKey('E', e)); }
int64_t Store::PlaceEventCount(PlaceId p) const { return GetCounter(db_.get(), cf_[kCounters], CounterKey('P', p)); }
int64_t Store::TotalEvents() const { return GetCounter(db_.get(), cf_[kCounters], "T"); }

int64_t Store::EntityCount() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kDict]));
  it->SeekForPrev("i\xff\xff\xff\xff");
  if (!it->Valid() || !it->key().starts_with("i") || it->key().size() != 5) return 0;
  return Get32(it->key().data() + 1);
}

std::vector<std::pair<EntityId, int64_t>> Store::BusiestEntities(size_t n) const {
  std::vector<std::pair<EntityId, int64_t>> top;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kCounters]));
  auto cmp = [](const auto& a, const auto& b) { return a.second > b.second; };
  for (it->Seek("E"); it->Valid() && it->key().starts_with("E"); it->Next()) {
    if (it->key().size() != 5) continue;
    top.emplace_back(Get32(it->key().data() + 1), static_cast<int64_t>(ReadU64(it->value())));
    std::push_heap(top.begin(), top.end(), cmp);
    if (top.size() > n) {
      std::pop_heap(top.begin(), top.end(), cmp);
      top.pop_back();
    }
  }
  std::sort(top.begin(), top.end(), cmp);
  return top;
}

std::vector<Store::Link> Store::LinksOf(EntityId e) const {
  std::vector<Link> out;
  std::string lo;
  Put32(&lo, e);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kLinks]));
  for (it->Seek(lo); it->Valid() && it->key().starts_with(lo); it->Next()) {
    if (it->key().size() != 9) continue;
    out.push_back({Get32(it->key().data() + 4), static_cast<Source>(it->key()[8]),
                   static_cast<int64_t>(ReadU64(it->value()))});
  }
  return out;
}

std::vector<std::pair<Source, Record>> Store::RegistryRecords(EntityId e) const {
  std::vector<std::pair<Source, Record>> out;
  for (Source src : {Source::kResidents, Source::kVehicles}) {
    std::string k = "\xff";
    k.push_back(static_cast<char>(src));
    Put32(&k, e);
    std::string v;
    if (!db_->Get(rocksdb::ReadOptions(), cf_[kRecords], k, &v).ok()) continue;
    std::string_view in(v);
    uint32_t hid = 0;
    if (!GetVarint(&in, &hid)) continue;
    Record r;
    if (auto hv = GetMeta("header/" + std::to_string(hid)))
      for (auto c : SplitUnit(*hv)) r.columns.emplace_back(c);
    for (auto f : SplitUnit(in)) r.values.emplace_back(f);
    out.emplace_back(src, std::move(r));
  }
  return out;
}

namespace {
constexpr std::string_view kJournalPrefix = "journal/";
std::string JournalKey(uint64_t seq) {
  std::string k(kJournalPrefix);
  Put32(&k, static_cast<uint32_t>(seq >> 32));
  Put32(&k, static_cast<uint32_t>(seq));
  return k;
}
uint64_t JournalSeqOf(const rocksdb::Slice& key) {
  if (key.size() != kJournalPrefix.size() + 8) return 0;
  const char* p = key.data() + kJournalPrefix.size();
  return (uint64_t{Get32(p)} << 32) | Get32(p + 4);
}
}  // namespace

uint64_t Store::JournalHead() const {
  if (journal_cached_) return journal_written_.load();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kMeta]));
  it->SeekForPrev(JournalKey(~uint64_t{0}));
  if (!it->Valid() || !it->key().starts_with(rocksdb::Slice(kJournalPrefix.data(), kJournalPrefix.size()))) return 0;
  return JournalSeqOf(it->key());
}

std::vector<EntityId> Store::EntitiesOfKind(identity::Kind kind) const {
  std::vector<EntityId> out;
  std::string prefix = "n";
  prefix.push_back(KindByte(kind));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kDict]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    if (it->value().size() == 4) out.push_back(Get32(it->value().data()));
  return out;
}

Status Store::PruneJournal(uint64_t before) {
  if (read_only_) return Conflict("read_only", "the event store is open read-only");
  uint64_t upto = std::min(before, JournalHead());
  if (upto <= 1) return Status::Ok();
  return FromRocks(db_->DeleteRange(rocksdb::WriteOptions(), cf_[kMeta], JournalKey(0), JournalKey(upto)),
                   "prune journal");
}

Status Store::ScanJournal(uint64_t after,
                          const std::function<bool(uint64_t, const std::vector<EntityId>&)>& f) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kMeta]));
  std::vector<EntityId> ids;
  for (it->Seek(JournalKey(after + 1));
       it->Valid() && it->key().starts_with(rocksdb::Slice(kJournalPrefix.data(), kJournalPrefix.size())); it->Next()) {
    ids.clear();
    rocksdb::Slice v = it->value();
    for (size_t i = 0; i + 4 <= v.size(); i += 4) ids.push_back(Get32(v.data() + i));
    if (!f(JournalSeqOf(it->key()), ids)) break;
  }
  return FromRocks(it->status(), "scan journal");
}

std::optional<std::string> Store::GetMeta(std::string_view key) const {
  std::string v;
  if (!db_->Get(rocksdb::ReadOptions(), cf_[kMeta], rocksdb::Slice(key.data(), key.size()), &v).ok())
    return std::nullopt;
  return v;
}

std::vector<std::pair<std::string, std::string>> Store::MetaWithPrefix(std::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_[kMeta]));
  rocksdb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next())
    out.emplace_back(it->key().ToString(), it->value().ToString());
  return out;
}

Status Store::PutMeta(std::string_view key, std::string_view value) {
  if (read_only_) return Conflict("read_only", "the event store is open read-only");
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, cf_[kMeta], rocksdb::Slice(key.data(), key.size()),
                            rocksdb::Slice(value.data(), value.size())),
                   "write meta");
}

Store::DiskUsage Store::Usage() const {
  DiskUsage u;
  for (size_t i = 0; i < kCfCount; ++i) {
    rocksdb::ColumnFamilyMetaData md;
    db_->GetColumnFamilyMetaData(cf_[i], &md);
    uint64_t bytes = md.size;
    if (i == kByEntity) u.by_entity = bytes;
    else if (i == kByPlace) u.by_place = bytes;
    else if (i == kRecords) u.records = bytes;
    else u.other += bytes;
  }
  return u;
}

Status Store::Compact() {
  if (read_only_) return Status::Ok();
  rocksdb::FlushOptions fo;
  JW_RETURN_IF_ERROR(FromRocks(db_->Flush(fo, cf_), "flush"));
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (auto* h : cf_) JW_RETURN_IF_ERROR(FromRocks(db_->CompactRange(co, h, nullptr, nullptr), "compact"));
  return Status::Ok();
}

void Store::AddListener(Listener l) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(l));
}

void Store::AddLinkListener(LinkListener l) {
  std::lock_guard lock(listeners_mu_);
  link_listeners_.push_back(std::move(l));
}

void Store::NotifyLinks(const std::vector<std::pair<EntityId, EntityId>>& links) {
  std::vector<LinkListener> copy;
  {
    std::lock_guard lock(listeners_mu_);
    copy = link_listeners_;
  }
  if (links.empty()) return;
  for (const auto& l : copy) l(links);
}

void Store::Notify(const std::vector<Event>& stored) {
  std::vector<Listener> copy;
  {
    std::lock_guard lock(listeners_mu_);
    copy = listeners_;
  }
  if (stored.empty()) return;
  for (const auto& l : copy) l(stored);
}

std::unique_ptr<Writer> Store::BeginWrite() { return std::unique_ptr<Writer>(new Writer(this)); }

// ---------------------------------------------------------------------------

// What a writer has buffered since its last Write(): events (with their
// records), registry rows, dictionary and header entries, links. Write()
// sorts and de-duplicates them, derives the counters from the events and
// stores everything atomically: as sorted SST files ingested together across
// column families (bulk), or as one WAL-logged write batch (small writes).
struct Writer::Impl {
  struct Pending {
    Event e;
    uint32_t record;  // index into records
  };
  std::vector<Pending> events;
  std::vector<std::string> records;  // encoded record values
  std::vector<std::pair<std::string, std::string>> registry;  // records CF
  std::vector<std::pair<std::string, std::string>> dict;      // dictionary CF
  std::map<std::string, std::string> meta;                    // meta CF
  struct LinkKey {
    EntityId a, b;
    Source source;
    auto operator<=>(const LinkKey&) const = default;
  };
  std::vector<LinkKey> links;                                  // both directions; summed at Write

  uint32_t frag = 0;                                           // this batch's fragment number
};

Writer::Writer(Store* s) : store_(s), impl_(std::make_unique<Impl>()), lock_(s->writer_mu_) {
  if (!store_->cache_) {
    store_->cache_ = std::make_unique<Store::WriteCache>();
    store_->cache_->ids.reserve(static_cast<size_t>(store_->EntityCount()) + (1u << 16));
  }
  auto& c = *store_->cache_;
  if (c.next == 0) c.next = static_cast<EntityId>(store_->EntityCount()) + 1;
  if (c.next_header == 0) {
    c.next_header = 1;
    std::unique_ptr<rocksdb::Iterator> it(store_->db_->NewIterator(rocksdb::ReadOptions(), store_->cf_[kMeta]));
    for (it->Seek("header/"); it->Valid() && it->key().starts_with("header/"); it->Next()) {
      uint32_t id = static_cast<uint32_t>(std::stoul(it->key().ToString().substr(7)));
      c.headers[it->value().ToString()] = id;
      c.next_header = std::max(c.next_header, id + 1);
    }
  }
}

Writer::~Writer() {
  bool stored = Wait().ok() && !failed_;
  // Ids handed out for a batch that was never stored must not be reused from the cache.
  if (!stored || !impl_->dict.empty() || !impl_->meta.empty()) store_->cache_.reset();
  // Nor its journal number: the next batch takes it.
  if (!stored) store_->journal_seq_ = store_->journal_written_.load();
}

EntityId Writer::Intern(const identity::EntityRef& ref) {
  auto& c = *store_->cache_;
  std::string& name = name_buf_;  // reused: no allocation per row on the hot path
  name.assign(1, 'n');
  name.push_back(KindByte(ref.kind));
  name += ref.value;
  auto it = c.ids.find(name);
  if (it != c.ids.end()) return it->second;
  if (auto found = store_->FindEntity(ref)) {
    c.ids.emplace(name, *found);
    return *found;
  }
  EntityId id = c.next++;
  std::string v;
  Put32(&v, id);
  std::string ikey = "i";
  Put32(&ikey, id);
  impl_->dict.emplace_back(ikey, name.substr(1));
  impl_->dict.emplace_back(name, v);
  c.ids.emplace(name, id);
  return id;
}

uint32_t Writer::HeaderId(const std::vector<std::string>& columns) {
  auto& c = *store_->cache_;
  std::string joined;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) joined.push_back('\x1f');
    joined += columns[i];
  }
  auto it = c.headers.find(joined);
  if (it != c.headers.end()) return it->second;
  uint32_t id = c.next_header++;
  impl_->meta["header/" + std::to_string(id)] = joined;
  c.headers.emplace(joined, id);
  return id;
}

void Writer::Add(const Event& e, uint32_t header_id, std::string_view row_values) {
  Impl& m = *impl_;
  std::string rec;
  rec.reserve(row_values.size() + 3);
  PutVarint(&rec, header_id);
  rec.append(row_values);
  m.events.push_back({e, static_cast<uint32_t>(m.records.size())});
  m.records.push_back(std::move(rec));
  ++pending_;
}

void Writer::Link(EntityId a, EntityId b, Source s) {
  impl_->links.push_back({a, b, s});
  impl_->links.push_back({b, a, s});
  ++pending_;
}

// The batch's links as (key, count), in key order.
std::vector<std::pair<std::string, uint64_t>> Writer::SumLinks(Impl& m) {
  std::sort(m.links.begin(), m.links.end());
  std::vector<std::pair<std::string, uint64_t>> out;
  for (size_t i = 0; i < m.links.size();) {
    size_t j = i;
    while (j < m.links.size() && m.links[j] == m.links[i]) ++j;
    std::string k;
    Put32(&k, m.links[i].a);
    Put32(&k, m.links[i].b);
    k.push_back(static_cast<char>(m.links[i].source));
    out.emplace_back(std::move(k), j - i);
    i = j;
  }
  return out;
}

void Writer::AddRegistryRecord(EntityId e, Source s, uint32_t header_id, std::string_view row_values) {
  std::string k = "\xff";
  k.push_back(static_cast<char>(s));
  Put32(&k, e);
  std::string rec;
  PutVarint(&rec, header_id);
  rec.append(row_values);
  impl_->registry.emplace_back(std::move(k), std::move(rec));
  ++pending_;
}

void Writer::AddStay(const Event& e, std::string_view room) {
  if (room.empty() || room.find('\0') != std::string_view::npos) return;
  std::string k = "\xfe";
  Put32(&k, e.place);
  Put32(&k, LocalDayOf(e.time));
  k.append(room);
  k.push_back('\0');
  Put32(&k, e.entity);
  std::string v;
  Put32(&v, e.time);
  impl_->registry.emplace_back(std::move(k), std::move(v));  // sorts after the events' rows, before 0xFF
}

bool Writer::Exists(const Event& e) const {
  bool found = false;
  Status s = store_->ScanPlace(e.place, e.time, e.time, [&](const Event& x) {
    found |= x == e;
    return !found;
  });
  return s.ok() && found;
}

namespace {

inline bool PlaceLess(const Event& a, const Event& b) {
  if (a.place != b.place) return a.place < b.place;
  if (a.time != b.time) return a.time < b.time;
  if (a.entity != b.entity) return a.entity < b.entity;
  return a.source < b.source;
}
inline bool EntityLess(const Event& a, const Event& b) {
  if (a.entity != b.entity) return a.entity < b.entity;
  if (a.time != b.time) return a.time < b.time;
  if (a.place != b.place) return a.place < b.place;
  return a.source < b.source;
}

// Sorted (key, value, is_merge) rows for one column family.
struct Rows {
  std::vector<std::pair<std::string, std::string>> puts;
  std::map<std::string, std::string> merges;
};

}  // namespace

Status Writer::Write(const std::map<std::string, std::string>& meta) {
  // The previous batch is stored on a second thread while this one filled.
  JW_RETURN_IF_ERROR(Wait());
  std::shared_ptr<Impl> batch = std::move(impl_);
  impl_ = std::make_unique<Impl>();
  for (const auto& [k, v] : meta) batch->meta[k] = v;
  batch->frag = store_->next_frag_++;
  {
    std::string f;
    Put32(&f, store_->next_frag_);
    batch->meta["next_fragment"] = f;
  }
  pending_ = 0;
  inflight_ = std::async(std::launch::async, [this, batch] { return StoreBatch(*batch); });
  return Status::Ok();
}

Status Writer::Wait() {
  if (!inflight_.valid()) return Status::Ok();
  return inflight_.get();
}

Status Writer::StoreBatch(Impl& m) {
  // Events in place order, exact duplicates dropped (an event is its key).
  std::sort(m.events.begin(), m.events.end(),
            [](const Impl::Pending& a, const Impl::Pending& b) { return PlaceLess(a.e, b.e); });
  m.events.erase(std::unique(m.events.begin(), m.events.end(),
                             [](const Impl::Pending& a, const Impl::Pending& b) { return a.e == b.e; }),
                 m.events.end());
  // Drop events stored by earlier batches (an event is its key): one look at
  // each ten-minute slot the batch touches, so re-loading rows, from any file
  // or upload, never adds or counts an event twice.
  // The last slot stored per place (known to this process), so that a batch
  // of newer events than any stored there — the usual case of time-ordered
  // feeds — needs no lookup at all.
  auto& last_slot = store_->last_slot_;
  if (!store_->last_slot_loaded_) {
    store_->last_slot_loaded_ = true;
    std::unique_ptr<rocksdb::Iterator> it(store_->db_->NewIterator(rocksdb::ReadOptions(), store_->cf_[kByPlace]));
    for (const Place& p : store_->Places()) {
      it->SeekForPrev(BlockKey(p.id, 0xFFFFFFFFu, 0xFFFFFFFFu));
      if (it->Valid() && it->key().size() == 12 && Get32(it->key().data()) == p.id) {
        if (last_slot.size() <= p.id) last_slot.resize(p.id + 1, 0);
        last_slot[p.id] = Get32(it->key().data() + 4) + 1;  // +1: 0 means none
      }
    }
  }
  auto stored_after = [&](PlaceId p, uint32_t slot) { return p < last_slot.size() && last_slot[p] >= slot + 1; };
  if (store_->TotalEvents() > 0) {
    // One iterator, seeks in ascending key order (the batch is in place order).
    std::unique_ptr<rocksdb::Iterator> it(store_->db_->NewIterator(rocksdb::ReadOptions(), store_->cf_[kByPlace]));
    std::vector<Impl::Pending> fresh;
    fresh.reserve(m.events.size());
    std::vector<Event> existing;
    for (size_t i = 0; i < m.events.size();) {
      const Event& first = m.events[i].e;
      uint32_t slot = first.time / kSlotSeconds;
      size_t j = i;
      while (j < m.events.size() && m.events[j].e.place == first.place && m.events[j].e.time / kSlotSeconds == slot) ++j;
      if (!stored_after(first.place, slot)) {
        fresh.insert(fresh.end(), m.events.begin() + static_cast<std::ptrdiff_t>(i),
                     m.events.begin() + static_cast<std::ptrdiff_t>(j));
        i = j;
        continue;
      }
      existing.clear();
      std::string prefix = BlockKey(first.place, slot, 0).substr(0, 8);
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
        if (!UnpackBlock(std::string_view(it->key().data(), it->key().size()),
                         std::string_view(it->value().data(), it->value().size()), false, kSlotSeconds, &existing))
          return Internal("event store: a malformed block");
      JW_RETURN_IF_ERROR(FromRocks(it->status(), "dedupe scan"));
      if (existing.empty()) {
        fresh.insert(fresh.end(), m.events.begin() + static_cast<std::ptrdiff_t>(i),
                     m.events.begin() + static_cast<std::ptrdiff_t>(j));
      } else {
        std::sort(existing.begin(), existing.end(), TimeLess);
        for (size_t k = i; k < j; ++k)
          if (!std::binary_search(existing.begin(), existing.end(), m.events[k].e, TimeLess))
            fresh.push_back(m.events[k]);
      }
      i = j;
    }
    if (fresh.size() != m.events.size()) m.events.swap(fresh);
  }
  // Counters from the distinct events.
  std::map<std::string, uint64_t> counters;
  {
    std::unordered_map<uint64_t, uint64_t> source_day, district_month;
    std::unordered_map<EntityId, uint64_t> per_entity;
    std::unordered_map<PlaceId, uint64_t> per_place;
    for (const auto& p : m.events) {
      const Event& e = p.e;
      int64_t day = DayOf(e.time);
      ++source_day[(uint64_t{static_cast<uint8_t>(e.source)} << 32) | static_cast<uint32_t>(day)];
      int y, mo, d;
      CivilFromDays(day, &y, &mo, &d);
      ++district_month[(uint64_t{e.place} << 32) | static_cast<uint32_t>(y * 12 + mo - 1)];
      ++per_entity[e.entity];
      ++per_place[e.place];
    }
    for (auto [k, n] : source_day) {
      std::string key = "S";
      key.push_back(static_cast<char>(k >> 32));
      Put32(&key, static_cast<uint32_t>(k));
      counters[key] += n;
    }
    for (auto [k, n] : district_month) {
      const Place* p = store_->PlaceById(static_cast<PlaceId>(k >> 32));
      std::string key = "D" + (p && p->district_code.size() == 6 ? p->district_code : std::string("000000"));
      Put32(&key, static_cast<uint32_t>(k));
      counters[key] += n;
    }
    for (auto [e, n] : per_entity) counters[CounterKey('E', e)] += n;
    for (auto [p, n] : per_place) counters[CounterKey('P', p)] += n;
    if (!m.events.empty()) counters["T"] += m.events.size();
  }
  // The journal entry: the entities this batch touches, stored with it.
  {
    std::vector<EntityId> touched;
    for (const auto& p : m.events) touched.push_back(p.e.entity);
    for (const auto& [k, v] : m.registry)
      if (k.size() == 6) touched.push_back(Get32(k.data() + 2));
    for (const auto& l : m.links) touched.push_back(l.a);
    for (const auto& [k, v] : m.dict)
      if (k.size() == 5 && k[0] == 'i') touched.push_back(Get32(k.data() + 1));
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    if (!touched.empty()) {
      std::string v;
      v.reserve(touched.size() * 4);
      for (EntityId e : touched) Put32(&v, e);
      m.meta[JournalKey(++store_->journal_seq_)] = std::move(v);
    }
  }
  if (Status w = store_->bulk_ ? WriteFiles(m, counters) : WriteBatch(m, counters); !w.ok()) {
    failed_ = true;
    return w;
  }
  store_->journal_written_ = store_->journal_seq_;
  for (const auto& p : m.events) {
    if (last_slot.size() <= p.e.place) last_slot.resize(p.e.place + 1, 0);
    last_slot[p.e.place] = std::max(last_slot[p.e.place], p.e.time / kSlotSeconds + 1);
  }
  // Tell the listeners (watchlists, the search index) what was stored: links first.
  if (!m.links.empty()) {
    std::vector<std::pair<EntityId, EntityId>> links;
    links.reserve(m.links.size());
    for (const auto& l : m.links) links.emplace_back(l.a, l.b);
    store_->NotifyLinks(links);
  }
  std::vector<Event> stored;
  stored.reserve(m.events.size());
  for (const auto& p : m.events) stored.push_back(p.e);
  store_->Notify(stored);
  return Status::Ok();
}

// The blocks of a batch's distinct events, in key order: by_place from the
// events in place order, by_entity after sorting them by entity.
void Writer::BuildBlocks(Impl& m, uint32_t frag, std::vector<std::pair<std::string, std::string>>* by_place,
                         std::vector<std::pair<std::string, std::string>>* by_entity) {
  std::vector<Event> evs;
  evs.reserve(m.events.size());
  for (const auto& p : m.events) evs.push_back(p.e);  // place order already
  for (size_t i = 0; i < evs.size();) {
    uint32_t slot = evs[i].time / kSlotSeconds;
    size_t j = i;
    while (j < evs.size() && evs[j].place == evs[i].place && evs[j].time / kSlotSeconds == slot) ++j;
    by_place->emplace_back(BlockKey(evs[i].place, slot, frag), PackBlock(evs, i, j, slot * kSlotSeconds, false));
    i = j;
  }
  std::sort(evs.begin(), evs.end(), EntityLess);
  for (size_t i = 0; i < evs.size();) {
    uint32_t day = evs[i].time / kDaySeconds;
    size_t j = i;
    while (j < evs.size() && evs[j].entity == evs[i].entity && evs[j].time / kDaySeconds == day) ++j;
    by_entity->emplace_back(BlockKey(evs[i].entity, day, frag), PackBlock(evs, i, j, day * kDaySeconds, true));
    i = j;
  }
}

Status Writer::WriteBatch(Impl& m, const std::map<std::string, uint64_t>& counters) {
  rocksdb::WriteBatch b;
  auto* cf = store_->cf_.data();
  std::vector<std::pair<std::string, std::string>> by_place, by_entity;
  BuildBlocks(m, m.frag, &by_place, &by_entity);
  for (const auto& [k, v] : by_place) b.Put(cf[kByPlace], k, v);
  for (const auto& [k, v] : by_entity) b.Put(cf[kByEntity], k, v);
  for (const auto& p : m.events) b.Put(cf[kRecords], PlaceKey(p.e), m.records[p.record]);
  for (const auto& [k, v] : m.registry) b.Put(cf[kRecords], k, v);
  for (const auto& [k, v] : m.dict) b.Put(cf[kDict], k, v);
  for (const auto& [k, v] : m.meta) b.Put(cf[kMeta], k, v);
  for (const auto& [k, n] : SumLinks(m)) b.Merge(cf[kLinks], k, U64(n));
  for (const auto& [k, n] : counters) b.Merge(cf[kCounters], k, U64(n));
  if (b.Count() == 0) return Status::Ok();
  // A failed write (a full disk) stops RocksDB's writes until it is resumed:
  // try on the next batch, so that the store recovers once the fault clears.
  if (store_->needs_resume_) {
    JW_RETURN_IF_ERROR(FromRocks(store_->db_->Resume(), "resume writing"));
    store_->needs_resume_ = false;
  }
  rocksdb::WriteOptions wo;  // WAL on; synced in Commit()
  wal_dirty_ = true;
  rocksdb::Status st = store_->db_->Write(wo, &b);
  if (!st.ok()) store_->needs_resume_ = true;
  return FromRocks(st, "write batch");
}

Status Writer::WriteFiles(Impl& m, const std::map<std::string, uint64_t>& counters) {
  std::vector<rocksdb::IngestExternalFileArg> args;
  std::string tmp = store_->dir_ + "/ingest-tmp";
  std::error_code ec;
  std::filesystem::create_directories(tmp, ec);
  // Writes one sorted SST file for column family cf via fill(writer).
  auto file = [&](size_t cf, const std::function<Status(rocksdb::SstFileWriter&)>& fill) -> Status {
    rocksdb::Options opts(rocksdb::DBOptions(), *store_->cf_options_[cf]);
    rocksdb::SstFileWriter w(rocksdb::EnvOptions(), opts, store_->cf_[cf]);
    std::string path = tmp + "/" + std::to_string(getpid()) + "-" + std::to_string(++files_) + ".sst";
    JW_RETURN_IF_ERROR(FromRocks(w.Open(path), "sst open"));
    JW_RETURN_IF_ERROR(fill(w));
    JW_RETURN_IF_ERROR(FromRocks(w.Finish(), "sst finish"));
    rocksdb::IngestExternalFileArg a;
    a.column_family = store_->cf_[cf];
    a.external_files = {path};
    a.options.move_files = true;
    a.options.allow_blocking_flush = true;
    a.options.snapshot_consistency = false;
    args.push_back(std::move(a));
    return Status::Ok();
  };
  // The sorted registry rows and stay keys, each key once (an SST takes no duplicates).
  auto put_registry = [&](rocksdb::SstFileWriter& w) -> Status {
    const std::string* last = nullptr;
    for (const auto& [k, v] : m.registry) {
      if (last && *last == k) continue;
      JW_RETURN_IF_ERROR(FromRocks(w.Put(k, v), "sst put"));
      last = &k;
    }
    return Status::Ok();
  };
  if (!m.events.empty()) {
    std::vector<std::pair<std::string, std::string>> by_place, by_entity;
    BuildBlocks(m, m.frag, &by_place, &by_entity);
    JW_RETURN_IF_ERROR(file(kByPlace, [&](rocksdb::SstFileWriter& w) {
      for (const auto& [k, v] : by_place) JW_RETURN_IF_ERROR(FromRocks(w.Put(k, v), "sst put"));
      return Status::Ok();
    }));
    // Records: the events' rows in place order, then the stay index (0xFE) and registry rows (0xFF), which sort last.
    std::sort(m.registry.begin(), m.registry.end());
    JW_RETURN_IF_ERROR(file(kRecords, [&](rocksdb::SstFileWriter& w) {
      for (const auto& p : m.events) JW_RETURN_IF_ERROR(FromRocks(w.Put(PlaceKey(p.e), m.records[p.record]), "sst put"));
      return put_registry(w);
    }));
    JW_RETURN_IF_ERROR(file(kByEntity, [&](rocksdb::SstFileWriter& w) {
      for (const auto& [k, v] : by_entity) JW_RETURN_IF_ERROR(FromRocks(w.Put(k, v), "sst put"));
      return Status::Ok();
    }));
  } else if (!m.registry.empty()) {
    std::sort(m.registry.begin(), m.registry.end());
    JW_RETURN_IF_ERROR(file(kRecords, put_registry));
  }
  if (!m.dict.empty()) {
    std::sort(m.dict.begin(), m.dict.end());
    JW_RETURN_IF_ERROR(file(kDict, [&](rocksdb::SstFileWriter& w) {
      for (const auto& [k, v] : m.dict) JW_RETURN_IF_ERROR(FromRocks(w.Put(k, v), "sst put"));
      return Status::Ok();
    }));
  }
  if (!m.meta.empty()) {
    JW_RETURN_IF_ERROR(file(kMeta, [&](rocksdb::SstFileWriter& w) {
      for (const auto& [k, v] : m.meta) JW_RETURN_IF_ERROR(FromRocks(w.Put(k, v), "sst put"));
      return Status::Ok();
    }));
  }
  if (!m.links.empty()) {
    JW_RETURN_IF_ERROR(file(kLinks, [&](rocksdb::SstFileWriter& w) {
      for (const auto& [k, n] : SumLinks(m)) JW_RETURN_IF_ERROR(FromRocks(w.Merge(k, U64(n)), "sst merge"));
      return Status::Ok();
    }));
  }
  if (!counters.empty()) {
    JW_RETURN_IF_ERROR(file(kCounters, [&](rocksdb::SstFileWriter& w) {
      for (const auto& [k, n] : counters) JW_RETURN_IF_ERROR(FromRocks(w.Merge(k, U64(n)), "sst merge"));
      return Status::Ok();
    }));
  }
  if (args.empty()) return Status::Ok();
  // All column families at once: after a crash, all of the batch or none of it.
  return FromRocks(store_->db_->IngestExternalFiles(args), "ingest files");
}

Status Writer::Commit(const std::map<std::string, std::string>& meta) {
  JW_RETURN_IF_ERROR(Write(meta));
  JW_RETURN_IF_ERROR(Wait());
  if (wal_dirty_) {
    wal_dirty_ = false;
    return FromRocks(store_->db_->SyncWAL(), "sync");
  }
  return Status::Ok();  // ingested files are synced by RocksDB
}

}  // namespace jingwu::events
