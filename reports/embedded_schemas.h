// The checked-in JSON schemas (reports/schema/), embedded at build time from
// embedded_schemas.cc.in so the tools need no files at run time.
#pragma once

#include <string_view>

namespace srp::reports {

extern const std::string_view kResultSchemaText;   // srp-perf-result-v1.schema.json
extern const std::string_view kSummarySchemaText;  // srp-perf-summary-v1.schema.json

}  // namespace srp::reports
