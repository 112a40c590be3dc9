// Reading the result files that compare, gate, merge and report take: durabench results and fio
// json+ output alike (result/fio_import.h), each labelled for tables and errors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "result/run_result.h"
#include "util/output_file.h"
#include "util/status.h"

namespace durabench {

struct LoadedResults {
  std::vector<std::string> files;
  std::vector<RunResult> results;
  std::vector<std::string> labels;  // compare/compare.h ResultLabel, made unique with "#N"
  // The results as pointers (into `results`), the form compare/gate/merge take.
  std::vector<const RunResult*> Pointers() const;
};

// Reads every file; the first error (naming the file) is returned.
Result<LoadedResults> LoadResults(const std::vector<std::string>& files);

// How a merged result names an input in `merged_from`: "FILE (host H, started T)".
std::string MergedFromEntry(const std::string& file, const RunResult& r);

// InvalidArgument (exit 2) when the inputs hold one run more than once: a file listed twice
// (same device and inode), byte-identical copies, two results with one `run_id`, or a merged
// result beside a run it was merged from (`merged_run_ids`, or for results older than run ids
// `merged_from`). `consequence` ends the message,
// e.g. "the gate would count one run as several independent ones".
Status RefuseRepeatedRuns(const LoadedResults& loaded, std::string_view consequence);

// The output `path` of a command that reads result files (compare -o, merge -o, gate --junit and
// --markdown), checked as util/output_file.h says and refused when it is one of `inputs`.
Result<OutputPath> CheckOutputBesideInputs(std::string_view flag, const std::string& path,
                                           const std::vector<std::string>& inputs);

}  // namespace durabench
