// -----------------------------------------------------------------------------
// File: pusher.h
// -----------------------------------------------------------------------------
//
// Pusher uploads a local image to the registry of a reference: each blob the
// registry lacks (mounted from another repository of the same registry when
// the image came from there, else uploaded, in chunks when large), then the
// image manifest under the reference's tag. Thread-safe.

#ifndef ENGINE_IMAGES_PUSHER_H_
#define ENGINE_IMAGES_PUSHER_H_

#include <functional>

#include "absl/status/statusor.h"
#include "engine/content/content_store.h"
#include "engine/images/image_catalog.h"
#include "engine/metadata/metadata_store.h"
#include "engine/registry/reference.h"
#include "engine/registry/registry_client.h"
#include "proto/berth/v1/images.pb.h"

namespace engine::images {

struct PushOptions {
  // Blobs larger than this go up in PATCH chunks of this size; smaller ones
  // in one monolithic PUT.
  uint64_t chunk_size = 16 << 20;
};

class Pusher {
 public:
  using Callback = std::function<void(const berth::v1::PushProgress&)>;

  // Does not take ownership; all must outlive the pusher.
  Pusher(registry::RegistryClient* client, content::ContentStore* content,
         metadata::MetadataStore* metadata, PushOptions options)
      : client_(client), content_(content), metadata_(metadata), options_(options) {}

  // Pushes `image` as `ref` (which must carry a tag). On success the image
  // gains a record for `ref` whose digest is the pushed manifest's.
  absl::StatusOr<berth::v1::PushDone> Push(const registry::Reference& ref,
                                           const LocalImage& image,
                                           const registry::Credentials& creds,
                                           const Callback& progress);

 private:
  // Uploads one blob unless present; reports through `report`.
  absl::Status PushBlob(const registry::Reference& ref, const LocalImage& image,
                        const registry::Descriptor& blob,
                        const registry::Credentials& creds, class ProgressReporter* report);

  registry::RegistryClient* client_;
  content::ContentStore* content_;
  metadata::MetadataStore* metadata_;
  PushOptions options_;
};

}  // namespace engine::images

#endif  // ENGINE_IMAGES_PUSHER_H_
