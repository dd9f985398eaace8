#include "engine/images/pusher.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/base/byte_source.h"
#include "engine/base/status_macros.h"
#include "engine/images/progress.h"
#include "engine/registry/manifest.h"

namespace engine::images {
namespace {

using berth::v1::LAYER_PHASE_ALREADY_EXISTS;
using berth::v1::LAYER_PHASE_MOUNTED;
using berth::v1::LAYER_PHASE_PREPARING;
using berth::v1::LAYER_PHASE_PUSHED;
using berth::v1::LAYER_PHASE_PUSHING;

constexpr size_t kMaxManifestBytes = 4 << 20;

}  // namespace

absl::Status Pusher::PushBlob(const registry::Reference& ref, const LocalImage& image,
                              const registry::Descriptor& blob,
                              const registry::Credentials& creds,
                              ProgressReporter* report) {
  const std::string id = blob.digest.Short();
  ASSIGN_OR_RETURN(bool exists, client_->BlobExists(ref, blob.digest, creds));
  if (exists) {
    report->Phase(id, LAYER_PHASE_ALREADY_EXISTS);
    return absl::OkStatus();
  }
  // Another repository of the same registry that holds this image can lend
  // the blob without an upload.
  for (const auto& record : image.records) {
    auto from = registry::ParseReference(record.name);
    if (!from.ok() || from->domain != ref.domain || from->path == ref.path) continue;
    auto mounted = client_->MountBlob(ref, blob.digest, from->path, creds);
    if (mounted.ok() && *mounted) {
      report->Phase(id, LAYER_PHASE_MOUNTED, 0, 0, from->path);
      return absl::OkStatus();
    }
  }
  ASSIGN_OR_RETURN(base::UniqueFd fd, content_->OpenBlob(blob.digest));
  base::FdSource data(fd.get());
  uint64_t size = static_cast<uint64_t>(blob.size);
  uint64_t chunk = size > options_.chunk_size ? options_.chunk_size : 0;
  RETURN_IF_ERROR(client_->PushBlob(ref, blob.digest, size, &data, chunk, creds,
                                    [&](uint64_t sent) {
                                      report->Bytes(id, LAYER_PHASE_PUSHING,
                                                    static_cast<int64_t>(sent), blob.size);
                                    }));
  report->Phase(id, LAYER_PHASE_PUSHED);
  return absl::OkStatus();
}

absl::StatusOr<berth::v1::PushDone> Pusher::Push(const registry::Reference& ref,
                                                 const LocalImage& image,
                                                 const registry::Credentials& creds,
                                                 const Callback& callback) {
  std::shared_ptr<void> session = client_->Session();
  auto emit = [&](const berth::v1::PushProgress& event) {
    if (callback) callback(event);
  };
  berth::v1::PushProgress started;
  started.set_repository(ref.Name());
  emit(started);
  ProgressReporter report([&](const berth::v1::LayerProgress& layer) {
    berth::v1::PushProgress event;
    *event.mutable_layer() = layer;
    emit(event);
  });

  ASSIGN_OR_RETURN(std::string manifest_body,
                   content_->ReadBlob(image.manifest.manifest, kMaxManifestBytes));
  ASSIGN_OR_RETURN(registry::ImageManifest manifest,
                   registry::ParseImageManifest(manifest_body));
  for (const auto& layer : manifest.layers) {
    report.Phase(layer.digest.Short(), LAYER_PHASE_PREPARING);
  }
  for (const auto& layer : manifest.layers) {
    RETURN_IF_ERROR(PushBlob(ref, image, layer, creds, &report));
  }
  // The config last among blobs: Docker does not report it as a layer.
  ProgressReporter silent(nullptr);
  RETURN_IF_ERROR(PushBlob(ref, image, manifest.config, creds, &silent));
  ASSIGN_OR_RETURN(base::Digest pushed,
                   client_->PutManifest(ref, manifest.media_type, manifest_body, creds));

  metadata::ImageRecord record{ref.String(), pushed, image.manifest.manifest, image.id,
                               absl::ToUnixNanos(absl::Now())};
  RETURN_IF_ERROR(metadata_->PutImage(record));

  berth::v1::PushDone done;
  done.set_tag(ref.tag);
  done.set_digest(pushed.str());
  done.set_size(static_cast<int64_t>(manifest_body.size()));
  berth::v1::PushProgress last;
  *last.mutable_done() = done;
  emit(last);
  return done;
}

}  // namespace engine::images
