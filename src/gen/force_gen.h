// The synthetic bureau's force (docs/force.md): units (the bureau, its
// departments, a branch per district with its brigade, the police stations of
// dispatch and of places.csv, community posts), personnel with their
// accounts and call signs, the readers' rosters of the year, training
// (公安夜校 and drills at the published scale: 23 night-school sessions, 35
// training events, about 36,000 attendances), discipline records, a list of
// public figures, and a year of access history for the audit log in which
// misconduct is planted among honest, busy analysts.
//
// Reads population.csv and places.csv from out_dir (WriteCity and
// WriteRegistry write them) and the case records (for case numbers that are
// open, closed or another district's). Writes units.csv, personnel.csv,
// shifts.csv, courses.csv, training_sessions.csv, attendance.csv,
// discipline.csv, protected_persons.csv, audit_history.csv and
// force_truth.json (the planted misconduct per rule, the honest readers, the
// tracker's demo citizen). Deterministic for a seed.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "cases/service.h"
#include "core/status.h"

namespace jingwu::gen {

struct ForceOptions {
  std::string out_dir;
  uint64_t seed = 1;
  int year = 2020;
  bool small = false;  // fewer officers and readers (tests)
  // Readers and days of history; 0: by scale. The benchmark raises them to
  // ten million entries and more.
  int readers = 0;
  double reads_per_day = 0;
};

Status WriteForce(const ForceOptions& o, const cases::Dataset& cases, std::map<std::string, int64_t>* rows = nullptr);

}  // namespace jingwu::gen
