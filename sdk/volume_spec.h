// -----------------------------------------------------------------------------
// File: volume_spec.h
// -----------------------------------------------------------------------------
//
// Docker's volume specifications ("-v" on the command line, HostConfig.Binds
// in the API) parsed into engine mounts, with dockerd's error messages. The
// `berth` CLI and the Docker API gateway both accept them.
//
// Thread-safe: pure functions.

#ifndef SDK_VOLUME_SPEC_H_
#define SDK_VOLUME_SPEC_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/berth/v1/containers.pb.h"

namespace sdk {

// ParseVolumeSpec()
//
// "/host:/ctr[:opts]" (bind), "name:/ctr[:opts]" (named volume), "/ctr" or
// "/ctr:opts" (anonymous volume: type "volume", empty source). Options: ro,
// rw, z, Z, nocopy, a propagation mode and a consistency mode (ignored).
// InvalidArgument "invalid volume specification: '<spec>'[: <why>]" for a
// malformed spec, a relative or "/" target, or a bad volume name, and
// "invalid mode: <opts>" for unknown options.
absl::StatusOr<berth::v1::Mount> ParseVolumeSpec(absl::string_view spec);

// Docker's local volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+.
bool ValidVolumeName(absl::string_view name);

}  // namespace sdk

#endif  // SDK_VOLUME_SPEC_H_
