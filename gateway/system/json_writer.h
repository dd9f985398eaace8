// -----------------------------------------------------------------------------
// File: json_writer.h
// -----------------------------------------------------------------------------
//
// Small helpers for writing Docker's JSON documents with RapidJSON's
// streaming Writer: a key and its value in one call, and protobuf maps with
// sorted keys (as Go's encoding/json writes maps).

#ifndef GATEWAY_SYSTEM_JSON_WRITER_H_
#define GATEWAY_SYSTEM_JSON_WRITER_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/map.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace gateway {
namespace json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void Key(Writer& w, absl::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}
inline void Str(Writer& w, absl::string_view key, absl::string_view value) {
  Key(w, key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
inline void Int(Writer& w, absl::string_view key, int64_t value) {
  Key(w, key);
  w.Int64(value);
}
inline void Bool(Writer& w, absl::string_view key, bool value) {
  Key(w, key);
  w.Bool(value);
}
template <typename Container>
void StrArray(Writer& w, absl::string_view key, const Container& values) {
  Key(w, key);
  w.StartArray();
  for (const auto& v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}
// Writes `m` as an object with sorted keys.
inline void StrMap(Writer& w, absl::string_view key,
                   const google::protobuf::Map<std::string, std::string>& m) {
  Key(w, key);
  w.StartObject();
  for (const auto& [k, v] : std::map<std::string, std::string>(m.begin(), m.end())) {
    Str(w, k, v);
  }
  w.EndObject();
}

}  // namespace json
}  // namespace gateway

#endif  // GATEWAY_SYSTEM_JSON_WRITER_H_
