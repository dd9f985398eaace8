#include "gateway/streams/exec_json.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace gateway {
namespace {

absl::Status TypeError(absl::string_view object, absl::string_view field,
                       absl::string_view want) {
  return absl::InvalidArgumentError(absl::StrCat(
      "json: cannot unmarshal into Go struct field ", object, ".", field, " of type ", want));
}

// The member `name` of `body`, or nullptr when absent or null.
const rapidjson::Value* Member(const rapidjson::Value& body, const char* name) {
  auto it = body.FindMember(name);
  if (it == body.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

absl::Status GetBool(const rapidjson::Value& body, const char* object, const char* name,
                     bool* out) {
  const rapidjson::Value* v = Member(body, name);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsBool()) return TypeError(object, name, "bool");
  *out = v->GetBool();
  return absl::OkStatus();
}

absl::Status GetString(const rapidjson::Value& body, const char* object, const char* name,
                       std::string* out) {
  const rapidjson::Value* v = Member(body, name);
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsString()) return TypeError(object, name, "string");
  out->assign(v->GetString(), v->GetStringLength());
  return absl::OkStatus();
}

// A list of strings; `allow_string` accepts a lone string too (strslice).
template <typename Add>
absl::Status GetStrings(const rapidjson::Value& body, const char* object, const char* name,
                        bool allow_string, Add add) {
  const rapidjson::Value* v = Member(body, name);
  if (v == nullptr) return absl::OkStatus();
  if (allow_string && v->IsString()) {
    add(std::string(v->GetString(), v->GetStringLength()));
    return absl::OkStatus();
  }
  if (!v->IsArray()) return TypeError(object, name, "[]string");
  for (const auto& item : v->GetArray()) {
    if (!item.IsString()) return TypeError(object, name, "[]string");
    add(std::string(item.GetString(), item.GetStringLength()));
  }
  return absl::OkStatus();
}

absl::Status GetConsoleSize(const rapidjson::Value& body, const char* object,
                            ConsoleSize* out) {
  const rapidjson::Value* v = Member(body, "ConsoleSize");
  if (v == nullptr) return absl::OkStatus();
  if (!v->IsArray() || v->Size() != 2 || !(*v)[0].IsUint() || !(*v)[1].IsUint()) {
    return TypeError(object, "ConsoleSize", "[2]uint");
  }
  out->height = (*v)[0].GetUint();
  out->width = (*v)[1].GetUint();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExecCreateConfig> ParseExecConfig(const rapidjson::Value& body,
                                                 absl::string_view container) {
  constexpr char kObject[] = "ExecOptions";
  ExecCreateConfig config;
  berth::v1::ExecCreateRequest& r = config.request;
  r.set_container_id(std::string(container));
  using Request = berth::v1::ExecCreateRequest;
  static constexpr struct {
    const char* name;
    void (Request::*set)(bool);
  } kFlags[] = {
      {"Tty", &Request::set_tty},
      {"AttachStdin", &Request::set_attach_stdin},
      {"AttachStdout", &Request::set_attach_stdout},
      {"AttachStderr", &Request::set_attach_stderr},
      {"Privileged", &Request::set_privileged},
  };
  absl::Status s;
  for (const auto& f : kFlags) {
    bool value = false;
    s = GetBool(body, kObject, f.name, &value);
    if (!s.ok()) return s;
    (r.*f.set)(value);
  }
  s = GetString(body, kObject, "User", r.mutable_user());
  if (!s.ok()) return s;
  s = GetString(body, kObject, "WorkingDir", r.mutable_working_dir());
  if (!s.ok()) return s;
  s = GetString(body, kObject, "DetachKeys", r.mutable_detach_keys());
  if (!s.ok()) return s;
  s = GetStrings(body, kObject, "Cmd", true, [&r](std::string v) { r.add_cmd(std::move(v)); });
  if (!s.ok()) return s;
  s = GetStrings(body, kObject, "Env", false, [&r](std::string v) { r.add_env(std::move(v)); });
  if (!s.ok()) return s;
  s = GetConsoleSize(body, kObject, &config.extras.console);
  if (!s.ok()) return s;
  config.extras.open_stdout = r.attach_stdout();
  config.extras.open_stderr = r.attach_stderr();
  config.extras.privileged = r.privileged();
  config.extras.detach_keys = r.detach_keys();
  return config;
}

absl::StatusOr<ExecStartConfig> ParseExecStartConfig(const rapidjson::Value& body) {
  constexpr char kObject[] = "ExecStartOptions";
  ExecStartConfig config;
  absl::Status s = GetBool(body, kObject, "Detach", &config.detach);
  if (!s.ok()) return s;
  s = GetBool(body, kObject, "Tty", &config.tty);
  if (!s.ok()) return s;
  s = GetConsoleSize(body, kObject, &config.console);
  if (!s.ok()) return s;
  return config;
}

std::string ExecInspectJson(const berth::v1::ExecInfo& info, const ExecExtras& extras) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](absl::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  const bool ended = !info.running() && (info.has_exit_code() || extras.start_failed);
  w.StartObject();
  str("ID");
  str(info.id());
  str("Running");
  w.Bool(info.running());
  str("ExitCode");
  if (!ended) {
    w.Null();
  } else {
    w.Int64(extras.start_failed ? 126 : info.exit_code());
  }
  str("ProcessConfig");
  w.StartObject();
  str("tty");
  w.Bool(info.tty());
  str("entrypoint");
  str(info.cmd_size() > 0 ? info.cmd(0) : "");
  str("arguments");
  w.StartArray();
  for (int i = 1; i < info.cmd_size(); ++i) str(info.cmd(i));
  w.EndArray();
  str("privileged");
  w.Bool(extras.privileged);
  if (!info.user().empty()) {
    str("user");
    str(info.user());
  }
  w.EndObject();
  str("OpenStdin");
  w.Bool(info.open_stdin());
  str("OpenStderr");
  w.Bool(extras.open_stderr);
  str("OpenStdout");
  w.Bool(extras.open_stdout);
  str("CanRemove");
  w.Bool(false);
  str("ContainerID");
  str(info.container_id());
  str("DetachKeys");
  str(extras.detach_keys);
  str("Pid");
  w.Int64(info.running() ? info.pid() : 0);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::Status DockerExecCreateError(const absl::Status& status) {
  absl::string_view message = status.message();
  if (status.code() == absl::StatusCode::kFailedPrecondition &&
      absl::StartsWith(message, "Container ") && absl::EndsWith(message, " is not running")) {
    return absl::FailedPreconditionError(absl::StrCat("c", message.substr(1)));
  }
  return status;
}

}  // namespace gateway
