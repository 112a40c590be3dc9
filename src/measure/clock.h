// The one clock every measurement uses: a monotonic timeline in integer nanoseconds.
//
// Two sources, chosen once per process by InitClock():
//  - "tsc": the CPU's time-stamp counter, read in order (ReadTsc: LFENCE then RDTSC, ~15 ns
//    on the development VM), scaled to nanoseconds with a factor calibrated against
//    CLOCK_MONOTONIC over ~20 ms (error a few ppm).
//    Used where the TSC is invariant (cpuinfo flags constant_tsc and nonstop_tsc: same rate on
//    every CPU, in every power state) and the kernel itself keeps time with it (clocksource
//    "tsc": it verified that all CPUs' TSCs agree).
//  - "clock_monotonic": clock_gettime(CLOCK_MONOTONIC) through the vDSO (~28 ns on kvm-clock).
// Two clock reads bracket every measured operation, so the cheaper clock is most of durabench's
// own per-operation cost on the null engine. The timeline is not CLOCK_MONOTONIC's (NTP slews
// that, not the TSC): compare NowNs() values only with each other, and sleep with SleepUntilNs().
#pragma once

#include <time.h>

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define DURABENCH_CLOCK_HAVE_TSC 1
#else
#define DURABENCH_CLOCK_HAVE_TSC 0
#endif

namespace durabench {

namespace internal {
struct ClockScale {
  bool tsc = false;   // read the TSC (else CLOCK_MONOTONIC)
  uint64_t tsc0 = 0;  // TSC at the calibration point
  uint64_t ns0 = 0;   // CLOCK_MONOTONIC at the calibration point
  uint64_t mult = 0;  // nanoseconds per tick, 32.32 fixed point
};
extern ClockScale g_clock;

#if DURABENCH_CLOCK_HAVE_TSC
// The TSC once everything before it in program order has completed. A bare RDTSC is not
// ordered: the CPU may execute it before an earlier load has its value, so a timestamp taken
// after seeing a completion (a completion queue's tail, another thread's flag) can predate it.
// On the development VM a bare RDTSC after a contended atomic load was seen up to 5 us before
// a value that load had already returned (Clock.DoesNotGoBackwardsAcrossThreads failed 73
// times in 300); with LFENCE first, as the kernel's own rdtsc_ordered(), never in 300. It costs
// ~6 ns a read (14.6 ns against 8.6 ns in a loop).
inline uint64_t ReadTsc() {
  _mm_lfence();
  return __rdtsc();
}
#endif

inline uint64_t MonotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}
}  // namespace internal

inline uint64_t NowNs() {
#if DURABENCH_CLOCK_HAVE_TSC
  if (internal::g_clock.tsc) {
    __extension__ using U128 = unsigned __int128;
    const uint64_t ticks = internal::ReadTsc() - internal::g_clock.tsc0;
    return internal::g_clock.ns0 +
           static_cast<uint64_t>((static_cast<U128>(ticks) * internal::g_clock.mult) >> 32);
  }
#endif
  return internal::MonotonicNs();
}

// Chooses and calibrates the source (above). Call once, before any thread reads the clock; the
// `durabench` binary does so in main(). Without it NowNs() reads CLOCK_MONOTONIC.
// DURABENCH_CLOCK=monotonic forces CLOCK_MONOTONIC; DURABENCH_CLOCK=tsc uses an invariant TSC even
// where the kernel does not (safe when every job is pinned to one CPU, see the `cpus` key).
void InitClock();
// "tsc" or "clock_monotonic": what NowNs() reads.
const char* ClockSourceName();
// Sleeps until NowNs() >= deadline_ns (relative sleeps, so it holds on either timeline).
void SleepUntilNs(uint64_t deadline_ns);

}  // namespace durabench
