#include "backend/uri.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "util/process_tag.h"

namespace durabench {
namespace {

constexpr const char* kForms =
    "rados://POOL, rbd://POOL/IMAGE or gluster://HOST[:PORT]/VOLUME[/DIR]";

Status Bad(std::string_view text, const std::string& why) {
  return Status::InvalidArgument("target '" + std::string(text) + "': " + why +
                                 " (valid: " + kForms + ")");
}

std::vector<std::string> SplitPath(std::string_view rest) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= rest.size()) {
    const size_t slash = rest.find('/', start);
    const size_t end = slash == std::string_view::npos ? rest.size() : slash;
    parts.emplace_back(rest.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

// A Ceph pool or image name: not empty, and no snapshot ('@'): snapshots are read-only.
Status CheckCephName(std::string_view text, const std::string& what, const std::string& name) {
  if (name.empty()) return Bad(text, what + " name is empty");
  if (name.find('@') != std::string::npos) {
    return Bad(text, what + " '" + name + "' names a snapshot, which cannot be written");
  }
  return Status::Ok();
}

}  // namespace

bool LooksLikeTargetUri(std::string_view target) {
  return target.find("://") != std::string_view::npos;
}

std::string UriJobName(uint32_t job) {
  return "durabench-" + ProcessTag() + "-" + std::to_string(job);
}

const char* NativeEngineFor(UriScheme scheme) {
  switch (scheme) {
    case UriScheme::kRados:
      return "rados";
    case UriScheme::kRbd:
      return "rbd";
    case UriScheme::kGluster:
      return "gfapi";
  }
  return "?";
}

Result<TargetUri> ParseTargetUri(std::string_view text) {
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) return Bad(text, "not a URI");
  const std::string_view scheme = text.substr(0, sep);
  const std::vector<std::string> parts = SplitPath(text.substr(sep + 3));
  TargetUri uri;
  uri.text = std::string(text);
  if (scheme == "rados") {
    uri.scheme = UriScheme::kRados;
    if (parts.size() != 1) return Bad(text, "expected rados://POOL");
    uri.pool = parts[0];
    DURABENCH_RETURN_IF_ERROR(CheckCephName(text, "pool", uri.pool));
    return uri;
  }
  if (scheme == "rbd") {
    uri.scheme = UriScheme::kRbd;
    if (parts.size() != 2) return Bad(text, "expected rbd://POOL/IMAGE");
    uri.pool = parts[0];
    uri.image = parts[1];
    DURABENCH_RETURN_IF_ERROR(CheckCephName(text, "pool", uri.pool));
    DURABENCH_RETURN_IF_ERROR(CheckCephName(text, "image", uri.image));
    return uri;
  }
  if (scheme == "gluster") {
    uri.scheme = UriScheme::kGluster;
    if (parts.size() < 2 || parts[1].empty()) {
      return Bad(text, "expected gluster://HOST[:PORT]/VOLUME[/DIR]");
    }
    // HOST is a name, an IPv4 address or a bracketed IPv6 address ([::1]); brackets are
    // removed, since gfapi takes the bare address.
    std::string host = parts[0];
    std::string port;
    bool has_port = false;
    if (!host.empty() && host[0] == '[') {
      const size_t close = host.find(']');
      if (close == std::string::npos) return Bad(text, "'[' without ']' in the host");
      const std::string rest = host.substr(close + 1);
      if (!rest.empty()) {
        if (rest[0] != ':') return Bad(text, "expected :PORT after ']'");
        port = rest.substr(1);
        has_port = true;
      }
      host = host.substr(1, close - 1);
    } else if (const size_t colon = host.find(':'); colon != std::string::npos) {
      if (host.find(':', colon + 1) != std::string::npos) {
        return Bad(text, "an IPv6 address goes in brackets: gluster://[ADDRESS]:PORT/VOLUME");
      }
      port = host.substr(colon + 1);
      has_port = true;
      host.resize(colon);
    }
    if (has_port) {
      unsigned value = 0;
      const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
      if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
        return Bad(text, "port '" + port + "' is not a number from 1 to 65535");
      }
      uri.port = static_cast<uint16_t>(value);
    }
    if (host.empty()) return Bad(text, "host is empty");
    uri.host = host;
    uri.volume = parts[1];
    std::string path;
    for (size_t i = 2; i < parts.size(); ++i) {
      if (parts[i].empty() || parts[i] == ".") continue;
      if (parts[i] == "..") return Bad(text, "'..' is not allowed in the directory");
      path += "/" + parts[i];
    }
    uri.path = path.empty() ? "/" : path;
    return uri;
  }
  return Bad(text, "unknown scheme '" + std::string(scheme) + "://'");
}

Status CheckUriJobPath(const TargetUri& uri, const std::string& path) {
  bool ours = false;
  switch (uri.scheme) {
    case UriScheme::kRados:
      ours = path.rfind("durabench-", 0) == 0 && path.find('/') == std::string::npos;
      break;
    case UriScheme::kRbd:
      ours = path == uri.image;
      break;
    case UriScheme::kGluster: {
      const std::string dir = uri.path == "/" ? "/" : uri.path + "/";
      const std::string name = path.substr(std::min(path.size(), dir.size()));
      ours = path.compare(0, dir.size(), dir) == 0 && name.rfind("durabench-", 0) == 0 &&
             name.find('/') == std::string::npos;
      break;
    }
  }
  if (ours) return Status::Ok();
  return Status::InvalidArgument("the audit wrote '" + path + "', which no run on " + uri.text +
                                 " writes: the witness holds another target's audit");
}

}  // namespace durabench
