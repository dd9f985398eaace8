#include "engine/images/image_service.h"

#include <malloc.h>

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/base/log.h"
#include "engine/base/status_macros.h"
#include "engine/images/image_filters.h"
#include "engine/registry/reference.h"

namespace engine::images {
namespace {

// Lets garbage collection list and remove overlay snapshots.
class SnapshotterCatalog : public metadata::SnapshotCatalog {
 public:
  explicit SnapshotterCatalog(snapshots::OverlaySnapshotter* s) : s_(s) {}
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ListSnapshots() override {
    return s_->ListSnapshots();
  }
  absl::Status RemoveSnapshot(absl::string_view name) override {
    return s_->RemoveSnapshot(name);
  }

 private:
  snapshots::OverlaySnapshotter* s_;
};

registry::Credentials ToCredentials(const berth::v1::RegistryAuth& auth) {
  return registry::Credentials{auth.username(), auth.password(), auth.identity_token()};
}

berth::v1::ImageDeleteItem Untagged(absl::string_view name) {
  berth::v1::ImageDeleteItem item;
  item.set_untagged(FamiliarName(name));
  return item;
}

}  // namespace

ImageService::ImageService(ImageServiceDeps deps, PullOptions pull_options,
                           PushOptions push_options)
    : deps_(std::move(deps)),
      catalog_(deps_.metadata, deps_.content),
      puller_(deps_.registry, deps_.content, deps_.metadata, deps_.snapshotter, pull_options),
      pusher_(deps_.registry, deps_.content, deps_.metadata, push_options) {}

void ImageService::Publish(absl::string_view action, absl::string_view actor,
                           std::map<std::string, std::string> attributes) {
  if (deps_.events) deps_.events(action, actor, attributes);
}

absl::StatusOr<berth::v1::PullDone> ImageService::Pull(
    const berth::v1::PullRequest& request, const Puller::Callback& progress) {
  ASSIGN_OR_RETURN(registry::Reference ref, registry::ParseReference(request.reference()));
  registry::Platform platform;
  platform.os = request.platform().os();
  platform.architecture = request.platform().architecture();
  platform.variant = request.platform().variant();
  absl::StatusOr<berth::v1::PullDone> done =
      puller_.Pull(ref, ToCredentials(request.auth()), platform, progress);
  // A pull's buffers (pipes, decompression windows, per-worker arenas) are
  // freed but glibc keeps them mapped; hand them back so that an idle
  // daemon stays small.
  ::malloc_trim(0);
  RETURN_IF_ERROR(done.status());
  Publish("pull", ref.Familiar(), {{"name", ref.Familiar()}});
  return *std::move(done);
}

absl::StatusOr<berth::v1::PushDone> ImageService::Push(
    const berth::v1::PushRequest& request, const Pusher::Callback& progress) {
  ASSIGN_OR_RETURN(registry::Reference ref, registry::ParseReference(request.reference()));
  if (ref.tag.empty()) {
    return absl::InvalidArgumentError("cannot push a digest reference");
  }
  ASSIGN_OR_RETURN(LocalImage image, catalog_.Resolve(ref.String()));
  absl::StatusOr<berth::v1::PushDone> done =
      pusher_.Push(ref, image, ToCredentials(request.auth()), progress);
  ::malloc_trim(0);
  RETURN_IF_ERROR(done.status());
  Publish("push", ref.Familiar(), {{"name", ref.Familiar()}});
  return *std::move(done);
}

absl::StatusOr<berth::v1::ListImagesResponse> ImageService::List(
    const berth::v1::ListImagesRequest& request) {
  ASSIGN_OR_RETURN(ImageFilter filter, ImageFilter::Parse(request.filters(), catalog_));
  ASSIGN_OR_RETURN(std::vector<LocalImage> images, catalog_.List());
  berth::v1::ListImagesResponse response;
  for (const LocalImage& image : images) {
    ASSIGN_OR_RETURN(berth::v1::Image described, catalog_.Describe(image));
    if (filter.Matches(described)) *response.add_images() = std::move(described);
  }
  std::stable_sort(response.mutable_images()->begin(), response.mutable_images()->end(),
                   [](const berth::v1::Image& a, const berth::v1::Image& b) {
                     return a.created().seconds() > b.created().seconds();
                   });
  return response;
}

absl::StatusOr<berth::v1::Image> ImageService::Get(absl::string_view reference) {
  ASSIGN_OR_RETURN(LocalImage image, catalog_.Resolve(reference));
  return catalog_.Describe(image);
}

absl::StatusOr<int64_t> ImageService::Count() {
  ASSIGN_OR_RETURN(std::vector<LocalImage> images, catalog_.List());
  return static_cast<int64_t>(images.size());
}

absl::Status ImageService::Tag(absl::string_view source, absl::string_view target) {
  ASSIGN_OR_RETURN(LocalImage image, catalog_.Resolve(source));
  ASSIGN_OR_RETURN(registry::Reference ref, registry::ParseReference(target));
  if (!ref.digest.empty()) {
    return absl::InvalidArgumentError("refusing to create a tag with a digest reference");
  }
  // A local name has no registry digest until it is pushed.
  metadata::ImageRecord record{ref.String(), image.id, image.manifest.manifest, image.id,
                               absl::ToUnixNanos(absl::Now())};
  RETURN_IF_ERROR(deps_.metadata->PutImage(record));
  Publish("tag", image.id.str(), {{"name", ref.Familiar()}});
  return absl::OkStatus();
}

absl::Status ImageService::DeleteImage(const LocalImage& image,
                                       berth::v1::RemoveImageResponse* out) {
  // Tags first, then every repository digest the image carries (a digest
  // record's own name, or the digest a pulled tag came with), as Docker lists them.
  std::vector<std::string> tags;
  std::set<std::string> digests;
  for (const auto& record : image.records) {
    RETURN_IF_ERROR(deps_.metadata->DeleteImage(record.name));
    if (!IsTagRecord(record)) {
      if (HasRepoDigest(record)) digests.insert(record.name);
      continue;
    }
    tags.push_back(record.name);
    auto ref = registry::ParseReference(record.name);
    if (HasRepoDigest(record) && ref.ok()) {
      digests.insert(absl::StrCat(ref->Name(), "@", record.target.str()));
    }
  }
  tags.insert(tags.end(), digests.begin(), digests.end());
  for (const std::string& name : tags) {
    *out->add_items() = Untagged(name);
    Publish("untag", image.id.str(), {{"name", FamiliarName(name)}});
  }
  out->add_items()->set_deleted(image.id.str());
  Publish("delete", image.id.str(), {});
  return absl::OkStatus();
}

void ImageService::SetImageUseChecker(ImageUseChecker checker) {
  absl::MutexLock lock(&mu_);
  use_checker_ = std::move(checker);
}

absl::StatusOr<berth::v1::RemoveImageResponse> ImageService::Remove(
    const berth::v1::RemoveImageRequest& request) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(LocalImage image, catalog_.Resolve(request.reference()));
  berth::v1::RemoveImageResponse response;
  // Which record did the user name? None when they gave an ID.
  const metadata::ImageRecord* named = nullptr;
  if (auto ref = registry::ParseReference(request.reference()); ref.ok()) {
    for (const auto& record : image.records) {
      if (record.name == ref->String()) named = &record;
    }
    if (named == nullptr && !ref->digest.empty()) {
      for (const auto& record : image.records) {
        auto rec = registry::ParseReference(record.name);
        if (rec.ok() && rec->Name() == ref->Name() && !IsTagRecord(record)) named = &record;
      }
    }
  }
  if (use_checker_) {
    if (std::optional<ImageUse> use = use_checker_(image.id.str()); use.has_value()) {
      if (named == nullptr) {
        if (use->running) {
          return absl::FailedPreconditionError(absl::StrCat(
              "conflict: unable to delete ", image.id.Short(),
              " (cannot be forced) - image is being used by running container ",
              use->container));
        }
        if (!request.force()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "conflict: unable to delete ", image.id.Short(),
              " (must be forced) - image is being used by stopped container ", use->container));
        }
      } else if (image.records.size() == 1 && !request.force()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "conflict: unable to remove repository reference \"", request.reference(),
            "\" (must force) - container ", use->container, " is using its referenced image ",
            image.id.Short()));
      }
    }
  }
  if (named == nullptr) {
    // By ID: Docker refuses when the image lives in several repositories.
    std::set<std::string> repos;
    for (const auto& record : image.records) {
      if (auto rec = registry::ParseReference(record.name); rec.ok()) repos.insert(rec->Name());
    }
    if (repos.size() > 1 && !request.force()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "conflict: unable to delete ", image.id.Short(),
          " (must be forced) - image is referenced in multiple repositories"));
    }
    RETURN_IF_ERROR(DeleteImage(image, &response));
  } else {
    RETURN_IF_ERROR(Untag(image, *named, &response));
  }
  RETURN_IF_ERROR(CollectGarbageLocked().status());
  return response;
}

