// The one clock every measurement uses: CLOCK_MONOTONIC in integer nanoseconds.
//
// Monotonic (never steps with NTP or settimeofday), read through the vDSO (~20 ns, no syscall).
#pragma once

#include <time.h>

#include <cstdint>

namespace durabench {

inline uint64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace durabench
