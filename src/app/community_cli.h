// `jingwu communities import|run|eval` (docs/communities.md).
#pragma once

#include <string>

#include "app/app.h"

namespace jingwu::app {

struct CommunitiesArgs {
  std::string command;  // import, run, eval
  std::string from;     // a folder written by `jingwu gen` (import, eval)
};
int RunCommunities(const Config& config, const CommunitiesArgs& args);

}  // namespace jingwu::app
