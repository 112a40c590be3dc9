// Writing the files a user names (-o, --markdown, --junit, the report's files): never destroying
// what is at the path by accident.
//
// A user's output path may be anything: a new name, last week's result, a symlink into another
// directory, /dev/null, a FIFO that another program reads, or by mistake a directory, a block
// device, an input of the same command or the benchmark target itself. The rules
// (docs/safety.md, "Output files"):
//   - "-" is standard output;
//   - a new path or an existing regular file is replaced atomically: written to a temporary file
//     beside it, fsynced, renamed over it (a reader never sees half a file; a crash or a signal
//     leaves the old file and no temporary one);
//   - a symlink is followed (up to kMaxSymlinkHops links) and these rules apply to where it
//     points, so the link stays a link and its target gets the new content;
//   - a character device (/dev/null, a terminal) or a FIFO is written in place, never replaced;
//   - anything else (a directory, a block device, a socket) is refused.
// CheckOutput runs before any measurement, so a 30-minute run is never lost at the end because
// its result cannot be written; WriteOutput checks again, since the path may change meanwhile.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "util/status.h"

namespace durabench {

// Linux's own limit on symlinks followed while resolving one path (MAXSYMLINKS).
inline constexpr int kMaxSymlinkHops = 40;

enum class OutputKind {
  kStdout,   // "-"
  kReplace,  // a new path or a regular file: temporary file + rename
  kInPlace,  // a character device or a FIFO: opened for writing and written
};

struct OutputPath {
  std::string given;     // as the user wrote it
  std::string resolved;  // where the bytes go, symlinks followed ("-" for stdout)
  OutputKind kind = OutputKind::kReplace;
  bool exists = false;  // something is at `resolved` now (then dev/ino identify it)
  dev_t dev = 0;
  ino_t ino = 0;
  mode_t mode = 0644;  // permission bits the replaced file keeps (0644 for a new one)
};

// Where `path` would be written, or why it cannot be: InvalidArgument (exit 2) naming the path,
// e.g. "-o /tmp: is a directory", "-o out/r.json: directory out does not exist",
// "-o /ro/r.json: cannot create a file in /ro: Read-only file system". `flag` names the option
// in messages ("-o", "--junit"). For a replaced path it proves a file can be created in the
// directory (creates and removes a temporary file there).
Result<OutputPath> CheckOutput(std::string_view flag, const std::string& path);

// InvalidArgument when `out` would overwrite `other` (the same file by device and inode, or the
// same absolute path when either does not exist yet). `role` says what `other` is: "an input",
// "the target". An empty `other` or a stdout/in-place output never matches.
Status RefuseOverwriting(const OutputPath& out, const std::string& other, std::string_view role);

// Checks `out.given` again and writes `content` as the rules above say. IoError (exit 3) naming
// the path when the write fails; InvalidArgument when the path changed into something refused.
// Catchable signals are blocked while a temporary file exists, so none is left behind.
Status WriteOutput(const OutputPath& out, std::string_view flag, std::string_view content);

// CheckOutput + WriteOutput, for writers that have nothing to lose by checking late.
Status WriteOutputFile(std::string_view flag, const std::string& path, std::string_view content);

// Writes `text` to standard output and flushes it. IoError "write to standard output: <why>"
// (exit 3) when any write to stdout so far failed (a full disk, a closed pipe).
Status WriteStdout(std::string_view text);

// Flushes stdout and reports whether everything written to it through stdio reached it: the
// last check of every command, so `--json > file` on a full disk is an error, not exit 0.
Status FlushStdout();

}  // namespace durabench
