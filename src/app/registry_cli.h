// `jingwu registry import|match-eval` (docs/registry.md).
#pragma once

#include <string>

#include "core/config.h"

namespace jingwu::app {

// Loads the registry files of dir (addresses.csv, address_aliases.csv,
// organisations.csv, population.csv) and prints accepted / already / rejected
// per reason for each. Exit status 0 unless the import itself failed.
int RunRegistryImport(const Config& config, const std::string& dir);

// Address matching against the planted truth of a generated city: builds the
// index from gen_dir's addresses.csv and address_aliases.csv, matches every
// text of address_samples.csv and prints precision, recall (overall and per
// variant) and throughput (single thread). With verbose, prints the misses.
int RunMatchEval(const std::string& gen_dir, bool verbose);

// Stay rules against the planted truth (truth.json "stays"): evaluates every
// visa-free passport of the data folder's event store (ingested from gen_dir,
// with gen_dir's guest_registrations.csv imported) as of the truth's as_of and
// prints recall and precision of the alerts, the overstay days checked, and
// the time to evaluate all passports and the busiest day's arrivals.
int RunStaysEval(const Config& config, const std::string& gen_dir, bool verbose);

}  // namespace jingwu::app
