// `jingwu health eval` (docs/health.md).
#pragma once

#include <string>

#include "app/app.h"

namespace jingwu::app {

struct HealthArgs {
  std::string command;  // eval
  std::string from;     // a folder written by `jingwu gen` (its health_truth.json)
  int runs = 20;        // eval: traces timed
};
int RunHealth(const Config& config, const HealthArgs& args);

}  // namespace jingwu::app
