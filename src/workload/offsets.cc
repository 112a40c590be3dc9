#include "workload/offsets.h"

namespace durabench {

OffsetGenerator::OffsetGenerator(Pattern pattern, uint64_t region_bytes, uint64_t block_bytes,
                                 uint64_t seed)
    : random_(pattern == Pattern::kRandRead || pattern == Pattern::kRandWrite ||
              pattern == Pattern::kRandRW),
      blocks_(block_bytes ? region_bytes / block_bytes : 0),
      block_bytes_(block_bytes),
      rng_(seed) {
  if (blocks_ == 0) blocks_ = 1;
}

uint64_t OffsetGenerator::Next() {
  uint64_t block;
  if (random_) {
    block = rng_.Below(blocks_);
  } else {
    block = next_block_;
    if (++next_block_ == blocks_) next_block_ = 0;
  }
  return block * block_bytes_;
}

}  // namespace durabench
