// -----------------------------------------------------------------------------
// File: image_catalog.h
// -----------------------------------------------------------------------------
//
// The local images as users see them. Metadata stores one record per name
// ("docker.io/library/alpine:3.19", "docker.io/library/alpine@sha256:…");
// several names may point at one image, whose ID is its config digest. The
// catalog groups records by ID, resolves what a user types (name, name:tag,
// name@digest, full or short ID) and describes images in the API's shape.
//
// Thread-safe as its stores are; holds no state of its own.

#ifndef ENGINE_IMAGES_IMAGE_CATALOG_H_
#define ENGINE_IMAGES_IMAGE_CATALOG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/digest.h"
#include "engine/content/content_store.h"
#include "engine/metadata/metadata_store.h"
#include "engine/registry/manifest.h"
#include "proto/berth/v1/images.pb.h"

namespace engine::images {

// One image: every record naming it, and what its manifest keeps alive.
struct LocalImage {
  base::Digest id;
  std::vector<metadata::ImageRecord> records;
  metadata::ManifestRecord manifest;

  // Whether any record is a tag (not a digest reference).
  bool HasTag() const;
};

class ImageCatalog {
 public:
  // Does not take ownership; both must outlive the catalog.
  ImageCatalog(metadata::MetadataStore* metadata, content::ContentStore* content)
      : metadata_(metadata), content_(content) {}

  // All images, newest record first.
  absl::StatusOr<std::vector<LocalImage>> List() const;

  // Resolves `ref`: a name (default tag "latest"), name@digest, "sha256:<id>",
  // or a unique ID prefix. NotFound "No such image: <ref>" when nothing
  // matches; FailedPrecondition when an ID prefix is ambiguous.
  absl::StatusOr<LocalImage> Resolve(absl::string_view ref) const;

  // Reads the image config from the content store.
  absl::StatusOr<registry::ImageConfig> Config(const LocalImage& image) const;

  // The image in the API's shape (RepoTags, RepoDigests, Config, RootFS…).
  absl::StatusOr<berth::v1::Image> Describe(const LocalImage& image) const;

 private:
  metadata::MetadataStore* metadata_;
  content::ContentStore* content_;
};

// Helpers shared by the image service and the puller.

// Whether the record's name is a tag reference (not name@digest).
bool IsTagRecord(const metadata::ImageRecord& record);

// Whether the record carries a registry digest for its repository (it was
// pulled or pushed). A name given locally (`berth tag`) has none: its
// target is the image ID, which no manifest digest can equal.
bool HasRepoDigest(const metadata::ImageRecord& record);

// Familiar form of a record's name ("alpine:3.19", "x@sha256:…").
std::string FamiliarName(absl::string_view full_name);

// Parses RFC 3339 text from an image config into a Timestamp (zero if bad).
void SetTimestamp(absl::string_view rfc3339, google::protobuf::Timestamp* out);

}  // namespace engine::images

#endif  // ENGINE_IMAGES_IMAGE_CATALOG_H_
