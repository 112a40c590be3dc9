// Offset generators and the pseudo-random numbers behind them and behind the data buffers.
#pragma once

#include <cstdint>

#include "spec/spec.h"

namespace durabench {

// SplitMix64: tiny, fast, good enough for offsets and data; deterministic for a given seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0 (Lemire's multiply-shift; bias < n / 2^64).
  uint64_t Below(uint64_t n) {
    __extension__ using U128 = unsigned __int128;
    return static_cast<uint64_t>((static_cast<U128>(Next()) * n) >> 64);
  }

 private:
  uint64_t state_;
};

// Produces the offsets (bytes, relative to the job's region) of successive reads and writes.
// Sequential patterns wrap around at the end of the region; random ones pick a block uniformly.
class OffsetGenerator {
 public:
  OffsetGenerator(Pattern pattern, uint64_t region_bytes, uint64_t block_bytes, uint64_t seed);
  uint64_t Next();
  // Number of whole blocks in the region: one "pass".
  uint64_t blocks() const { return blocks_; }

 private:
  bool random_;
  uint64_t blocks_;
  uint64_t block_bytes_;
  uint64_t next_block_ = 0;
  Rng rng_;
};

}  // namespace durabench
