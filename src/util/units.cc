#include "util/units.h"

#include <cstdio>
#include <iterator>
#include <numeric>
#include <optional>

namespace durabench {
namespace {

struct Unit {
  std::string_view name;
  uint64_t scale;  // bytes or nanoseconds per unit
};

constexpr uint64_t kKi = 1024;
// Size prefixes, in order of power: k = step^1 ... t = step^4 (step 1024, or 1000 for a prefix
// without 'i' under SizeBase::kDecimal).
constexpr std::string_view kSizePrefixes = "kmgt";
constexpr std::string_view kSizeValid =
    "B, k, m, g, t, alone or with B or iB, in any case (4k, 4K, 4KB, 4KiB, 64m, 1g); powers of "
    "1024; a bare number is bytes";

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Bytes per `unit` ("", "B", "k", "KiB", "gb", ...), or 0 when it is no size unit.
uint64_t SizeUnitScale(std::string_view unit, SizeBase base) {
  std::string u(unit);
  for (char& c : u) c = Lower(c);
  if (u.empty() || u == "b") return 1;
  const size_t power = kSizePrefixes.find(u[0]);
  if (power == std::string_view::npos) return 0;
  std::string_view rest = std::string_view(u).substr(1);
  const bool iec = rest.starts_with('i');
  if (iec) rest.remove_prefix(1);
  if (!rest.empty() && rest != "b") return 0;
  const uint64_t step = base == SizeBase::kDecimal && !iec ? 1000 : kKi;
  uint64_t scale = 1;
  for (size_t i = 0; i <= power; ++i) scale *= step;
  return scale;
}

constexpr Unit kDurationUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};
constexpr std::string_view kDurationValid = "ns, us, ms, s, m, h (a unit is required)";

// Significant decimal places we keep exact: 10^19 still fits in 64 bits.
constexpr size_t kMaxFractionDigits = 19;

bool IsSpace(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// "<what> "<text>": <problem>; valid: <valid>"
Status Invalid(std::string_view what, std::string_view text, std::string_view problem,
               std::string_view valid) {
  std::string msg(what);
  msg += " \"";
  msg += text;
  msg += "\": ";
  msg += problem;
  msg += "; valid: ";
  msg += valid;
  return Status::InvalidArgument(std::move(msg));
}

// A decimal number split into its digits: value = integer + fraction / 10^fraction_digits.
struct Decimal {
  uint64_t integer = 0;
  uint64_t fraction = 0;  // trailing zeros removed
  size_t fraction_digits = 0;
};

// Parses the number at the front of `s` and leaves the rest (the unit) in `s`. The problem is
// described in `*problem` on failure.
std::optional<Decimal> ParseDecimal(std::string_view* s, std::string* problem) {
  Decimal d;
  size_t i = 0;
  bool any_digit = false;
  for (; i < s->size() && IsDigit((*s)[i]); ++i) {
    any_digit = true;
    const uint64_t digit = static_cast<uint64_t>((*s)[i] - '0');
    if (__builtin_mul_overflow(d.integer, 10u, &d.integer) ||
        __builtin_add_overflow(d.integer, digit, &d.integer)) {
      *problem = "too large for 64 bits";
      return std::nullopt;
    }
  }
  if (i < s->size() && (*s)[i] == '.') {
    ++i;
    const size_t start = i;
    while (i < s->size() && IsDigit((*s)[i])) ++i;
    if (i == start) {
      *problem = "a decimal point must be followed by digits";
      return std::nullopt;
    }
    std::string_view digits = s->substr(start, i - start);
    while (!digits.empty() && digits.back() == '0') digits.remove_suffix(1);
    if (digits.size() > kMaxFractionDigits) {
      *problem = "too many decimal places";
      return std::nullopt;
    }
    for (char c : digits) d.fraction = d.fraction * 10 + static_cast<uint64_t>(c - '0');
    d.fraction_digits = digits.size();
    any_digit = true;
  }
  if (!any_digit) {
    *problem = s->empty() ? "empty" : "does not start with a number";
    return std::nullopt;
  }
  s->remove_prefix(i);
  return d;
}

uint64_t Pow10(size_t n) {
  uint64_t p = 1;
  for (size_t i = 0; i < n; ++i) p *= 10;
  return p;
}

// Exact d * scale; nullopt with `*problem` set when it is not whole or does not fit.
std::optional<uint64_t> Scale(const Decimal& d, uint64_t scale, std::string_view whole_unit,
                              std::string* problem) {
  uint64_t result;
  if (__builtin_mul_overflow(d.integer, scale, &result)) {
    *problem = "too large for 64 bits";
    return std::nullopt;
  }
  if (d.fraction_digits > 0) {
    // fraction * scale / 10^k is whole iff (10^k / g) divides fraction, g = gcd(scale, 10^k);
    // then the product is (fraction / (10^k / g)) * (scale / g) < scale: no overflow.
    const uint64_t denom = Pow10(d.fraction_digits);
    const uint64_t g = std::gcd(scale, denom);
    const uint64_t reduced_denom = denom / g;
    if (d.fraction % reduced_denom != 0) {
      *problem = "not a whole number of " + std::string(whole_unit);
      return std::nullopt;
    }
    const uint64_t part = (d.fraction / reduced_denom) * (scale / g);
    if (__builtin_add_overflow(result, part, &result)) {
      *problem = "too large for 64 bits";
      return std::nullopt;
    }
  }
  return result;
}

// `scale_of(unit)`: how many bytes or nanoseconds one `unit` is; 0 for no unit it knows.
template <typename ScaleOf>
Result<uint64_t> ParseWithUnits(std::string_view what, std::string_view input, ScaleOf scale_of,
                                std::string_view valid, std::string_view whole_unit,
                                bool bare_allowed) {
  std::string_view s = Trim(input);
  std::string problem;
  if (s.empty()) return Invalid(what, input, "empty", valid);
  if (s.front() == '-') return Invalid(what, input, "must not be negative", valid);
  std::optional<Decimal> d = ParseDecimal(&s, &problem);
  if (!d) return Invalid(what, input, problem, valid);
  s = Trim(s);
  uint64_t scale = 0;
  if (s.empty()) {
    if (!bare_allowed) return Invalid(what, input, "missing unit", valid);
    scale = 1;
  } else {
    scale = scale_of(s);
    if (scale == 0) {
      return Invalid(what, input, "unknown unit \"" + std::string(s) + "\"", valid);
    }
  }
  std::optional<uint64_t> value = Scale(*d, scale, whole_unit, &problem);
  if (!value) return Invalid(what, input, problem, valid);
  return *value;
}

// `value / scale` rounded to hundredths, as integer hundredths. value % scale * 100 cannot
// overflow for the scales used here (< 2^57).
uint64_t Hundredths(uint64_t value, uint64_t scale) {
  const uint64_t whole = value / scale;
  const uint64_t rest = value % scale;
  return whole * 100 + (rest * 100 + scale / 2) / scale;
}

std::string FormatHundredths(uint64_t hundredths, bool trim_zeros, std::string_view unit) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llu.%02llu", static_cast<unsigned long long>(hundredths / 100),
                static_cast<unsigned long long>(hundredths % 100));
  std::string out(buf);
  if (trim_zeros) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  out += unit;
  return out;
}

}  // namespace

