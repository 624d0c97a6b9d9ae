// The JSON Schema subset validator; see schema_check.h for the keywords.
#include "reports/schema_check.h"

#include <regex.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "reports/embedded_schemas.h"

namespace srp::reports {
namespace {

using nlohmann::json;

constexpr size_t kMaxReportedErrors = 20;
constexpr int kMaxDepth = 64;  // bounds $ref chains and nesting

// Appends one reference token to a JSON pointer (RFC 6901 escaping).
std::string Child(const std::string& pointer, std::string_view token) {
  std::string out = pointer + "/";
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::null:
      return "null";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    default:
      return "unknown";
  }
}

bool IsIntegral(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && d == static_cast<double>(static_cast<long long>(d));
}

bool HasType(const json& v, std::string_view type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") return IsIntegral(v);
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  return false;
}

// Short rendering of a value for messages (long values are cut).
std::string Brief(const json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

const std::set<std::string_view>& KnownKeywords() {
  static const std::set<std::string_view> kKnown = {
      "$schema",  "$id",       "title",    "description", "$defs",
      "$ref",     "type",      "required", "properties",  "additionalProperties",
      "items",    "enum",      "const",    "minimum",     "maximum",
      "minItems", "minLength", "pattern"};
  return kKnown;
}

// A compiled POSIX extended regular expression (searched, not anchored, as
// JSON Schema's "pattern" is). POSIX <regex.h> rather than std::regex: the
// simple patterns schemas use mean the same in ERE and ECMAScript.
class Pattern {
 public:
  // nullptr with *error set when `text` does not compile.
  static std::unique_ptr<Pattern> Compile(const std::string& text, std::string* error) {
    std::unique_ptr<Pattern> pattern(new Pattern());
    int rc = regcomp(&pattern->re_, text.c_str(), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
      char message[256];
      regerror(rc, &pattern->re_, message, sizeof message);
      *error = message;
      pattern->compiled_ = false;
      return nullptr;
    }
    return pattern;
  }
  ~Pattern() {
    if (compiled_) regfree(&re_);
  }
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;

  bool Search(const std::string& text) const {
    return regexec(&re_, text.c_str(), 0, nullptr, 0) == 0;
  }

 private:
  Pattern() = default;
  regex_t re_{};
  bool compiled_ = true;
};

class Validator {
 public:
  explicit Validator(const json& root) : root_(root) {}

  void Check(const json& doc, const json& schema, const std::string& pointer, int depth) {
    if (!schema_error_.empty()) return;
    if (depth > kMaxDepth) {
      schema_error_ = "nesting or $ref chain deeper than " + std::to_string(kMaxDepth);
      return;
    }
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) Fail(pointer, "no value is allowed here");
      return;
    }
    if (!schema.is_object()) {
      schema_error_ = "a schema must be an object or a boolean";
      return;
    }
    for (const auto& [key, unused] : schema.items()) {
      if (!KnownKeywords().contains(key)) {
        schema_error_ = "unsupported keyword \"" + key + "\"";
        return;
      }
    }
    if (auto it = schema.find("$ref"); it != schema.end()) {
      const json* target = Resolve(*it);
      if (target == nullptr) return;
      Check(doc, *target, pointer, depth + 1);
    }
    if (!CheckType(doc, schema, pointer)) return;  // the other checks assume the type
    CheckValue(doc, schema, pointer);
    if (doc.is_object()) CheckObject(doc, schema, pointer, depth);
    if (doc.is_array()) CheckArray(doc, schema, pointer, depth);
  }

  const std::vector<std::string>& errors() const { return errors_; }
  const std::string& schema_error() const { return schema_error_; }

 private:
  void Fail(const std::string& pointer, const std::string& problem) {
    errors_.push_back((pointer.empty() ? std::string("/") : pointer) + ": " + problem);
  }

