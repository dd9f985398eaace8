#include "gateway/images/image_json.h"

#include <fnmatch.h>

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gateway/http/json_body.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace gateway {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer* w, absl::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <typename Strings>
void StrArray(Writer* w, const Strings& values) {
  w->StartArray();
  for (const auto& v : values) Str(w, v);
  w->EndArray();
}

void WriteDeleteItem(Writer* w, const berth::v1::ImageDeleteItem& item) {
  w->StartObject();
  if (!item.untagged().empty()) {
    w->Key("Untagged");
    Str(w, item.untagged());
  }
  if (!item.deleted().empty()) {
    w->Key("Deleted");
    Str(w, item.deleted());
  }
  w->EndObject();
}

std::string Done(const rapidjson::StringBuffer& buf) {
  return std::string(buf.GetString(), buf.GetSize());
}

absl::Status InvalidFilter(absl::string_view detail) {
  return absl::InvalidArgumentError(absl::StrCat("invalid filter: ", detail));
}

}  // namespace

absl::Status ParseFilters(absl::string_view json,
                          google::protobuf::RepeatedPtrField<berth::v1::Filter>* out) {
  if (json.empty()) return absl::OkStatus();
  absl::StatusOr<rapidjson::Document> parsed = ParseJson(json);
  if (!parsed.ok()) {
    absl::string_view reason = parsed.status().message();
    absl::ConsumePrefix(&reason, "invalid JSON: ");
    return InvalidFilter(reason);
  }
  rapidjson::Document& doc = *parsed;
  if (!doc.IsObject()) return InvalidFilter("expected a JSON object");
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    const rapidjson::Value& values = it->value;
    auto add = [&](const rapidjson::Value& v) {
      auto* f = out->Add();
      f->set_key(key);
      f->set_value(std::string(v.GetString(), v.GetStringLength()));
    };
    if (values.IsObject()) {
      for (auto v = values.MemberBegin(); v != values.MemberEnd(); ++v) {
        if (!v->value.IsBool()) {
          return InvalidFilter(absl::StrCat("the values of \"", key, "\" must be booleans"));
        }
        if (v->value.GetBool()) add(v->name);
      }
    } else if (values.IsArray()) {
      for (const auto& v : values.GetArray()) {
        if (!v.IsString()) {
          return InvalidFilter(absl::StrCat("the values of \"", key, "\" must be strings"));
        }
        add(v);
      }
    } else if (!values.IsNull()) {
      return InvalidFilter(absl::StrCat("the value of \"", key,
                                        "\" must be an object or a list"));
    }
  }
  return absl::OkStatus();
}

std::string ImageSummariesJson(const berth::v1::ListImagesResponse& images,
                               const ApiVersion& version) {
  const bool use_none = !version.AtLeast(1, 43);
  const bool with_virtual_size = !version.AtLeast(1, 44);
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartArray();
  for (const berth::v1::Image& img : images.images()) {
    w.StartObject();
    w.Key("Containers");
    w.Int64(-1);
    w.Key("Created");
    w.Int64(img.created().seconds());
    w.Key("Id");
    Str(&w, img.id());
    w.Key("Labels");
    std::map<std::string, std::string> labels(img.config().labels().begin(),
                                              img.config().labels().end());
    w.StartObject();
    for (const auto& [k, v] : labels) {
      Str(&w, k);
      Str(&w, v);
    }
    w.EndObject();
    w.Key("ParentId");
    w.String("");
    bool untagged = img.repo_tags().empty() && img.repo_digests().empty();
    w.Key("RepoDigests");
    if (use_none && untagged) {
      StrArray(&w, std::vector<std::string>{"<none>@<none>"});
    } else {
      StrArray(&w, img.repo_digests());
    }
    w.Key("RepoTags");
    if (use_none && untagged) {
      StrArray(&w, std::vector<std::string>{"<none>:<none>"});
    } else {
      StrArray(&w, img.repo_tags());
    }
    w.Key("SharedSize");
    w.Int64(-1);
    w.Key("Size");
    w.Int64(img.size());
    if (with_virtual_size) {
      w.Key("VirtualSize");
      w.Int64(img.size());
    }
    w.EndObject();
  }
  w.EndArray();
  return Done(buf);
}

