// The one place that reads sysfs, procfs and /dev for src/target: the probe (probe_*.cc) and the
// block-device safety checks (blockdev.cc) both go through these, with the roots of SystemRoots,
// so tests lay out a fake tree (tests/unit/target/fake_sysfs.h) and run the checks without root
// and without a device.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace durabench {

// Where sysfs, procfs and /dev are; tests point these into a fake tree.
struct SystemRoots {
  std::string sys = "/sys";
  std::string proc_self = "/proc/self";  // mountinfo
  std::string proc = "/proc";            // swaps
  std::string dev = "/dev";
};

// Parses one /proc/self/mountinfo line; nullopt if malformed.
// Fields (proc(5)): ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER;
// the octal escapes (\040 for a space) of paths and source are undone.
struct MountInfoLine {
  std::string mount_point, mount_options, fs_type, source, super_options;
  std::string major_minor;
  std::string root;  // field 4: the directory of the filesystem mounted here (bind mounts)
};
std::optional<MountInfoLine> ParseMountInfoLine(const std::string& line);

namespace internal {

// Reads a small file (sysfs attribute, mountinfo) whole into *out. Returns 0 or the errno of
// open/read. Plain open/read, not the Sys() table: these reads touch no target data, and a test
// that counts the target's I/O calls must not see them.
int ReadSmallFile(const std::string& path, std::string* out);

// `s` without surrounding whitespace (sysfs values end in a newline; SCSI pads model and vendor).
std::string Trim(const std::string& s);
// True for a non-empty string of the digits 0-9 only.
bool AllDigits(const std::string& s);

// Undoes the \ooo octal escapes of /proc/self/mountinfo and /proc/swaps.
std::string UnescapeOctal(const std::string& s);

// The last component of `path`.
std::string Basename(const std::string& path);
// realpath(3) of `path`; "" with *err = errno when it fails.
std::string RealPath(const std::string& path, int* err);
// The names in `dir` without "." and "..", sorted; empty with *err = errno when it cannot be read
// (*err = 0 otherwise).
std::vector<std::string> ListDir(const std::string& dir, int* err);

// "8:1" for a device number.
std::string MajorMinor(dev_t dev);
// Parses "8:1" (surrounding whitespace allowed); false if malformed.
bool ParseMajorMinor(const std::string& text, dev_t* dev);

// A path under /dev as seen through `roots`: "/dev/loop0" -> roots.dev + "/loop0"; other paths
// unchanged.
std::string UnderDev(const SystemRoots& roots, const std::string& path);

}  // namespace internal
}  // namespace durabench
