// Parsing and printing sizes and durations as users write them ("4KiB", "250us").
//
// Sizes: an integer or decimal number and an optional unit, as fio reads them: a prefix k, m, g
// or t alone or followed by B or iB, in any case ("4k", "4K", "4kb", "4KB", "4KiB", "64m",
// "1g", "1GiB"), or B; a bare number is bytes. Every prefix is a power of 1024 (1k = 1024, so
// "4KB" is 4096, as in fio's default kb_base=1024; fio's compatibility mode also reads "KiB" as
// 1000, durabench never does). Whitespace between number and unit is allowed.
// Durations: a number and one of ns, us, ms, s, m, h; a bare number is an error (the unit is
// never guessed).
// Decimals are exact ("1.5KiB" = 1536, at most 19 significant decimal places); results must be
// whole bytes / whole nanoseconds ("0.5B" is an error) and fit in 64 bits. Negative numbers,
// exponents and signs are errors.
// Errors are InvalidArgument with a message that quotes the input and lists the valid units.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace durabench {

// How a size prefix without 'i' is read. kDecimal is fio's kb_base=1000 (k = 1000, KiB = 1024),
// for reading what fio wrote; what users type is always kBinary.
enum class SizeBase { kBinary, kDecimal };

Result<uint64_t> ParseSizeBytes(std::string_view text, SizeBase base = SizeBase::kBinary);
Result<uint64_t> ParseDurationNs(std::string_view text);

// Short human forms for tables and messages, not meant to be parsed back. Sizes use binary
// units, whole when exact, else at most two decimals: 4096 -> "4KiB", 1572864 -> "1.5MiB",
// 1500000 -> "1.43MiB", 100 -> "100B". Durations: ns below 1 us, else two decimals in us, ms or
// s: 999 -> "999ns", 1500 -> "1.50us", 2000000 -> "2.00ms", 90000000000 -> "90.00s".
std::string FormatSizeBytes(uint64_t bytes);
std::string FormatDurationNs(uint64_t ns);
// A difference of durations, with its sign: -35000 -> "-35.00us", 35000 -> "35.00us".
std::string FormatSignedDurationNs(int64_t ns);

}  // namespace durabench
