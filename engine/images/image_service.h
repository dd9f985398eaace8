// -----------------------------------------------------------------------------
// File: image_service.h
// -----------------------------------------------------------------------------
//
// ImageService is the engine's image logic behind the Images API: pull, push,
// list, inspect, tag, remove, prune and history, with Docker's semantics.
// It owns no storage; it composes the content store, the metadata store, the
// snapshotter and the registry client, publishes image events, and runs
// garbage collection after removals.
//
// Thread-safe. Removals and garbage collection are serialised; pulls run
// concurrently and are protected from collection by their leases.

#ifndef ENGINE_IMAGES_IMAGE_SERVICE_H_
#define ENGINE_IMAGES_IMAGE_SERVICE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/content/content_store.h"
#include "engine/images/image_catalog.h"
#include "engine/images/puller.h"
#include "engine/images/pusher.h"
#include "engine/metadata/gc.h"
#include "engine/metadata/metadata_store.h"
#include "engine/registry/registry_client.h"
#include "engine/snapshots/overlay_snapshotter.h"
#include "proto/berth/v1/images.pb.h"

namespace engine::images {

// Receives image events: action ("pull", "push", "tag", "untag", "delete"),
// the actor (reference or ID) and attributes.
using EventSink = std::function<void(absl::string_view action, absl::string_view actor,
                                     const std::map<std::string, std::string>& attributes)>;

// Which container uses an image, for removal checks: a container's short ID
// and whether it runs. The container side installs one with
// SetImageUseChecker (images know nothing of containers).
struct ImageUse {
  std::string container;  // short ID
  bool running = false;
};
using ImageUseChecker =
    std::function<std::optional<ImageUse>(const std::string& image_id)>;

struct ImageServiceDeps {
  registry::RegistryClient* registry = nullptr;
  content::ContentStore* content = nullptr;
  metadata::MetadataStore* metadata = nullptr;
  snapshots::OverlaySnapshotter* snapshotter = nullptr;
  EventSink events;  // may be empty
};

class ImageService {
 public:
  // Does not take ownership of the stores; they must outlive the service.
  ImageService(ImageServiceDeps deps, PullOptions pull_options, PushOptions push_options);

  // Pulls `reference`. Errors: InvalidArgument (bad reference), and those of
  // Puller::Pull.
  absl::StatusOr<berth::v1::PullDone> Pull(const berth::v1::PullRequest& request,
                                           const Puller::Callback& progress);
  // Pushes the local image named by `reference` (default tag "latest").
  // NotFound "No such image: x" when absent locally.
  absl::StatusOr<berth::v1::PushDone> Push(const berth::v1::PushRequest& request,
                                           const Pusher::Callback& progress);

  absl::StatusOr<berth::v1::ListImagesResponse> List(
      const berth::v1::ListImagesRequest& request);
  absl::StatusOr<berth::v1::Image> Get(absl::string_view reference);
  absl::StatusOr<berth::v1::RemoveImageResponse> Remove(
      const berth::v1::RemoveImageRequest& request);
  absl::Status Tag(absl::string_view source, absl::string_view target);
  absl::StatusOr<berth::v1::PruneImagesResponse> Prune(
      const berth::v1::PruneImagesRequest& request);
  absl::StatusOr<berth::v1::ImageHistoryResponse> History(absl::string_view reference);

  // Makes Remove refuse, as Docker does, to delete an image a container
  // uses: by ID, "conflict: unable to delete <id> (cannot be forced) - image
  // is being used by running container <c>" (or "(must be forced) ... by
  // stopped container <c>" without force); by its last name without force,
  // "conflict: unable to remove repository reference \"x\" (must force) -
  // container <c> is using its referenced image <id>". Call once at start-up.
  void SetImageUseChecker(ImageUseChecker checker);

  // Number of local images (for System.Info).
  absl::StatusOr<int64_t> Count();

  // Removes everything no image references: blobs, snapshots, ingests left
  // by crashed pulls. Safe while pulls run (they hold leases).
  absl::StatusOr<metadata::GcResult> CollectGarbage();

 private:
  // Deletes every record of `image`; returns the rmi lines.
  absl::Status DeleteImage(const LocalImage& image,
                           berth::v1::RemoveImageResponse* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes the record `named` of `image`, with Docker's cascade: digest
  // references of a repository whose last tag went, and the image itself
  // once it has no name left.
  absl::Status Untag(const LocalImage& image, const metadata::ImageRecord& named,
                     berth::v1::RemoveImageResponse* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<metadata::GcResult> CollectGarbageLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Publish(absl::string_view action, absl::string_view actor,
               std::map<std::string, std::string> attributes = {});

  ImageServiceDeps deps_;
  ImageCatalog catalog_;
  Puller puller_;
  Pusher pusher_;
  absl::Mutex mu_;  // serialises removals and GC
  ImageUseChecker use_checker_ ABSL_GUARDED_BY(mu_);
};

}  // namespace engine::images

#endif  // ENGINE_IMAGES_IMAGE_SERVICE_H_