void KeepMatchingReferences(
    const google::protobuf::RepeatedPtrField<berth::v1::Filter>& filters,
    berth::v1::ListImagesResponse* images) {
  std::vector<std::string> patterns;
  for (const auto& f : filters) {
    if (f.key() == "reference") patterns.push_back(f.value());
  }
  if (patterns.empty()) return;
  // `ref` is "name:tag" or "name@digest"; `name_end` where its name ends.
  auto matches = [&](const std::string& ref, size_t name_end) {
    std::string name = ref.substr(0, name_end);
    for (const std::string& p : patterns) {
      if (::fnmatch(p.c_str(), ref.c_str(), FNM_PATHNAME) == 0 ||
          ::fnmatch(p.c_str(), name.c_str(), FNM_PATHNAME) == 0) {
        return true;
      }
    }
    return false;
  };
  for (berth::v1::Image& img : *images->mutable_images()) {
    google::protobuf::RepeatedPtrField<std::string> tags, digests;
    for (const std::string& t : img.repo_tags()) {
      size_t colon = t.rfind(':');
      size_t slash = t.rfind('/');
      if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
        colon = t.size();
      }
      if (matches(t, colon)) *tags.Add() = t;
    }
    for (const std::string& d : img.repo_digests()) {
      if (matches(d, d.find('@'))) *digests.Add() = d;
    }
    img.mutable_repo_tags()->Swap(&tags);
    img.mutable_repo_digests()->Swap(&digests);
  }
}

std::string HistoryJson(const berth::v1::ImageHistoryResponse& history) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartArray();
  for (const berth::v1::HistoryEntry& e : history.entries()) {
    w.StartObject();
    w.Key("Comment");
    Str(&w, e.comment());
    w.Key("Created");
    w.Int64(e.created().seconds());
    w.Key("CreatedBy");
    Str(&w, e.created_by());
    w.Key("Id");
    Str(&w, e.id().empty() ? "<missing>" : e.id());
    w.Key("Size");
    w.Int64(e.size());
    w.Key("Tags");
    if (e.tags().empty()) {
      w.Null();
    } else {
      StrArray(&w, e.tags());
    }
    w.EndObject();
  }
  w.EndArray();
  return Done(buf);
}

std::string DeleteItemsJson(
    const google::protobuf::RepeatedPtrField<berth::v1::ImageDeleteItem>& items) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartArray();
  for (const auto& item : items) WriteDeleteItem(&w, item);
  w.EndArray();
  return Done(buf);
}

absl::StatusOr<berth::v1::PruneImagesRequest> PruneRequestFromFilters(
    absl::string_view filters_json) {
  google::protobuf::RepeatedPtrField<berth::v1::Filter> terms;
  absl::Status parsed = ParseFilters(filters_json, &terms);
  if (!parsed.ok()) return parsed;
  berth::v1::PruneImagesRequest request;
  for (const berth::v1::Filter& term : terms) {
    if (term.key() != "dangling") {
      *request.add_filters() = term;
      continue;
    }
    if (term.value() == "false" || term.value() == "0") {
      request.set_all(true);
    } else if (term.value() != "true" && term.value() != "1") {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid filter 'dangling=", term.value(), "'"));
    }
  }
  return request;
}

std::string PruneReportJson(const berth::v1::PruneImagesResponse& response) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("ImagesDeleted");
  if (response.deleted().empty()) {
    w.Null();
  } else {
    w.StartArray();
    for (const auto& item : response.deleted()) WriteDeleteItem(&w, item);
    w.EndArray();
  }
  w.Key("SpaceReclaimed");
  w.Int64(response.space_reclaimed());
  w.EndObject();
  return Done(buf);
}

}  // namespace gateway
