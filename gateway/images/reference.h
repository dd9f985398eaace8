// -----------------------------------------------------------------------------
// File: reference.h
// -----------------------------------------------------------------------------
//
// Image references as the Docker API's image routes take and report them.
// The docker CLI sends fully qualified names ("docker.io/library/alpine")
// while docker-py sends what the user typed ("alpine"); the engine accepts
// both and validates them (InvalidArgument "invalid reference format"). The
// gateway only composes the query parameters into one reference and words
// "No such image" as dockerd does, in Docker's familiar form.
//
// Thread-safe: all functions are pure. Nothing here validates a reference.

#ifndef GATEWAY_IMAGES_REFERENCE_H_
#define GATEWAY_IMAGES_REFERENCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/berth/v1/types.pb.h"

namespace gateway {

// A reference split as Docker splits it, without validation.
struct ReferenceParts {
  std::string domain;  // "docker.io" when the name has none
  std::string path;    // "library/alpine", "team/app"
  std::string tag;     // "" when absent
  std::string digest;  // "sha256:<hex>", "" when absent
};

// SplitReference()
//
// "alpine:3.19" -> {docker.io, library/alpine, 3.19, ""};
// "127.0.0.1:5000/x@sha256:ab" -> {127.0.0.1:5000, x, "", sha256:ab}.
// The first component is a registry when it contains '.' or ':', is
// "localhost", or has upper-case letters (Docker's rule); "index.docker.io"
// reads as "docker.io". Single-component Docker Hub paths get "library/".
ReferenceParts SplitReference(absl::string_view reference);

// FamiliarString()
//
// The reference as Docker prints it: the "docker.io/" and "library/"
// prefixes dropped, tag and digest kept ("alpine:latest",
// "myrepo/app:v1", "localhost:5000/x@sha256:...").
std::string FamiliarString(const ReferenceParts& parts);

// IsDigest()
//
// True for "<algorithm>:<hex>" with at least 32 hex digits ("sha256:...").
bool IsDigest(absl::string_view text);

// WithTagOrDigest()
//
// The reference for `name` with `tag` as dockerd composes the fromImage,
// repo and tag query parameters: `name` alone when `tag` is empty (a
// trailing ':' dropped); "name@tag" when `tag` is a digest; otherwise
// "name:tag", replacing a tag `name` already carries.
std::string WithTagOrDigest(absl::string_view name, absl::string_view tag);

// NotFoundName()
//
// What dockerd's "No such image: %s" names for a lookup of `ref`: an
// image ID ("<64 hex>" or "sha256:<64 hex>") as "sha256:<hex>"; any other
// reference in familiar form with the default tag ("nosuch" ->
// "nosuch:latest", "docker.io/library/x" -> "x:latest").
std::string NotFoundName(absl::string_view ref);

// ParsePlatform()
//
// "os[/arch[/variant]]" (a lone "amd64"-style architecture means linux) as
// the platform query parameter of a pull. InvalidArgument for an empty
// component or more than three.
absl::StatusOr<berth::v1::Platform> ParsePlatform(absl::string_view text);

}  // namespace gateway

#endif  // GATEWAY_IMAGES_REFERENCE_H_
