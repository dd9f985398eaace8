#include "engine/registry/curl_library.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"

namespace engine {
namespace registry {
namespace {

absl::StatusOr<std::unique_ptr<CurlApi>> Load() {
  auto api = std::make_unique<CurlApi>();
  ASSIGN_OR_RETURN(api->library, base::DlLibrary::Open("libcurl.so.4"));
#define BERTH_CURL_RESOLVE(name) RETURN_IF_ERROR(api->library->Resolve(#name, &api->name));
  BERTH_CURL_FUNCTIONS(BERTH_CURL_RESOLVE)
#undef BERTH_CURL_RESOLVE
  decltype(&::curl_global_init) global_init = nullptr;
  RETURN_IF_ERROR(api->library->Resolve("curl_global_init", &global_init));
  decltype(&::curl_global_cleanup) global_cleanup = nullptr;
  RETURN_IF_ERROR(api->library->Resolve("curl_global_cleanup", &global_cleanup));
  if (CURLcode rc = global_init(CURL_GLOBAL_ALL); rc != CURLE_OK) {
    return absl::FailedPreconditionError(absl::StrCat("curl_global_init: error ", rc));
  }
  api->global_cleanup = global_cleanup;
  return api;
}

base::SharedLoader<CurlApi>& Loader() {
  static auto* loader = new base::SharedLoader<CurlApi>(Load);
  return *loader;
}

}  // namespace

CurlApi::~CurlApi() {
  if (global_cleanup != nullptr) global_cleanup();
}

absl::StatusOr<std::shared_ptr<const CurlApi>> AcquireCurl() { return Loader().Acquire(); }

bool CurlLoaded() { return Loader().loaded(); }

}  // namespace registry
}  // namespace engine
