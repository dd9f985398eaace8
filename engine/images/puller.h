// -----------------------------------------------------------------------------
// File: puller.h
// -----------------------------------------------------------------------------
//
// Puller fetches an image from its registry into the local stores:
//
//   1. resolve the reference to a manifest (choosing the platform from an
//      index), unless the local copy already matches the registry's digest;
//   2. store index, manifest and config blobs, checking every digest;
//   3. download and extract the missing layers in parallel (LayerUnpacker),
//      skipping layers already present;
//   4. commit the layer snapshots bottom-up, named by chain ID;
//   5. record the image in one metadata transaction.
//
// Everything a pull writes is held by a lease until step 5, so a concurrent
// garbage collection never removes it, and a crashed pull leaves only
// unreferenced blobs and snapshots that the next collection reclaims.
//
// Thread-safe: pulls may run concurrently (of the same image too).

#ifndef ENGINE_IMAGES_PULLER_H_
#define ENGINE_IMAGES_PULLER_H_

#include <atomic>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/content/content_store.h"
#include "engine/images/layer_unpacker.h"
#include "engine/metadata/metadata_store.h"
#include "engine/registry/manifest.h"
#include "engine/registry/reference.h"
#include "engine/registry/registry_client.h"
#include "engine/snapshots/overlay_snapshotter.h"
#include "proto/berth/v1/images.pb.h"

namespace engine::images {

struct PullOptions {
  int max_concurrent_downloads = 3;
};

class Puller {
 public:
  using Callback = std::function<void(const berth::v1::PullProgress&)>;

  // Does not take ownership; all must outlive the puller.
  Puller(registry::RegistryClient* client, content::ContentStore* content,
         metadata::MetadataStore* metadata,
         snapshots::OverlaySnapshotter* snapshotter, PullOptions options);

  // Pulls `ref` for `platform` (empty fields: linux/amd64). `progress`
  // receives the started event, layer events from several threads (one at a
  // time), and the done event.
  absl::StatusOr<berth::v1::PullDone> Pull(const registry::Reference& ref,
                                           const registry::Credentials& creds,
                                           const registry::Platform& platform,
                                           const Callback& progress);

 private:
  struct Resolved;
  // Steps 1-2: from the manifest (or index) the reference names to the
  // platform manifest, the config and their blobs.
  absl::StatusOr<Resolved> Resolve(const registry::Reference& ref,
                                   const registry::RegistryClient::FetchedManifest& top,
                                   const registry::Credentials& creds,
                                   const registry::Platform& platform,
                                   absl::string_view lease);
  // Fetches a small blob (config) into the content store, verified.
  absl::StatusOr<std::string> FetchSmallBlob(const registry::Reference& ref,
                                             const registry::Credentials& creds,
                                             const registry::Descriptor& desc);
  // Steps 3-4. Returns the unpacked size of all layers.
  absl::StatusOr<int64_t> UnpackLayers(const registry::Reference& ref,
                                       const registry::Credentials& creds,
                                       const Resolved& resolved,
                                       absl::string_view lease,
                                       ProgressReporter* progress);
  // Whether the local image for `ref` already matches `target`.
  bool UpToDate(const registry::Reference& ref, const base::Digest& target);
  // Records the image; an image the name pointed to before stays reachable
  // by digest (dangling, as Docker shows it).
  absl::Status Record(const registry::Reference& ref, const Resolved& resolved,
                      int64_t unpacked_size);

  registry::RegistryClient* client_;
  content::ContentStore* content_;
  metadata::MetadataStore* metadata_;
  snapshots::OverlaySnapshotter* snapshotter_;
  LayerUnpacker unpacker_;
  PullOptions options_;
  std::atomic<uint64_t> next_lease_{0};
};

// The chain ID of each layer (OCI image spec): the first is its diff ID,
// each next is sha256(parent chain ID + " " + diff ID).
std::vector<std::string> ChainIds(const std::vector<base::Digest>& diff_ids);

}  // namespace engine::images

#endif  // ENGINE_IMAGES_PULLER_H_
