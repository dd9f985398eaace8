#include "engine/registry/curl_library.h"

#include <dlfcn.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace engine {
namespace registry {
namespace {

constexpr char kLibrary[] = "libcurl.so.4";

struct Loaded {
  void* handle = nullptr;
  CurlApi api;
  void (*global_cleanup)() = nullptr;
};

absl::Mutex mu(absl::kConstInit);
std::weak_ptr<const CurlApi>* current ABSL_GUARDED_BY(mu) = nullptr;

template <typename Fn>
bool Resolve(void* handle, const char* name, Fn* out, std::string* missing) {
  *out = reinterpret_cast<Fn>(dlsym(handle, name));
  if (*out == nullptr && missing->empty()) *missing = name;
  return *out != nullptr;
}

absl::StatusOr<Loaded*> Load() {
  void* handle = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return absl::FailedPreconditionError(
        absl::StrCat("load ", kLibrary, ": ", err != nullptr ? err : "unknown error"));
  }
  auto loaded = std::make_unique<Loaded>();
  loaded->handle = handle;
  CurlApi& a = loaded->api;
  CURLcode (*global_init)(long) = nullptr;
  std::string missing;
  Resolve(handle, "curl_global_init", &global_init, &missing);
  Resolve(handle, "curl_global_cleanup", &loaded->global_cleanup, &missing);
  Resolve(handle, "curl_easy_init", &a.easy_init, &missing);
  Resolve(handle, "curl_easy_reset", &a.easy_reset, &missing);
  Resolve(handle, "curl_easy_cleanup", &a.easy_cleanup, &missing);
  Resolve(handle, "curl_easy_setopt", &a.easy_setopt, &missing);
  Resolve(handle, "curl_easy_perform", &a.easy_perform, &missing);
  Resolve(handle, "curl_easy_getinfo", &a.easy_getinfo, &missing);
  Resolve(handle, "curl_easy_strerror", &a.easy_strerror, &missing);
  Resolve(handle, "curl_slist_append", &a.slist_append, &missing);
  Resolve(handle, "curl_slist_free_all", &a.slist_free_all, &missing);
  if (!missing.empty()) {
    dlclose(handle);
    return absl::FailedPreconditionError(absl::StrCat(kLibrary, " has no ", missing));
  }
  if (CURLcode rc = global_init(CURL_GLOBAL_ALL); rc != CURLE_OK) {
    dlclose(handle);
    return absl::FailedPreconditionError(absl::StrCat("curl_global_init: error ", rc));
  }
  return loaded.release();
}

void Unload(Loaded* loaded) {
  absl::MutexLock lock(&mu);
  loaded->global_cleanup();
  dlclose(loaded->handle);
  delete loaded;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CurlApi>> AcquireCurl() {
  absl::MutexLock lock(&mu);
  if (current == nullptr) current = new std::weak_ptr<const CurlApi>();
  if (std::shared_ptr<const CurlApi> api = current->lock()) return api;
  absl::StatusOr<Loaded*> loaded = Load();
  if (!loaded.ok()) return loaded.status();
  Loaded* l = *loaded;
  // The deleter runs when the last user lets go; it takes `mu` itself, so a
  // concurrent AcquireCurl() either sees this instance alive or loads anew
  // (dlopen and curl_global_init count their users).
  std::shared_ptr<const CurlApi> api(&l->api, [l](const CurlApi*) { Unload(l); });
  *current = api;
  return api;
}

bool CurlLoaded() {
  absl::MutexLock lock(&mu);
  return current != nullptr && !current->expired();
}

}  // namespace registry
}  // namespace engine
