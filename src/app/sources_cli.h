// `jingwu sources list|show|check|add` (docs/sources.md): the source
// definitions of a data folder's event store.
#pragma once

#include <string>

#include "app/app.h"

namespace jingwu::app {

struct SourcesArgs {
  std::string command;  // list, show, check, add
  std::string arg;      // a name (show) or a definition file (check, add)
};
int RunSources(const Config& config, const SourcesArgs& args);

}  // namespace jingwu::app
