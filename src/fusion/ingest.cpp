#include "fusion/ingest.h"

#include <sodium.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "core/utf8.h"
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/crypto.h"
#include "core/csv.h"
#include "core/time.h"

namespace jingwu::fusion {

using events::Source;

namespace {

using Clock = std::chrono::steady_clock;

struct Reject {
  const char* reason;
  std::string message;
};

// Column positions of the places file's fields (-1 when absent).
struct Columns {
  int code = -1, kind = -1, name = -1, district = -1, lat = -1, lon = -1;
};

// Where a definition's identifier is in the header.
struct IdColumns {
  const IdentifierSpec* spec = nullptr;
  int col = -1, type = -1, nat = -1;
};

int IndexOf(const std::vector<std::string>& header, std::string_view name) {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

class Loader {
 public:
  Loader(events::Store& store, const SourceDef& def, const IngestOptions& opt, IngestReport* report)
      : store_(store), def_(def), source_(def.source()), places_kind_(def.kind == "places"),
        registry_kind_(def.kind == "registry"), opt_(opt), report_(report) {}

  Status SetHeader(std::vector<std::string> header) {
    for (auto& h : header) {
      // A UTF-8 byte-order mark and surrounding spaces are not part of a name.
      if (h.rfind("\xEF\xBB\xBF", 0) == 0) h.erase(0, 3);
      while (!h.empty() && h.back() == ' ') h.pop_back();
      while (!h.empty() && h.front() == ' ') h.erase(0, 1);
    }
    std::vector<std::string> missing;
    for (const auto& c : def_.RequiredColumns())
      if (IndexOf(header, c) < 0) missing.push_back(c);
    if (!missing.empty()) {
      std::string m;
      for (const auto& c : missing) m += (m.empty() ? "" : ", ") + c;
      return InvalidArgument("missing_columns", "the " + def_.name + " file lacks required column(s): " + m +
                                                    "; nothing was loaded");
    }
    header_ = std::move(header);
    Columns& c = cols_;
    c.code = IndexOf(header_, "code");
    c.kind = IndexOf(header_, "kind");
    c.name = IndexOf(header_, "name");
    c.district = IndexOf(header_, "district_code");
    c.lat = IndexOf(header_, "lat");
    c.lon = IndexOf(header_, "lon");
    auto id_columns = [&](const IdentifierSpec& sp) {
      return IdColumns{&sp, IndexOf(header_, sp.column), sp.id_type.empty() ? -1 : IndexOf(header_, sp.id_type),
                       sp.nationality.empty() ? -1 : IndexOf(header_, sp.nationality)};
    };
    for (const auto& sp : def_.subjects) subjects_.push_back(id_columns(sp));
    for (const auto& sp : def_.links) links_.push_back(id_columns(sp));
    place_col_ = def_.place_column.empty() ? -1 : IndexOf(header_, def_.place_column);
    time_col_ = def_.time_column.empty() ? -1 : IndexOf(header_, def_.time_column);
    end_col_ = def_.end_column.empty() ? -1 : IndexOf(header_, def_.end_column);
    room_col_ = def_.stay_room.empty() ? -1 : IndexOf(header_, def_.stay_room);
    if (!def_.unresolved_name.empty()) {
      un_name_ = IndexOf(header_, def_.unresolved_name);
      un_birth_ = IndexOf(header_, def_.unresolved_birth_date);
      un_phone_ = IndexOf(header_, def_.unresolved_phone);
    }
    for (const auto& spec : def_.columns) {
      if (places_kind_) continue;
      bool checks = spec.not_empty || spec.type != "text" || spec.max_length > 0;
      if (checks) checks_.push_back({IndexOf(header_, spec.name), &spec});
    }
    if (!places_kind_) {
      writer_ = store_.BeginWrite();
      header_id_ = writer_->HeaderId(header_);
    }
    return Status::Ok();
  }

  const std::vector<std::string>& header() const { return header_; }

  // Validates one row and, unless skip_write, buffers what it yields.
  void Row(int64_t line, const std::vector<std::string_view>& f, bool skip_write) {
    ++report_->rows;
    unresolved_ = 0;
    int64_t already = report_->already;
    Reject r = Check(f, skip_write);
    if (r.reason) {
      AddReject(line, r, f);
      return;
    }
    report_->unresolved += unresolved_;
    // accepted counts what this run stored; rows stored before count as already.
    if (skip_write) ++report_->already;
    else if (report_->already == already) ++report_->accepted;
  }

  void AddReject(int64_t line, const Reject& r, const std::vector<std::string_view>& f) {
    ++report_->rejected;
    ++report_->rejects_by_reason[r.reason];
    if (rejects_out_) {
      std::vector<std::string> row(f.begin(), f.end());
      row.emplace_back(r.reason);
      rejects_buf_.clear();
      AppendCsvExportRow(&rejects_buf_, row);
      std::fwrite(rejects_buf_.data(), 1, rejects_buf_.size(), rejects_out_);
    }
    if (report_->rejects.size() < opt_.keep_rejects)
      report_->rejects.push_back({line, r.reason, r.message, std::vector<std::string>(f.begin(), f.end())});
  }

  Status OpenRejects(const std::string& path) {
    if (path.empty() || path == "-") return Status::Ok();
    rejects_out_ = std::fopen(path.c_str(), "w");
    if (!rejects_out_) return Internal("cannot write " + path);
    std::vector<std::string> h = header_;
    h.emplace_back("reason");
    std::string s;
    AppendCsvExportRow(&s, h);
    std::fwrite(s.data(), 1, s.size(), rejects_out_);
    return Status::Ok();
  }

  bool BatchFull() const { return writer_ && writer_->pending() >= opt_.batch_rows; }

  Status Flush(const std::map<std::string, std::string>& meta, bool commit) {
    if (places_kind_) {
      if (!commit) return Status::Ok();
      Status s = store_.UpsertPlaces(places_);
      places_.clear();
      return s;
    }
    if (!writer_) return Status::Ok();
    if (!def_.builtin && report_->accepted > 0 && !used_marked_) {
      // Rows of a defined source are stored: its interpretation is now fixed (SourceRegistry::Add).
      auto m = meta;
      m["source_used/" + def_.name] = "1";
      used_marked_ = true;
      return commit ? writer_->Commit(m) : writer_->Write(m);
    }
    return commit ? writer_->Commit(meta) : writer_->Write(meta);
  }

  ~Loader() {
    if (rejects_out_) std::fclose(rejects_out_);
  }

 private:
  static std::string_view Field(const std::vector<std::string_view>& f, int i) {
    return i >= 0 && static_cast<size_t>(i) < f.size() ? f[i] : std::string_view();
  }

  // A person from id_type/id_number/nationality columns.
  Reject Person(const std::vector<std::string_view>& f, int type_col, int number_col, int nat_col,
                identity::EntityRef* out) {
    std::string_view type = Field(f, type_col);
    std::string_view number = Field(f, number_col);
    if (number.empty()) return {reason::kMissingField, "id_number is empty"};
    bool passport = type == "PASSPORT" || type == "passport";
    if (!passport && !(type.empty() || type == "ID" || type == "id"))
      return {reason::kInvalidIdType, "id_type must be ID or PASSPORT"};
    if (!passport) {
      auto id = identity::ParseIdNumber(number);
      if (!id.ok()) return {reason::kInvalidIdNumber, id.status().message()};
      *out = {identity::Kind::kId, std::move(id->number)};
      return {};
    }
    std::string text(number);
    if (text.find('/') == std::string::npos) {
      std::string_view nat = Field(f, nat_col);
      if (nat.empty()) return {reason::kInvalidPassport, "a passport needs a nationality (NAT/NUMBER or the nationality column)"};
      text = std::string(nat) + "/" + text;
    }
    auto p = identity::ParsePassport(text);
    if (!p.ok()) return {reason::kInvalidPassport, p.status().message()};
    *out = {identity::Kind::kPassport, p->ToString()};
    return {};
  }

  // A row whose ID number is missing or invalid but which gives a name, a
  // birth date and a phone: kept under PERSON:NAME/YYYYMMDD/PHONE.
  bool Unresolved(const std::vector<std::string_view>& f, const IdColumns& c, const Reject& r,
                  identity::EntityRef* out) {
    if (r.reason != reason::kMissingField && r.reason != reason::kInvalidIdNumber) return false;
    if (un_name_ < 0 && un_birth_ < 0 && un_phone_ < 0) return false;
    std::string_view birth = Field(f, un_birth_), phone = Field(f, un_phone_), name = Field(f, un_name_);
    if (birth.empty() || phone.empty() || name.empty()) return false;
    std::string_view type = Field(f, c.type);
    if (type == "PASSPORT" || type == "passport") return false;
    auto key = identity::MakePersonKey(name, birth, phone);
    if (!key.ok()) return false;
    *out = {identity::Kind::kPerson, key->ToString()};
    ++unresolved_;
    return true;
  }

  // One identifier of a row; *present stays false for an optional one left empty.
  Reject Identifier(const std::vector<std::string_view>& f, const IdColumns& c, identity::EntityRef* out,
                    bool* present) {
    *present = false;
    std::string_view value = Field(f, c.col);
    if (c.spec->optional && value.empty()) return {};
    switch (c.spec->kind) {
      case identity::Kind::kId: {
        if (c.type < 0 && c.spec->id_type.empty()) {  // ID numbers only (an internet café's login)
          auto id = identity::ParseIdNumber(value);
          if (!id.ok()) return {reason::kInvalidIdNumber, id.status().message()};
          *out = {identity::Kind::kId, std::move(id->number)};
        } else {
          Reject r = Person(f, c.type, c.col, c.nat, out);
          if (r.reason) return r;
        }
        break;
      }
      case identity::Kind::kPlate: {
        auto plate = identity::ParsePlate(value);
        if (!plate.ok()) return {reason::kInvalidPlate, plate.status().message()};
        *out = {identity::Kind::kPlate, std::move(plate->plate)};
        break;
      }
      case identity::Kind::kPhone: {
        auto p = identity::ParsePhone(value);
        if (!p.ok()) return {reason::kInvalidPhone, p.status().message()};
        *out = {identity::Kind::kPhone, std::move(*p)};
        break;
      }
      case identity::Kind::kCard: {
        auto card = identity::ParseCard(value);
        if (!card.ok()) return {reason::kInvalidCard, card.status().message()};
        *out = {identity::Kind::kCard, std::move(*card)};
        break;
      }
      default: return {reason::kInvalidValue, "unsupported identifier kind"};
    }
    *present = true;
    return {};
  }

  // The column validations of a defined source.
  Reject CheckColumn(const std::vector<std::string_view>& f, int col, const ColumnSpec& spec) {
    if (col < 0) return {};  // an optional column the file does not have
    std::string_view v = Field(f, col);
    if (v.empty()) {
      if (spec.not_empty) return {reason::kMissingField, "column " + spec.name + " is empty"};
      return {};
    }
    const std::string& t = spec.type;
    auto bad = [&](const char* why, std::string what) { return Reject{why, "column " + spec.name + ": " + what}; };
    if (t == "text") {
      if (spec.max_length && Utf8Length(v) > spec.max_length)
        return bad(reason::kInvalidValue, "longer than " + std::to_string(spec.max_length) + " characters");
    } else if (t == "enum") {
      if (std::find(spec.values.begin(), spec.values.end(), v) == spec.values.end()) {
        std::string allowed;
        for (const auto& x : spec.values) allowed += (allowed.empty() ? "" : ", ") + x;
        return bad(reason::kInvalidValue, "'" + std::string(v) + "' is not one of " + allowed);
      }
    } else if (t == "int" || t == "number") {
      std::string text(v);
      char* end = nullptr;
      errno = 0;
      double d = t == "int" ? static_cast<double>(std::strtoll(text.c_str(), &end, 10)) : std::strtod(text.c_str(), &end);
      if (*end || errno || !std::isfinite(d))
        return bad(reason::kInvalidValue, t == "int" ? "not a whole number" : "not a number");
      if ((spec.min && d < *spec.min) || (spec.max && d > *spec.max))
        return bad(reason::kInvalidValue, text + " is outside " + NumberText(spec.min) + "…" + NumberText(spec.max));
    } else if (t == "time") {
      auto ts = ParseTime(v);
      if (!ts.ok()) return bad(reason::kInvalidTime, ts.status().message());
    } else if (t == "date") {
      auto d = identity::ParseBirthDate(v);
      if (!d.ok()) return bad(reason::kInvalidTime, "not a date (YYYY-MM-DD)");
    } else if (t == "id_number") {
      auto id = identity::ParseIdNumber(v);
      if (!id.ok()) return bad(reason::kInvalidIdNumber, id.status().message());
    } else if (t == "plate") {
      auto p = identity::ParsePlate(v);
      if (!p.ok()) return bad(reason::kInvalidPlate, p.status().message());
    } else if (t == "phone") {
      auto p = identity::ParsePhone(v);
      if (!p.ok()) return bad(reason::kInvalidPhone, p.status().message());
    } else if (t == "card") {
      auto c = identity::ParseCard(v);
      if (!c.ok()) return bad(reason::kInvalidCard, c.status().message());
    }
    return {};
  }

  static size_t Utf8Length(std::string_view v) {
    size_t n = 0;
    for (unsigned char ch : v) n += (ch & 0xC0) != 0x80;
    return n;
  }
  static std::string NumberText(const std::optional<double>& d) {
    if (!d) return "";
    char b[32];
    std::snprintf(b, sizeof b, "%g", *d);
    return b;
  }

  Reject Time(std::string_view text, uint32_t* out) {
    if (text.empty()) return {reason::kMissingField, "the time is empty"};
    auto t = ParseTime(text);
    if (!t.ok()) return {reason::kInvalidTime, t.status().message()};
    if (t->micros < 0 || t->micros / 1000000 > 0xFFFFFFFFll) return {reason::kInvalidTime, "time out of range"};
    *out = events::ToSeconds(*t);
    return {};
  }

  Reject Check(const std::vector<std::string_view>& f, bool skip_write) {
    if (f.size() != header_.size())
      return {reason::kMalformedRow, "expected " + std::to_string(header_.size()) + " fields, found " +
                                         std::to_string(f.size())};
    // Text is stored as it came: it must be UTF-8 and free of NUL (never
    // replaced by U+FFFD or cut at the NUL).
    for (size_t i = 0; i < f.size(); ++i) {
      if (!simdjson::validate_utf8(f[i].data(), f[i].size()))
        return {reason::kInvalidEncoding, "column " + header_[i] + " is not valid UTF-8"};
      if (f[i].find('\0') != std::string_view::npos)
        return {reason::kInvalidValue, "column " + header_[i] + " holds a NUL character"};
    }
    if (places_kind_) return PlaceRow(f);
    // The subjects: the first may fall back to a PERSON reference.
    size_t n = 0;
    for (size_t i = 0; i < subjects_.size(); ++i) {
      bool present = false;
      Reject r = Identifier(f, subjects_[i], &refs_[n], &present);
      if (r.reason) {
        if (i != 0 || !Unresolved(f, subjects_[i], r, &refs_[n])) return r;
        present = true;
      }
      if (present) ++n;
    }
    if (n == 0) return {reason::kMissingField, "the row names none of its subjects"};
    events::PlaceId place_id = 0;
    uint32_t t = 0;
    if (!registry_kind_) {
      std::string_view code = Field(f, place_col_);
      if (code.empty()) return {reason::kMissingField, "the place code is empty"};
      code_buf_.assign(code);
      auto cached = place_ids_.find(code_buf_);
      if (cached != place_ids_.end()) {
        place_id = cached->second;
      } else {
        const events::Place* place = store_.FindPlace(code);
        place_id = place ? place->id : 0;
        if (place && !def_.place_kinds.empty() &&
            std::find(def_.place_kinds.begin(), def_.place_kinds.end(), place->kind) == def_.place_kinds.end())
          place_id = kWrongKind;
        place_ids_.emplace(code_buf_, place_id);
      }
      if (!place_id) return {reason::kUnknownPlace, "unknown place code " + std::string(code)};
      if (place_id == kWrongKind) {
        std::string kinds;
        for (const auto& k : def_.place_kinds) kinds += (kinds.empty() ? "" : " or ") + k;
        return {reason::kUnknownPlace, "place " + std::string(code) + " is not a " + kinds};
      }
      Reject r = Time(Field(f, time_col_), &t);
      if (r.reason) return r;
      if (def_.reject_future && static_cast<int64_t>(t) > now_ + 300)
        return {reason::kInvalidTime, def_.time_column + " is in the future"};
      if (std::string_view end = Field(f, end_col_); !end.empty()) {
        uint32_t e = 0;
        r = Time(end, &e);
        if (r.reason) return {r.reason, header_[static_cast<size_t>(end_col_)] + ": " + r.message};
        if (e < t) return {reason::kInvalidTime, header_[static_cast<size_t>(end_col_)] + " is before the start"};
      }
    }
    size_t nl = 0;
    for (const auto& lc : links_) {
      bool present = false;
      Reject r = Identifier(f, lc, &link_refs_[nl], &present);
      if (r.reason) return r;
      if (present) ++nl;
    }
    for (const auto& [col, spec] : checks_) {
      Reject r = CheckColumn(f, col, *spec);
      if (r.reason) return r;
    }
    if (skip_write) return {};
    events::EntityId ids[kMaxSubjects];
    for (size_t i = 0; i < n; ++i) ids[i] = writer_->Intern(refs_[i]);
    if (registry_kind_) {
      for (size_t i = 0; i < nl; ++i) writer_->Link(ids[0], writer_->Intern(link_refs_[i]), source_);
      writer_->AddRegistryRecord(ids[0], source_, header_id_, Encode(f));
      return {};
    }
    if (opt_.check_existing) {
      // Stored before, or earlier in this upload: counted as already, not accepted twice.
      bool all = true;
      for (size_t i = 0; i < n && all; ++i) {
        events::Event ev{ids[i], place_id, t, source_};
        all = seen_.count(EventKey(ev)) || writer_->Exists(ev);
      }
      if (all) {
        ++report_->already;
        return {};
      }
      for (size_t i = 0; i < n; ++i) seen_.insert(EventKey({ids[i], place_id, t, source_}));
    }
    std::string row = Encode(f);
    for (size_t i = 0; i < n; ++i) {
      events::Event ev{ids[i], place_id, t, source_};
      writer_->Add(ev, header_id_, row);
      if (i == 0 && room_col_ >= 0) writer_->AddStay(ev, Field(f, room_col_));
      if (i > 0) writer_->Link(ids[0], ids[i], source_);
    }
    for (size_t i = 0; i < nl; ++i) writer_->Link(ids[0], writer_->Intern(link_refs_[i]), source_);
    return {};
  }

  Reject PlaceRow(const std::vector<std::string_view>& f) {
    const Columns& c = cols_;
    events::Place p;
    p.code = std::string(Field(f, c.code));
    p.kind = std::string(Field(f, c.kind));
    p.name = std::string(Field(f, c.name));
    p.district_code = std::string(Field(f, c.district));
    if (p.code.empty() || p.name.empty()) return {reason::kMissingField, "code and name are required"};
    bool kind_ok = false;
    for (const char* k : kPlaceKinds) kind_ok |= p.kind == k;
    if (!kind_ok) return {reason::kInvalidValue, "unknown place kind " + p.kind};
    if (p.district_code.size() != 6 || p.district_code.find_first_not_of("0123456789") != std::string::npos)
      return {reason::kInvalidValue, "district_code must be a six-digit GB/T 2260 code"};
    char* end = nullptr;
    std::string lat(Field(f, c.lat)), lon(Field(f, c.lon));
    p.lat = std::strtod(lat.c_str(), &end);
    if (lat.empty() || *end || p.lat < -90 || p.lat > 90) return {reason::kInvalidValue, "lat must be a WGS-84 latitude"};
    p.lon = std::strtod(lon.c_str(), &end);
    if (lon.empty() || *end || p.lon < -180 || p.lon > 180)
      return {reason::kInvalidValue, "lon must be a WGS-84 longitude"};
    places_.push_back(std::move(p));
    return {};
  }

  std::string Encode(const std::vector<std::string_view>& f) { return events::EncodeValues(f); }

  static constexpr size_t kMaxSubjects = 4;
  static constexpr events::PlaceId kWrongKind = 0xFFFFFFFFu;
  events::Store& store_;
  const SourceDef& def_;
  Source source_;
  bool places_kind_, registry_kind_;
  const IngestOptions& opt_;
  IngestReport* report_;
  std::vector<std::string> header_;
  Columns cols_;
  std::vector<IdColumns> subjects_, links_;
  int place_col_ = -1, time_col_ = -1, end_col_ = -1, room_col_ = -1;
  int un_name_ = -1, un_birth_ = -1, un_phone_ = -1;
  std::vector<std::pair<int, const ColumnSpec*>> checks_;
  identity::EntityRef refs_[kMaxSubjects];
  identity::EntityRef link_refs_[8];
  int64_t now_ = SystemClock().Now().micros / 1000000;
  bool used_marked_ = false;
  // Events of this upload (check_existing), by entity, place and time.
  static std::tuple<uint32_t, uint32_t, uint32_t> EventKey(const events::Event& e) { return {e.entity, e.place, e.time}; }
  std::set<std::tuple<uint32_t, uint32_t, uint32_t>> seen_;
  std::unique_ptr<events::Writer> writer_;
  uint32_t header_id_ = 0;
  std::vector<events::Place> places_;
  std::FILE* rejects_out_ = nullptr;
  std::string rejects_buf_;
  std::unordered_map<std::string, events::PlaceId> place_ids_;  // 0: unknown code
  std::string code_buf_;
  int unresolved_ = 0;  // the current row was kept under a PERSON reference
};

// Progress on stderr: a bar, rows and rows per second.
class Progress {
 public:
  Progress(bool on, int64_t total_bytes) : on_(on && isatty(2)), total_(total_bytes), start_(Clock::now()) {}
  void Update(int64_t bytes, int64_t rows, bool final = false) {
    if (!on_) return;
    auto now = Clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double frac = total_ > 0 ? static_cast<double>(bytes) / static_cast<double>(total_) : 1.0;
    int filled = static_cast<int>(frac * 30);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(30, ' ');
    std::fprintf(stderr, "\r[%s] %5.1f%%  %lld rows  %.0f rows/s   ", bar.c_str(), frac * 100,
                 static_cast<long long>(rows), secs > 0 ? static_cast<double>(rows) / secs : 0.0);
    if (final) std::fprintf(stderr, "\n");
  }

 private:
  bool on_;
  int64_t total_;
  Clock::time_point start_, last_{};
};

std::string HashHex(crypto_generichash_state st) {
  unsigned char out[16];
  crypto_generichash_final(&st, out, sizeof out);
  return ToHex(out, sizeof out);
}

// Reads CSV input in chunks, handing complete records to the loader. The
// checkpoint {bytes, rows, hash of those bytes} is committed with each batch
// under a key derived from the file's first 64 KiB.
Status IngestCsvStream(events::Store& store, Loader& loader, IngestReport* report, const IngestOptions& opt,
                       const std::function<size_t(char*, size_t)>& read, int64_t total_bytes,
                       const std::string& checkpoint_key, const std::string& rejects_path) {
  // Resume point of an earlier run of the same file (0 = none).
  int64_t resume_bytes = 0;
  std::string resume_hash;
  if (!checkpoint_key.empty()) {
    if (auto v = store.GetMeta(checkpoint_key)) {
      auto j = nlohmann::json::parse(*v, nullptr, false);
      if (j.is_object()) {
        resume_bytes = j.value("bytes", int64_t{0});
        resume_hash = j.value("hash", std::string());
      }
    }
  }
  crypto_generichash_state hash;
  crypto_generichash_init(&hash, nullptr, 0, 16);
  Progress progress(opt.progress, total_bytes);

  std::string buf;
  size_t pos = 0;
  int64_t consumed = 0;  // bytes of input before buf[0]
  bool eof = false;
  CsvSplitter split;
  std::vector<std::string_view> fields;
  bool have_header = false;
  int64_t line = 0;
  bool skipping = resume_bytes > 0;
  int64_t hashed_to = 0;  // bytes folded into `hash`

  auto checkpoint_meta = [&](int64_t at) {
    std::map<std::string, std::string> meta;
    if (!checkpoint_key.empty()) {
      nlohmann::json j = {{"bytes", at}, {"rows", report->rows}, {"hash", HashHex(hash)}};
      meta[checkpoint_key] = j.dump();
    }
    return meta;
  };
  auto fold = [&](int64_t upto) {  // hash input up to absolute offset upto (must be within buf)
    if (upto <= hashed_to) return;
    crypto_generichash_update(&hash, reinterpret_cast<const unsigned char*>(buf.data() + (hashed_to - consumed)),
                              static_cast<unsigned long long>(upto - hashed_to));
    hashed_to = upto;
  };

  for (;;) {
    if (!eof) {
      // Keep the unparsed tail, fill up the buffer.
      fold(consumed + static_cast<int64_t>(pos));
      buf.erase(0, pos);
      consumed += static_cast<int64_t>(pos);
      pos = 0;
      size_t old = buf.size();
      size_t target = std::max(old + (size_t{8} << 20), size_t{16} << 20);
      // A known input size bounds the zero-filled room: a one-row upload must
      // not touch 16 MiB (that cost milliseconds per request and left every
      // worker thread's malloc arena holding 32 MiB; soak, issue #12).
      int64_t left = total_bytes - consumed - static_cast<int64_t>(old);
      if (total_bytes > 0 && left >= 0) target = std::min(target, old + static_cast<size_t>(left) + 1);
      buf.resize(target);
      size_t n = read(buf.data() + old, buf.size() - old);
      buf.resize(old + n);
      if (n == 0) eof = true;
      report->bytes = consumed + static_cast<int64_t>(buf.size());
    }
    for (;;) {
      size_t start = pos;
      auto r = split.Next(buf, &pos, eof, &fields);
      if (r == CsvSplitter::Result::kNeedMore || r == CsvSplitter::Result::kEnd) {
        pos = start;
        if (r == CsvSplitter::Result::kEnd) pos = buf.size();
        break;
      }
      ++line;
      if (!have_header) {
        if (r == CsvSplitter::Result::kError)
          return InvalidArgument("malformed_header", std::string("the header row is not valid CSV: ") + split.error());
        JW_RETURN_IF_ERROR(loader.SetHeader(std::vector<std::string>(fields.begin(), fields.end())));
        JW_RETURN_IF_ERROR(loader.OpenRejects(rejects_path));
        have_header = true;
        continue;
      }
      if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
      int64_t end_offset = consumed + static_cast<int64_t>(pos);
      if (skipping && end_offset > resume_bytes) {
        // Reached the end of what the earlier run stored: is it the same input?
        fold(consumed + static_cast<int64_t>(start));
        if (consumed + static_cast<int64_t>(start) != resume_bytes || HashHex(hash) != resume_hash)
          return Status(ErrorKind::kInternal, "restart", "");
        skipping = false;
      }
      if (r == CsvSplitter::Result::kError) {
        loader.AddReject(line, {reason::kMalformedRow, split.error()}, fields);
        ++report->rows;
      } else {
        loader.Row(line, fields, skipping);
      }
      if (!skipping && loader.BatchFull()) {
        fold(end_offset);
        JW_RETURN_IF_ERROR(loader.Flush(checkpoint_meta(end_offset), false));
      }
      progress.Update(end_offset, report->rows);
    }
    if (eof) break;
  }
  if (!have_header) return InvalidArgument("empty_file", "the input has no header row");
  fold(consumed + static_cast<int64_t>(buf.size()));
  if (skipping) {
    // The whole earlier-stored part was read: it is complete only if it matches.
    if (consumed + static_cast<int64_t>(buf.size()) != resume_bytes || HashHex(hash) != resume_hash)
      return Status(ErrorKind::kInternal, "restart", "");
  }
  JW_RETURN_IF_ERROR(loader.Flush(checkpoint_meta(consumed + static_cast<int64_t>(buf.size())), true));
  progress.Update(report->bytes, report->rows, true);
  return Status::Ok();
}

Status IngestNdjson(Loader& loader, IngestReport* report, std::string_view body, const IngestOptions& opt,
                    const std::string& rejects_path, const SourceDef& def) {
  // The columns are the source's standard ones plus any extra keys seen first.
  std::vector<std::string> header = def.RequiredColumns();
  (void)opt;
  simdjson::ondemand::parser parser;
  std::vector<std::pair<int64_t, std::vector<std::string>>> rows;
  int64_t line = 0;
  size_t start = 0;
  std::unordered_map<std::string, int> index;
  for (size_t i = 0; i < header.size(); ++i) index[header[i]] = static_cast<int>(i);
  struct Bad {
    int64_t line;
    std::string text;
    std::string why;
  };
  std::vector<Bad> bad;
  std::string why;
  // Extra keys become columns, as extra CSV columns do: plain names only, and
  // a bounded number of them (every new key widens every row).
  auto column_name = [](std::string_view k) {
    if (k.empty() || k.size() > 40 || k[0] < 'a' || k[0] > 'z') return false;
    for (char ch : k)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
    return true;
  };
  const size_t max_columns = header.size() + 32;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view text = body.substr(start, end - start);
    start = end + 1;
    ++line;
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    if (text.empty()) continue;
    simdjson::padded_string padded(text);
    std::vector<std::string> values(header.size());
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    bool ok = !parser.iterate(padded).get(doc) && !doc.get_object().get(obj);
    why = "not a JSON object";
    if (ok) {
      for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key)) {
          ok = false;
          break;
        }
        simdjson::ondemand::value v;
        if (field.value().get(v)) {
          ok = false;
          break;
        }
        std::string s;
        std::string_view sv;
        double d;
        if (!v.get_string().get(sv)) s = std::string(sv);
        else if (!v.get_double().get(d)) s = std::string(simdjson::to_json_string(v).value_unsafe());
        else if (v.is_null()) s.clear();
        else s = std::string(simdjson::to_json_string(v).value_unsafe());
        auto it = index.find(std::string(key));
        if (it == index.end()) {
          if (!column_name(key) || header.size() >= max_columns) {
            why = header.size() >= max_columns ? "too many keys that are not columns of the source"
                                               : "key '" + SanitizeUtf8(TruncateUtf8(key, 40)) +
                                                     "' is not a column name (a-z, 0-9, _)";
            ok = false;
            break;
          }
          index[std::string(key)] = static_cast<int>(header.size());
          header.emplace_back(key);
          for (auto& r : rows) r.second.emplace_back();
          values.emplace_back();
          it = index.find(std::string(key));
        }
        values[static_cast<size_t>(it->second)] = std::move(s);
      }
    }
    if (!ok) bad.push_back({line, std::string(text), why});
    else rows.emplace_back(line, std::move(values));
  }
  for (auto& r : rows) r.second.resize(header.size());
  JW_RETURN_IF_ERROR(loader.SetHeader(header));
  JW_RETURN_IF_ERROR(loader.OpenRejects(rejects_path));
  for (auto& b : bad) {
    ++report->rows;
    loader.AddReject(b.line, {reason::kMalformedRow, b.why}, {b.text});
  }
  std::vector<std::string_view> views;
  for (auto& [l, values] : rows) {
    views.assign(values.begin(), values.end());
    loader.Row(l, views, false);
    if (loader.BatchFull()) JW_RETURN_IF_ERROR(loader.Flush({}, false));
  }
  return loader.Flush({}, true);
}

}  // namespace

