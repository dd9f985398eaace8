#include "engine/images/puller.h"

#include <unistd.h>

#include <memory>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/base/worker_thread.h"

namespace engine::images {
namespace {

using berth::v1::LAYER_PHASE_ALREADY_EXISTS;
using berth::v1::LAYER_PHASE_PULL_COMPLETE;
using berth::v1::LAYER_PHASE_WAITING;

constexpr size_t kMaxConfigBytes = 8 << 20;
constexpr absl::Duration kPullLeaseTtl = absl::Hours(6);

int64_t NowNanos() { return absl::ToUnixNanos(absl::Now()); }

// Stores a small blob unless present; the store verifies the digest.
absl::Status StoreBlob(content::ContentStore* content, const base::Digest& digest,
                       absl::string_view body) {
  if (content->Has(digest)) return absl::OkStatus();
  absl::Status s = content->WriteBlob(digest, body);
  return absl::IsAlreadyExists(s) ? absl::OkStatus() : s;
}

}  // namespace

struct Puller::Resolved {
  base::Digest target;    // what the reference names: index or manifest
  base::Digest manifest;  // the platform image manifest
  registry::ImageManifest image_manifest;
  registry::ImageConfig config;
  std::vector<base::Digest> blobs;  // all blobs the image keeps alive
};

std::vector<std::string> ChainIds(const std::vector<base::Digest>& diff_ids) {
  std::vector<std::string> chain;
  for (const base::Digest& diff : diff_ids) {
    if (chain.empty()) {
      chain.push_back(diff.str());
    } else {
      chain.push_back(base::Digest::Of(absl::StrCat(chain.back(), " ", diff.str())).str());
    }
  }
  return chain;
}

Puller::Puller(registry::RegistryClient* client, content::ContentStore* content,
               metadata::MetadataStore* metadata,
               snapshots::OverlaySnapshotter* snapshotter, PullOptions options)
    : client_(client),
      content_(content),
      metadata_(metadata),
      snapshotter_(snapshotter),
      unpacker_(client, content, snapshotter),
      options_(options) {}

absl::StatusOr<std::string> Puller::FetchSmallBlob(
    const registry::Reference& ref, const registry::Credentials& creds,
    const registry::Descriptor& desc) {
  if (desc.size > static_cast<int64_t>(kMaxConfigBytes)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "config blob ", desc.digest.str(), " is ", desc.size, " bytes, over the ",
        kMaxConfigBytes, " byte limit"));
  }
  // Claim the ingest before downloading: a concurrent pull of the same blob
  // waits here, then reads the copy the first one committed.
  auto writer_or = content_->OpenWriter(desc.digest, desc.size);
  if (absl::IsAlreadyExists(writer_or.status())) {
    return content_->ReadBlob(desc.digest, kMaxConfigBytes);
  }
  RETURN_IF_ERROR(writer_or.status());
  std::unique_ptr<content::ContentStore::Writer> writer = std::move(writer_or).value();
  if (writer->offset() != 0) RETURN_IF_ERROR(writer->Truncate(0));
  std::string body;
  RETURN_IF_ERROR(client_->FetchBlob(
      ref, desc.digest, 0, creds, [&](absl::string_view chunk) -> absl::Status {
        if (body.size() + chunk.size() > kMaxConfigBytes) {
          return absl::ResourceExhaustedError(absl::StrCat(
              "config blob ", desc.digest.str(), " exceeds ", kMaxConfigBytes, " bytes"));
        }
        RETURN_IF_ERROR(writer->Write(chunk));
        body.append(chunk.data(), chunk.size());
        return absl::OkStatus();
      }));
  // Commit verifies size and digest: no header is trusted over them.
  absl::Status committed = writer->Commit();
  if (!committed.ok() && !absl::IsAlreadyExists(committed)) return committed;
  return body;
}

