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

std::string ReasonFor(int err, const std::string& path) {
  if (err == ENOENT || err == ENOTDIR) return "not present: " + path;
  if (err == EACCES || err == EPERM) return "permission denied: " + path;
  return "read " + path + ": " + ErrnoString(err);
}

}  // namespace

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

}  // namespace durabench::internal
