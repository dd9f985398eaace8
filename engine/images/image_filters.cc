#include "engine/images/image_filters.h"

#include <fnmatch.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "engine/base/status_macros.h"

namespace engine::images {
namespace {

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid filter '", what, "'"));
}

bool Glob(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), FNM_PATHNAME) == 0;
}

bool AnyOf(const std::vector<std::string>& values,
           const std::function<bool(const std::string&)>& pred) {
  for (const auto& v : values) {
    if (pred(v)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<ImageFilter> ImageFilter::Parse(
    const google::protobuf::RepeatedPtrField<berth::v1::Filter>& filters,
    const ImageCatalog& catalog) {
  ImageFilter f;
  for (const auto& term : filters) {
    const std::string& key = term.key();
    const std::string& value = term.value();
    if (key == "dangling") {
      if (value != "true" && value != "false" && value != "1" && value != "0") {
        return Invalid(absl::StrCat("dangling=", value));
      }
    } else if (key == "before" || key == "since") {
      ASSIGN_OR_RETURN(LocalImage image, catalog.Resolve(value));
      ASSIGN_OR_RETURN(berth::v1::Image described, catalog.Describe(image));
      (key == "before" ? f.before_ : f.since_) = described.created().seconds();
    } else if (key == "until") {
      absl::Time t;
      std::string err;
      int64_t secs;
      if (absl::SimpleAtoi(value, &secs)) {
        f.until_ = secs;
      } else if (absl::ParseTime(absl::RFC3339_full, value, &t, &err)) {
        f.until_ = absl::ToUnixSeconds(t);
      } else {
        return Invalid(absl::StrCat("until=", value));
      }
    } else if (key != "label" && key != "reference") {
      return Invalid(key);
    }
    f.terms_[key].push_back(value);
  }
  return f;
}

bool ImageFilter::Matches(const berth::v1::Image& image) const {
  for (const auto& [key, values] : terms_) {
    if (key == "dangling") {
      bool want = values.front() == "true" || values.front() == "1";
      if ((image.repo_tags_size() == 0) != want) return false;
    } else if (key == "label") {
      const auto& labels = image.config().labels();
      bool ok = AnyOf(values, [&](const std::string& v) {
        std::pair<std::string, std::string> kv = absl::StrSplit(v, absl::MaxSplits('=', 1));
        auto it = labels.find(kv.first);
        if (it == labels.end()) return false;
        return v.find('=') == std::string::npos || it->second == kv.second;
      });
      if (!ok) return false;
    } else if (key == "reference") {
      bool ok = AnyOf(values, [&](const std::string& pattern) {
        for (const auto& tag : image.repo_tags()) {
          std::string name = tag.substr(0, tag.rfind(':'));
          if (tag.rfind(':') < tag.rfind('/') && tag.rfind('/') != std::string::npos) name = tag;
          if (Glob(pattern, tag) || Glob(pattern, name)) return true;
        }
        return false;
      });
      if (!ok) return false;
    }
  }
  int64_t created = image.created().seconds();
  if (before_ != 0 && created >= before_) return false;
  if (since_ != 0 && created <= since_) return false;
  if (until_ != 0 && created >= until_) return false;
  return true;
}

}  // namespace engine::images
