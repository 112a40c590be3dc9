#include "util/data_dir.h"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include "durabench/config.h"
#include "util/errno_status.h"

namespace durabench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSelf = "/proc/self/exe";

// readlink(2) of `path` as a string, growing the buffer until the target fits.
Result<std::string> ReadLink(const char* path) {
  std::vector<char> buf(256);
  for (;;) {
    const ssize_t n = ::readlink(path, buf.data(), buf.size());
    if (n < 0) return ErrnoStatus("readlink", path, errno);
    if (static_cast<size_t>(n) < buf.size()) return std::string(buf.data(), static_cast<size_t>(n));
    buf.resize(buf.size() * 2);  // possibly truncated: try again with more room
  }
}

}  // namespace

std::string DataDirOfBinary(std::string_view binary_path) {
  const fs::path dir = fs::path(binary_path).parent_path();
  return (dir / DURABENCH_DATA_DIR_FROM_BIN).lexically_normal().string();
}

Result<std::string> BinaryPath() { return ReadLink(kSelf); }

Result<std::string> DataDir() {
  Result<std::string> self = BinaryPath();
  if (!self.ok()) return self.status();
  return DataDirOfBinary(*self);
}

}  // namespace durabench