absl::StatusOr<Puller::Resolved> Puller::Resolve(const registry::Reference& ref,
                                                 const registry::RegistryClient::FetchedManifest& top,
                                                 const registry::Credentials& creds,
                                                 const registry::Platform& platform,
                                                 absl::string_view lease) {
  Resolved r;
  r.target = top.digest;
  RETURN_IF_ERROR(metadata_->AddLeaseResource(lease, "blob", top.digest.str()));
  RETURN_IF_ERROR(StoreBlob(content_, top.digest, top.body));
  r.blobs.push_back(top.digest);
  std::string manifest_body = top.body;
  r.manifest = top.digest;
  if (registry::ClassifyManifest(top.media_type, top.body) == registry::ManifestKind::kIndex) {
    ASSIGN_OR_RETURN(registry::Index index, registry::ParseIndex(top.body));
    ASSIGN_OR_RETURN(registry::Descriptor chosen, registry::SelectPlatform(index, platform));
    registry::Reference by_digest = ref;
    by_digest.tag.clear();
    by_digest.digest = chosen.digest.str();
    ASSIGN_OR_RETURN(registry::RegistryClient::FetchedManifest platform_manifest,
                     client_->GetManifest(by_digest, creds));
    if (platform_manifest.digest != chosen.digest) {
      return absl::DataLossError(absl::StrCat("manifest digest mismatch: index names ",
                                              chosen.digest.str(), ", got ",
                                              platform_manifest.digest.str()));
    }
    RETURN_IF_ERROR(metadata_->AddLeaseResource(lease, "blob", chosen.digest.str()));
    RETURN_IF_ERROR(StoreBlob(content_, chosen.digest, platform_manifest.body));
    r.blobs.push_back(chosen.digest);
    r.manifest = chosen.digest;
    manifest_body = std::move(platform_manifest.body);
  }
  ASSIGN_OR_RETURN(r.image_manifest, registry::ParseImageManifest(manifest_body));
  const registry::Descriptor& config_desc = r.image_manifest.config;
  RETURN_IF_ERROR(metadata_->AddLeaseResource(lease, "blob", config_desc.digest.str()));
  ASSIGN_OR_RETURN(std::string config_body, FetchSmallBlob(ref, creds, config_desc));
  ASSIGN_OR_RETURN(r.config, registry::ParseImageConfig(config_body));
  r.blobs.push_back(config_desc.digest);
  if (r.config.diff_ids.size() != r.image_manifest.layers.size()) {
    return absl::DataLossError(absl::StrCat(
        "image config lists ", r.config.diff_ids.size(), " layers but the manifest has ",
        r.image_manifest.layers.size()));
  }
  for (const registry::Descriptor& layer : r.image_manifest.layers) {
    r.blobs.push_back(layer.digest);
  }
  return r;
}

