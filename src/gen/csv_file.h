// The generators' CSV files: a writer that counts its data rows, and a reader
// of a whole (small) file without its header row.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "core/csv.h"
#include "core/status.h"

namespace jingwu::gen {

class CsvFileWriter {
 public:
  bool Open(const std::string& path, const std::vector<std::string>& header) {
    f_.open(path, std::ios::binary | std::ios::trunc);
    Row(header);
    rows_ = 0;
    return f_.good();
  }
  void Row(const std::vector<std::string>& fields) {
    buf_.clear();
    AppendCsvRow(&buf_, fields);
    f_ << buf_;
    ++rows_;
  }
  bool Close() {
    f_.close();
    return !f_.fail();
  }
  int64_t rows() const { return rows_; }

 private:
  std::ofstream f_;
  std::string buf_;
  int64_t rows_ = 0;
};

// The data rows of a CSV file (the header skipped); an error when it cannot be read.
inline Status ReadCsvRows(const std::string& path, std::vector<std::vector<std::string>>* rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("no_such_file", "cannot read " + path);
  CsvReader r(&in);
  std::vector<std::string> f;
  bool header = true;
  while (r.Next(&f)) {
    if (header) {
      header = false;
      continue;
    }
    rows->push_back(f);
  }
  if (!r.error().empty()) return Internal(path + ": " + r.error());
  return Status::Ok();
}

}  // namespace jingwu::gen
