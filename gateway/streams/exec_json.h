// -----------------------------------------------------------------------------
// File: exec_json.h
// -----------------------------------------------------------------------------
//
// Docker's exec documents translated to and from the engine's messages:
// ExecConfig (POST /containers/{id}/exec), ExecStartConfig (POST
// /exec/{id}/start) and ExecInspect (GET /exec/{id}/json). Pure functions;
// thread-safe.

#ifndef GATEWAY_STREAMS_EXEC_JSON_H_
#define GATEWAY_STREAMS_EXEC_JSON_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/berth/v1/containers.pb.h"
#include "rapidjson/document.h"

namespace gateway {

// A TTY size [rows, columns]; 0x0 when absent.
struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
  bool empty() const { return height == 0 || width == 0; }
};

// What an exec was created with that the engine's ExecInfo does not keep
// but ExecInspect reports (and exec start applies).
struct ExecExtras {
  bool open_stdout = true;
  bool open_stderr = true;
  bool privileged = false;
  std::string detach_keys;
  ConsoleSize console;
  // The process could not be started after the stream was hijacked: Docker
  // reports exit code 126 then.
  bool start_failed = false;
};

struct ExecCreateConfig {
  berth::v1::ExecCreateRequest request;
  ExecExtras extras;
};

// ParseExecConfig()
//
// The ExecCreateRequest for container `container` from an ExecConfig body
// (Cmd, Env, WorkingDir, User, Tty, AttachStdin/Stdout/Stderr, Privileged,
// DetachKeys, ConsoleSize; any may be absent or null; Cmd may be a string).
// InvalidArgument for values of the wrong JSON type.
absl::StatusOr<ExecCreateConfig> ParseExecConfig(const rapidjson::Value& body,
                                                 absl::string_view container);

struct ExecStartConfig {
  bool detach = false;
  bool tty = false;
  ConsoleSize console;
};

// ParseExecStartConfig()
//
// {"Detach":bool,"Tty":bool,"ConsoleSize":[h,w]}; every key optional.
absl::StatusOr<ExecStartConfig> ParseExecStartConfig(const rapidjson::Value& body);

// ExecInspectJson()
//
// Docker's ExecInspect object: ID, Running, ExitCode (null until the
// process has ended; 126 when `extras.start_failed`), ProcessConfig {tty,
// entrypoint, arguments, privileged, user}, OpenStdin, OpenStderr,
// OpenStdout, CanRemove, ContainerID, DetachKeys, Pid.
std::string ExecInspectJson(const berth::v1::ExecInfo& info, const ExecExtras& extras);

// DockerExecCreateError()
//
// The engine's refusal worded as dockerd's: "Container <id> is not running"
// becomes "container <id> is not running" (409); other errors pass as is.
absl::Status DockerExecCreateError(const absl::Status& status);

}  // namespace gateway

#endif  // GATEWAY_STREAMS_EXEC_JSON_H_
