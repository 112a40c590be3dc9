// Helpers shared by the src/target tests: target options, layouts and file checksums.
// (Temp directories and loop devices come from tests/support/test_util.h.)
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "support/test_util.h"
#include "target/target.h"

namespace durabench::testing {

// TargetOptions for `path` with chained setters (designated initializers would draw
// -Wmissing-field-initializers for every field left out).
class Options {
 public:
  explicit Options(std::string path) { o_.path = std::move(path); }
  Options& Create() {
    o_.create = true;
    return *this;
  }
  Options& Keep() {
    o_.keep = true;
    return *this;
  }
  Options& AllowOverwrite() {
    o_.allow_overwrite = true;
    return *this;
  }
  Options& DestroyData(std::string path) {
    o_.destroy_data = std::move(path);
    return *this;
  }
  Options& IgnoreSignatures() {
    o_.ignore_signatures = true;
    return *this;
  }
  Options& NoFill() {
    o_.layout_fill = false;
    return *this;
  }
  Options& Share(uint32_t index, uint32_t count) {
    o_.share_index = index;
    o_.share_count = count;
    return *this;
  }
  operator TargetOptions() const { return o_; }  // NOLINT: implicit by design

 private:
  TargetOptions o_;
};

inline LayoutRequest Layout(uint64_t size_bytes, uint32_t jobs = 1) {
  LayoutRequest layout;
  layout.jobs = jobs;
  layout.size_bytes = size_bytes;
  return layout;
}

// FNV-1a 64 over the whole content of `path`; 0 if it cannot be read. Enough to show that not a
// byte changed.
inline uint64_t Checksum(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  uint64_t hash = 0xcbf29ce484222325ull;
  std::vector<unsigned char> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      hash ^= buf[static_cast<size_t>(i)];
      hash *= 0x100000001b3ull;
    }
  }
  ::close(fd);
  return hash;
}

// Writes `content` to a new file at `path` (truncating); false on error.
inline bool WriteFile(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool ok =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  return ::close(fd) == 0 && ok;
}

inline bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace durabench::testing
