// -----------------------------------------------------------------------------
// File: manifest.h
// -----------------------------------------------------------------------------
//
// The distribution formats an image is made of: OCI image indexes and Docker
// manifest lists (kIndex), OCI image manifests and Docker v2 schema 2
// manifests (kImageManifest), and the image config. Parsed with RapidJSON
// from untrusted registry bytes: every parser checks types, caps sizes and
// returns InvalidArgument for malformed documents, never crashes.
//
// All functions are pure and thread-safe.

#ifndef ENGINE_REGISTRY_MANIFEST_H_
#define ENGINE_REGISTRY_MANIFEST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/base/digest.h"

namespace engine {
namespace registry {

// Manifests and indexes.
inline constexpr absl::string_view kMediaTypeDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr absl::string_view kMediaTypeDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr absl::string_view kMediaTypeDockerSchema1Manifest =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr absl::string_view kMediaTypeDockerSchema1SignedManifest =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr absl::string_view kMediaTypeOciManifest =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr absl::string_view kMediaTypeOciIndex = "application/vnd.oci.image.index.v1+json";
// Configs.
inline constexpr absl::string_view kMediaTypeDockerConfig =
    "application/vnd.docker.container.image.v1+json";
inline constexpr absl::string_view kMediaTypeOciConfig = "application/vnd.oci.image.config.v1+json";
// Layers.
inline constexpr absl::string_view kMediaTypeDockerLayer =
    "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr absl::string_view kMediaTypeDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr absl::string_view kMediaTypeDockerLayerZstd =
    "application/vnd.docker.image.rootfs.diff.tar.zstd";
inline constexpr absl::string_view kMediaTypeDockerForeignLayer =
    "application/vnd.docker.image.rootfs.foreign.diff.tar";
inline constexpr absl::string_view kMediaTypeDockerForeignLayerGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
inline constexpr absl::string_view kMediaTypeOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr absl::string_view kMediaTypeOciLayerGzip =
    "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr absl::string_view kMediaTypeOciLayerZstd =
    "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr absl::string_view kMediaTypeOciLayerNondistributable =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr absl::string_view kMediaTypeOciLayerNondistributableGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr absl::string_view kMediaTypeOciLayerNondistributableZstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

// Size caps on documents read from registries. Larger bodies are
// ResourceExhausted.
inline constexpr size_t kMaxManifestBytes = 4 << 20;
inline constexpr size_t kMaxConfigBytes = 8 << 20;

struct Platform {
  std::string os, architecture, variant, os_version;
};

struct Descriptor {
  std::string media_type;
  base::Digest digest = base::Digest::Of("");
  int64_t size = 0;
  std::vector<std::string> urls;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
};

enum class ManifestKind {
  kIndex,          // OCI index or Docker manifest list
  kImageManifest,  // OCI image manifest or Docker v2 schema 2
  kUnknown,        // anything else, including schema 1
};

// ClassifyManifest()
//
// Classifies by `media_type` (parameters after ';' ignored). If it is empty
// or generic (application/json, text/plain, application/octet-stream), sniffs
// `body`: its "mediaType" field, else "manifests" (index) or "config" and
// "layers" (image manifest).
ManifestKind ClassifyManifest(absl::string_view media_type, absl::string_view body);

struct Index {
  std::string media_type;  // as written in the document; may be empty for OCI
  std::vector<Descriptor> manifests;
};

struct ImageManifest {
  std::string media_type;  // as written in the document; may be empty for OCI
  Descriptor config;
  std::vector<Descriptor> layers;
};

// ParseIndex()
//
// Parses an OCI index or Docker manifest list. InvalidArgument if malformed
// (wrong JSON types, schemaVersion other than 2, a bad descriptor, or a
// mediaType that names an image manifest); ResourceExhausted beyond
// kMaxManifestBytes.
absl::StatusOr<Index> ParseIndex(absl::string_view body);

// ParseImageManifest()
//
// Parses an OCI image manifest or Docker v2 schema 2 manifest. Schema 1
// documents are Unimplemented with a message saying so; malformed ones are
// InvalidArgument; ResourceExhausted beyond kMaxManifestBytes.
absl::StatusOr<ImageManifest> ParseImageManifest(absl::string_view body);

// SelectPlatform()
//
// Picks the first manifest of `index` whose os and architecture equal
// `want`'s and, when `want.variant` is set, whose variant matches (a missing
// variant counts as "v8" for arm64, as containerd normalises). When
// `want.variant` is empty, an entry without variant is preferred over one
// with. Empty `want.os`/`want.architecture` mean linux/amd64. NotFound with
// Docker's text "no matching manifest for linux/amd64 in the manifest list
// entries" otherwise.
absl::StatusOr<Descriptor> SelectPlatform(const Index& index, const Platform& want);

// The OCI image config (Docker's image JSON is a superset).
struct ImageConfig {
  std::string architecture, os, variant, created /*RFC3339 text*/, author;
  struct Config {
    std::string user, working_dir, stop_signal;
    std::vector<std::string> env, entrypoint, cmd, exposed_ports, volumes, shell;
    std::map<std::string, std::string> labels;
    bool args_escaped = false;
  } config;
  std::vector<base::Digest> diff_ids;  // rootfs.diff_ids
  struct History {
    std::string created, created_by, author, comment;
    bool empty_layer = false;
  };
  std::vector<History> history;
};

// ParseImageConfig()
//
// InvalidArgument if malformed (JSON types, rootfs.type other than "layers",
// a bad diff_id); ResourceExhausted beyond kMaxConfigBytes. Null fields read
// as empty.
absl::StatusOr<ImageConfig> ParseImageConfig(absl::string_view body);

// Serialise to compact JSON with schemaVersion 2. `mediaType` is written
// when non-empty; descriptor fields in OCI order (mediaType, digest, size,
// urls, annotations, platform).
std::string SerializeImageManifest(const ImageManifest& manifest);
std::string SerializeIndex(const Index& index);

enum class Compression { kNone, kGzip, kZstd };

// LayerCompression()
//
// The compression of a layer media type; InvalidArgument("unsupported layer
// media type: <type>") for anything that is not a known layer type.
absl::StatusOr<Compression> LayerCompression(absl::string_view media_type);

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_MANIFEST_H_
