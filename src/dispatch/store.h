// Persistence of the dispatch timeline: the dispatch_events table, append-only.
// Sequence numbers are given by the caller (the Service, which owns the data
// folder and serialises writes); a duplicate is refused by the primary key.
//
// Thread-safe as far as the Database is (it serialises all use).
#pragma once

#include <vector>

#include "dispatch/model.h"
#include "sql/database.h"

namespace jingwu::dispatch {

std::vector<sql::Migration> Migrations();

class Store {
 public:
  explicit Store(sql::Database* db) : db_(db) {}

  // Appends the events in one transaction: all or none.
  [[nodiscard]] Status Append(const std::vector<Event>& events);
  // Events with seq > after in order, at most limit.
  Result<std::vector<Event>> Since(int64_t after, int limit);
  // The timeline of one incident, in order.
  Result<std::vector<Event>> ForIncident(int64_t incident_id);
  // Every event, in order (replay at start-up; KPIs).
  Result<std::vector<Event>> All();

 private:
  Result<std::vector<Event>> Select(const std::string& where, const sql::Params& params);
  sql::Database* db_;
};

}  // namespace jingwu::dispatch
