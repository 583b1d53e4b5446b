// CSV as in RFC 4180: comma-separated, fields with commas, quotes or line
// breaks quoted, quotes doubled. UTF-8 throughout. Reader and writer are
// plain values; not thread-safe.
#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace jingwu {

// Appends one record (and a newline) to out.
void AppendCsvRow(std::string* out, const std::vector<std::string>& fields);

class CsvReader {
 public:
  explicit CsvReader(std::istream* in) : in_(in) {}
  // Reads the next record; false at the end of input. A malformed record (an
  // unterminated quote) sets error() and returns false.
  bool Next(std::vector<std::string>* fields);
  const std::string& error() const { return error_; }
  int64_t line() const { return line_; }  // 1-based line where the last record started

 private:
  std::istream* in_;
  std::string error_;
  int64_t line_ = 0;
  int64_t next_line_ = 1;
};

}  // namespace jingwu
