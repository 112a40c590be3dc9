// Reading facts from sysfs and procfs files: every failure becomes an unknown with its reason.
#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "target/probe_internal.h"
#include "util/errno_status.h"
#include "util/strings.h"

namespace durabench::internal {
namespace {

// sysfs attributes are at most a page; mountinfo can be larger, so the limit is generous.
constexpr size_t kMaxFileBytes = 16u << 20;

std::string Trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

std::string ReasonFor(int err, const std::string& path) {
  if (err == ENOENT || err == ENOTDIR) return "not present: " + path;
  if (err == EACCES || err == EPERM) return "permission denied: " + path;
  return "read " + path + ": " + ErrnoString(err);
}

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

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

ProbeFact ReadFact(const std::string& path) {
  std::string text;
  const int err = ReadSmallFile(path, &text);
  if (err != 0) return ProbeFact::Unknown(ReasonFor(err, path));
  text = Trim(text);
  if (text.empty()) return ProbeFact::Unknown("empty: " + path);
  return ProbeFact::Known(std::move(text));
}

ProbeFact ReadFirstFact(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    ProbeFact fact = ReadFact(path);
    if (fact.known() || fact.unknown.rfind("not present: ", 0) != 0) return fact;
  }
  return ProbeFact::Unknown("not present: " + JoinStrings(paths, " or "));
}

ProbeFact Validate(ProbeFact fact, FactType type, const std::string& path) {
  if (!fact.known()) return fact;
  const bool ok = type == FactType::kText ||
                  (type == FactType::kBool && (fact.value == "0" || fact.value == "1")) ||
                  (type == FactType::kNumber && AllDigits(fact.value));
  if (ok) return fact;
  return ProbeFact::Unknown("unexpected value '" + fact.value + "' in " + path);
}

ProbeFact SelectedScheduler(const ProbeFact& line, const std::string& path) {
  if (!line.known()) return line;
  const size_t open = line.value.find('[');
  const size_t close = line.value.find(']', open);
  if (open != std::string::npos && close != std::string::npos) {
    return ProbeFact::Known(line.value.substr(open + 1, close - open - 1));
  }
  // A queue without an elevator choice prints the one word "none".
  if (line.value.find(' ') == std::string::npos) return line;
  return ProbeFact::Unknown("no scheduler selected in '" + line.value + "' (" + path + ")");
}

std::optional<std::string> SerialFromVpdPage80(const std::string& page) {
  if (page.size() < 4 || static_cast<unsigned char>(page[1]) != 0x80) return std::nullopt;
  const size_t length = static_cast<size_t>(static_cast<unsigned char>(page[2])) << 8 |
                        static_cast<unsigned char>(page[3]);
  if (page.size() < 4 + length) return std::nullopt;
  std::string serial = Trim(page.substr(4, length));
  for (char c : serial) {
    if (c < 0x20 || c > 0x7e) return std::nullopt;
  }
  return serial;
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

}  // namespace durabench::internal
