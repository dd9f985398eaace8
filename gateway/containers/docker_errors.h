// -----------------------------------------------------------------------------
// File: docker_errors.h
// -----------------------------------------------------------------------------
//
// Berth engine errors reworded as dockerd words them where the docker CLI
// prints them to users and scripts match on them, keeping the code (and so
// the HTTP status). Errors these functions do not recognise pass through.
//
// Thread-safe: all functions are pure.

#ifndef GATEWAY_CONTAINERS_DOCKER_ERRORS_H_
#define GATEWAY_CONTAINERS_DOCKER_ERRORS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gateway {

// KillError()
//
// The engine's FailedPrecondition "Container <id> is not running" for a
// kill of `ref` becomes "cannot kill container: <ref>: container <id> is
// not running" (409).
absl::Status KillError(const absl::Status& status, absl::string_view ref);

// RemoveError()
//
// The engine's FailedPrecondition for removing a running or paused
// container named `name` ("/x" or "x") becomes "cannot remove container
// \"/x\": container is running: stop the container before removing or force
// remove" (409).
absl::Status RemoveError(const absl::Status& status, absl::string_view name);

// CreateError()
//
// The engine's NotFound "No such image: busybox" for a create becomes
// dockerd's "No such image: busybox:latest" (a reference without tag or
// digest names its "latest" tag), which `docker run --pull never` prints.
absl::Status CreateError(const absl::Status& status);

// IsAlreadyRunning()
//
// True for the engine's refusal to start a running container, which
// dockerd answers with 304 Not Modified.
bool IsAlreadyRunning(const absl::Status& status);

}  // namespace gateway

#endif  // GATEWAY_CONTAINERS_DOCKER_ERRORS_H_
