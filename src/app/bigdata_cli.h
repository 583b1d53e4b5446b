// The big-data commands: `jingwu ingest` and `jingwu query
// trajectory|collision|cotravel` (DESIGN.md "Command line").
#pragma once

#include <string>
#include <vector>

#include "app/app.h"
#include "events/store.h"

namespace jingwu::app {

// DATA/events, where the event store lives.
std::string EventsDir(const Config& config);
// DATA/search, the search index derived from it.
std::string SearchDir(const Config& config);
// `jingwu resolve`: merges records without an ID number that match exactly one
// person (a data folder not in use by a server); prints counts only.
int RunResolve(const Config& config);
// `jingwu reindex`: rebuilds the search index from the event store.
int RunReindex(const Config& config);

struct IngestArgs {
  std::string source;
  std::vector<std::string> files;
  bool quiet = false;
};
int RunIngest(const Config& config, const IngestArgs& args);

// Ingests the source files of a `jingwu gen` folder in dependency order
// (places first). Files that are absent are skipped. Then resolves records
// without an ID number (ResolveAfterIngest).
// Writes one audit entry per file when audit is given (actor "cli").
Status IngestFolder(events::Store& store, const std::string& dir, bool progress, audit::Log* audit);
// Defines the sources of dir's NAME.source.json files (an identical one is
// left as it is) and ingests their NAME.csv files; for a folder whose
// built-in sources are loaded already.
Status IngestDefinedSources(events::Store& store, const std::string& dir, bool progress, audit::Log* audit);
// Merges the records without an ID number that have exactly one strong match
// into that person (search/resolve.h) and prints what it did.
Status ResolveAfterIngest(events::Store& store);

// `jingwu events info`: counts and bytes on disk per event (after compacting, with compact).
int RunEventsInfo(const Config& config, bool compact);

// `jingwu demo`: generates the small synthetic city into DATA/sources and ingests it.
Status SeedBigData(const Config& config, events::Store& store, audit::Log* audit);

struct QueryArgs {
  std::string kind;  // trajectory, collision, cotravel
  std::string entity;
  std::string from, to;
  std::vector<std::string> windows;
  int min = 0;
  int within = 120;
  int limit = 0;
  std::string purpose, case_no;
  bool json = false;
};
int RunQuery(const Config& config, const QueryArgs& args);

}  // namespace jingwu::app
