#include "engine/registry/manifest.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/base/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace engine {
namespace registry {
namespace {

using rapidjson::Value;

// Iterative parsing: hostile documents cannot exhaust the stack by nesting.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag;

absl::Status Invalid(absl::string_view what, absl::string_view detail) {
  return absl::InvalidArgumentError(absl::StrCat("invalid ", what, ": ", detail));
}

absl::Status ParseJson(absl::string_view body, size_t cap, absl::string_view what,
                       rapidjson::Document* doc) {
  if (body.size() > cap) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, " is ", body.size(), " bytes, more than the limit of ", cap));
  }
  doc->Parse<kParseFlags>(body.data(), body.size());
  if (doc->HasParseError()) {
    return Invalid(what, absl::StrCat(rapidjson::GetParseError_En(doc->GetParseError()),
                                      " at offset ", doc->GetErrorOffset()));
  }
  if (!doc->IsObject()) return Invalid(what, "not a JSON object");
  return absl::OkStatus();
}

const Value* Member(const Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

absl::Status GetString(const Value& obj, const char* key, std::string* out) {
  const Value* v = Member(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsString()) return absl::InvalidArgumentError(absl::StrCat(key, " is not a string"));
  out->assign(v->GetString(), v->GetStringLength());
  return absl::OkStatus();
}

// Accepts an array of strings, or a single string as a one-element list.
absl::Status GetStringList(const Value& obj, const char* key, std::vector<std::string>* out) {
  const Value* v = Member(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (v->IsString()) {
    out->emplace_back(v->GetString(), v->GetStringLength());
    return absl::OkStatus();
  }
  if (!v->IsArray()) return absl::InvalidArgumentError(absl::StrCat(key, " is not an array"));
  for (const Value& e : v->GetArray()) {
    if (!e.IsString()) {
      return absl::InvalidArgumentError(absl::StrCat(key, " holds a non-string"));
    }
    out->emplace_back(e.GetString(), e.GetStringLength());
  }
  return absl::OkStatus();
}

absl::Status GetObjectKeys(const Value& obj, const char* key, std::vector<std::string>* out) {
  const Value* v = Member(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsObject()) return absl::InvalidArgumentError(absl::StrCat(key, " is not an object"));
  for (const auto& m : v->GetObject()) {
    out->emplace_back(m.name.GetString(), m.name.GetStringLength());
  }
  return absl::OkStatus();
}

absl::Status GetStringMap(const Value& obj, const char* key,
                          std::map<std::string, std::string>* out) {
  const Value* v = Member(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsObject()) return absl::InvalidArgumentError(absl::StrCat(key, " is not an object"));
  for (const auto& m : v->GetObject()) {
    if (!m.value.IsString()) {
      return absl::InvalidArgumentError(absl::StrCat(key, " holds a non-string value"));
    }
    (*out)[std::string(m.name.GetString(), m.name.GetStringLength())] =
        std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return absl::OkStatus();
}

absl::Status GetBool(const Value& obj, const char* key, bool* out) {
  const Value* v = Member(obj, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsBool()) return absl::InvalidArgumentError(absl::StrCat(key, " is not a boolean"));
  *out = v->GetBool();
  return absl::OkStatus();
}

absl::StatusOr<int> SchemaVersion(const Value& doc) {
  const Value* v = Member(doc, "schemaVersion");
  if (v == nullptr) return 0;
  if (!v->IsInt()) return absl::InvalidArgumentError("schemaVersion is not an integer");
  return v->GetInt();
}

absl::StatusOr<Descriptor> ParseDescriptor(const Value& v) {
  if (!v.IsObject()) return absl::InvalidArgumentError("descriptor is not an object");
  Descriptor d;
  RETURN_IF_ERROR(GetString(v, "mediaType", &d.media_type));
  std::string digest;
  RETURN_IF_ERROR(GetString(v, "digest", &digest));
  if (digest.empty()) return absl::InvalidArgumentError("descriptor has no digest");
  ASSIGN_OR_RETURN(d.digest, base::Digest::Parse(digest));
  const Value* size = Member(v, "size");
  if (size == nullptr || !size->IsInt64() || size->GetInt64() < 0) {
    return absl::InvalidArgumentError("descriptor size is missing or not a non-negative integer");
  }
  d.size = size->GetInt64();
  RETURN_IF_ERROR(GetStringList(v, "urls", &d.urls));
  RETURN_IF_ERROR(GetStringMap(v, "annotations", &d.annotations));
  if (const Value* p = Member(v, "platform")) {
    if (!p->IsObject()) return absl::InvalidArgumentError("platform is not an object");
    Platform platform;
    RETURN_IF_ERROR(GetString(*p, "os", &platform.os));
    RETURN_IF_ERROR(GetString(*p, "architecture", &platform.architecture));
    RETURN_IF_ERROR(GetString(*p, "variant", &platform.variant));
    RETURN_IF_ERROR(GetString(*p, "os.version", &platform.os_version));
    d.platform = std::move(platform);
  }
  return d;
}

absl::string_view BareMediaType(absl::string_view media_type) {
  media_type = media_type.substr(0, media_type.find(';'));
  return absl::StripAsciiWhitespace(media_type);
}

bool IsSchema1(absl::string_view media_type) {
  return media_type == kMediaTypeDockerSchema1Manifest ||
         media_type == kMediaTypeDockerSchema1SignedManifest;
}

ManifestKind KindOfMediaType(absl::string_view media_type) {
  if (media_type == kMediaTypeDockerManifestList || media_type == kMediaTypeOciIndex) {
    return ManifestKind::kIndex;
  }
  if (media_type == kMediaTypeDockerManifest || media_type == kMediaTypeOciManifest) {
    return ManifestKind::kImageManifest;
  }
  return ManifestKind::kUnknown;
}

absl::Status Schema1Error() {
  return absl::UnimplementedError(
      "Docker Image manifest version 2, schema 1 is not supported: the image must be "
      "upgraded to the OCI format or Docker Image manifest v2, schema 2");
}

std::string PlatformString(const Platform& p) {
  std::string s = absl::StrCat(p.os, "/", p.architecture);
  if (!p.variant.empty()) absl::StrAppend(&s, "/", p.variant);
  return s;
}

std::string NormalizedVariant(absl::string_view arch, absl::string_view variant) {
  std::string v = absl::AsciiStrToLower(variant);
  if (arch == "arm64" && v.empty()) return "v8";
  if (arch == "arm" && v.empty()) return "v7";
  if (arch == "amd64" && v == "v1") return "";
  return v;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer* w, absl::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteDescriptor(Writer* w, const Descriptor& d) {
  w->StartObject();
  if (!d.media_type.empty()) {
    w->Key("mediaType");
    WriteString(w, d.media_type);
  }
  w->Key("digest");
  WriteString(w, d.digest.str());
  w->Key("size");
  w->Int64(d.size);
  if (!d.urls.empty()) {
    w->Key("urls");
    w->StartArray();
    for (const std::string& u : d.urls) WriteString(w, u);
    w->EndArray();
  }
  if (!d.annotations.empty()) {
    w->Key("annotations");
    w->StartObject();
    for (const auto& [k, v] : d.annotations) {
      WriteString(w, k);
      WriteString(w, v);
    }
    w->EndObject();
  }
  if (d.platform.has_value()) {
    const Platform& p = *d.platform;
    w->Key("platform");
    w->StartObject();
    w->Key("architecture");
    WriteString(w, p.architecture);
    w->Key("os");
    WriteString(w, p.os);
    if (!p.os_version.empty()) {
      w->Key("os.version");
      WriteString(w, p.os_version);
    }
    if (!p.variant.empty()) {
      w->Key("variant");
      WriteString(w, p.variant);
    }
    w->EndObject();
  }
  w->EndObject();
}

}  // namespace

ManifestKind ClassifyManifest(absl::string_view media_type, absl::string_view body) {
  absl::string_view bare = BareMediaType(media_type);
  if (!bare.empty() && bare != "application/json" && bare != "text/plain" &&
      bare != "application/octet-stream" && bare != "binary/octet-stream") {
    return KindOfMediaType(bare);
  }
  rapidjson::Document doc;
  if (!ParseJson(body, kMaxManifestBytes, "manifest", &doc).ok()) return ManifestKind::kUnknown;
  std::string declared;
  if (GetString(doc, "mediaType", &declared).ok() && !declared.empty()) {
    return KindOfMediaType(declared);
  }
  absl::StatusOr<int> version = SchemaVersion(doc);
  if (!version.ok() || *version != 2) return ManifestKind::kUnknown;
  const Value* manifests = Member(doc, "manifests");
  if (manifests != nullptr && manifests->IsArray()) return ManifestKind::kIndex;
  const Value* config = Member(doc, "config");
  const Value* layers = Member(doc, "layers");
  if (config != nullptr && config->IsObject() && layers != nullptr && layers->IsArray()) {
    return ManifestKind::kImageManifest;
  }
  return ManifestKind::kUnknown;
}

absl::StatusOr<Index> ParseIndex(absl::string_view body) {
  rapidjson::Document doc;
  RETURN_IF_ERROR(ParseJson(body, kMaxManifestBytes, "manifest list", &doc));
  Index index;
  absl::Status s = GetString(doc, "mediaType", &index.media_type);
  if (!s.ok()) return Invalid("manifest list", s.message());
  if (!index.media_type.empty() && KindOfMediaType(index.media_type) != ManifestKind::kIndex) {
    return Invalid("manifest list", absl::StrCat("unexpected media type ", index.media_type));
  }
  absl::StatusOr<int> version = SchemaVersion(doc);
  if (!version.ok()) return Invalid("manifest list", version.status().message());
  if (*version != 2) {
    return Invalid("manifest list", absl::StrCat("unsupported schemaVersion ", *version));
  }
  const Value* manifests = Member(doc, "manifests");
  if (manifests == nullptr || !manifests->IsArray()) {
    return Invalid("manifest list", "manifests is missing or not an array");
  }
  for (const Value& m : manifests->GetArray()) {
    absl::StatusOr<Descriptor> d = ParseDescriptor(m);
    if (!d.ok()) return Invalid("manifest list", d.status().message());
    index.manifests.push_back(*std::move(d));
  }
  return index;
}

absl::StatusOr<ImageManifest> ParseImageManifest(absl::string_view body) {
  rapidjson::Document doc;
  RETURN_IF_ERROR(ParseJson(body, kMaxManifestBytes, "manifest", &doc));
  ImageManifest manifest;
  absl::Status s = GetString(doc, "mediaType", &manifest.media_type);
  if (!s.ok()) return Invalid("manifest", s.message());
  absl::StatusOr<int> version = SchemaVersion(doc);
  if (!version.ok()) return Invalid("manifest", version.status().message());
  if (IsSchema1(manifest.media_type) || *version == 1) return Schema1Error();
  if (!manifest.media_type.empty() &&
      KindOfMediaType(manifest.media_type) != ManifestKind::kImageManifest) {
    return Invalid("manifest", absl::StrCat("unexpected media type ", manifest.media_type));
  }
  if (*version != 2) {
    return Invalid("manifest", absl::StrCat("unsupported schemaVersion ", *version));
  }
  const Value* config = Member(doc, "config");
  if (config == nullptr) return Invalid("manifest", "config is missing");
  absl::StatusOr<Descriptor> cd = ParseDescriptor(*config);
  if (!cd.ok()) return Invalid("manifest", absl::StrCat("config: ", cd.status().message()));
  manifest.config = *std::move(cd);
  const Value* layers = Member(doc, "layers");
  if (layers == nullptr || !layers->IsArray()) {
    return Invalid("manifest", "layers is missing or not an array");
  }
  for (const Value& l : layers->GetArray()) {
    absl::StatusOr<Descriptor> d = ParseDescriptor(l);
    if (!d.ok()) return Invalid("manifest", absl::StrCat("layer: ", d.status().message()));
    manifest.layers.push_back(*std::move(d));
  }
  return manifest;
}

absl::StatusOr<Descriptor> SelectPlatform(const Index& index, const Platform& want_in) {
  Platform want = want_in;
  if (want.os.empty()) want.os = "linux";
  if (want.architecture.empty()) want.architecture = "amd64";
  want.os = absl::AsciiStrToLower(want.os);
  want.architecture = absl::AsciiStrToLower(want.architecture);
  const std::string want_variant = NormalizedVariant(want.architecture, want.variant);
  const Descriptor* fallback = nullptr;
  for (const Descriptor& d : index.manifests) {
    if (!d.platform.has_value()) continue;
    const Platform& p = *d.platform;
    if (absl::AsciiStrToLower(p.os) != want.os ||
        absl::AsciiStrToLower(p.architecture) != want.architecture) {
      continue;
    }
    const std::string variant = NormalizedVariant(want.architecture, p.variant);
    if (variant == want_variant) return d;
    if (want.variant.empty() && fallback == nullptr) fallback = &d;
  }
  if (fallback != nullptr) return *fallback;
  return absl::NotFoundError(absl::StrCat("no matching manifest for ", PlatformString(want),
                                          " in the manifest list entries"));
}

absl::StatusOr<ImageConfig> ParseImageConfig(absl::string_view body) {
  rapidjson::Document doc;
  RETURN_IF_ERROR(ParseJson(body, kMaxConfigBytes, "image config", &doc));
  ImageConfig c;
  auto fields = [&]() -> absl::Status {
    RETURN_IF_ERROR(GetString(doc, "architecture", &c.architecture));
    RETURN_IF_ERROR(GetString(doc, "os", &c.os));
    RETURN_IF_ERROR(GetString(doc, "variant", &c.variant));
    RETURN_IF_ERROR(GetString(doc, "created", &c.created));
    RETURN_IF_ERROR(GetString(doc, "author", &c.author));
    if (const Value* cfg = Member(doc, "config")) {
      if (!cfg->IsObject()) return absl::InvalidArgumentError("config is not an object");
      ImageConfig::Config& k = c.config;
      RETURN_IF_ERROR(GetString(*cfg, "User", &k.user));
      RETURN_IF_ERROR(GetString(*cfg, "WorkingDir", &k.working_dir));
      RETURN_IF_ERROR(GetString(*cfg, "StopSignal", &k.stop_signal));
      RETURN_IF_ERROR(GetStringList(*cfg, "Env", &k.env));
      RETURN_IF_ERROR(GetStringList(*cfg, "Entrypoint", &k.entrypoint));
      RETURN_IF_ERROR(GetStringList(*cfg, "Cmd", &k.cmd));
      RETURN_IF_ERROR(GetStringList(*cfg, "Shell", &k.shell));
      RETURN_IF_ERROR(GetObjectKeys(*cfg, "ExposedPorts", &k.exposed_ports));
      RETURN_IF_ERROR(GetObjectKeys(*cfg, "Volumes", &k.volumes));
      RETURN_IF_ERROR(GetStringMap(*cfg, "Labels", &k.labels));
      RETURN_IF_ERROR(GetBool(*cfg, "ArgsEscaped", &k.args_escaped));
    }
    if (const Value* rootfs = Member(doc, "rootfs")) {
      if (!rootfs->IsObject()) return absl::InvalidArgumentError("rootfs is not an object");
      std::string type;
      RETURN_IF_ERROR(GetString(*rootfs, "type", &type));
      if (type != "layers") {
        return absl::InvalidArgumentError(absl::StrCat("unsupported rootfs type \"", type, "\""));
      }
      std::vector<std::string> ids;
      RETURN_IF_ERROR(GetStringList(*rootfs, "diff_ids", &ids));
      for (const std::string& id : ids) {
        absl::StatusOr<base::Digest> d = base::Digest::Parse(id);
        if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat("diff_id: ", d.status().message()));
        c.diff_ids.push_back(*d);
      }
    }
    if (const Value* history = Member(doc, "history")) {
      if (!history->IsArray()) return absl::InvalidArgumentError("history is not an array");
      for (const Value& h : history->GetArray()) {
        if (!h.IsObject()) return absl::InvalidArgumentError("history entry is not an object");
        ImageConfig::History e;
        RETURN_IF_ERROR(GetString(h, "created", &e.created));
        RETURN_IF_ERROR(GetString(h, "created_by", &e.created_by));
        RETURN_IF_ERROR(GetString(h, "author", &e.author));
        RETURN_IF_ERROR(GetString(h, "comment", &e.comment));
        RETURN_IF_ERROR(GetBool(h, "empty_layer", &e.empty_layer));
        c.history.push_back(std::move(e));
      }
    }
    return absl::OkStatus();
  };
  absl::Status s = fields();
  if (!s.ok()) return Invalid("image config", s.message());
  return c;
}

std::string SerializeImageManifest(const ImageManifest& manifest) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("schemaVersion");
  w.Int(2);
  if (!manifest.media_type.empty()) {
    w.Key("mediaType");
    WriteString(&w, manifest.media_type);
  }
  w.Key("config");
  WriteDescriptor(&w, manifest.config);
  w.Key("layers");
  w.StartArray();
  for (const Descriptor& d : manifest.layers) WriteDescriptor(&w, d);
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string SerializeIndex(const Index& index) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("schemaVersion");
  w.Int(2);
  if (!index.media_type.empty()) {
    w.Key("mediaType");
    WriteString(&w, index.media_type);
  }
  w.Key("manifests");
  w.StartArray();
  for (const Descriptor& d : index.manifests) WriteDescriptor(&w, d);
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::StatusOr<Compression> LayerCompression(absl::string_view media_type) {
  absl::string_view t = BareMediaType(media_type);
  if (t == kMediaTypeDockerLayer || t == kMediaTypeDockerForeignLayer ||
      t == kMediaTypeOciLayer || t == kMediaTypeOciLayerNondistributable) {
    return Compression::kNone;
  }
  if (t == kMediaTypeDockerLayerGzip || t == kMediaTypeDockerForeignLayerGzip ||
      t == kMediaTypeOciLayerGzip || t == kMediaTypeOciLayerNondistributableGzip) {
    return Compression::kGzip;
  }
  if (t == kMediaTypeDockerLayerZstd || t == kMediaTypeOciLayerZstd ||
      t == kMediaTypeOciLayerNondistributableZstd) {
    return Compression::kZstd;
  }
  return absl::InvalidArgumentError(absl::StrCat("unsupported layer media type: ", media_type));
}

}  // namespace registry
}  // namespace engine
