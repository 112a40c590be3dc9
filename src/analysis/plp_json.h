// JSON for the PLP verdict (docs/results.md "PLP verdict"): {"verdict", "headline",
// "explanation", "evidence"}. Latencies in integer ns with `_ns` suffixes; unknown probe facts
// are null.
#pragma once

#include <nlohmann/json.hpp>

#include "analysis/plp.h"

namespace durabench {

nlohmann::ordered_json PlpToJson(const PlpAssessment& assessment);

}  // namespace durabench