  const json* Resolve(const json& ref) {
    if (!ref.is_string() || ref.get<std::string>().rfind("#/", 0) != 0) {
      schema_error_ = "only local \"$ref\": \"#/...\" is supported, got " + Brief(ref);
      return nullptr;
    }
    try {
      json::json_pointer ptr(ref.get<std::string>().substr(1));
      if (!root_.contains(ptr)) {
        schema_error_ = "\"$ref\" " + Brief(ref) + " points nowhere";
        return nullptr;
      }
      return &root_.at(ptr);
    } catch (const json::exception& e) {
      schema_error_ = "bad \"$ref\" " + Brief(ref) + ": " + e.what();
      return nullptr;
    }
  }

  bool CheckType(const json& doc, const json& schema, const std::string& pointer) {
    auto it = schema.find("type");
    if (it == schema.end()) return true;
    std::vector<std::string> allowed;
    if (it->is_string()) {
      allowed.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const json& t : *it) {
        if (!t.is_string()) {
          schema_error_ = "\"type\" entries must be strings";
          return false;
        }
        allowed.push_back(t.get<std::string>());
      }
    } else {
      schema_error_ = "\"type\" must be a string or an array";
      return false;
    }
    std::string expected;
    for (const std::string& t : allowed) {
      if (HasType(doc, t)) return true;
      expected += (expected.empty() ? "" : " or ") + t;
    }
    Fail(pointer, "expected " + expected + ", got " + TypeName(doc));
    return false;
  }

  void CheckValue(const json& doc, const json& schema, const std::string& pointer) {
    if (auto it = schema.find("const"); it != schema.end() && doc != *it) {
      Fail(pointer, "must be " + Brief(*it) + ", got " + Brief(doc));
    }
    if (auto it = schema.find("enum"); it != schema.end()) {
      bool found = false;
      std::string choices;
      for (const json& choice : *it) {
        found = found || doc == choice;
        choices += (choices.empty() ? "" : ", ") + choice.dump();
      }
      if (!found) Fail(pointer, "must be one of " + choices + ", got " + Brief(doc));
    }
    if (doc.is_number()) {
      double value = doc.get<double>();
      if (auto it = schema.find("minimum");
          it != schema.end() && it->is_number() && value < it->get<double>()) {
        Fail(pointer, "must be >= " + it->dump() + ", got " + doc.dump());
      }
      if (auto it = schema.find("maximum");
          it != schema.end() && it->is_number() && value > it->get<double>()) {
        Fail(pointer, "must be <= " + it->dump() + ", got " + doc.dump());
      }
    }
    if (doc.is_string()) {
      const std::string& text = doc.get_ref<const std::string&>();
      if (auto it = schema.find("minLength");
          it != schema.end() && it->is_number_unsigned() && text.size() < it->get<size_t>()) {
        Fail(pointer, "must be at least " + it->dump() + " characters long");
      }
      if (auto it = schema.find("pattern"); it != schema.end()) {
        const Pattern* re = Compile(*it);
        if (re != nullptr && !re->Search(text)) {
          Fail(pointer, Brief(doc) + " does not match pattern " + it->dump());
        }
      }
    }
  }

  void CheckObject(const json& doc, const json& schema, const std::string& pointer, int depth) {
    if (auto it = schema.find("required"); it != schema.end()) {
      for (const json& name : *it) {
        if (name.is_string() && !doc.contains(name.get<std::string>())) {
          Fail(pointer, "missing required property \"" + name.get<std::string>() + "\"");
        }
      }
    }
    auto props = schema.find("properties");
    auto additional = schema.find("additionalProperties");
    for (const auto& [key, value] : doc.items()) {
      std::string child = Child(pointer, key);
      if (props != schema.end() && props->contains(key)) {
        Check(value, (*props)[key], child, depth + 1);
      } else if (additional != schema.end()) {
        if (additional->is_boolean() && !additional->get<bool>()) {
          Fail(child, "unknown property \"" + key + "\"");
        } else {
          Check(value, *additional, child, depth + 1);
        }
      }
    }
  }

  void CheckArray(const json& doc, const json& schema, const std::string& pointer, int depth) {
    if (auto it = schema.find("minItems");
        it != schema.end() && it->is_number_unsigned() && doc.size() < it->get<size_t>()) {
      Fail(pointer,
           "must have at least " + it->dump() + " items, has " + std::to_string(doc.size()));
    }
    if (auto it = schema.find("items"); it != schema.end()) {
      for (size_t i = 0; i < doc.size(); ++i) {
        Check(doc[i], *it, Child(pointer, std::to_string(i)), depth + 1);
      }
    }
  }

  const Pattern* Compile(const json& pattern) {
    if (!pattern.is_string()) {
      schema_error_ = "\"pattern\" must be a string";
      return nullptr;
    }
    const std::string& text = pattern.get_ref<const std::string&>();
    auto it = patterns_.find(text);
    if (it != patterns_.end()) return it->second.get();
    std::string error;
    std::unique_ptr<Pattern> compiled = Pattern::Compile(text, &error);
    if (compiled == nullptr) {
      schema_error_ = "bad \"pattern\" " + pattern.dump() + ": " + error;
      return nullptr;
    }
    return patterns_.emplace(text, std::move(compiled)).first->second.get();
  }

  const json& root_;
  std::vector<std::string> errors_;
  std::string schema_error_;
  std::map<std::string, std::unique_ptr<Pattern>> patterns_;
};

