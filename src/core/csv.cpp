#include "core/csv.h"

namespace jingwu {

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
