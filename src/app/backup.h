// `jingwu backup` and `jingwu restore`: a consistent copy of a data folder
// taken while the server runs, and a new data folder made from it.
//
// A backup is one tar file: manifest.json (format, time, database kind,
// counts), sql/ (a SQLite online-backup copy, or a pg_dump custom-format
// dump), events/ (each column family of the event store as one sorted SST
// file, read through a RocksDB secondary instance at one snapshot), uploads/
// (content-addressed, copied as they are), config.json and tls/. The search
// index is not in it: it is derived from the event store and rebuilt when the
// restored server starts (or by `jingwu reindex`). The audit chain needs no
// key: `audit verify` re-computes it from the entries.
#pragma once

#include <string>

#include "core/config.h"

namespace jingwu::app {

// Writes the backup of config.data_dir (and config.db_url, if PostgreSQL) to `to`.
int RunBackup(const Config& config, const std::string& to);
// Restores `from` into the new, empty config.data_dir (and the empty
// PostgreSQL database config.db_url, when the backup holds a dump), then
// verifies the audit chain and the counts of the manifest.
int RunRestore(const Config& config, const std::string& from);

}  // namespace jingwu::app
