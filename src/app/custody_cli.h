// `jingwu custody import|eval` (docs/custody.md).
#pragma once

#include <string>

#include "app/app.h"

namespace jingwu::app {

struct CustodyArgs {
  std::string command;        // import, eval
  std::string from;           // a folder written by `jingwu gen`
  bool shift_to_now = false;  // import: move the generated data's end (custody_truth.json as_of) to now
};
int RunCustody(const Config& config, const CustodyArgs& args);

}  // namespace jingwu::app
