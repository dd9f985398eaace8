// -----------------------------------------------------------------------------
// File: shared_library.h
// -----------------------------------------------------------------------------
//
// Shared libraries that berthd loads only while it needs them. Debian's
// libcurl and libarchive bring long dependency chains (TLS stacks, Kerberos,
// LDAP, libxml2, ICU) whose pages stay resident for the life of a daemon
// that links them, although it uses them only during pulls. DlLibrary wraps
// dlopen/dlsym/dlclose; SharedLoader keeps one loaded instance of an API
// struct while anyone holds it and destroys it (closing the library) when
// the last holder lets go.
//
// Thread-safety: DlLibrary is thread-compatible; SharedLoader is
// thread-safe.

#ifndef ENGINE_BASE_SHARED_LIBRARY_H_
#define ENGINE_BASE_SHARED_LIBRARY_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace base {

class DlLibrary {
 public:
  // dlopen(soname, RTLD_NOW | RTLD_LOCAL). FailedPrecondition with dlerror()'s
  // text when it cannot be loaded.
  static absl::StatusOr<std::unique_ptr<DlLibrary>> Open(const std::string& soname);
  ~DlLibrary();  // dlclose
  DlLibrary(const DlLibrary&) = delete;
  DlLibrary& operator=(const DlLibrary&) = delete;

  // Sets `*fn` to the symbol `name`. FailedPrecondition "<soname> has no
  // <name>" when missing.
  template <typename Fn>
  absl::Status Resolve(const char* name, Fn* fn) const {
    void* sym = Symbol(name);
    if (sym == nullptr) return Missing(name);
    *fn = reinterpret_cast<Fn>(sym);
    return absl::OkStatus();
  }

 private:
  DlLibrary(std::string soname, void* handle) : soname_(std::move(soname)), handle_(handle) {}
  void* Symbol(const char* name) const;
  absl::Status Missing(const char* name) const;

  std::string soname_;
  void* handle_;
};

// One shared instance of T, created by `load` on the first Acquire() and
// destroyed when the last returned pointer is dropped.
template <typename T>
class SharedLoader {
 public:
  using LoadFn = std::function<absl::StatusOr<std::unique_ptr<T>>()>;
  explicit SharedLoader(LoadFn load) : load_(std::move(load)) {}
  SharedLoader(const SharedLoader&) = delete;
  SharedLoader& operator=(const SharedLoader&) = delete;

  absl::StatusOr<std::shared_ptr<const T>> Acquire() {
    absl::MutexLock lock(&mu_);
    if (std::shared_ptr<const T> alive = current_.lock()) return alive;
    absl::StatusOr<std::unique_ptr<T>> loaded = load_();
    if (!loaded.ok()) return loaded.status();
    // The deleter takes `mu_`, so unloading and a new load never overlap.
    std::shared_ptr<const T> instance(loaded->release(), [this](const T* t) {
      absl::MutexLock unload_lock(&mu_);
      delete t;
    });
    current_ = instance;
    return instance;
  }

  bool loaded() const {
    absl::MutexLock lock(&mu_);
    return !current_.expired();
  }

 private:
  const LoadFn load_;
  mutable absl::Mutex mu_;
  std::weak_ptr<const T> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace base

#endif  // ENGINE_BASE_SHARED_LIBRARY_H_
