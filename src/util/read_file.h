// Reading a whole input file (a workload, a result, fio output) into memory, bounded.
//
// Input files come from users and scripts, so the path may name anything: /dev/zero (endless),
// a FIFO with no writer (open blocks forever), a directory, or a file far larger than any real
// input. ReadRegularFile refuses anything that is not a regular file by stat before opening it
// (a device is never opened), opens with O_NONBLOCK (a FIFO swapped in meanwhile returns at once
// instead of waiting for a writer) and checks again with fstat, refuses a file larger than the
// caller's cap before reading it, and stops reading at the cap should the file grow meanwhile.
//
// Thread-safety: none needed; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace durabench {

// The whole content of the regular file at `path`, at most `max_bytes` long. `what` names the
// kind of file in messages ("result file", "workload file"). Errors:
//   NotFound        "open <path>: No such file or directory"
//   InvalidArgument "<path>: not a regular file (a FIFO); valid: a <what>"  (also directories,
//                   character and block devices, sockets)
//   InvalidArgument "<path>: 300 MiB is larger than the 256 MiB limit for a <what>"
//   IoError         "open|fstat|read <path>: <strerror>" for other failures.
Result<std::string> ReadRegularFile(const std::string& path, uint64_t max_bytes,
                                    std::string_view what);

}  // namespace durabench
