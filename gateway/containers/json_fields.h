// -----------------------------------------------------------------------------
// File: json_fields.h
// -----------------------------------------------------------------------------
//
// Typed reads from a JSON object with the rules of Go's encoding/json, which
// dockerd uses to decode request bodies: keys match case-insensitively (an
// exact match wins), an absent key and `null` both leave the default, and a
// value of the wrong type is an error ("invalid JSON: json: cannot unmarshal
// string into Go struct field .HostConfig.Memory of type int64").
//
//   JsonFields config(&doc, "");
//   std::string user = config.String("User");
//   JsonFields host = config.Object("HostConfig");
//   int64_t memory = host.Int("Memory");
//   if (!config.status().ok()) return config.status();
//
// The first error sticks (later reads return defaults) and is shared by the
// objects returned by Object(), so one status() check at the end suffices.
//
// Not thread-safe; the JSON value must outlive the reader.

#ifndef GATEWAY_CONTAINERS_JSON_FIELDS_H_
#define GATEWAY_CONTAINERS_JSON_FIELDS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"

namespace gateway {

class JsonFields {
 public:
  // Reads `object` (nullptr or a non-object: every field absent; a non-null
  // non-object is an error) whose path in the body is `path` ("" for the
  // top level, "HostConfig" for a nested one).
  JsonFields(const rapidjson::Value* object, std::string path);

  // The first error of any read so far, of this reader or of one it made.
  absl::Status status() const { return *error_; }

  // The value of `name` when present and not null, else nullptr.
  const rapidjson::Value* Find(absl::string_view name) const;
  bool Has(absl::string_view name) const { return Find(name) != nullptr; }

  std::string String(absl::string_view name);
  bool Bool(absl::string_view name);
  // An integer (a JSON number without fraction); 0 when absent.
  int64_t Int(absl::string_view name);
  // As Int, but nullopt when absent or null (Go's *int64).
  std::optional<int64_t> OptionalInt(absl::string_view name);
  // An array of strings; nullopt when absent or null. With `allow_string`
  // a single string is a one-element list (Docker's strslice.StrSlice).
  std::optional<std::vector<std::string>> Strings(absl::string_view name,
                                                  bool allow_string = false);
  // An object of string values ({"k":"v"}); empty when absent.
  std::map<std::string, std::string> StringMap(absl::string_view name);
  // The keys of an object ({"/data":{}} -> ["/data"]); empty when absent.
  std::vector<std::string> Keys(absl::string_view name);
  // A nested object; an absent one reads as empty.
  JsonFields Object(absl::string_view name);
  // The elements of an array of objects, each as a reader; empty when absent.
  std::vector<JsonFields> Objects(absl::string_view name);

  // Records `status` (InvalidArgument) unless an error is already recorded.
  void Fail(absl::Status status);
  // "HostConfig.Memory" for `name` "Memory".
  std::string PathOf(absl::string_view name) const;

 private:
  JsonFields(const rapidjson::Value* object, std::string path,
             std::shared_ptr<absl::Status> error);
  void TypeError(absl::string_view name, const rapidjson::Value& value,
                 absl::string_view go_type);

  const rapidjson::Value* object_;
  std::string path_;
  std::shared_ptr<absl::Status> error_;
};

// The JSON type name Go reports in unmarshal errors: "string", "number",
// "bool", "array", "object", "null".
absl::string_view JsonTypeName(const rapidjson::Value& value);

}  // namespace gateway

#endif  // GATEWAY_CONTAINERS_JSON_FIELDS_H_
