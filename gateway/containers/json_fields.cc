#include "gateway/containers/json_fields.h"

#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gateway {

absl::string_view JsonTypeName(const rapidjson::Value& value) {
  if (value.IsString()) return "string";
  if (value.IsNumber()) return "number";
  if (value.IsBool()) return "bool";
  if (value.IsArray()) return "array";
  if (value.IsObject()) return "object";
  return "null";
}

JsonFields::JsonFields(const rapidjson::Value* object, std::string path)
    : JsonFields(object, std::move(path), std::make_shared<absl::Status>()) {}

JsonFields::JsonFields(const rapidjson::Value* object, std::string path,
                       std::shared_ptr<absl::Status> error)
    : object_(object), path_(std::move(path)), error_(std::move(error)) {
  if (object_ != nullptr && object_->IsNull()) object_ = nullptr;
  if (object_ != nullptr && !object_->IsObject()) {
    Fail(absl::InvalidArgumentError(absl::StrCat(
        "invalid JSON: json: cannot unmarshal ", JsonTypeName(*object_),
        " into Go struct field ", path_.empty() ? "Config" : path_, " of type object")));
    object_ = nullptr;
  }
}

const rapidjson::Value* JsonFields::Find(absl::string_view name) const {
  if (object_ == nullptr) return nullptr;
  const rapidjson::Value* found = nullptr;
  for (auto it = object_->MemberBegin(); it != object_->MemberEnd(); ++it) {
    absl::string_view key(it->name.GetString(), it->name.GetStringLength());
    if (key == name) {
      found = &it->value;
      break;
    }
    if (found == nullptr && absl::EqualsIgnoreCase(key, name)) found = &it->value;
  }
  if (found != nullptr && found->IsNull()) return nullptr;
  return found;
}

void JsonFields::Fail(absl::Status status) {
  if (error_->ok()) *error_ = std::move(status);
}

std::string JsonFields::PathOf(absl::string_view name) const {
  return path_.empty() ? std::string(name) : absl::StrCat(path_, ".", name);
}

void JsonFields::TypeError(absl::string_view name, const rapidjson::Value& value,
                           absl::string_view go_type) {
  Fail(absl::InvalidArgumentError(absl::StrCat(
      "invalid JSON: json: cannot unmarshal ", JsonTypeName(value), " into Go struct field ",
      PathOf(name), " of type ", go_type)));
}

std::string JsonFields::String(absl::string_view name) {
  const rapidjson::Value* v = Find(name);
  if (v == nullptr) return "";
  if (!v->IsString()) {
    TypeError(name, *v, "string");
    return "";
  }
  return std::string(v->GetString(), v->GetStringLength());
}

bool JsonFields::Bool(absl::string_view name) {
  const rapidjson::Value* v = Find(name);
  if (v == nullptr) return false;
  if (!v->IsBool()) {
    TypeError(name, *v, "bool");
    return false;
  }
  return v->GetBool();
}

std::optional<int64_t> JsonFields::OptionalInt(absl::string_view name) {
  const rapidjson::Value* v = Find(name);
  if (v == nullptr) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsDouble()) {
    double d = v->GetDouble();
    if (std::floor(d) == d && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
  }
  TypeError(name, *v, "int64");
  return std::nullopt;
}

int64_t JsonFields::Int(absl::string_view name) { return OptionalInt(name).value_or(0); }

std::optional<std::vector<std::string>> JsonFields::Strings(absl::string_view name,
                                                            bool allow_string) {
  const rapidjson::Value* v = Find(name);
  if (v == nullptr) return std::nullopt;
  if (allow_string && v->IsString()) {
    return std::vector<std::string>{std::string(v->GetString(), v->GetStringLength())};
  }
  if (!v->IsArray()) {
    TypeError(name, *v, "[]string");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const rapidjson::Value& e : v->GetArray()) {
    if (!e.IsString()) {
      TypeError(name, e, "string");
      return std::nullopt;
    }
    out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return out;
}

std::map<std::string, std::string> JsonFields::StringMap(absl::string_view name) {
  std::map<std::string, std::string> out;
  const rapidjson::Value* v = Find(name);
  if (v == nullptr) return out;
  if (!v->IsObject()) {
    TypeError(name, *v, "map[string]string");
    return out;
  }
  for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it) {
    if (!it->value.IsString()) {
      TypeError(name, it->value, "string");
      return {};
    }
    out[it->name.GetString()] =
        std::string(it->value.GetString(), it->value.GetStringLength());
  }
  return out;
}

std::vector<std::string> JsonFields::Keys(absl::string_view name) {
  std::vector<std::string> out;
  const rapidjson::Value* v = Find(name);
  if (v == nullptr) return out;
  if (!v->IsObject()) {
    TypeError(name, *v, "map[string]struct {}");
    return out;
  }
  for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it) {
    out.emplace_back(it->name.GetString(), it->name.GetStringLength());
  }
  return out;
}

JsonFields JsonFields::Object(absl::string_view name) {
  return JsonFields(Find(name), PathOf(name), error_);
}

std::vector<JsonFields> JsonFields::Objects(absl::string_view name) {
  std::vector<JsonFields> out;
  const rapidjson::Value* v = Find(name);
  if (v == nullptr) return out;
  if (!v->IsArray()) {
    TypeError(name, *v, "[]object");
    return out;
  }
  for (const rapidjson::Value& e : v->GetArray()) {
    out.push_back(JsonFields(&e, PathOf(name), error_));
  }
  return out;
}

}  // namespace gateway
