// -----------------------------------------------------------------------------
// File: curl_library.h
// -----------------------------------------------------------------------------
//
// libcurl, loaded when the engine talks to a registry and unloaded when it
// stops (base::SharedLoader). Debian's libcurl pulls in some thirty
// libraries (GnuTLS, Kerberos, LDAP, libssh2, ...) whose start-up code and
// pages otherwise stay in berthd for its whole life after a single pull:
// about 4 MB of its resident memory.
//
// Thread-safe.

#ifndef ENGINE_REGISTRY_CURL_LIBRARY_H_
#define ENGINE_REGISTRY_CURL_LIBRARY_H_

#include <curl/curl.h>

#include <memory>

#include "absl/status/statusor.h"
#include "engine/base/shared_library.h"

namespace engine {
namespace registry {

// The libcurl entry points the engine uses, under their own names.
#define BERTH_CURL_FUNCTIONS(X)                                                        \
  X(curl_easy_init) X(curl_easy_reset) X(curl_easy_cleanup) X(curl_easy_setopt)         \
  X(curl_easy_perform) X(curl_easy_getinfo) X(curl_easy_strerror) X(curl_slist_append) \
  X(curl_slist_free_all)

struct CurlApi {
#define BERTH_CURL_MEMBER(name) decltype(&::name) name = nullptr;
  BERTH_CURL_FUNCTIONS(BERTH_CURL_MEMBER)
#undef BERTH_CURL_MEMBER

  ~CurlApi();  // curl_global_cleanup(), then the library is closed
  std::unique_ptr<base::DlLibrary> library;
  decltype(&::curl_global_cleanup) global_cleanup = nullptr;
};

// AcquireCurl()
//
// libcurl's entry points, loading libcurl.so.4 and running
// curl_global_init() if it is not loaded. It stays loaded while any returned
// pointer lives; every CURL handle must be cleaned up before the last one is
// dropped. FailedPrecondition naming the library when it cannot be loaded or
// lacks an entry point.
absl::StatusOr<std::shared_ptr<const CurlApi>> AcquireCurl();

// Whether libcurl is loaded now (for tests).
bool CurlLoaded();

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_CURL_LIBRARY_H_
