// -----------------------------------------------------------------------------
// File: api_error.h
// -----------------------------------------------------------------------------
//
// Engine errors as Docker's API reports them: the body {"message": "..."}
// and the status code the clients branch on (the docker CLI pulls and retries
// `create` on 404 "No such image", prints conflicts on 409, ...).

#ifndef GATEWAY_HTTP_API_ERROR_H_
#define GATEWAY_HTTP_API_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gateway {

// NotFound 404, InvalidArgument/OutOfRange 400, AlreadyExists and
// FailedPrecondition 409, Unauthenticated 401, PermissionDenied 403,
// Unimplemented 501, Unavailable 503, everything else 500.
int HttpStatusFor(const absl::Status& status);

// {"message":"<status.message()>"}, JSON-escaped.
std::string ErrorJson(absl::string_view message);

// The reason phrase for an HTTP status ("Not Found").
absl::string_view ReasonPhrase(int status);

}  // namespace gateway

#endif  // GATEWAY_HTTP_API_ERROR_H_
