// libFuzzer target: CsvReader over a stream and CsvSplitter over a buffer
// (src/core/csv.h), on the same bytes. Invariants:
//   - the splitter always makes progress and never asks for more at the end;
//   - fed in chunks the way fusion/ingest.cpp feeds it (kNeedMore: keep the
//     unparsed tail, read more, retry), it yields the same records as over
//     the whole buffer;
//   - every record the reader returns, written with AppendCsvRow, reads back
//     as the same fields with the reader and with the splitter.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv.h"
#include "fuzz_check.h"

namespace jingwu {
namespace {

using Split = CsvSplitter::Result;

struct Record {
  Split result;
  std::vector<std::string> fields;
  size_t end;  // absolute offset after the record
  std::string error;
  bool operator==(const Record&) const = default;
};

std::vector<std::string> Copy(const std::vector<std::string_view>& v) { return {v.begin(), v.end()}; }

// The whole input at once (at_eof).
std::vector<Record> SplitWhole(std::string_view in) {
  std::vector<Record> out;
  CsvSplitter split;
  std::vector<std::string_view> fields;
  size_t pos = 0;
  for (;;) {
    const size_t start = pos;
    Split r = split.Next(in, &pos, true, &fields);
    FUZZ_CHECK(r != Split::kNeedMore, in);  // nothing more will come
    if (r == Split::kEnd) {
      FUZZ_CHECK(start >= in.size(), in);
      break;
    }
    FUZZ_CHECK(pos > start && pos <= in.size(), in);  // progress
    FUZZ_CHECK(r == Split::kError || !fields.empty(), in);  // an error may come before the first field
    out.push_back({r, Copy(fields), pos, r == Split::kError ? split.error() : ""});
  }
  return out;
}

// As fusion/ingest.cpp reads a file: a buffer that grows by `step` bytes,
// the consumed prefix dropped on every refill.
std::vector<Record> SplitChunked(std::string_view in, size_t step) {
  std::vector<Record> out;
  CsvSplitter split;
  std::vector<std::string_view> fields;
  size_t consumed = 0;  // offset of buf[0] in the input
  size_t read = 0;      // bytes of input read so far
  std::string buf;
  size_t pos = 0;
  bool eof = false;
  for (;;) {
    if (!eof) {
      buf.erase(0, pos);
      consumed += pos;
      pos = 0;
      const size_t n = std::min(step, in.size() - read);
      buf.append(in.substr(read, n));
      read += n;
      if (n == 0) eof = true;
    }
    for (;;) {
      const size_t start = pos;
      Split r = split.Next(buf, &pos, eof, &fields);
      if (r == Split::kNeedMore || r == Split::kEnd) {
        FUZZ_CHECK(r == Split::kEnd || !eof, in);
        pos = r == Split::kEnd ? buf.size() : start;
        break;
      }
      FUZZ_CHECK(pos > start && pos <= buf.size(), in);
      out.push_back({r, Copy(fields), consumed + pos, r == Split::kError ? split.error() : ""});
    }
    if (eof) break;
  }
  return out;
}

void CheckRoundTrip(const std::vector<std::string>& fields, std::string_view in) {
  std::string text;
  AppendCsvRow(&text, fields);
  std::istringstream stream(text);
  CsvReader reader(&stream);
  std::vector<std::string> got;
  FUZZ_CHECK(reader.Next(&got) && got == fields, in);
  FUZZ_CHECK(!reader.Next(&got) && reader.error().empty(), in);

  CsvSplitter split;
  std::vector<std::string_view> views;
  size_t pos = 0;
  FUZZ_CHECK(split.Next(text, &pos, true, &views) == Split::kRecord, in);
  FUZZ_CHECK(Copy(views) == fields && pos == text.size(), in);
  FUZZ_CHECK(split.Next(text, &pos, true, &views) == Split::kEnd, in);
}

}  // namespace
}  // namespace jingwu

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jingwu;
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  // The stream reader.
  std::istringstream stream{std::string(in)};
  CsvReader reader(&stream);
  std::vector<std::string> fields;
  std::vector<std::vector<std::string>> records;
  int64_t last_line = 0;
  while (reader.Next(&fields)) {
    FUZZ_CHECK(!fields.empty(), in);
    FUZZ_CHECK(reader.line() > last_line, in);
    last_line = reader.line();
    FUZZ_CHECK(records.size() <= size, in);
    records.push_back(fields);
    CheckRoundTrip(fields, in);
  }
  FUZZ_CHECK(reader.error().empty() || reader.error() == "unterminated quote", in);
  if (reader.error().empty() && !records.empty()) {
    // All records written back read as the same sequence.
    std::string text;
    for (const auto& r : records) AppendCsvRow(&text, r);
    std::istringstream again(text);
    CsvReader reader2(&again);
    for (const auto& r : records) FUZZ_CHECK(reader2.Next(&fields) && fields == r, in);
    FUZZ_CHECK(!reader2.Next(&fields) && reader2.error().empty(), in);
  }

  // The splitter, whole and in chunks of 1..64 bytes (the step from the last byte).
  const std::vector<Record> whole = SplitWhole(in);
  const size_t step = size == 0 ? 1 : 1 + static_cast<unsigned char>(data[size - 1]) % 64;
  FUZZ_CHECK(SplitChunked(in, step) == whole, in);
  return 0;
}