absl::StatusOr<int64_t> Puller::UnpackLayers(const registry::Reference& ref,
                                             const registry::Credentials& creds,
                                             const Resolved& resolved,
                                             absl::string_view lease,
                                             ProgressReporter* progress) {
  const auto& layers = resolved.image_manifest.layers;
  std::vector<std::string> chain = ChainIds(resolved.config.diff_ids);
  std::vector<LayerTask> tasks(layers.size());
  std::vector<std::string> keys(layers.size());
  std::vector<size_t> pending;
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerTask& task = tasks[i];
    task.blob = layers[i];
    task.diff_id = resolved.config.diff_ids[i];
    RETURN_IF_ERROR(metadata_->AddLeaseResource(lease, "blob", layers[i].digest.str()));
    RETURN_IF_ERROR(metadata_->AddLeaseResource(lease, "snapshot", chain[i]));
    task.need_blob = !content_->Has(layers[i].digest);
    task.need_snapshot = !snapshotter_->Stat(chain[i]).ok();
    if (!task.need_blob && !task.need_snapshot) {
      progress->Phase(layers[i].digest.Short(), LAYER_PHASE_ALREADY_EXISTS);
      continue;
    }
    keys[i] = absl::StrCat("extract-", lease, "-", i);
    RETURN_IF_ERROR(metadata_->AddLeaseResource(lease, "snapshot", keys[i]));
    progress->Phase(layers[i].digest.Short(), LAYER_PHASE_WAITING);
    pending.push_back(i);
  }

  // Workers take layers in order; the first error stops new work.
  std::mutex mu;
  size_t next = 0;
  absl::Status first_error;
  std::vector<uint64_t> sizes(layers.size(), 0);
  auto worker = [&] {
    for (;;) {
      size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next == pending.size() || !first_error.ok()) return;
        i = pending[next++];
      }
      absl::StatusOr<uint64_t> size = unpacker_.Unpack(ref, creds, tasks[i], keys[i], progress);
      std::lock_guard<std::mutex> lock(mu);
      if (!size.ok()) {
        if (first_error.ok()) first_error = size.status();
        continue;
      }
      sizes[i] = *size;
    }
  };
  size_t nworkers = std::min<size_t>(pending.size(),
                                     static_cast<size_t>(std::max(1, options_.max_concurrent_downloads)));
  std::vector<std::unique_ptr<base::WorkerThread>> workers;
  for (size_t w = 0; w < nworkers; ++w) {
    workers.push_back(std::make_unique<base::WorkerThread>(worker));
  }
  for (auto& t : workers) t->Join();

  // Commit bottom-up; on any failure remove what this pull left active.
  absl::Status status = first_error;
  for (size_t i = 0; i < layers.size() && status.ok(); ++i) {
    if (!tasks[i].need_snapshot) continue;
    absl::Status committed =
        snapshotter_->CommitOnto(chain[i], keys[i], i == 0 ? "" : chain[i - 1]);
    if (absl::IsAlreadyExists(committed)) {
      // A concurrent pull of the same layer won; ours is redundant.
      committed = snapshotter_->Remove(keys[i]);
    }
    status = committed;
    if (status.ok()) progress->Phase(layers[i].digest.Short(), LAYER_PHASE_PULL_COMPLETE);
  }
  if (!status.ok()) {
    for (const std::string& key : keys) {
      if (!key.empty() && snapshotter_->Stat(key).ok()) {
        absl::Status removed = snapshotter_->Remove(key);
        (void)removed;  // GC reclaims it otherwise.
      }
    }
    return status;
  }
  int64_t total = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (tasks[i].need_snapshot) {
      total += static_cast<int64_t>(sizes[i]);
    } else if (auto usage = snapshotter_->Usage(chain[i]); usage.ok()) {
      total += *usage;
    }
  }
  return total;
}

bool Puller::UpToDate(const registry::Reference& ref, const base::Digest& target) {
  auto record = metadata_->GetImage(ref.String());
  if (!record.ok() || record->target != target) return false;
  auto manifest = metadata_->GetManifest(record->manifest);
  if (!manifest.ok()) return false;
  for (const base::Digest& blob : manifest->blobs) {
    if (!content_->Has(blob)) return false;
  }
  for (const std::string& snapshot : manifest->snapshots) {
    if (!snapshotter_->Stat(snapshot).ok()) return false;
  }
  return true;
}

