#include "measure/clock.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace durabench {
namespace internal {
ClockScale g_clock;
}  // namespace internal

namespace {

// How long the TSC is calibrated against CLOCK_MONOTONIC: the error is about the jitter of one
// clock read (~100 ns) over this span, i.e. a few ppm.
constexpr uint64_t kCalibrationNs = 20'000'000;

bool InvariantTsc() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    return line.find(" constant_tsc") != std::string::npos &&
           line.find(" nonstop_tsc") != std::string::npos;
  }
  return false;
}

// The kernel's own clocksource is the TSC only after it checked that the TSCs of all CPUs agree
// (and keeps watching them). Under a hypervisor that offers kvm-clock instead, raw TSC values
// read on different vCPUs were seen to disagree by up to 50 us: a job moved between CPUs during
// one operation would then get a wrong, even negative, latency.
bool KernelTrustsTsc() {
  std::ifstream f("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  return (f >> source) && source == "tsc";
}

#if DURABENCH_CLOCK_HAVE_TSC
// One (TSC, CLOCK_MONOTONIC) pair: the TSC read between two clock reads, taking the tightest
// bracket of a few tries, and the clock value in its middle.
void Sample(uint64_t* tsc, uint64_t* ns) {
  uint64_t best = UINT64_MAX;
  for (int i = 0; i < 16; ++i) {
    const uint64_t a = internal::MonotonicNs();
    const uint64_t t = internal::ReadTsc();
    const uint64_t b = internal::MonotonicNs();
    if (b - a < best) {
      best = b - a;
      *tsc = t;
      *ns = a + (b - a) / 2;
    }
  }
}
#endif

}  // namespace

const char* ClockSourceName() { return internal::g_clock.tsc ? "tsc" : "clock_monotonic"; }

void InitClock() {
  internal::g_clock = internal::ClockScale();
#if DURABENCH_CLOCK_HAVE_TSC
  const char* env = std::getenv("DURABENCH_CLOCK");
  const std::string choice = env != nullptr ? env : "auto";
  if (choice == "monotonic") return;
  if (!InvariantTsc()) return;
  if (choice != "tsc" && !KernelTrustsTsc()) return;
  uint64_t t0 = 0, n0 = 0, t1 = 0, n1 = 0;
  Sample(&t0, &n0);
  struct timespec ts = {0, static_cast<long>(kCalibrationNs)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  Sample(&t1, &n1);
  if (t1 <= t0 || n1 <= n0) return;
  __extension__ using U128 = unsigned __int128;
  internal::ClockScale scale;
  scale.mult = static_cast<uint64_t>((static_cast<U128>(n1 - n0) << 32) / (t1 - t0));
  scale.tsc0 = t1;
  scale.ns0 = n1;
  scale.tsc = scale.mult != 0;
  internal::g_clock = scale;
#endif
}

void SleepUntilNs(uint64_t deadline_ns) {
  for (;;) {
    const uint64_t now = NowNs();
    if (now >= deadline_ns) return;
    const uint64_t left = deadline_ns - now;
    struct timespec ts = {static_cast<time_t>(left / 1'000'000'000ull),
                          static_cast<long>(left % 1'000'000'000ull)};
    nanosleep(&ts, nullptr);  // EINTR or an early wake-up: loop
  }
}

}  // namespace durabench
