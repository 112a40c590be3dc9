// Audit blocks: what every write of a durability audit puts on the target, so that the verify
// step can tell, from the block alone, which write it is and whether it arrived whole
// (docs/audit.md, "The block").
//
// Layout (little-endian, at the start of the block; the rest is payload):
//   0  magic      8 bytes "DBAUDIT1"
//   8  audit id  16 bytes, random per audit
//  24  offset     8 bytes: the block's byte offset in its file or device
//  32  generation 8 bytes: 1 for the block's first write, +1 for each rewrite
//  40  sequence   8 bytes: the write's number in the audit, as the witness has it: unique among
//                 the writes of all jobs of the audit, growing within each job (not contiguous)
//  48  time       8 bytes: CLOCK_REALTIME ns when the block was formatted
//  56  job        4 bytes
//  60  crc32c     4 bytes: CRC32C (Castagnoli, ISA-L's crc32_iscsi) of the whole block with
//                 these 4 bytes taken as zero
//  64  payload: bytes derived from (audit id, offset, generation) by a counter-mode mix, so a
//      reader can recompute them; a block whose payload is another generation's fails the CRC.
//
// A torn write (half new, half old), a flipped bit or a block of another generation's payload
// under this header fails the checksum; a block without the magic and this audit's id holds no
// write of this audit (zeros, old data, another audit's).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace durabench {

inline constexpr size_t kAuditHeaderBytes = 64;
// The smallest block an audit writes: a sector.
inline constexpr uint32_t kMinAuditBlockBytes = 512;

using AuditId = std::array<uint8_t, 16>;

// A fresh audit id from getrandom(2).
AuditId NewAuditId();
// 32 lower-case hex digits, and back (false on anything else).
std::string AuditIdHex(const AuditId& id);
bool ParseAuditIdHex(const std::string& hex, AuditId* id);

struct AuditBlockInfo {
  uint64_t offset = 0;
  uint64_t generation = 0;
  uint64_t sequence = 0;
  uint64_t time_ns = 0;
  uint32_t job = 0;
};

// Writes the block for `info` of audit `id` into `buf` (`len` bytes, >= kMinAuditBlockBytes).
void FormatAuditBlock(const AuditId& id, const AuditBlockInfo& info, uint8_t* buf, size_t len);

// FormatAuditBlock in two steps, for a writer whose job thread must do as little as possible
// (audit/writer.h). The checksum pass over the block, the costly part, is made ahead and on
// another thread by Prepare(), for the block with time_ns 0 (every other field is known when
// the write is planned). Format() then copies the payload, writes the header and patches the
// checksum for the time: CRC32C is linear, so the time's share of it is the XOR of 8 table
// entries (the effect of each of its bytes, carried through the rest of the block). The block
// is byte for byte FormatAuditBlock's.
//
// Memory: the payload pool (256 KiB) and the tables (8 KiB). Thread-safety: immutable after
// construction; any threads may call Prepare() and Format() at once.
class AuditBlockFormatter {
 public:
  // For the blocks of audit `id`, `block_bytes` long (>= kMinAuditBlockBytes).
  AuditBlockFormatter(const AuditId& id, size_t block_bytes);

  // The CRC32C register (not inverted) after the whole block of `info` with time_ns taken as
  // 0 (info.time_ns is ignored): the input of Format().
  uint32_t Prepare(const AuditBlockInfo& info) const;
  // Writes the block of `info` into `buf` (block_bytes); `prepared` is Prepare() of the same
  // offset, generation, sequence and job.
  void Format(const AuditBlockInfo& info, uint32_t prepared, uint8_t* buf) const;

 private:
  AuditId id_;
  size_t block_bytes_;
  std::vector<uint8_t> pool_;
  std::array<std::array<uint32_t, 256>, 8> time_crc_;  // [byte of time_ns][its value]
};

enum class AuditBlockState {
  kNone,     // no header of this audit: never written by it (or lost to older data)
  kCorrupt,  // this audit's magic and id, but the checksum fails: torn or damaged
  kValid,    // a whole block of this audit; *info says which write
};

// Reads the block in `buf` (`len` bytes) as a block of audit `id`.
AuditBlockState ParseAuditBlock(const AuditId& id, const uint8_t* buf, size_t len,
                                AuditBlockInfo* info);

// CRC32C of `len` bytes (ISA-L crc32_iscsi, seed and final inversion as iSCSI defines them).
uint32_t Crc32c(const uint8_t* data, size_t len);

}  // namespace durabench
