// -----------------------------------------------------------------------------
// File: registry_auth.h
// -----------------------------------------------------------------------------
//
// Docker's AuthConfig, the JSON credentials clients send with a pull or push
// (header X-Registry-Auth: base64url of the JSON) and with a login (the body
// of POST /auth):
//
//   {"username":"alice","password":"secret","serveraddress":"h:5000",
//    "auth":"<base64 user:password>","identitytoken":"...","email":"..."}
//
// Keys are matched without regard to case, as Go's encoding/json does.
//
// Thread-safe: all functions are pure.

#ifndef GATEWAY_IMAGES_REGISTRY_AUTH_H_
#define GATEWAY_IMAGES_REGISTRY_AUTH_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/berth/v1/types.pb.h"
#include "rapidjson/document.h"

namespace gateway {

// AuthFromJson()
//
// The credentials of an AuthConfig object. "auth" (base64 "user:password")
// fills username and password when they are absent. InvalidArgument when
// `value` is not an object or a field has the wrong type.
absl::StatusOr<berth::v1::RegistryAuth> AuthFromJson(const rapidjson::Value& value);

// DecodeAuthHeader()
//
// The credentials of an X-Registry-Auth header value. Like dockerd it is
// lenient: the URL-safe or standard base64 alphabet, padded or not; an
// empty, undecodable or "{}" value gives anonymous (empty) credentials.
berth::v1::RegistryAuth DecodeAuthHeader(absl::string_view header);

}  // namespace gateway

#endif  // GATEWAY_IMAGES_REGISTRY_AUTH_H_
