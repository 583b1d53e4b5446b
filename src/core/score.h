// Precision and recall of what a rule found against what the generator
// planted (the truth files of `jingwu gen`), compared by key.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace jingwu {

struct RuleScore {
  int64_t planted = 0, found = 0, true_positives = 0;
  std::vector<std::string> missed, false_positives;  // keys
  double recall() const { return planted ? static_cast<double>(true_positives) / static_cast<double>(planted) : 1.0; }
  double precision() const { return found ? static_cast<double>(true_positives) / static_cast<double>(found) : 1.0; }
};

inline RuleScore ScoreKeys(const std::set<std::string>& planted, const std::set<std::string>& found) {
  RuleScore s;
  s.planted = static_cast<int64_t>(planted.size());
  s.found = static_cast<int64_t>(found.size());
  for (const auto& k : planted) {
    if (found.count(k)) ++s.true_positives;
    else s.missed.push_back(k);
  }
  for (const auto& k : found)
    if (!planted.count(k)) s.false_positives.push_back(k);
  return s;
}

}  // namespace jingwu