Result<uint64_t> ParseSizeBytes(std::string_view text, SizeBase base) {
  const auto scale_of = [base](std::string_view unit) { return SizeUnitScale(unit, base); };
  return ParseWithUnits("size", text, scale_of, kSizeValid, "bytes", /*bare_allowed=*/true);
}

Result<uint64_t> ParseDurationNs(std::string_view text) {
  const auto scale_of = [](std::string_view unit) -> uint64_t {
    for (const Unit& u : kDurationUnits) {
      if (u.name == unit) return u.scale;
    }
    return 0;
  };
  return ParseWithUnits("duration", text, scale_of, kDurationValid, "nanoseconds",
                        /*bare_allowed=*/false);
}

std::string FormatSizeBytes(uint64_t bytes) {
  // Binary units only, so that the printed value matches what the kernel and tools show.
  static constexpr Unit kUnits[] = {
      {"KiB", kKi}, {"MiB", kKi * kKi}, {"GiB", kKi * kKi * kKi}, {"TiB", kKi * kKi * kKi * kKi}};
  if (bytes < kKi) return std::to_string(bytes) + "B";
  size_t i = 0;
  while (i + 1 < std::size(kUnits) && bytes >= kUnits[i + 1].scale) ++i;
  if (bytes % kUnits[i].scale == 0) {
    return std::to_string(bytes / kUnits[i].scale) + std::string(kUnits[i].name);
  }
  uint64_t h = Hundredths(bytes, kUnits[i].scale);
  // 1023.996KiB rounds to 1024.00: print it as 1MiB instead.
  if (h >= 1024 * 100 && i + 1 < std::size(kUnits)) {
    ++i;
    h = Hundredths(bytes, kUnits[i].scale);
  }
  return FormatHundredths(h, /*trim_zeros=*/true, kUnits[i].name);
}

std::string FormatDurationNs(uint64_t ns) {
  static constexpr Unit kUnits[] = {{"us", 1'000}, {"ms", 1'000'000}, {"s", 1'000'000'000}};
  if (ns < 1'000) return std::to_string(ns) + "ns";
  size_t i = 0;
  while (i + 1 < std::size(kUnits) && ns >= kUnits[i + 1].scale) ++i;
  uint64_t h = Hundredths(ns, kUnits[i].scale);
  // 999.996us rounds to 1000.00: print it as 1.00ms instead.
  if (h >= 1000 * 100 && i + 1 < std::size(kUnits)) {
    ++i;
    h = Hundredths(ns, kUnits[i].scale);
  }
  return FormatHundredths(h, /*trim_zeros=*/false, kUnits[i].name);
}

std::string FormatSignedDurationNs(int64_t ns) {
  // The magnitude as unsigned: -INT64_MIN does not fit an int64_t.
  const uint64_t magnitude = ns < 0 ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  return (ns < 0 ? "-" : "") + FormatDurationNs(magnitude);
}

}  // namespace durabench
