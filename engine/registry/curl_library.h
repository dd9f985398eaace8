// -----------------------------------------------------------------------------
// File: curl_library.h
// -----------------------------------------------------------------------------
//
// libcurl, loaded when the engine talks to a registry and unloaded when it
// stops. Debian's libcurl pulls in some thirty libraries (GnuTLS, Kerberos,
// LDAP, libssh2, ...) whose start-up code and pages stayed in berthd for its
// whole life after a single pull: about 4 MB of its resident memory. Loading
// it with dlopen() on first use and closing it when no one needs it keeps an
// idle daemon lean.
//
// Thread-safe.

#ifndef ENGINE_REGISTRY_CURL_LIBRARY_H_
#define ENGINE_REGISTRY_CURL_LIBRARY_H_

#include <curl/curl.h>

#include <memory>

#include "absl/status/statusor.h"

namespace engine {
namespace registry {

// libcurl's entry points that the engine uses.
struct CurlApi {
  CURL* (*easy_init)();
  void (*easy_reset)(CURL*);
  void (*easy_cleanup)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

// AcquireCurl()
//
// Returns libcurl's entry points, loading libcurl.so.4 and running
// curl_global_init() if it is not loaded. It stays loaded while any returned
// pointer lives; when the last one is dropped, curl_global_cleanup() runs and
// the library is closed. Every CURL handle must be cleaned up before then.
// FailedPrecondition naming the library when it cannot be loaded or lacks an
// entry point.
absl::StatusOr<std::shared_ptr<const CurlApi>> AcquireCurl();

// Whether libcurl is loaded now (for tests).
bool CurlLoaded();

}  // namespace registry
}  // namespace engine

#endif  // ENGINE_REGISTRY_CURL_LIBRARY_H_
