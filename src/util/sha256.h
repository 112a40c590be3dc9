// SHA-256 (FIPS 180-4) of a text, used to hash device serial numbers before they go into a result
// file (the hash still tells two drives apart, or shows that two runs used the same one, without
// publishing the serial) and to recognise byte-identical result files. Computed by nettle
// (nettle-dev), the GnuTLS project's crypto library. Not for secrets: a plain, unkeyed digest.
#pragma once

#include <string>
#include <string_view>

namespace durabench {

// Lower-case hex of the SHA-256 of `text` (64 characters). Thread-safe.
std::string Sha256Hex(std::string_view text);

}  // namespace durabench
