// The probe (target/probe.h) as JSON: the `probe` object of every result file and the output of
// `durabench probe --json`. docs/probe.md documents every key.
//
// Shape: each fact under its name (units in the key: `logical_block_size_bytes`); a known fact
// as its value, typed (block sizes and nr_requests as numbers, rotational/fua/nvme_vwc_* as
// booleans, the rest as strings); an unknown fact as null, with its reason in the `unknown`
// object beside it ({"model": "not present: /sys/..."}), which lists every unknown fact of that
// object and nothing else. Facts that do not apply (the NVMe bits of a SCSI disk) are unknown
// with a reason starting "not applicable".
#pragma once

#include "result/json.h"
#include "result/probe_facts.h"
#include "util/status.h"

namespace durabench {

// {"path", "resolved_path", "is_block_device", "backend_kind", "backend_detail",
//  "filesystem": {...facts, "magic_hex", "durability_options": [...], "unknown": {...}},
//  "devices": [{"name", "dev_path", "major_minor", "transport", "reached_by", "reached_from",
//               "detail", "loop_backing_file", ...facts, "unknown": {...}}],
//  "notes": [...]}
Json ProbeToJson(const ProbeResult& probe);

// Inverse of ProbeToJson, for `compare` and other readers of result files. Strict on types
// (InvalidArgument naming the key: "devices[0].fua: expected a boolean, a string or null"),
// lenient on absence: a missing fact is unknown "not recorded", a missing string is "". Keys it
// does not know are ignored, so newer files stay readable. A nlohmann::json argument converts.
Result<ProbeResult> ProbeFromJson(const Json& j);

}  // namespace durabench
