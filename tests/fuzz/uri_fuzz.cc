// Fuzzes URI target parsing (ParseTargetUri): an error or a TargetUri, never a crash; a parsed
// gluster directory is absolute.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "backend/uri.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)durabench::LooksLikeTargetUri(text);
  durabench::Result<durabench::TargetUri> uri = durabench::ParseTargetUri(text);
  if (uri.ok() && uri->scheme == durabench::UriScheme::kGluster && !uri->path.starts_with("/")) {
    std::abort();
  }
  return 0;
}
