#include "core/csv.h"

#include <cstdlib>
#include <fstream>

namespace jingwu {

namespace {
bool IsPlainNumber(const std::string& f) {
  if (f.size() < 2 || f.size() > 40) return false;
  char* end = nullptr;
  std::strtod(f.c_str(), &end);
  return end == f.c_str() + f.size() && f.find_first_of("xXpPeEnNiI") == std::string::npos;
}
}  // namespace

void AppendCsvExportRow(std::string* out, const std::vector<std::string>& fields) {
  std::vector<std::string> safe = fields;
  for (auto& f : safe)
    if (!f.empty() && std::string_view("=+-@\t\r").find(f[0]) != std::string_view::npos && !IsPlainNumber(f))
      f.insert(0, "'");
  AppendCsvRow(out, safe);
}

void AppendCsvRow(std::string* out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out->push_back(',');
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      out->append(f);
      continue;
    }
    out->push_back('"');
    for (char c : f) {
      if (c == '"') out->push_back('"');
      out->push_back(c);
    }
    out->push_back('"');
  }
  out->push_back('\n');
}

bool CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  std::string line;
  if (!std::getline(*in_, line)) return false;
  line_ = next_line_++;
  std::string field;
  bool quoted = false;
  size_t i = 0;
  for (;;) {
    if (i == line.size()) {
      if (!quoted) break;
      // A quoted field goes on over the line break.
      std::string more;
      if (!std::getline(*in_, more)) {
        error_ = "unterminated quote";
        return false;
      }
      ++next_line_;
      field.push_back('\n');
      line = std::move(more);
      i = 0;
      continue;
    }
    char c = line[i++];
    if (quoted) {
      if (c == '"') {
        if (i < line.size() && line[i] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields->push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i == line.size()) {
      // CRLF line ending
    } else {
      field.push_back(c);
    }
  }
  fields->push_back(std::move(field));
  return true;
}

}  // namespace jingwu

namespace jingwu {

CsvSplitter::Result CsvSplitter::Next(std::string_view buf, size_t* pos, bool at_eof,
                                      std::vector<std::string_view>* fields) {
  fields->clear();
  unescaped_.clear();
  size_t i = *pos;
  if (i >= buf.size()) return Result::kEnd;
  const size_t n = buf.size();
  for (;;) {
    if (i < n && buf[i] == '"') {
      // Quoted field: up to the closing quote; "" is a quote.
      size_t start = ++i;
      bool doubled = false;
      for (;;) {
        size_t q = buf.find('"', i);
        if (q == std::string_view::npos) {
          if (!at_eof) return Result::kNeedMore;
          // The quote never closes: the record's first line is the bad row;
          // reading goes on at the next line, so no later row is lost.
          error_ = "unterminated quote";
          size_t line_end = buf.find('\n', *pos);
          if (line_end == std::string_view::npos) line_end = n;
          fields->clear();
          unescaped_.clear();
          std::string_view line = buf.substr(*pos, line_end - *pos);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          fields->push_back(line);
          *pos = line_end < n ? line_end + 1 : n;
          return Result::kError;
        }
        if (q + 1 < n && buf[q + 1] == '"') {
          doubled = true;
          i = q + 2;
          continue;
        }
        if (q + 1 >= n && !at_eof) return Result::kNeedMore;
        std::string_view raw = buf.substr(start, q - start);
        if (doubled) {
          std::string u;
          u.reserve(raw.size());
          for (size_t k = 0; k < raw.size(); ++k) {
            u.push_back(raw[k]);
            if (raw[k] == '"') ++k;
          }
          unescaped_.push_back(std::move(u));
          fields->push_back(unescaped_.back());
        } else {
          fields->push_back(raw);
        }
        i = q + 1;
        break;
      }
    } else {
      size_t e = i;
      while (e < n && buf[e] != ',' && buf[e] != '\n' && buf[e] != '\r') ++e;
      if (e >= n && !at_eof) return Result::kNeedMore;
      fields->push_back(buf.substr(i, e - i));
      i = e;
    }
    if (i >= n) {
      if (!at_eof) return Result::kNeedMore;
      *pos = n;
      return Result::kRecord;
    }
    char c = buf[i];
    if (c == ',') {
      ++i;
      if (i >= n && !at_eof) return Result::kNeedMore;
      continue;
    }
    if (c == '\r') {
      if (i + 1 >= n && !at_eof) return Result::kNeedMore;
      ++i;
      if (i < n && buf[i] == '\n') ++i;
      *pos = i;
      return Result::kRecord;
    }
    if (c == '\n') {
      *pos = i + 1;
      return Result::kRecord;
    }
    // Text after a closing quote: take up to the next separator as part of the field.
    error_ = "text after a closing quote";
    size_t e = buf.find('\n', i);
    if (e == std::string_view::npos) {
      if (!at_eof) return Result::kNeedMore;
      e = n;
    }
    *pos = e < n ? e + 1 : n;
    return Result::kError;
  }
}

}  // namespace jingwu

namespace jingwu {

int CsvTable::Column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

std::string CsvTable::Get(const std::vector<std::string>& row, std::string_view name) const {
  int i = Column(name);
  return i >= 0 && static_cast<size_t>(i) < row.size() ? row[static_cast<size_t>(i)] : std::string();
}

Result<bool> ReadCsvTable(const std::string& path, CsvTable* table) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  CsvReader r(&in);
  std::vector<std::string> f;
  bool first = true;
  while (r.Next(&f)) {
    if (first) table->header = f, first = false;
    else table->rows.push_back(f);
  }
  if (!r.error().empty()) return Validation("malformed_csv", path + ": " + r.error());
  return true;
}

}  // namespace jingwu