json ParseEmbedded(std::string_view text, std::string_view name) {
  // The embedded text is checked-in JSON; a parse failure is a build defect, so
  // it is reported at validation time as a schema that accepts nothing.
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    parsed = json{
        {"description", std::string("embedded schema ") + std::string(name) + " is not valid JSON"},
        {"type", "null"},
        {"const", "invalid embedded schema"}};
  }
  return parsed;
}

Result<json> LoadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno(errno, "cannot open " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  json doc = json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument(path + ": not valid JSON");
  return doc;
}

}  // namespace

Status ValidateAgainstSchema(const nlohmann::json& doc, const nlohmann::json& schema) {
  Validator validator(schema);
  validator.Check(doc, schema, "", 0);
  if (!validator.schema_error().empty()) {
    return InvalidArgument("invalid schema: " + validator.schema_error());
  }
  const std::vector<std::string>& errors = validator.errors();
  if (errors.empty()) return Status::Ok();
  std::string message;
  for (size_t i = 0; i < errors.size() && i < kMaxReportedErrors; ++i) {
    message += (i == 0 ? "" : "; ") + errors[i];
  }
  if (errors.size() > kMaxReportedErrors) {
    message += "; and " + std::to_string(errors.size() - kMaxReportedErrors) + " more";
  }
  return InvalidArgument(message);
}

const nlohmann::json& ResultSchema() {
  static const json schema = ParseEmbedded(kResultSchemaText, "srp-perf-result-v1");
  return schema;
}

const nlohmann::json& SummarySchema() {
  static const json schema = ParseEmbedded(kSummarySchemaText, "srp-perf-summary-v1");
  return schema;
}

Status ValidateResultDocument(const nlohmann::json& doc) {
  return ValidateAgainstSchema(doc, ResultSchema());
}

Status ValidateSummaryDocument(const nlohmann::json& doc) {
  return ValidateAgainstSchema(doc, SummarySchema());
}

Status ValidateResultFile(const std::string& path) {
  SRP_ASSIGN_OR_RETURN(json doc, LoadJsonFile(path));
  return ValidateResultDocument(doc).WithContext(path);
}

Status ValidateSummaryFile(const std::string& path) {
  SRP_ASSIGN_OR_RETURN(json doc, LoadJsonFile(path));
  return ValidateSummaryDocument(doc).WithContext(path);
}

}  // namespace srp::reports
