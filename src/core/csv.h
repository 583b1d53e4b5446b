// CSV as in RFC 4180: comma-separated, fields with commas, quotes or line
// breaks quoted, quotes doubled. UTF-8 throughout. Reader and writer are
// plain values; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace jingwu {

// Appends one record (and a newline) to out.
void AppendCsvRow(std::string* out, const std::vector<std::string>& fields);
// The same for a file a person opens in a spreadsheet (rejects files,
// exports): a cell that starts with = + - @, a tab or a CR and is not a plain
// number is written with a leading apostrophe, so that it is shown as text
// and never run as a formula (CSV injection).
void AppendCsvExportRow(std::string* out, const std::vector<std::string>& fields);

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

namespace jingwu {

// Zero-copy splitting of CSV records held in a buffer (bulk ingest). Fields
// point into the buffer, or into the splitter's own storage for quoted fields
// with doubled quotes; they stay valid until the next call.
class CsvSplitter {
 public:
  enum class Result { kRecord, kNeedMore, kEnd, kError };
  // Splits the record starting at *pos. kNeedMore when the buffer ends inside
  // a record and more input may follow (at_eof false); at_eof ends the last
  // record at the end of the buffer. *pos moves past the record's line break.
  Result Next(std::string_view buf, size_t* pos, bool at_eof, std::vector<std::string_view>* fields);
  const char* error() const { return error_; }

 private:
  std::deque<std::string> unescaped_;  // stable addresses for the views
  const char* error_ = "";
};

}  // namespace jingwu

namespace jingwu {

// A whole small CSV file (the imports of registries, communities, custody):
// its header and its data rows.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  // The column's position, -1 when absent.
  int Column(std::string_view name) const;
  // A row's value of the named column; "" when the column or the value is absent.
  std::string Get(const std::vector<std::string>& row, std::string_view name) const;
};
// Reads path; false when the file does not exist; an error (malformed_csv)
// when a record is malformed.
Result<bool> ReadCsvTable(const std::string& path, CsvTable* table);

// One file of an import: its rows, how many were accepted or stored before,
// and the rejected ones by reason.
struct ImportFile {
  std::string name;
  int64_t rows = 0, accepted = 0, already = 0;
  std::map<std::string, int64_t> rejected;  // reason -> rows
};

}  // namespace jingwu
