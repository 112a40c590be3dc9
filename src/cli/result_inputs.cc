#include "cli/result_inputs.h"

#include <algorithm>

#include "compare/compare.h"
#include "report/fio_import.h"

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

}  // namespace durabench
