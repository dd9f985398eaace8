// ParseMountOptions (spec.h): OCI mount options to mount(2) flags.

#include <sys/mount.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "shim/oci/spec.h"

namespace shim::oci {

void ParseMountOptions(const std::vector<std::string>& options, MountSpec* m) {
  struct Flag {
    const char* name;
    bool clear;
    unsigned long flag;
  };
  static const Flag kFlags[] = {
      {"ro", false, MS_RDONLY},        {"rw", true, MS_RDONLY},
      {"nosuid", false, MS_NOSUID},    {"suid", true, MS_NOSUID},
      {"nodev", false, MS_NODEV},      {"dev", true, MS_NODEV},
      {"noexec", false, MS_NOEXEC},    {"exec", true, MS_NOEXEC},
      {"sync", false, MS_SYNCHRONOUS}, {"async", true, MS_SYNCHRONOUS},
      {"dirsync", false, MS_DIRSYNC},  {"remount", false, MS_REMOUNT},
      {"mand", false, MS_MANDLOCK},    {"nomand", true, MS_MANDLOCK},
      {"atime", true, MS_NOATIME},     {"noatime", false, MS_NOATIME},
      {"diratime", true, MS_NODIRATIME}, {"nodiratime", false, MS_NODIRATIME},
      {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME},
      {"strictatime", false, MS_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME},
  };
  static const std::pair<const char*, unsigned long> kPropagation[] = {
      {"private", MS_PRIVATE},   {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},     {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},       {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  std::vector<std::string> data;
  for (const std::string& o : options) {
    bool known = false;
    if (o == "bind" || o == "rbind") {
      m->bind = true;
      if (o == "rbind") m->flags |= MS_REC;
      continue;
    }
    if (o == "rro") {
      m->recursive_ro = true;
      m->flags |= MS_RDONLY;
      continue;
    }
    for (const Flag& f : kFlags) {
      if (o == f.name) {
        if (f.clear) {
          m->flags &= ~f.flag;
          m->clear_flags |= f.flag;
        } else {
          m->flags |= f.flag;
          m->clear_flags &= ~f.flag;
        }
        known = true;
      }
    }
    for (const auto& [name, flag] : kPropagation) {
      if (o == name) {
        m->propagation = flag;
        known = true;
      }
    }
    if (!known) data.push_back(o);
  }
  m->data = absl::StrJoin(data, ",");
}

}  // namespace shim::oci
