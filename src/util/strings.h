// Small string helpers used for messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace durabench {

// "a, b, c" (or with another separator).
std::string JoinStrings(const std::vector<std::string_view>& items, std::string_view sep = ", ");
std::string JoinStrings(const std::vector<std::string>& items, std::string_view sep = ", ");

// The edit distance between `a` and `b`: how many single characters must be inserted, deleted,
// replaced, or swapped with their neighbour to turn one into the other ("blocksize" ->
// "block-size" is 1, "block-sise" -> "block-size" is 1). O(|a| * |b|) time and O(|b|) memory.
size_t EditDistance(std::string_view a, std::string_view b);

// The name in `names` closest to `given` (EditDistance, the first of equals), when it is close
// enough to be what was meant: at most 1 edit for a name of up to 5 characters, 2 up to 8, else
// 3. "" when none is.
std::string_view ClosestName(std::string_view given, const std::vector<std::string_view>& names);

}  // namespace durabench
