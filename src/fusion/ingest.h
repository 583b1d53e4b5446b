// Ingest of the source files of DESIGN.md "Source files" into the event
// store: every identifier validated and normalised through identity/, each
// row mapped to a sighting event (hotel, vehicle_pass, travel, dutyfree,
// netcafe) and to links between identifiers (a person's phone, a vehicle's
// owner), registry rows (residents, vehicles) kept as records, places into
// the place registry.
//
// A person row (hotel, duty-free, …) without a valid ID number but with a
// name, a phone and a birth_date column is kept under PERSON:NAME/YYYYMMDD/PHONE
// (counted as "unresolved"), for identity resolution to match to a person;
// without those three it is rejected as before.
//
// A bad row is rejected with a reason (written to FILE.rejects.csv and
// counted); the rest of the file loads. A file missing a required column
// stops before anything is written. Re-ingesting a file adds nothing: each
// event has a stable key (entity, place, time, source), and a per-file
// checkpoint (committed atomically with the rows it covers) lets a re-run
// after kill -9 skip what was stored and load the rest.
//
// Not thread-safe per store writer; the store serialises writers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "events/store.h"
#include "fusion/source_def.h"

namespace jingwu::fusion {

// Reject reasons (stable codes, in FILE.rejects.csv's reason column).
namespace reason {
inline constexpr const char* kMalformedRow = "malformed_row";
inline constexpr const char* kMissingField = "missing_field";
inline constexpr const char* kInvalidIdNumber = "invalid_id_number";
inline constexpr const char* kInvalidPassport = "invalid_passport";
inline constexpr const char* kInvalidIdType = "invalid_id_type";
inline constexpr const char* kInvalidPlate = "invalid_plate";
inline constexpr const char* kInvalidPhone = "invalid_phone";
inline constexpr const char* kInvalidCard = "invalid_card";
inline constexpr const char* kUnknownPlace = "unknown_place";
inline constexpr const char* kInvalidTime = "invalid_time";
inline constexpr const char* kInvalidValue = "invalid_value";
inline constexpr const char* kInvalidEncoding = "invalid_encoding";
}  // namespace reason

enum class Format { kCsv, kNdjson };

struct IngestOptions {
  bool progress = false;      // a progress bar on stderr
  std::string rejects_path;   // default FILE.rejects.csv; "-" for none
  size_t batch_rows = 500000; // rows per committed batch
  // Check each event against the store before counting it (for small
  // uploads, where the per-file checkpoint does not apply).
  bool check_existing = false;
  size_t keep_rejects = 100;  // rejected rows kept in the report
};

struct RejectedRow {
  int64_t line = 0;  // 1-based line (CSV) or record number (NDJSON), header = line 1
  std::string reason;
  std::string message;
  std::vector<std::string> fields;
};

struct IngestReport {
  std::string source;
  std::string file;
  int64_t rows = 0;      // data rows read
  int64_t accepted = 0;  // rows this run stored (events, registry rows or places)
  int64_t already = 0;   // valid rows that an earlier run stored (not written again)
                         // rows == accepted + already + rejected
  int64_t rejected = 0;
  int64_t unresolved = 0;  // accepted rows kept under a PERSON reference (no valid ID number)
  std::map<std::string, int64_t> rejects_by_reason;
  std::vector<RejectedRow> rejects;  // the first keep_rejects
  double seconds = 0;
  int64_t bytes = 0;
};

// The columns a source requires (the header may have more; extras are kept).
const std::vector<std::string>& RequiredColumns(events::Source s);

// Ingests one file (CSV, or NDJSON when it ends in .jsonl/.ndjson).
Result<IngestReport> IngestFile(events::Store& store, events::Source source, const std::string& path,
                                const IngestOptions& options = {});

// Ingests a request body (no checkpoint; check_existing recommended).
Result<IngestReport> IngestBody(events::Store& store, events::Source source, std::string_view body, Format format,
                                const IngestOptions& options = {});

// The same for any source definition (fusion/source_def.h); the two above
// read the built-in definition of a built-in source.
Result<IngestReport> IngestFile(events::Store& store, const SourceDef& def, const std::string& path,
                                const IngestOptions& options = {});
Result<IngestReport> IngestBody(events::Store& store, const SourceDef& def, std::string_view body, Format format,
                                const IngestOptions& options = {});

}  // namespace jingwu::fusion
