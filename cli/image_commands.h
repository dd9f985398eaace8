// -----------------------------------------------------------------------------
// File: image_commands.h
// -----------------------------------------------------------------------------
//
// The image commands: pull, push, images (image ls), image inspect, tag,
// rmi (image rm), image prune and image history. Each reads its options and
// arguments from the context, writes Docker's output to ctx->out(), and
// returns an error for main() to print: daemon errors are marked by the
// sdk (printed "Error response from daemon: ..."), others print as they are.

#ifndef CLI_IMAGE_COMMANDS_H_
#define CLI_IMAGE_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/context.h"
#include "google/protobuf/repeated_field.h"
#include "proto/berth/v1/types.pb.h"

namespace cli {

absl::Status RunPull(Context* ctx);
absl::Status RunPush(Context* ctx);
absl::Status RunImages(Context* ctx);
absl::Status RunImageInspect(Context* ctx);
absl::Status RunTag(Context* ctx);
absl::Status RunRmi(Context* ctx);
absl::Status RunImagePrune(Context* ctx);
absl::Status RunImageHistory(Context* ctx);

// ParseFilters()
//
// Appends `--filter key=value` flags to `out` (keys lower-cased). InvalidArgument
// with Docker's "bad format of filter (expected name=value)" otherwise.
absl::Status ParseFilters(const std::vector<std::string>& in,
                          google::protobuf::RepeatedPtrField<berth::v1::Filter>* out);

// AuthFor()
//
// Credentials from config.json for the registry of `reference`; empty
// (anonymous) when none are stored.
absl::StatusOr<berth::v1::RegistryAuth> AuthFor(Context* ctx,
                                                absl::string_view reference);

// HasTagOrDigest()
//
// Whether a reference names a tag or digest ("x:1", "h:5000/x@sha256:..."),
// as opposed to a bare name ("x", "h:5000/x") that Docker completes with
// ":latest".
bool HasTagOrDigest(absl::string_view reference);

}  // namespace cli

#endif  // CLI_IMAGE_COMMANDS_H_