absl::Status Puller::Record(const registry::Reference& ref, const Resolved& resolved,
                            int64_t unpacked_size) {
  metadata::ManifestRecord manifest{resolved.manifest, resolved.image_manifest.config.digest,
                                    resolved.blobs, ChainIds(resolved.config.diff_ids),
                                    unpacked_size};
  metadata::ImageRecord image{ref.String(), resolved.target, resolved.manifest,
                              resolved.image_manifest.config.digest, NowNanos()};
  auto previous = metadata_->GetImage(image.name);
  RETURN_IF_ERROR(metadata_->CommitPull(manifest, image));
  if (!previous.ok() || previous->config == image.config || ref.tag.empty()) {
    return absl::OkStatus();
  }
  // The tag moved: keep the old image reachable by digest unless another
  // name still holds it.
  ASSIGN_OR_RETURN(std::vector<metadata::ImageRecord> all, metadata_->ListImages());
  for (const auto& other : all) {
    if (other.config == previous->config) return absl::OkStatus();
  }
  // A name given locally has no digest of its own: the image ID stands in
  // (HasRepoDigest then stays false and the image shows as <none>).
  metadata::ImageRecord dangling = *previous;
  dangling.name = absl::StrCat(ref.Name(), "@", previous->target.str());
  return metadata_->PutImage(dangling);
}

absl::StatusOr<berth::v1::PullDone> Puller::Pull(const registry::Reference& ref,
                                                 const registry::Credentials& creds,
                                                 const registry::Platform& requested,
                                                 const Callback& callback) {
  std::shared_ptr<void> session = client_->Session();
  registry::Platform platform = requested;
  if (platform.os.empty()) platform.os = "linux";
  if (platform.architecture.empty()) platform.architecture = "amd64";
  auto emit = [&](const berth::v1::PullProgress& event) {
    if (callback) callback(event);
  };
  berth::v1::PullProgress started;
  started.mutable_started()->set_reference(ref.String());
  started.mutable_started()->set_repository(ref.path);
  started.mutable_started()->set_tag(ref.tag.empty() ? ref.digest : ref.tag);

  berth::v1::PullDone done;
  done.set_reference(ref.Familiar());
  // Ask the registry for the digest only (HEAD): an unchanged image costs
  // one round trip and no download.
  if (!ref.tag.empty()) {
    auto current = client_->ResolveDigest(ref, creds);
    if (current.ok() && UpToDate(ref, *current)) {
      emit(started);
      done.set_digest(current->str());
      auto record = metadata_->GetImage(ref.String());
      if (record.ok()) done.set_image_id(record->config.str());
      done.set_up_to_date(true);
      berth::v1::PullProgress last;
      *last.mutable_done() = done;
      emit(last);
      return done;
    }
  }

  std::string lease = absl::StrCat("pull-", ::getpid(), "-", NowNanos(), "-", next_lease_++);
  RETURN_IF_ERROR(metadata_->CreateLease(lease, kPullLeaseTtl));
  ProgressReporter progress([&](const berth::v1::LayerProgress& layer) {
    berth::v1::PullProgress event;
    *event.mutable_layer() = layer;
    emit(event);
  });
  // As Docker, the "Pulling from" line comes once the registry has answered.
  absl::StatusOr<registry::RegistryClient::FetchedManifest> top = client_->GetManifest(ref, creds);
  if (top.ok()) emit(started);
  absl::StatusOr<Resolved> resolved =
      top.ok() ? Resolve(ref, *top, creds, platform, lease) : top.status();
  absl::Status status = resolved.status();
  bool up_to_date = false;
  if (status.ok()) {
    up_to_date = UpToDate(ref, resolved->target);
    absl::StatusOr<int64_t> size = UnpackLayers(ref, creds, *resolved, lease, &progress);
    status = size.status();
    if (status.ok()) status = Record(ref, *resolved, *size);
  }
  absl::Status released = metadata_->DeleteLease(lease);
  if (!released.ok()) {
    LOG_WARN("cannot delete pull lease", {{"lease", lease}, {"error", released.ToString()}});
  }
  RETURN_IF_ERROR(status);
  done.set_digest(resolved->target.str());
  done.set_image_id(resolved->image_manifest.config.digest.str());
  done.set_up_to_date(up_to_date);
  LOG_INFO("pulled image", {{"ref", ref.String()}, {"digest", done.digest()}});
  berth::v1::PullProgress last;
  *last.mutable_done() = done;
  emit(last);
  return done;
}

}  // namespace engine::images
