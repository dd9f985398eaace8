// -----------------------------------------------------------------------------
// File: image_json.h
// -----------------------------------------------------------------------------
//
// The Docker API's image documents built from the engine's messages, and
// the `filters` query parameter turned into engine filter terms. Field names,
// types and null-versus-empty choices follow dockerd (API 1.50 and older),
// because the docker CLI and docker-py decode them strictly: a list's
// "Created" is Unix seconds, untagged images have "RepoTags": [] (or
// ["<none>:<none>"] before API 1.43), "Containers" and "SharedSize" are -1
// when not computed.
//
// Thread-safe: all functions are pure.

#ifndef GATEWAY_IMAGES_IMAGE_JSON_H_
#define GATEWAY_IMAGES_IMAGE_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/http/request.h"
#include "google/protobuf/repeated_field.h"
#include "proto/berth/v1/images.pb.h"
#include "proto/berth/v1/types.pb.h"

namespace gateway {

// ParseFilters()
//
// Appends the terms of a `filters` query value to `out`. Accepts the map
// form the Go client sends ({"dangling":{"true":true}}) and the legacy list
// form of docker-py and Compose ({"label":["a=b"]}); terms mapped to false
// are dropped. An empty value adds nothing. InvalidArgument "invalid filter:
// ..." for malformed JSON or another shape.
absl::Status ParseFilters(absl::string_view json,
                          google::protobuf::RepeatedPtrField<berth::v1::Filter>* out);

// ImageSummariesJson()
//
// The GET /images/json array for `images` at API `version`: Containers,
// Created, Id, Labels, ParentId, RepoDigests, RepoTags, SharedSize, Size,
// plus VirtualSize before 1.44.
std::string ImageSummariesJson(const berth::v1::ListImagesResponse& images,
                               const ApiVersion& version);

// KeepMatchingReferences()
//
// With "reference" filter terms among `filters`, drops from each image the
// RepoTags and RepoDigests whose familiar name (or name:tag) matches none of
// the patterns (shell globs where '*' stops at '/'), as dockerd lists only
// the references the filter selected. Without such terms, does nothing.
void KeepMatchingReferences(
    const google::protobuf::RepeatedPtrField<berth::v1::Filter>& filters,
    berth::v1::ListImagesResponse* images);

// HistoryJson()
//
// The GET /images/{name}/history array: Comment, Created (Unix seconds),
// CreatedBy, Id, Size, Tags (null except on the top entry).
std::string HistoryJson(const berth::v1::ImageHistoryResponse& history);

// DeleteItemsJson()
//
// The DELETE /images/{name} array: [{"Untagged":"x:1"},{"Deleted":"sha256:..."}].
std::string DeleteItemsJson(
    const google::protobuf::RepeatedPtrField<berth::v1::ImageDeleteItem>& items);

// PruneRequestFromFilters()
//
// The engine request for POST /images/prune?filters=...: "dangling" true/1
// (the default) prunes dangling images, false/0 every unused one (`all`);
// other terms pass through. InvalidArgument "invalid filter 'dangling=x'"
// for another dangling value.
absl::StatusOr<berth::v1::PruneImagesRequest> PruneRequestFromFilters(
    absl::string_view filters_json);

// PruneReportJson()
//
// {"ImagesDeleted":[...] or null,"SpaceReclaimed":N}.
std::string PruneReportJson(const berth::v1::PruneImagesResponse& response);

}  // namespace gateway

#endif  // GATEWAY_IMAGES_IMAGE_JSON_H_
