// Turning errno values into Status messages in one place (STYLE.md 7).
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace durabench {

// "<call> <path>: <strerror(err)>" (or "<call>: ..." when path is empty). `err` is a positive
// errno value; a negative one is negated, so -errno results can be passed as they are.
// EOPNOTSUPP / ENOSYS / EINVAL-from-unsupported-flags are the caller's to map to NotSupported.
Status ErrnoStatus(std::string_view call, std::string_view path, int err);

// strerror_r() as a std::string.
std::string ErrnoString(int err);
// The errno's symbolic name ("EIO"), or "errno N" for one the C library does not know.
std::string ErrnoName(int err);

}  // namespace durabench