absl::Status ImageService::Untag(const LocalImage& image,
                                 const metadata::ImageRecord& named,
                                 berth::v1::RemoveImageResponse* out) {
  RETURN_IF_ERROR(deps_.metadata->DeleteImage(named.name));
  *out->add_items() = Untagged(named.name);
  Publish("untag", image.id.str(), {{"name", FamiliarName(named.name)}});
  std::vector<const metadata::ImageRecord*> rest;
  for (const auto& record : image.records) {
    if (record.name != named.name) rest.push_back(&record);
  }
  // Once a repository's last tag of this image is gone, its digest
  // references go too (Docker's rule); the image goes with its last name.
  auto named_ref = registry::ParseReference(named.name);
  if (IsTagRecord(named) && named_ref.ok()) {
    bool tag_left = false;
    for (const auto* record : rest) {
      auto ref = registry::ParseReference(record->name);
      if (IsTagRecord(*record) && ref.ok() && ref->Name() == named_ref->Name()) tag_left = true;
    }
    if (!tag_left) {
      // The repository digest the tag carried goes too, as Docker reports.
      std::set<std::string> digests;
      if (HasRepoDigest(named)) {
        digests.insert(absl::StrCat(named_ref->Name(), "@", named.target.str()));
      }
      std::vector<const metadata::ImageRecord*> kept;
      for (const auto* record : rest) {
        auto ref = registry::ParseReference(record->name);
        if (!IsTagRecord(*record) && ref.ok() && ref->Name() == named_ref->Name()) {
          RETURN_IF_ERROR(deps_.metadata->DeleteImage(record->name));
          digests.insert(record->name);
        } else {
          kept.push_back(record);
        }
      }
      for (const std::string& digest : digests) *out->add_items() = Untagged(digest);
      rest = kept;
    }
  }
  if (rest.empty()) {
    out->add_items()->set_deleted(image.id.str());
    Publish("delete", image.id.str(), {});
  }
  return absl::OkStatus();
}

