// A clock_gettime(2) clock in integer nanoseconds, for times that are not a measurement's
// timeline (measure/clock.h is that): CLOCK_REALTIME to stamp what other hosts or processes
// compare, CLOCK_MONOTONIC for an elapsed time outside the measured path.
#pragma once

#include <time.h>

#include <cstdint>

namespace durabench {

inline uint64_t ClockNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace durabench
