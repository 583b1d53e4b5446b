// `jingwu bench compare`: the big-data core side by side with SQLite,
// PostgreSQL and ClickHouse on the same rows, in the same run (DESIGN.md
// principle 4). Generates a city, loads it into jingwu, exports the accepted
// events as TSV, loads them into each peer with the indexes a competent user
// would choose, runs the same logical queries on each engine and prints (and
// appends to WORK/results.md) load speed, bytes per event and query latency.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace jingwu::app {

struct BenchCompareArgs {
  int64_t events = 1000000;
  std::string work;                                        // work folder (kept)
  std::vector<std::string> peers = {"sqlite", "postgres", "clickhouse"};
  int repeat = 11;                                         // runs per query
  bool http = true;                                        // also jingwu end-to-end over HTTP
  std::string command;                                     // the command line, for the report
};

int RunBenchCompare(const BenchCompareArgs& args);

}  // namespace jingwu::app
