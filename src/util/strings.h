// Small string helpers used for messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace durabench {

// "a, b, c" (or with another separator).
std::string JoinStrings(const std::vector<std::string_view>& items, std::string_view sep = ", ");
std::string JoinStrings(const std::vector<std::string>& items, std::string_view sep = ", ");

}  // namespace durabench
