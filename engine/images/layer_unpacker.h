// -----------------------------------------------------------------------------
// File: layer_unpacker.h
// -----------------------------------------------------------------------------
//
// LayerUnpacker brings one layer of an image to the local stores in a single
// streaming pass: the registry's bytes are hashed and written to the content
// store while, on another thread, they are decompressed and extracted into a
// new active snapshot. Nothing of the uncompressed layer is ever written to a
// temporary file. The blob is committed only if its digest matches; the
// extracted tree is accepted only if its diff ID matches the image config.
//
// Thread-safe: one unpacker serves all layer workers of all pulls.

#ifndef ENGINE_IMAGES_LAYER_UNPACKER_H_
#define ENGINE_IMAGES_LAYER_UNPACKER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/digest.h"
#include "engine/content/content_store.h"
#include "engine/images/progress.h"
#include "engine/registry/manifest.h"
#include "engine/registry/reference.h"
#include "engine/registry/registry_client.h"
#include "engine/snapshots/overlay_snapshotter.h"

namespace engine::images {

struct LayerTask {
  registry::Descriptor blob;  // the (usually compressed) layer blob
  base::Digest diff_id;       // from the image config
  bool need_blob = true;      // the blob is missing from the content store
  bool need_snapshot = true;  // the layer must be extracted
};

class LayerUnpacker {
 public:
  // Does not take ownership; all must outlive the unpacker.
  LayerUnpacker(registry::RegistryClient* client, content::ContentStore* content,
                snapshots::OverlaySnapshotter* snapshotter)
      : client_(client), content_(content), snapshotter_(snapshotter) {}

  // Makes the layer's blob present and verified in the content store and,
  // when `task.need_snapshot`, extracts it into a new active snapshot
  // `active_key` (with no parent: a layer's tree does not depend on the
  // layers below it; the caller commits it over its parent). Returns the
  // bytes of regular files extracted. On error nothing is committed and the
  // active snapshot is removed. Errors: DataLoss (digest or diff ID
  // mismatch, corrupt stream), InvalidArgument (hostile layer),
  // ResourceExhausted (decompression bomb), and the registry's errors.
  absl::StatusOr<uint64_t> Unpack(const registry::Reference& repo,
                                  const registry::Credentials& creds,
                                  const LayerTask& task,
                                  absl::string_view active_key,
                                  ProgressReporter* progress);

 private:
  // Downloads the blob into the content store, feeding `tee` (if any) with
  // every byte as it arrives.
  absl::Status Download(const registry::Reference& repo,
                        const registry::Credentials& creds,
                        const LayerTask& task, base::BytePipe* tee,
                        ProgressReporter* progress);
  // Extracts a stream of the blob into `dir`, checking the diff ID.
  absl::StatusOr<uint64_t> Extract(base::ByteSource* blob, const LayerTask& task,
                                   absl::string_view dir);

  registry::RegistryClient* client_;
  content::ContentStore* content_;
  snapshots::OverlaySnapshotter* snapshotter_;
};

// Upper bound on a layer's uncompressed size, to stop decompression bombs:
// generous for real layers (which compress 2-10x), fatal for a few MB of
// gzip that expand to gigabytes.
uint64_t MaxUncompressedSize(int64_t compressed_size);

}  // namespace engine::images

#endif  // ENGINE_IMAGES_LAYER_UNPACKER_H_
