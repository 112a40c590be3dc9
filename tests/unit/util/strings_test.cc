#include "util/strings.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace durabench {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsReplacementsAndSwaps) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("block-size", "block-size"), 0u);
  EXPECT_EQ(EditDistance("blocksize", "block-size"), 1u);   // a dash left out
  EXPECT_EQ(EditDistance("block-sise", "block-size"), 1u);  // a letter replaced
  EXPECT_EQ(EditDistance("iodpeth", "iodepth"), 1u);        // two neighbours swapped
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(ClosestName, SuggestsOnlyWhatIsClose) {
  const std::vector<std::string_view> names = {"block-size", "size", "sync", "iodepth", "ops"};
  EXPECT_EQ(ClosestName("blocksize", names), "block-size");
  EXPECT_EQ(ClosestName("block-sise", names), "block-size");
  EXPECT_EQ(ClosestName("iodpeth", names), "iodepth");
  EXPECT_EQ(ClosestName("synk", names), "sync");
  // Too far from every name to be a typo of one: no suggestion.
  EXPECT_EQ(ClosestName("bogus", names), "");
  EXPECT_EQ(ClosestName("frobnicate", names), "");
  EXPECT_EQ(ClosestName("x", {}), "");
}

TEST(ClosestName, TheFirstOfEqualsWins) {
  EXPECT_EQ(ClosestName("sixe", {"size", "site"}), "size");
}

}  // namespace
}  // namespace durabench
