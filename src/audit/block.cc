#include "audit/block.h"

#include <isa-l/crc.h>
#include <sys/random.h>
#include <time.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

namespace durabench {
namespace {

constexpr char kMagic[8] = {'D', 'B', 'A', 'U', 'D', 'I', 'T', '1'};
constexpr size_t kTimeAt = 48;
constexpr size_t kCrcAt = 60;

// Little-endian fields: a plain copy on a little-endian host (the byte loops are not folded
// into one store by the compiler, and every write formats a header).
template <typename T>
void PutLe(uint8_t* p, T v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, sizeof(v));
  } else {
    for (size_t i = 0; i < sizeof(v); ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
  }
}
template <typename T>
T GetLe(const uint8_t* p) {
  T v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof(v));
  } else {
    for (size_t i = sizeof(v); i-- > 0;) v = static_cast<T>((v << 8) | p[i]);
  }
  return v;
}
void Put64(uint8_t* p, uint64_t v) { PutLe(p, v); }
void Put32(uint8_t* p, uint32_t v) { PutLe(p, v); }
uint64_t Get64(const uint8_t* p) { return GetLe<uint64_t>(p); }
uint32_t Get32(const uint8_t* p) { return GetLe<uint32_t>(p); }

// SplitMix64's finaliser: a bijective mix, enough to make payloads of neighbouring blocks and
// generations unrelated (not cryptographic; the CRC is the integrity check).
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The payload is cut from a pool of random bytes derived from the audit id alone: each 4 KiB of
// it is the pool's window at a position drawn from (audit id, offset, generation, chunk). A copy
// costs far less than generating every word (the audit must run near the speed of a plain run),
// and the data stays as incompressible as random data.
constexpr size_t kPoolBytes = 256 << 10;
constexpr size_t kChunkBytes = 4096;

std::vector<uint8_t> MakePool(const AuditId& id) {
  std::vector<uint8_t> pool(kPoolBytes);
  const uint64_t seed = Mix(Get64(id.data()) ^ Mix(Get64(id.data() + 8)));
  for (size_t i = 0; i < kPoolBytes; i += 8) Put64(pool.data() + i, Mix(seed + i));
  return pool;
}

// The pool of `id`, made once per thread and audit (FormatAuditBlock).
const uint8_t* Pool(const AuditId& id) {
  thread_local AuditId pool_id{};
  thread_local std::vector<uint8_t> pool;
  if (pool.empty() || pool_id != id) {
    pool = MakePool(id);
    pool_id = id;
  }
  return pool.data();
}

// Calls fn(at, window, n) for each chunk of the `len` payload bytes of (offset, generation):
// bytes [at, at + n) of the payload are the pool's bytes from `window`.
template <typename Fn>
void ForEachPayloadChunk(const AuditId& id, const uint8_t* pool, uint64_t offset,
                         uint64_t generation, size_t len, Fn fn) {
  const uint64_t seed =
      Mix(Get64(id.data()) ^ Mix(Get64(id.data() + 8) ^ Mix(offset ^ Mix(generation))));
  for (size_t at = 0, chunk = 0; at < len; at += kChunkBytes, ++chunk) {
    const size_t from = Mix(seed + chunk) % (kPoolBytes - kChunkBytes) & ~size_t{7};
    fn(at, pool + from, std::min(kChunkBytes, len - at));
  }
}

void FillPayload(const AuditId& id, const uint8_t* pool, uint64_t offset, uint64_t generation,
                 uint8_t* p, size_t len) {
  ForEachPayloadChunk(
      id, pool, offset, generation, len,
      [p](size_t at, const uint8_t* window, size_t n) { std::memcpy(p + at, window, n); });
}

// The header of `info` into buf[0, kAuditHeaderBytes), its checksum field zero.
void PutHeader(const AuditId& id, const AuditBlockInfo& info, uint8_t* buf) {
  std::memcpy(buf, kMagic, 8);
  std::memcpy(buf + 8, id.data(), 16);
  Put64(buf + 24, info.offset);
  Put64(buf + 32, info.generation);
  Put64(buf + 40, info.sequence);
  Put64(buf + kTimeAt, info.time_ns);
  Put32(buf + 56, info.job);
  Put32(buf + kCrcAt, 0);
}

