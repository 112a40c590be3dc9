#include "target/system_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

namespace durabench {

std::optional<MountInfoLine> ParseMountInfoLine(const std::string& line) {
  // Split on single spaces, keeping empty fields: a mount source can be the empty string.
  std::vector<std::string> f;
  size_t start = 0;
  for (;;) {
    const size_t space = line.find(' ', start);
    f.push_back(line.substr(start, space - start));
    if (space == std::string::npos) break;
    start = space + 1;
  }
  if (!f.empty() && !f.back().empty() && f.back().back() == '\n') f.back().pop_back();
  // 6 fixed fields, any optional fields, "-", then type, source, super options.
  size_t dash = 6;
  while (dash < f.size() && f[dash] != "-") ++dash;
  if (f.size() < 10 || dash + 4 != f.size()) return std::nullopt;
  if (f[2].find(':') == std::string::npos || f[4].empty() || f[4][0] != '/') return std::nullopt;
  MountInfoLine m;
  m.major_minor = f[2];
  m.root = internal::UnescapeOctal(f[3]);
  m.mount_point = internal::UnescapeOctal(f[4]);
  m.mount_options = f[5];
  m.fs_type = internal::UnescapeOctal(f[dash + 1]);
  m.source = internal::UnescapeOctal(f[dash + 2]);
  m.super_options = f[dash + 3];
  return m;
}

namespace internal {
namespace {

// sysfs attributes are at most a page; mountinfo can be larger, so the limit is generous.
constexpr size_t kMaxFileBytes = 16u << 20;

}  // namespace

std::string Trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int ReadSmallFile(const std::string& path, std::string* out) {
  out->clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buf[4096];
  int err = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > kMaxFileBytes) {
      err = EFBIG;
      break;
    }
  }
  ::close(fd);  // read-only descriptor: nothing to lose, the result is not checked
  return err;
}

std::string UnescapeOctal(const std::string& s) {
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && octal(s[i + 1]) && octal(s[i + 2]) && octal(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string RealPath(const std::string& path, int* err) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    *err = errno;
    return {};
  }
  *err = 0;
  return resolved;
}

std::vector<std::string> ListDir(const std::string& dir, int* err) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    *err = errno;
    return names;
  }
  *err = 0;
  while (const struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string MajorMinor(dev_t dev) {
  return std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
}

bool ParseMajorMinor(const std::string& text, dev_t* dev) {
  const std::string t = Trim(text);
  const size_t colon = t.find(':');
  if (colon == std::string::npos) return false;
  const std::string maj = t.substr(0, colon), min = t.substr(colon + 1);
  if (!AllDigits(maj) || !AllDigits(min) || maj.size() > 9 || min.size() > 9) return false;
  *dev = makedev(static_cast<unsigned int>(std::strtoul(maj.c_str(), nullptr, 10)),
                 static_cast<unsigned int>(std::strtoul(min.c_str(), nullptr, 10)));
  return true;
}

std::string UnderDev(const SystemRoots& roots, const std::string& path) {
  if (path.rfind("/dev/", 0) != 0) return path;
  return roots.dev + path.substr(4);
}

}  // namespace internal
}  // namespace durabench
