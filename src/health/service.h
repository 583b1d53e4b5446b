// Epidemic checkpoints and contact tracing (疫情防控, docs/health.md).
//
// The checks are the health_checkpoint source, defined as data
// (sources/health_checkpoint.json) and stored in the event store like every
// other sighting; this service counts them (per checkpoint, per hour, the
// totals beside the bureau's published figures) and lists the flagged passes.
// Contact traces (trace.h) are analyses: the HTTP layer requires a purpose and
// a public-health case number and audits each; the service keeps each result
// until its retention ends (config "health": {"trace_retention_days"}), then
// deletes it and audits the deletion.
//
// Thread-safe.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/model.h"
#include "core/status.h"
#include "core/time.h"
#include "events/store.h"
#include "fusion/source_def.h"
#include "health/trace.h"
#include "sql/database.h"

namespace jingwu::health {

std::vector<sql::Migration> Migrations();

struct Options {
  int trace_retention_days = 30;  // 1-365
};
// The "health" object of config.json; 422 invalid_config.
Result<Options> ParseOptions(const std::string& json_text);

struct StoredTrace {
  int64_t id = 0;
  std::string subject, case_no, purpose, confirmed_at, created_at, created_by, expires_at;
  int days = 14, within_minutes = 30;
  int64_t contacts = 0;
  nlohmann::json result;  // trace.h ToJson; null in lists
};

struct Counts {
  int64_t passes = 0, vehicles = 0, temperatures = 0, flagged = 0, observe = 0, isolate = 0;
  int64_t road = 0, arrival = 0, international = 0;
};

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock, events::Store* store,
          const fusion::SourceRegistry* sources, Options o = {})
      : db_(db), audit_(audit), clock_(clock), store_(store), sources_(sources), opt_(o) {}

  // ---- checkpoints ----
  // Totals, per checkpoint and per day over every stored check, beside the published figures.
  Result<nlohmann::json> Figures();
  // Passes and flagged passes per hour of one local day (YYYY-MM-DD) at one
  // checkpoint (all when empty). 404 unknown_checkpoint, 422 invalid_date.
  Result<nlohmann::json> Throughput(const std::string& checkpoint, const std::string& day);
  // The flagged passes (observation, isolation) of a day, with the people.
  Result<nlohmann::json> Flagged(const std::string& checkpoint, const std::string& day, size_t limit);

  // ---- contact tracing ----
  // 422 invalid_id_number / invalid_passport, invalid_time (not a time, in
  // the future), invalid_value (days 1-28, within 0-1440 minutes); 503
  // no_health_source when the source is not defined.
  Result<StoredTrace> Trace(const auth::Actor& actor, const std::string& id_number, const std::string& nationality,
                            const std::string& confirmed_at, int days, int within_minutes, const std::string& case_no,
                            const std::string& purpose);
  Result<std::vector<StoredTrace>> Traces();
  Result<StoredTrace> GetTrace(int64_t id);  // 404 unknown_trace (also once expired)
  Status DeleteTrace(const auth::Actor& actor, int64_t id);
  // Deletes the traces whose retention has ended, each deletion audited; the count.
  Result<int64_t> PurgeExpired();

  const Options& options() const { return opt_; }

 private:
  // Scans every check once per change of the event store.
  Result<std::shared_ptr<const nlohmann::json>> Scan();
  std::optional<events::Source> SourceId() const;
  sql::Database* db_;
  audit::Log* audit_;
  const Clock* clock_;
  events::Store* store_;
  const fusion::SourceRegistry* sources_;
  Options opt_;
  std::mutex mu_;
  int64_t scanned_at_events_ = -1;
  std::shared_ptr<const nlohmann::json> figures_;
};

}  // namespace jingwu::health
