#include "engine/base/shared_library.h"

#include <dlfcn.h>

#include "absl/strings/str_cat.h"

namespace base {

absl::StatusOr<std::unique_ptr<DlLibrary>> DlLibrary::Open(const std::string& soname) {
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return absl::FailedPreconditionError(
        absl::StrCat("load ", soname, ": ", err != nullptr ? err : "unknown error"));
  }
  return std::unique_ptr<DlLibrary>(new DlLibrary(soname, handle));
}

DlLibrary::~DlLibrary() { dlclose(handle_); }

void* DlLibrary::Symbol(const char* name) const { return dlsym(handle_, name); }

absl::Status DlLibrary::Missing(const char* name) const {
  return absl::FailedPreconditionError(absl::StrCat(soname_, " has no ", name));
}

}  // namespace base
