#include "audit/block.h"

#include <isa-l/crc.h>
#include <sys/random.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace durabench {
namespace {

constexpr char kMagic[8] = {'D', 'B', 'A', 'U', 'D', 'I', 'T', '1'};
constexpr size_t kCrcAt = 60;

void Put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void Put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t Get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint32_t Get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// SplitMix64's finaliser: a bijective mix, enough to make payloads of neighbouring blocks and
// generations unrelated (not cryptographic; the CRC is the integrity check).
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The payload is cut from a pool of random bytes derived from the audit id alone (made once per
// thread and audit): each 4 KiB of it is the pool's window at a position drawn from (audit id,
// offset, generation, chunk). A copy costs far less than generating every word (the audit must
// run near the speed of a plain run), and the data stays as incompressible as random data.
constexpr size_t kPoolBytes = 256 << 10;
constexpr size_t kChunkBytes = 4096;

const uint8_t* Pool(const AuditId& id) {
  thread_local AuditId pool_id{};
  thread_local std::vector<uint8_t> pool;
  if (pool.empty() || pool_id != id) {
    pool.resize(kPoolBytes);
    const uint64_t seed = Mix(Get64(id.data()) ^ Mix(Get64(id.data() + 8)));
    for (size_t i = 0; i < kPoolBytes; i += 8) Put64(pool.data() + i, Mix(seed + i));
    pool_id = id;
  }
  return pool.data();
}

void FillPayload(const AuditId& id, uint64_t offset, uint64_t generation, uint8_t* p, size_t len) {
  const uint8_t* pool = Pool(id);
  const uint64_t seed =
      Mix(Get64(id.data()) ^ Mix(Get64(id.data() + 8) ^ Mix(offset ^ Mix(generation))));
  for (size_t at = 0, chunk = 0; at < len; at += kChunkBytes, ++chunk) {
    const size_t n = std::min(kChunkBytes, len - at);
    const size_t from = Mix(seed + chunk) % (kPoolBytes - kChunkBytes) & ~size_t{7};
    std::memcpy(p + at, pool + from, n);
  }
}

uint32_t BlockCrc(const uint8_t* buf, size_t len) {
  static const uint8_t zeros[4] = {};
  uint32_t crc = ~0u;
  crc = crc32_iscsi(const_cast<uint8_t*>(buf), static_cast<int>(kCrcAt), crc);
  crc = crc32_iscsi(const_cast<uint8_t*>(zeros), 4, crc);
  crc =
      crc32_iscsi(const_cast<uint8_t*>(buf + kCrcAt + 4), static_cast<int>(len - kCrcAt - 4), crc);
  return ~crc;
}

}  // namespace

uint32_t Crc32c(const uint8_t* data, size_t len) {
  return ~crc32_iscsi(const_cast<uint8_t*>(data), static_cast<int>(len), ~0u);
}

AuditId NewAuditId() {
  AuditId id{};
  size_t got = 0;
  while (got < id.size()) {
    const ssize_t n = getrandom(id.data() + got, id.size() - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  return id;
}

std::string AuditIdHex(const AuditId& id) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : id) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

bool ParseAuditIdHex(const std::string& hex, AuditId* id) {
  if (hex.size() != 32) return false;
  for (size_t i = 0; i < 16; ++i) {
    uint8_t b = 0;
    for (size_t k = 0; k < 2; ++k) {
      const char c = hex[2 * i + k];
      b = static_cast<uint8_t>(b << 4);
      if (c >= '0' && c <= '9') {
        b |= static_cast<uint8_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        b |= static_cast<uint8_t>(c - 'a' + 10);
      } else {
        return false;
      }
    }
    (*id)[i] = b;
  }
  return true;
}

void FormatAuditBlock(const AuditId& id, const AuditBlockInfo& info, uint8_t* buf, size_t len) {
  std::memcpy(buf, kMagic, 8);
  std::memcpy(buf + 8, id.data(), 16);
  Put64(buf + 24, info.offset);
  Put64(buf + 32, info.generation);
  Put64(buf + 40, info.sequence);
  Put64(buf + 48, info.time_ns);
  Put32(buf + 56, info.job);
  FillPayload(id, info.offset, info.generation, buf + kAuditHeaderBytes, len - kAuditHeaderBytes);
  Put32(buf + kCrcAt, BlockCrc(buf, len));
}

AuditBlockState ParseAuditBlock(const AuditId& id, const uint8_t* buf, size_t len,
                                AuditBlockInfo* info) {
  if (len < kMinAuditBlockBytes || std::memcmp(buf, kMagic, 8) != 0 ||
      std::memcmp(buf + 8, id.data(), 16) != 0) {
    return AuditBlockState::kNone;
  }
  if (Get32(buf + kCrcAt) != BlockCrc(buf, len)) return AuditBlockState::kCorrupt;
  info->offset = Get64(buf + 24);
  info->generation = Get64(buf + 32);
  info->sequence = Get64(buf + 40);
  info->time_ns = Get64(buf + 48);
  info->job = Get32(buf + 56);
  return AuditBlockState::kValid;
}

}  // namespace durabench
