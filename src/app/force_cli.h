// `jingwu force import|inspect|inspect-eval` (docs/force.md).
#pragma once

#include <string>

#include "core/config.h"

namespace jingwu::app {

// Loads the force files of dir (units, personnel, shifts, training,
// discipline, protected persons, access history) and prints the counts.
int RunForceImport(const Config& config, const std::string& dir);

// Runs the inspection rules (incremental unless full) and prints what was raised.
int RunInspect(const Config& config, bool full);

// The inspection rules against the planted misconduct of a generated city
// (force_truth.json): loads gen_dir's cases, registry and force files into
// the data folder, imports the access history but its last day, runs the
// rules in full, then imports the last day and runs them incrementally.
// Prints per-rule precision and recall (by rule and reader), the honest
// readers flagged, and both run times.
int RunInspectEval(const Config& config, const std::string& gen_dir);

}  // namespace jingwu::app
