// `jingwu simulate dispatch`: drives a day of calls through the HTTP API of a
// running server, as a demo that keeps the board alive and as a load test.
// Calls arrive as a Poisson process whose rate follows the time of day; each
// is recorded, the recommended unit dispatched, acknowledged, driven to the
// scene along a straight line, and the incident closed after handling; every
// unit reports its position every 10 simulated seconds. Prints API latency
// (p50/p99/max per request) and stream delivery (request sent → event seen).
#pragma once

#include <string>

#include "core/status.h"

namespace jingwu::app {

struct SimulateOptions {
  std::string url = "http://127.0.0.1:8080";
  std::string username, password;
  double calls_per_hour = 120;  // at the busiest hour
  double speed = 1;             // simulated seconds per real second
  double minutes = 5;           // real minutes to run
  int units = 200;              // units to have (created as SIM-nnn when fewer exist)
  unsigned seed = 1;
  bool flat = false;            // same rate all day (load test) instead of the daily curve
};

// Runs until the time is up; prints a report to stdout.
Status SimulateDispatch(const SimulateOptions& o);

}  // namespace jingwu::app