// CRC32C register arithmetic over GF(2) (as zlib's crc32_combine): a 32x32 matrix as its 32
// columns, column i the image of bit i of the register.
using Gf2Matrix = std::array<uint32_t, 32>;

uint32_t Times(const Gf2Matrix& m, uint32_t v) {
  uint32_t r = 0;
  for (size_t i = 0; v != 0; ++i, v >>= 1) {
    if (v & 1) r ^= m[i];
  }
  return r;
}

// `a` after `b`.
Gf2Matrix Compose(const Gf2Matrix& a, const Gf2Matrix& b) {
  Gf2Matrix r;
  for (size_t i = 0; i < 32; ++i) r[i] = Times(a, b[i]);
  return r;
}

// The register after `bytes` zero bytes as a function of the register before (squarings of
// ISA-L's own one-byte step, so no convention of bit order is assumed).
Gf2Matrix ZeroBytes(uint64_t bytes) {
  uint8_t zero = 0;
  Gf2Matrix step, result;
  for (size_t i = 0; i < 32; ++i) {
    step[i] = crc32_iscsi(&zero, 1, uint32_t{1} << i);
    result[i] = uint32_t{1} << i;
  }
  for (; bytes != 0; bytes >>= 1) {
    if (bytes & 1) result = Compose(step, result);
    step = Compose(step, step);
  }
  return result;
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
  PutHeader(id, info, buf);
  FillPayload(id, Pool(id), info.offset, info.generation, buf + kAuditHeaderBytes,
              len - kAuditHeaderBytes);
  Put32(buf + kCrcAt, BlockCrc(buf, len));
}

AuditBlockFormatter::AuditBlockFormatter(const AuditId& id, size_t block_bytes)
    : id_(id), block_bytes_(block_bytes), pool_(MakePool(id)) {
  // A register-update CRC is linear: the register after the block is the one with time_ns 0,
  // XOR the one of the time's 8 bytes alone (from a zero register), carried through the bytes
  // after them.
  const Gf2Matrix rest = ZeroBytes(block_bytes - kTimeAt - 8);
  for (size_t k = 0; k < 8; ++k) {
    for (uint32_t v = 0; v < 256; ++v) {
      uint8_t time[8] = {};
      time[k] = static_cast<uint8_t>(v);
      time_crc_[k][v] = Times(rest, crc32_iscsi(time, 8, 0));
    }
  }
}

uint32_t AuditBlockFormatter::Prepare(const AuditBlockInfo& info) const {
  AuditBlockInfo untimed = info;
  untimed.time_ns = 0;
  uint8_t header[kAuditHeaderBytes];
  PutHeader(id_, untimed, header);
  uint32_t crc = crc32_iscsi(header, static_cast<int>(kAuditHeaderBytes), ~0u);
  ForEachPayloadChunk(id_, pool_.data(), info.offset, info.generation,
                      block_bytes_ - kAuditHeaderBytes,
                      [&crc](size_t, const uint8_t* window, size_t n) {
                        crc = crc32_iscsi(const_cast<uint8_t*>(window), static_cast<int>(n), crc);
                      });
  return crc;
}

void AuditBlockFormatter::Format(const AuditBlockInfo& info, uint32_t prepared,
                                 uint8_t* buf) const {
  PutHeader(id_, info, buf);
  FillPayload(id_, pool_.data(), info.offset, info.generation, buf + kAuditHeaderBytes,
              block_bytes_ - kAuditHeaderBytes);
  uint32_t crc = prepared;
  for (size_t k = 0; k < 8; ++k) crc ^= time_crc_[k][(info.time_ns >> (8 * k)) & 0xff];
  Put32(buf + kCrcAt, ~crc);
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
  info->time_ns = Get64(buf + kTimeAt);
  info->job = Get32(buf + 56);
  return AuditBlockState::kValid;
}

}  // namespace durabench
