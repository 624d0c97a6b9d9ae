// A small JSON Schema validator (the subset our checked-in schemas use) and
// entry points that validate srp-perf documents against those schemas.
//
// Supported keywords: type (string or array of: object, array, string, number,
// integer, boolean, null), required, properties, additionalProperties (bool or
// schema), items (schema), enum, const, minimum, maximum, minItems, minLength,
// pattern (a POSIX extended regular expression, searched unanchored; keep to
// the subset ERE shares with ECMAScript), $defs with "$ref": "#/$defs/<name>"
// (references within the same document only), and the annotations $schema,
// $id, title, description (ignored). Unknown keywords are a schema error, so a
// schema cannot silently ask for checks we do not perform.
//
// A failed validation is kInvalidArgument whose message lists every violation
// as "<JSON pointer>: <problem>" (pointer "" = the document root, rendered as
// "/"), separated by "; ", at most 20 of them. No network access.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "lib/common/status.h"

namespace srp::reports {

Status ValidateAgainstSchema(const nlohmann::json& doc, const nlohmann::json& schema);

// The checked-in schemas (reports/schema/*.schema.json), embedded at build time.
const nlohmann::json& ResultSchema();   // srp-perf-result-v1.schema.json
const nlohmann::json& SummarySchema();  // srp-perf-summary-v1.schema.json

// Validate an in-memory document (e.g. before srp-perf writes it).
Status ValidateResultDocument(const nlohmann::json& doc);
Status ValidateSummaryDocument(const nlohmann::json& doc);

// Load `path` (error naming the path when unreadable or not JSON) and validate.
Status ValidateResultFile(const std::string& path);
Status ValidateSummaryFile(const std::string& path);

}  // namespace srp::reports