absl::StatusOr<berth::v1::PruneImagesResponse> ImageService::Prune(
    const berth::v1::PruneImagesRequest& request) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(ImageFilter filter, ImageFilter::Parse(request.filters(), catalog_));
  ASSIGN_OR_RETURN(std::vector<LocalImage> images, catalog_.List());
  berth::v1::PruneImagesResponse response;
  berth::v1::RemoveImageResponse removed;
  for (const LocalImage& image : images) {
    if (!request.all() && image.HasTag()) continue;
    // As dockerd: an image any container (running or not) uses is kept.
    if (use_checker_ && use_checker_(image.id.str()).has_value()) continue;
    ASSIGN_OR_RETURN(berth::v1::Image described, catalog_.Describe(image));
    if (!filter.Matches(described)) continue;
    RETURN_IF_ERROR(DeleteImage(image, &removed));
  }
  *response.mutable_deleted() = removed.items();
  ASSIGN_OR_RETURN(metadata::GcResult gc, CollectGarbageLocked());
  response.set_space_reclaimed(gc.bytes_reclaimed);
  if (response.deleted_size() > 0) Publish("prune", "", {});
  return response;
}

absl::StatusOr<berth::v1::ImageHistoryResponse> ImageService::History(
    absl::string_view reference) {
  ASSIGN_OR_RETURN(LocalImage image, catalog_.Resolve(reference));
  ASSIGN_OR_RETURN(registry::ImageConfig config, catalog_.Config(image));
  ASSIGN_OR_RETURN(berth::v1::Image described, catalog_.Describe(image));
  const std::vector<std::string>& chain = image.manifest.snapshots;
  berth::v1::ImageHistoryResponse response;
  size_t layer = 0;
  std::vector<berth::v1::HistoryEntry> entries;
  for (const auto& h : config.history) {
    berth::v1::HistoryEntry entry;
    entry.set_id("<missing>");
    SetTimestamp(h.created, entry.mutable_created());
    entry.set_created_by(h.created_by);
    entry.set_comment(h.comment);
    entry.set_empty_layer(h.empty_layer);
    if (!h.empty_layer && layer < chain.size()) {
      auto usage = deps_.snapshotter->Usage(chain[layer]);
      entry.set_size(usage.ok() ? *usage : 0);
      ++layer;
    }
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) {
    // No history in the config: one entry per layer, as Docker shows.
    for (const std::string& snapshot : chain) {
      berth::v1::HistoryEntry entry;
      entry.set_id("<missing>");
      *entry.mutable_created() = described.created();
      auto usage = deps_.snapshotter->Usage(snapshot);
      entry.set_size(usage.ok() ? *usage : 0);
      entries.push_back(std::move(entry));
    }
  }
  std::reverse(entries.begin(), entries.end());
  if (!entries.empty()) {
    entries.front().set_id(image.id.str());
    for (const auto& tag : described.repo_tags()) entries.front().add_tags(tag);
  }
  for (auto& entry : entries) *response.add_entries() = std::move(entry);
  return response;
}

absl::StatusOr<metadata::GcResult> ImageService::CollectGarbage() {
  absl::MutexLock lock(&mu_);
  return CollectGarbageLocked();
}

absl::StatusOr<metadata::GcResult> ImageService::CollectGarbageLocked() {
  SnapshotterCatalog snapshots(deps_.snapshotter);
  ASSIGN_OR_RETURN(metadata::GcResult result,
                   metadata::CollectGarbage(deps_.metadata, deps_.content, &snapshots));
  if (result.blobs_removed > 0 || result.snapshots_removed > 0) {
    LOG_INFO("garbage collected",
             {{"blobs", absl::StrCat(result.blobs_removed)},
              {"snapshots", absl::StrCat(result.snapshots_removed)},
              {"bytes", absl::StrCat(result.bytes_reclaimed)}});
  }
  return result;
}

}  // namespace engine::images
