// SHA-256 (FIPS 180-4), used to hash device serial numbers before they go into a result file:
// the hash still tells two drives apart (or shows that two runs used the same one) without
// publishing the serial. Not for secrets or passwords: it is a plain digest, not constant-time
// and not keyed. A small local implementation because no crypto library is a dependency.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace durabench {

// Incremental hasher: Update() any number of times, then Finish() once. Not thread-safe; one
// object per hash. After Finish() the object must not be updated again.
class Sha256 {
 public:
  static constexpr size_t kDigestBytes = 32;
  using Digest = std::array<uint8_t, kDigestBytes>;

  Sha256();
  void Update(const void* data, size_t size_bytes);
  void Update(std::string_view text) { Update(text.data(), text.size()); }
  Digest Finish();

 private:
  void Block(const uint8_t* block);  // one 64-byte block into state_

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;       // bytes in buffer_
  uint64_t total_bytes_ = 0;  // message length so far
};

// Lower-case hex of the SHA-256 of `text` (64 characters).
std::string Sha256Hex(std::string_view text);

}  // namespace durabench
