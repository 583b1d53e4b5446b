// Identity resolution's storage: which PERSON records are merged into which
// people, the pairs kept apart after an undo, and the history of both.
//
// Meta keys (column family "default", docs/event-store.md):
//   merge/<absorbed 8 hex>                -> <survivor 8 hex> '\n' detail JSON
//   apart/<absorbed 8 hex><survivor 8 hex> -> detail JSON of the last undo
//   mergelog/<entity 8 hex>/<seq 16 hex>   -> history entry JSON (written for both sides)
//   merge_seq                              -> the last history seq (16 hex)
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdio>
#include <memory>

#include "events/store.h"

namespace jingwu::events {

namespace {

constexpr size_t kMetaCf = 0;  // the meta ("default") column family, Cf kMeta in store.cpp

std::string Hex(uint64_t v, int digits) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}
uint64_t FromHex(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = v * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  return v;
}
bool IsHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Status Rocks(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return Status::Ok();
  return Internal(std::string(what) + ": " + s.ToString());
}

// Visits meta keys starting with prefix.
template <typename F>
Status ScanPrefix(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const std::string& prefix, F f) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    f(std::string_view(it->key().data(), it->key().size()), std::string_view(it->value().data(), it->value().size()));
  return Rocks(it->status(), "scan merges");
}

}  // namespace

Status Store::LoadMerges() {
  std::lock_guard lock(merges_mu_);
  merges_.clear();
  apart_.clear();
  rocksdb::DB* db = db_.get();
  JW_RETURN_IF_ERROR(ScanPrefix(db, cf_[kMetaCf], "merge/", [&](std::string_view k, std::string_view v) {
    std::string_view a = k.substr(6);
    if (a.size() != 8 || !IsHex(a) || v.size() < 9 || v[8] != '\n') return;
    Merge m{static_cast<EntityId>(FromHex(a)), static_cast<EntityId>(FromHex(v.substr(0, 8))), std::string(v.substr(9))};
    merges_[m.absorbed] = std::move(m);
  }));
  JW_RETURN_IF_ERROR(ScanPrefix(db, cf_[kMetaCf], "apart/", [&](std::string_view k, std::string_view v) {
    std::string_view p = k.substr(6);
    if (p.size() != 16 || !IsHex(p)) return;
    apart_[{static_cast<EntityId>(FromHex(p.substr(0, 8))), static_cast<EntityId>(FromHex(p.substr(8)))}] = std::string(v);
  }));
  if (auto v = GetMeta("merge_seq"); v && IsHex(*v)) merge_seq_ = FromHex(*v);
  return Status::Ok();
}

std::optional<Store::Merge> Store::MergeOf(EntityId absorbed) const {
  std::lock_guard lock(merges_mu_);
  auto it = merges_.find(absorbed);
  if (it == merges_.end()) return std::nullopt;
  return it->second;
}

std::vector<Store::Merge> Store::MembersOf(EntityId survivor) const {
  std::lock_guard lock(merges_mu_);
  std::vector<Merge> out;
  for (const auto& [a, m] : merges_)
    if (m.survivor == survivor) out.push_back(m);
  return out;
}

std::optional<std::string> Store::KeptApart(EntityId absorbed, EntityId survivor) const {
  std::lock_guard lock(merges_mu_);
  auto it = apart_.find({absorbed, survivor});
  if (it == apart_.end()) return std::nullopt;
  return it->second;
}

void Store::AddMergeListener(MergeListener l) {
  std::lock_guard lock(listeners_mu_);
  merge_listeners_.push_back(std::move(l));
}

void Store::NotifyMerge(EntityId absorbed, EntityId survivor, bool merged) {
  std::vector<MergeListener> ls;
  {
    std::lock_guard lock(listeners_mu_);
    ls = merge_listeners_;
  }
  for (const auto& l : ls) l(absorbed, survivor, merged);
}

Status Store::SetMerge(EntityId absorbed, EntityId survivor, const std::string& detail) {
  JW_RETURN_IF_ERROR(WriteMerge(absorbed, survivor, detail));
  NotifyMerge(absorbed, survivor, true);
  return Status::Ok();
}

Status Store::RemoveMerge(EntityId absorbed, const std::string& detail) {
  std::optional<Merge> m = MergeOf(absorbed);
  JW_RETURN_IF_ERROR(WriteUnmerge(absorbed, detail));
  NotifyMerge(absorbed, m ? m->survivor : 0, false);
  return Status::Ok();
}

// Adds the history entry (on both sides) to b and writes it, synced.
Status Store::WriteWithHistory(rocksdb::WriteBatch* b, EntityId absorbed, EntityId survivor, const std::string& detail) {
  uint64_t seq = merge_seq_ + 1;
  b->Put(cf_[kMetaCf], "mergelog/" + Hex(absorbed, 8) + "/" + Hex(seq, 16), detail);
  b->Put(cf_[kMetaCf], "mergelog/" + Hex(survivor, 8) + "/" + Hex(seq, 16), detail);
  b->Put(cf_[kMetaCf], "merge_seq", Hex(seq, 16));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  JW_RETURN_IF_ERROR(Rocks(db_->Write(wo, b), "write merge"));
  merge_seq_ = seq;
  return Status::Ok();
}

Status Store::WriteMerge(EntityId absorbed, EntityId survivor, const std::string& detail) {
  if (read_only_) return Conflict("read_only", "the event store is open read-only");
  if (absorbed == survivor) return InvalidArgument("not_mergeable", "an entity cannot be merged into itself");
  std::lock_guard lock(merges_mu_);
  if (merges_.contains(absorbed)) return Conflict("already_merged", "this record is merged already; undo that first");
  rocksdb::WriteBatch b;
  b.Put(cf_[kMetaCf], "merge/" + Hex(absorbed, 8), Hex(survivor, 8) + "\n" + detail);
  JW_RETURN_IF_ERROR(WriteWithHistory(&b, absorbed, survivor, detail));
  merges_[absorbed] = Merge{absorbed, survivor, detail};
  return Status::Ok();
}

Status Store::WriteUnmerge(EntityId absorbed, const std::string& detail) {
  if (read_only_) return Conflict("read_only", "the event store is open read-only");
  std::lock_guard lock(merges_mu_);
  auto it = merges_.find(absorbed);
  if (it == merges_.end()) return Conflict("not_merged", "this record is not merged into anyone");
  EntityId survivor = it->second.survivor;
  rocksdb::WriteBatch b;
  b.Delete(cf_[kMetaCf], "merge/" + Hex(absorbed, 8));
  b.Put(cf_[kMetaCf], "apart/" + Hex(absorbed, 8) + Hex(survivor, 8), detail);
  JW_RETURN_IF_ERROR(WriteWithHistory(&b, absorbed, survivor, detail));
  merges_.erase(it);
  apart_[{absorbed, survivor}] = detail;
  return Status::Ok();
}

std::vector<std::string> Store::MergeHistory(EntityId e) const {
  std::vector<std::string> out;
  (void)ScanPrefix(db_.get(), cf_[kMetaCf], "mergelog/" + Hex(e, 8) + "/",
                   [&](std::string_view, std::string_view v) { out.emplace_back(v); });
  return out;
}

}  // namespace jingwu::events
