// Audit blocks: they describe themselves, and any damage (a torn half, a flipped bit, another
// audit's or generation's payload) is caught.
#include "audit/block.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace durabench {
namespace {

AuditBlockInfo Info(uint64_t offset, uint64_t generation) {
  AuditBlockInfo info;
  info.offset = offset;
  info.generation = generation;
  info.sequence = 42;
  info.time_ns = 1'700'000'000'000'000'000ull;
  info.job = 3;
  return info;
}

TEST(AuditBlock, Crc32cIsTheCastagnoliCheckValue) {
  const std::string text = "123456789";
  EXPECT_EQ(Crc32c(reinterpret_cast<const uint8_t*>(text.data()), text.size()), 0xE3069283u);
}

TEST(AuditBlock, RoundTripsEveryField) {
  const AuditId id = NewAuditId();
  for (size_t len : {512u, 4096u, 65536u, 4100u}) {
    std::vector<uint8_t> buf(len);
    FormatAuditBlock(id, Info(8192, 7), buf.data(), len);
    AuditBlockInfo got;
    ASSERT_EQ(ParseAuditBlock(id, buf.data(), len, &got), AuditBlockState::kValid) << len;
    EXPECT_EQ(got.offset, 8192u);
    EXPECT_EQ(got.generation, 7u);
    EXPECT_EQ(got.sequence, 42u);
    EXPECT_EQ(got.time_ns, 1'700'000'000'000'000'000ull);
    EXPECT_EQ(got.job, 3u);
  }
}

// The two steps (the checksum prepared without the time, then patched for it) write the very
// block FormatAuditBlock writes, for any time and block size.
TEST(AuditBlock, TheFormatterWritesTheSameBlockAsFormatAuditBlock) {
  const AuditId id = NewAuditId();
  for (size_t len : {512u, 4096u, 4100u, 65536u}) {
    const AuditBlockFormatter formatter(id, len);
    for (uint64_t time_ns : {0ull, 1ull, 0xffull << 56, 1'700'000'000'123'456'789ull, ~0ull}) {
      AuditBlockInfo info = Info(len * 3, 9);
      const uint32_t prepared = formatter.Prepare(info);
      info.time_ns = time_ns;
      std::vector<uint8_t> want(len), got(len);
      FormatAuditBlock(id, info, want.data(), len);
      formatter.Format(info, prepared, got.data());
      ASSERT_EQ(got, want) << len << " bytes, time " << time_ns;
    }
  }
}

TEST(AuditBlock, ZerosAndOtherAuditsHoldNoBlockOfThisOne) {
  const AuditId id = NewAuditId();
  const AuditId other = NewAuditId();
  ASSERT_NE(id, other);
  std::vector<uint8_t> buf(4096, 0);
  AuditBlockInfo got;
  EXPECT_EQ(ParseAuditBlock(id, buf.data(), buf.size(), &got), AuditBlockState::kNone);
  FormatAuditBlock(other, Info(0, 1), buf.data(), buf.size());
  EXPECT_EQ(ParseAuditBlock(id, buf.data(), buf.size(), &got), AuditBlockState::kNone);
  EXPECT_EQ(ParseAuditBlock(other, buf.data(), buf.size(), &got), AuditBlockState::kValid);
}

TEST(AuditBlock, EveryFlippedByteIsCaught) {
  const AuditId id = NewAuditId();
  std::vector<uint8_t> good(4096);
  FormatAuditBlock(id, Info(4096, 2), good.data(), good.size());
  AuditBlockInfo got;
  // Past the magic and the id (damage there reads as "no block of this audit").
  for (size_t at = 24; at < good.size(); at += 37) {
    std::vector<uint8_t> bad = good;
    bad[at] ^= 0x01;
    EXPECT_EQ(ParseAuditBlock(id, bad.data(), bad.size(), &got), AuditBlockState::kCorrupt) << at;
  }
}

TEST(AuditBlock, ATornBlockIsCorruptEitherWay) {
  const AuditId id = NewAuditId();
  std::vector<uint8_t> old_block(4096), new_block(4096);
  FormatAuditBlock(id, Info(0, 1), old_block.data(), 4096);
  FormatAuditBlock(id, Info(0, 2), new_block.data(), 4096);
  std::vector<uint8_t> torn = old_block;
  std::memcpy(torn.data(), new_block.data(), 2048);  // the new half first, the old after
  AuditBlockInfo got;
  EXPECT_EQ(ParseAuditBlock(id, torn.data(), 4096, &got), AuditBlockState::kCorrupt);
  torn = new_block;
  std::memcpy(torn.data(), old_block.data(), 2048);  // the old header, the new payload
  EXPECT_EQ(ParseAuditBlock(id, torn.data(), 4096, &got), AuditBlockState::kCorrupt);
}

TEST(AuditBlock, PayloadsDifferBetweenOffsetsAndGenerations) {
  const AuditId id = NewAuditId();
  std::vector<uint8_t> a(4096), b(4096), c(4096);
  FormatAuditBlock(id, Info(0, 1), a.data(), 4096);
  FormatAuditBlock(id, Info(4096, 1), b.data(), 4096);
  FormatAuditBlock(id, Info(0, 2), c.data(), 4096);
  EXPECT_NE(std::memcmp(a.data() + kAuditHeaderBytes, b.data() + kAuditHeaderBytes, 4096 - 64), 0);
  EXPECT_NE(std::memcmp(a.data() + kAuditHeaderBytes, c.data() + kAuditHeaderBytes, 4096 - 64), 0);
}

TEST(AuditBlock, IdsRoundTripThroughHex) {
  const AuditId id = NewAuditId();
  const std::string hex = AuditIdHex(id);
  EXPECT_EQ(hex.size(), 32u);
  AuditId back{};
  ASSERT_TRUE(ParseAuditIdHex(hex, &back));
  EXPECT_EQ(back, id);
  EXPECT_FALSE(ParseAuditIdHex("xyz", &back));
  EXPECT_FALSE(ParseAuditIdHex(std::string(32, 'G'), &back));
}

}  // namespace
}  // namespace durabench
