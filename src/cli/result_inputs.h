// Reading the result files that compare, gate, merge and report take: durabench results and fio
// json+ output alike (report/fio_import.h), each labelled for tables and errors.
#pragma once

#include <string>
#include <vector>

#include "report/result.h"
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

}  // namespace durabench
