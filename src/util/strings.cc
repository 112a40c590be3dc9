#include "util/strings.h"

#include <algorithm>

namespace durabench {

std::string JoinStrings(const std::vector<std::string_view>& items, std::string_view sep) {
  std::string out;
  for (std::string_view s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string JoinStrings(const std::vector<std::string>& items, std::string_view sep) {
  return JoinStrings(std::vector<std::string_view>(items.begin(), items.end()), sep);
}

size_t EditDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus a swap of two neighbours. Three rows: the row
  // before the previous one is what a swap looks back to.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t replace = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, replace});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string_view ClosestName(std::string_view given, const std::vector<std::string_view>& names) {
  const size_t allowed = given.size() <= 5 ? 1 : given.size() <= 8 ? 2 : 3;
  std::string_view best;
  size_t best_distance = allowed + 1;
  for (std::string_view name : names) {
    const size_t d = EditDistance(given, name);
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace durabench
