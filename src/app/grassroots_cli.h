// `jingwu grassroots import|eval` and the demo's grassroots records (docs/grassroots.md).
#pragma once

#include <string>

#include "app/app.h"
#include "grassroots/service.h"

namespace jingwu::app {

struct GrassrootsArgs {
  std::string command;        // import, eval
  std::string from;           // a folder written by `jingwu gen`
  bool shift_to_now = false;  // import: move the generated data's end (grassroots_truth.json as_of) to today
};
int RunGrassroots(const Config& config, const GrassrootsArgs& args);

// The demo's supervision sites, disputes, partners and tips: the generated ones, moved to end today (once).
Status SeedGrassrootsDemo(App& app, grassroots::Service& svc);

}  // namespace jingwu::app
