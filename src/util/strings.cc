#include "util/strings.h"

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

}  // namespace durabench
