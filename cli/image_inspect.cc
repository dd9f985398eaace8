// InspectJson(): the `image inspect` document (declared in image_format.h).

#include <map>
#include <string>

#include "absl/strings/str_split.h"
#include "cli/image_format.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"

namespace cli {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void String(Writer* w, const std::string& s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void Key(Writer* w, const char* key) { w->Key(key); }

template <typename Repeated>
void StringArray(Writer* w, const Repeated& values) {
  w->StartArray();
  for (const std::string& v : values) String(w, v);
  w->EndArray();
}

// Docker prints absent lists as null.
template <typename Repeated>
void StringArrayOrNull(Writer* w, const Repeated& values) {
  if (values.empty()) {
    w->Null();
  } else {
    StringArray(w, values);
  }
}

// {"80/tcp": {}, ...} or null.
template <typename Repeated>
void SetObjectOrNull(Writer* w, const Repeated& keys) {
  if (keys.empty()) {
    w->Null();
    return;
  }
  w->StartObject();
  for (const std::string& k : keys) {
    String(w, k);
    w->StartObject();
    w->EndObject();
  }
  w->EndObject();
}

void WriteConfig(Writer* w, const berth::v1::ImageConfig& c) {
  w->StartObject();
  Key(w, "Hostname"); w->String("");
  Key(w, "Domainname"); w->String("");
  Key(w, "User"); String(w, c.user());
  Key(w, "AttachStdin"); w->Bool(false);
  Key(w, "AttachStdout"); w->Bool(false);
  Key(w, "AttachStderr"); w->Bool(false);
  if (!c.exposed_ports().empty()) {
    Key(w, "ExposedPorts");
    SetObjectOrNull(w, c.exposed_ports());
  }
  Key(w, "Tty"); w->Bool(false);
  Key(w, "OpenStdin"); w->Bool(false);
  Key(w, "StdinOnce"); w->Bool(false);
  Key(w, "Env"); StringArrayOrNull(w, c.env());
  Key(w, "Cmd"); StringArrayOrNull(w, c.cmd());
  if (c.args_escaped()) {
    Key(w, "ArgsEscaped"); w->Bool(true);
  }
  Key(w, "Image"); w->String("");
  Key(w, "Volumes"); SetObjectOrNull(w, c.volumes());
  Key(w, "WorkingDir"); String(w, c.working_dir());
  Key(w, "Entrypoint"); StringArrayOrNull(w, c.entrypoint());
  Key(w, "OnBuild"); w->Null();
  Key(w, "Labels");
  if (c.labels().empty()) {
    w->Null();
  } else {
    // Sorted, as Go marshals maps.
    std::map<std::string, std::string> sorted(c.labels().begin(), c.labels().end());
    w->StartObject();
    for (const auto& [k, v] : sorted) {
      String(w, k);
      String(w, v);
    }
    w->EndObject();
  }
  if (!c.stop_signal().empty()) {
    Key(w, "StopSignal"); String(w, c.stop_signal());
  }
  if (!c.shell().empty()) {
    Key(w, "Shell"); StringArray(w, c.shell());
  }
  w->EndObject();
}

}  // namespace

std::string InspectJson(const std::vector<berth::v1::Image>& images) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.SetIndent(' ', 4);
  w.StartArray();
  for (const auto& img : images) {
    w.StartObject();
    Key(&w, "Id"); String(&w, img.id());
    Key(&w, "RepoTags"); StringArray(&w, img.repo_tags());
    Key(&w, "RepoDigests"); StringArray(&w, img.repo_digests());
    Key(&w, "Parent"); w.String("");
    Key(&w, "Comment"); String(&w, img.comment());
    Key(&w, "Created");
    String(&w, img.has_created() ? Rfc3339Nano(img.created()) : "");
    Key(&w, "DockerVersion"); w.String("");
    Key(&w, "Author"); String(&w, img.author());
    Key(&w, "Config"); WriteConfig(&w, img.config());
    Key(&w, "Architecture"); String(&w, img.architecture());
    if (!img.variant().empty()) {
      Key(&w, "Variant"); String(&w, img.variant());
    }
    Key(&w, "Os"); String(&w, img.os());
    Key(&w, "Size"); w.Int64(img.size());
    Key(&w, "GraphDriver");
    w.StartObject();
    Key(&w, "Data"); w.Null();
    Key(&w, "Name"); w.String("overlayfs");
    w.EndObject();
    Key(&w, "RootFS");
    w.StartObject();
    Key(&w, "Type"); w.String("layers");
    Key(&w, "Layers"); StringArray(&w, img.layers());
    w.EndObject();
    Key(&w, "Metadata");
    w.StartObject();
    Key(&w, "LastTagTime");
    String(&w, img.has_last_tag_time() ? Rfc3339Nano(img.last_tag_time())
                                       : "0001-01-01T00:00:00Z");
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace cli
