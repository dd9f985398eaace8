// -----------------------------------------------------------------------------
// File: image_filters.h
// -----------------------------------------------------------------------------
//
// ImageFilter applies Docker's image filters (`images --filter`,
// `image prune --filter`):
//   dangling=true|false   images without / with a tag
//   label=key, label=key=value
//   reference=pattern     glob over "name" and "name:tag" (familiar form)
//   before=image, since=image   created before / after that image
//   until=timestamp       (prune) created before an RFC 3339 time or Unix seconds
// Terms with the same key are ORed; different keys are ANDed.

#ifndef ENGINE_IMAGES_IMAGE_FILTERS_H_
#define ENGINE_IMAGES_IMAGE_FILTERS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "engine/images/image_catalog.h"
#include "proto/berth/v1/images.pb.h"
#include "proto/berth/v1/types.pb.h"

namespace engine::images {

class ImageFilter {
 public:
  // InvalidArgument "invalid filter '<key>'" for unknown keys or values;
  // NotFound when before/since name no image.
  static absl::StatusOr<ImageFilter> Parse(
      const google::protobuf::RepeatedPtrField<berth::v1::Filter>& filters,
      const ImageCatalog& catalog);

  bool Matches(const berth::v1::Image& image) const;

 private:
  std::map<std::string, std::vector<std::string>> terms_;
  int64_t before_ = 0;  // seconds; 0 = unset
  int64_t since_ = 0;
  int64_t until_ = 0;
};

}  // namespace engine::images

#endif  // ENGINE_IMAGES_IMAGE_FILTERS_H_
