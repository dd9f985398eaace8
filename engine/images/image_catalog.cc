#include "engine/images/image_catalog.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/base/status_macros.h"
#include "engine/registry/reference.h"

namespace engine::images {
namespace {

constexpr size_t kMaxConfigBytes = 8 << 20;

absl::Status NoSuchImage(absl::string_view ref) {
  return absl::NotFoundError(absl::StrCat("No such image: ", ref));
}

}  // namespace

bool LocalImage::HasTag() const {
  return std::any_of(records.begin(), records.end(), IsTagRecord);
}

bool IsTagRecord(const metadata::ImageRecord& record) {
  return !absl::StrContains(record.name, "@");
}

bool HasRepoDigest(const metadata::ImageRecord& record) {
  return record.target != record.config;
}

std::string FamiliarName(absl::string_view full_name) {
  auto ref = registry::ParseReference(full_name);
  if (!ref.ok()) return std::string(full_name);
  return ref->Familiar();
}

void SetTimestamp(absl::string_view rfc3339, google::protobuf::Timestamp* out) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) return;
  out->set_seconds(absl::ToUnixSeconds(t));
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(absl::ToUnixSeconds(t)))));
}

absl::StatusOr<std::vector<LocalImage>> ImageCatalog::List() const {
  ASSIGN_OR_RETURN(std::vector<metadata::ImageRecord> records, metadata_->ListImages());
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.updated_unix_nanos > b.updated_unix_nanos;
  });
  std::vector<LocalImage> images;
  std::map<std::string, size_t> by_id;
  for (auto& record : records) {
    auto [it, inserted] = by_id.emplace(record.config.str(), images.size());
    if (inserted) {
      ASSIGN_OR_RETURN(metadata::ManifestRecord manifest,
                       metadata_->GetManifest(record.manifest));
      images.push_back(LocalImage{record.config, {}, std::move(manifest)});
    }
    images[it->second].records.push_back(std::move(record));
  }
  return images;
}

absl::StatusOr<LocalImage> ImageCatalog::Resolve(absl::string_view ref) const {
  if (ref.empty()) return NoSuchImage(ref);
  ASSIGN_OR_RETURN(std::vector<LocalImage> images, List());
  // A name: exact record, or name@digest matching a record's target.
  if (auto parsed = registry::ParseReference(ref); parsed.ok()) {
    std::string full = parsed->String();
    for (const LocalImage& image : images) {
      for (const auto& record : image.records) {
        if (record.name == full) return image;
        if (!parsed->digest.empty() && parsed->tag.empty()) {
          auto rec_ref = registry::ParseReference(record.name);
          if (rec_ref.ok() && rec_ref->Name() == parsed->Name() &&
              (record.target.str() == parsed->digest ||
               record.manifest.str() == parsed->digest)) {
            return image;
          }
        }
      }
    }
  }
  // An ID: "sha256:<hex>" or a hex prefix.
  absl::string_view id = ref;
  absl::ConsumePrefix(&id, "sha256:");
  bool hex = !id.empty() && id.size() <= 64 &&
             std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
             });
  if (!hex) return NoSuchImage(ref);
  const LocalImage* found = nullptr;
  for (const LocalImage& image : images) {
    if (absl::StartsWith(image.id.hex(), id)) {
      if (found != nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("ambiguous image ID prefix ", ref));
      }
      found = &image;
    }
  }
  if (found == nullptr) return NoSuchImage(ref);
  return *found;
}

absl::StatusOr<registry::ImageConfig> ImageCatalog::Config(
    const LocalImage& image) const {
  ASSIGN_OR_RETURN(std::string body, content_->ReadBlob(image.id, kMaxConfigBytes));
  return registry::ParseImageConfig(body);
}

absl::StatusOr<berth::v1::Image> ImageCatalog::Describe(
    const LocalImage& image) const {
  ASSIGN_OR_RETURN(registry::ImageConfig config, Config(image));
  berth::v1::Image out;
  out.set_id(image.id.str());
  std::set<std::string> digests;
  int64_t last_tag = 0;
  for (const auto& record : image.records) {
    last_tag = std::max(last_tag, record.updated_unix_nanos);
    auto ref = registry::ParseReference(record.name);
    if (!ref.ok()) continue;
    if (IsTagRecord(record)) out.add_repo_tags(ref->Familiar());
    if (HasRepoDigest(record)) {
      digests.insert(absl::StrCat(ref->FamiliarName(), "@", record.target.str()));
    }
  }
  for (const std::string& d : digests) out.add_repo_digests(d);
  SetTimestamp(config.created, out.mutable_created());
  out.set_size(image.manifest.unpacked_size);
  out.set_architecture(config.architecture);
  out.set_os(config.os);
  out.set_variant(config.variant);
  out.set_author(config.author);
  if (!config.history.empty()) out.set_comment(config.history.back().comment);
  out.set_manifest_digest(image.manifest.manifest.str());
  for (const base::Digest& layer : config.diff_ids) out.add_layers(layer.str());
  out.mutable_last_tag_time()->set_seconds(last_tag / 1000000000);
  out.mutable_last_tag_time()->set_nanos(static_cast<int32_t>(last_tag % 1000000000));
  berth::v1::ImageConfig* c = out.mutable_config();
  c->set_user(config.config.user);
  for (const auto& p : config.config.exposed_ports) c->add_exposed_ports(p);
  for (const auto& e : config.config.env) c->add_env(e);
  for (const auto& e : config.config.entrypoint) c->add_entrypoint(e);
  for (const auto& e : config.config.cmd) c->add_cmd(e);
  for (const auto& v : config.config.volumes) c->add_volumes(v);
  c->set_working_dir(config.config.working_dir);
  for (const auto& [k, v] : config.config.labels) (*c->mutable_labels())[k] = v;
  c->set_stop_signal(config.config.stop_signal);
  for (const auto& s : config.config.shell) c->add_shell(s);
  c->set_args_escaped(config.config.args_escaped);
  return out;
}

}  // namespace engine::images
