#include "util/csv.h"

#include <gtest/gtest.h>

namespace durabench {
namespace {

TEST(Csv, FieldsAreQuotedOnlyWhenTheyMustBe) {
  EXPECT_EQ(CsvField("plain text 1.5us"), "plain text 1.5us");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
}

TEST(Csv, ALineJoinsItsFields) {
  EXPECT_EQ(CsvLine({"phase", "a,b", "3"}), "phase,\"a,b\",3\n");
  EXPECT_EQ(CsvLine({}), "\n");
}

}  // namespace
}  // namespace durabench
