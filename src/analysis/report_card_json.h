// JSON for the eval report card (docs/results.md "Report card"). Sections that did not run are
// null; latencies are integer ns (`_ns`), rates per second (`_per_s`).
#pragma once

#include <nlohmann/json.hpp>

#include "analysis/report_card.h"

namespace durabench {

nlohmann::ordered_json ReportCardToJson(const ReportCard& card);

}  // namespace durabench
