#include "cli/result_inputs.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <utility>

#include "compare/compare.h"
#include "result/fio_import.h"
#include "util/read_file.h"
#include "util/sha256.h"

namespace durabench {

std::vector<const RunResult*> LoadedResults::Pointers() const {
  std::vector<const RunResult*> out;
  for (const RunResult& r : results) out.push_back(&r);
  return out;
}

Result<LoadedResults> LoadResults(const std::vector<std::string>& files) {
  LoadedResults loaded;
  for (const std::string& file : files) {
    Result<RunResult> r = ReadResultOrFioFile(file);
    if (!r.ok()) return r.status();
    loaded.files.push_back(file);
    loaded.labels.push_back(ResultLabel(file, *r));
    loaded.results.push_back(std::move(r).value());
  }
  for (size_t i = 0; i < loaded.labels.size(); ++i) {
    const long same = std::count(loaded.labels.begin(), loaded.labels.end(), loaded.labels[i]);
    if (same > 1) {
      const std::string label = loaded.labels[i];
      size_t n = 0;
      for (std::string& l : loaded.labels) {
        if (l == label) l += " #" + std::to_string(++n);
      }
    }
  }
  return loaded;
}

namespace {

// Inputs were already read whole under the reader's own, smaller cap; this one only keeps a file
// that grew since from being hashed without end.
constexpr uint64_t kMaxHashedBytes = uint64_t{1} << 30;

// What makes two inputs the same run, each with a phrase for the message.
std::vector<std::pair<std::string, std::string>> RunKeys(const std::string& file,
                                                         const RunResult& r) {
  std::vector<std::pair<std::string, std::string>> keys;
  struct stat st;
  if (stat(file.c_str(), &st) == 0) {
    keys.emplace_back("file " + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino),
                      "is the same file");
  }
  Result<std::string> bytes = ReadRegularFile(file, kMaxHashedBytes, "result file");
  if (bytes.ok()) keys.emplace_back("sha256 " + Sha256Hex(*bytes), "has the same bytes");
  if (!r.merged_run_ids.empty()) {
    for (const std::string& id : r.merged_run_ids) {
      keys.emplace_back("run " + id, "holds the same run (" + id + ")");
    }
  } else if (!r.run_id.empty()) {
    keys.emplace_back("run " + r.run_id, "holds the same run (" + r.run_id + ")");
  }
  // Results written before run ids: a merged result names each input in `merged_from` as merge
  // wrote it ("FILE (host H, started T)"), so `merge d/*.json -o d/all.json` run again is caught.
  if (!r.merged_from.empty()) {
    for (const std::string& from : r.merged_from) {
      keys.emplace_back("from " + from, "holds the same run (" + from + ")");
    }
  } else {
    const std::string self = MergedFromEntry(file, r);
    keys.emplace_back("from " + self, "holds the same run (" + self + ")");
  }
  return keys;
}

}  // namespace

std::string MergedFromEntry(const std::string& file, const RunResult& r) {
  return file + " (host " + r.host.hostname + ", started " + r.started_at + ")";
}

Status RefuseRepeatedRuns(const LoadedResults& loaded, std::string_view consequence) {
  std::map<std::string, size_t> seen;  // key -> first input with it
  for (size_t i = 0; i < loaded.files.size(); ++i) {
    for (const auto& [key, phrase] : RunKeys(loaded.files[i], loaded.results[i])) {
      const auto [it, fresh] = seen.emplace(key, i);
      if (fresh || it->second == i) continue;
      return Status::InvalidArgument(loaded.files[i] + " " + phrase + " as " +
                                     loaded.files[it->second] + ": " + std::string(consequence) +
                                     "; give each run once");
    }
  }
  return Status::Ok();
}

Result<OutputPath> CheckOutputBesideInputs(std::string_view flag, const std::string& path,
                                           const std::vector<std::string>& inputs) {
  Result<OutputPath> out = CheckOutput(flag, path);
  if (!out.ok()) return out.status();
  for (const std::string& input : inputs) {
    DURABENCH_RETURN_IF_ERROR(RefuseOverwriting(*out, input, "an input"));
  }
  return out;
}

}  // namespace durabench
