// CSV output as RFC 4180 quotes it: a field is put in double quotes only when it must be (it
// holds a comma, a quote or a line break), with its quotes doubled. Lines end with "\n" (not the
// RFC's CRLF): every CSV reader takes it, and line-based shell tools expect it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace durabench {

// `field` as one CSV field: as it is, or in double quotes with its quotes doubled.
std::string CsvField(std::string_view field);
// The fields joined by commas, each through CsvField, and a "\n".
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace durabench