const std::vector<std::string>& RequiredColumns(Source s) {
  static const std::vector<std::string> none;
  static const auto* cols = [] {
    auto* m = new std::map<Source, std::vector<std::string>>();
    for (const auto& d : BuiltinDefs()) (*m)[d.source()] = d.RequiredColumns();
    return m;
  }();
  auto it = cols->find(s);
  return it == cols->end() ? none : it->second;
}

Result<IngestReport> IngestFile(events::Store& store, Source source, const std::string& path,
                                const IngestOptions& opt) {
  const SourceDef* def = BuiltinDef(source);
  if (!def) return NotFound("unknown_source", "no built-in source with id " + std::to_string(static_cast<int>(source)));
  return IngestFile(store, *def, path, opt);
}

Result<IngestReport> IngestBody(events::Store& store, Source source, std::string_view body, Format format,
                                const IngestOptions& opt) {
  const SourceDef* def = BuiltinDef(source);
  if (!def) return NotFound("unknown_source", "no built-in source with id " + std::to_string(static_cast<int>(source)));
  return IngestBody(store, *def, body, format, opt);
}

Result<IngestReport> IngestFile(events::Store& store, const SourceDef& def, const std::string& path,
                                const IngestOptions& opt) {
  auto t0 = Clock::now();
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return NotFound("no_such_file", "cannot read " + path);
  bool ndjson = path.ends_with(".jsonl") || path.ends_with(".ndjson");
  std::string rejects = opt.rejects_path.empty() ? path + ".rejects.csv" : opt.rejects_path;
  if (store.read_only()) return Conflict("read_only", "the event store is open read-only");
  if (ndjson) {
    std::ifstream in(path, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    IngestReport report;
    report.source = def.name;
    report.file = path;
    report.bytes = static_cast<int64_t>(body.size());
    Loader loader(store, def, opt, &report);
    IngestOptions o = opt;
    o.check_existing = true;
    JW_RETURN_IF_ERROR(IngestNdjson(loader, &report, body, o, rejects, def));
    report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return report;
  }
  // The checkpoint key: source and a hash of the file's first 64 KiB.
  std::string key;
  {
    std::ifstream in(path, std::ios::binary);
    std::string head(65536, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    key = "ingest/" + def.name + "/" + Sha256Hex(head).substr(0, 32);
  }
  if (def.kind == "places") key.clear();
  for (int attempt = 0; attempt < 2; ++attempt) {
    IngestReport report;
    report.source = def.name;
    report.file = path;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return NotFound("no_such_file", "cannot read " + path);
    Status s;
    {
      Loader loader(store, def, opt, &report);
      auto read = [&](char* p, size_t n) { return std::fread(p, 1, n, f); };
      s = IngestCsvStream(store, loader, &report, opt, read, static_cast<int64_t>(size), attempt == 0 ? key : "",
                          rejects);
    }
    std::fclose(f);
    if (s.code() == "restart") continue;  // the file changed since the checkpoint: load it all
    if (!s.ok()) return s;
    report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return report;
  }
  return Internal("could not ingest " + path);
}

Result<IngestReport> IngestBody(events::Store& store, const SourceDef& def, std::string_view body, Format format,
                                const IngestOptions& opt) {
  auto t0 = Clock::now();
  if (store.read_only()) return Conflict("read_only", "the event store is open read-only");
  IngestReport report;
  report.source = def.name;
  report.bytes = static_cast<int64_t>(body.size());
  IngestOptions o = opt;
  o.check_existing = true;
  Loader loader(store, def, o, &report);
  if (format == Format::kNdjson) {
    JW_RETURN_IF_ERROR(IngestNdjson(loader, &report, body, o, "-", def));
  } else {
    size_t off = 0;
    auto read = [&](char* p, size_t n) {
      size_t k = std::min(n, body.size() - off);
      std::memcpy(p, body.data() + off, k);
      off += k;
      return k;
    };
    JW_RETURN_IF_ERROR(IngestCsvStream(store, loader, &report, o, read, static_cast<int64_t>(body.size()), "", "-"));
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return report;
}

}  // namespace jingwu::fusion
