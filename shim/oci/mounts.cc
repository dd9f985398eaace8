#include "shim/oci/mounts.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"

namespace shim::oci {
namespace {

std::string FdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

absl::Status MountAt(const char* source, int target_fd, const char* type,
                     unsigned long flags, const std::string& data,
                     absl::string_view what) {
  std::string target = FdPath(target_fd);
  if (mount(source, target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) != 0) {
    return base::ErrnoError(errno, absl::StrCat("mount ", what));
  }
  return absl::OkStatus();
}

// Mounts `m` on the already resolved `target`.
absl::Status MountOne(int root_fd, const MountSpec& m, base::UniqueFd target,
                      const MountContext& ctx) {
  const std::string what = absl::StrCat(m.type, " on ", m.destination);
  constexpr unsigned long kPerMount = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
                                      MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
                                      MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC |
                                      MS_MANDLOCK;
  if (m.bind) {
    RETURN_IF_ERROR(MountAt(m.source.c_str(), target.get(), nullptr,
                            MS_BIND | (m.flags & MS_REC), "", what));
    unsigned long flags = m.flags & kPerMount;
    if (flags != 0 || m.recursive_ro || m.propagation != 0) {
      ASSIGN_OR_RETURN(target, OpenInRoot(root_fd, m.destination, O_PATH));
    }
    if (flags != 0) {
      RETURN_IF_ERROR(MountAt(nullptr, target.get(), nullptr,
                              MS_BIND | MS_REMOUNT | flags, "", what));
    }
    if (m.recursive_ro) {
      mount_attr attr{};
      attr.attr_set = MOUNT_ATTR_RDONLY;
      if (syscall(SYS_mount_setattr, target.get(), "", AT_EMPTY_PATH | AT_RECURSIVE,
                  &attr, sizeof(attr)) != 0) {
        return base::ErrnoError(errno, absl::StrCat("make ", m.destination,
                                                    " recursively read-only"));
      }
    }
  } else if (m.type == "cgroup" || m.type == "cgroup2") {
    // The container sees its own cgroup directories, read-only unless asked.
    const unsigned long ro = m.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    if (ctx.cgroup_dirs.size() == 1 && ctx.cgroup_dirs[0].first.empty()) {
      RETURN_IF_ERROR(MountAt(ctx.cgroup_dirs[0].second.c_str(), target.get(), nullptr,
                              MS_BIND, "", what));
      ASSIGN_OR_RETURN(target, OpenInRoot(root_fd, m.destination, O_PATH));
      RETURN_IF_ERROR(
          MountAt(nullptr, target.get(), nullptr, MS_BIND | MS_REMOUNT | ro, "", what));
    } else {
      RETURN_IF_ERROR(MountAt("cgroup", target.get(), "tmpfs",
                              MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", what));
      ASSIGN_OR_RETURN(target, OpenInRoot(root_fd, m.destination, O_PATH | O_DIRECTORY));
      for (const auto& [name, dir] : ctx.cgroup_dirs) {
        if (mkdirat(target.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
          return base::ErrnoError(errno, absl::StrCat("mkdir ", m.destination, "/", name));
        }
        ASSIGN_OR_RETURN(base::UniqueFd sub,
                         OpenInRoot(root_fd, absl::StrCat(m.destination, "/", name),
                                    O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS));
        RETURN_IF_ERROR(MountAt(dir.c_str(), sub.get(), nullptr, MS_BIND, "", what));
        ASSIGN_OR_RETURN(sub, OpenInRoot(root_fd, absl::StrCat(m.destination, "/", name),
                                         O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS));
        RETURN_IF_ERROR(
            MountAt(nullptr, sub.get(), nullptr, MS_BIND | MS_REMOUNT | ro, "", what));
      }
      if (ro & MS_RDONLY) {
        RETURN_IF_ERROR(MountAt(nullptr, target.get(), nullptr,
                                MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                "mode=755", what));
      }
    }
  } else {
    const char* source = m.source.empty() ? m.type.c_str() : m.source.c_str();
    RETURN_IF_ERROR(
        MountAt(source, target.get(), m.type.c_str(), m.flags & kPerMount, m.data, what));
    if (m.propagation != 0) {
      ASSIGN_OR_RETURN(target, OpenInRoot(root_fd, m.destination, O_PATH));
    }
  }
  if (m.propagation != 0) {
    RETURN_IF_ERROR(MountAt(nullptr, target.get(), nullptr, m.propagation, "", what));
  }
  return absl::OkStatus();
}

absl::Status MountSpecMount(int root_fd, const MountSpec& m, const MountContext& ctx) {
  const bool special = m.type == "proc" || m.type == "sysfs";
  bool file = false;
  if (m.bind) {
    struct stat st;
    if (stat(m.source.c_str(), &st) != 0) {
      return base::ErrnoError(errno, absl::StrCat("stat bind source ", m.source));
    }
    file = !S_ISDIR(st.st_mode);
  }
  auto target = OpenInRoot(root_fd, m.destination, O_PATH,
                           special ? RESOLVE_NO_SYMLINKS : 0);
  if (!target.ok() && absl::IsNotFound(target.status())) {
    target = CreateInRoot(root_fd, m.destination, file);
  }
  if (!target.ok()) {
    if (special && absl::StrContains(target.status().message(), "Too many levels")) {
      return absl::InvalidArgumentError(
          absl::StrCat("mount ", m.type, " on ", m.destination,
                       ": the destination is a symlink in the image; refused"));
    }
    return base::Annotate(target.status(), absl::StrCat("mount ", m.destination));
  }
  if (special) {
    struct stat st;
    if (fstat(target->get(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "mount ", m.type, " on ", m.destination, ": the destination is not a directory"));
    }
  }
  return MountOne(root_fd, m, *std::move(target), ctx);
}

absl::Status CreateDevices(int root_fd, const Spec& spec) {
  ASSIGN_OR_RETURN(base::UniqueFd dev, OpenInRoot(root_fd, "/dev", O_PATH | O_DIRECTORY,
                                                  RESOLVE_NO_SYMLINKS));
  struct Node {
    const char* name;
    int major, minor;
  };
  static const Node kNodes[] = {{"null", 1, 3},    {"zero", 1, 5}, {"full", 1, 7},
                                {"random", 1, 8},  {"urandom", 1, 9}, {"tty", 5, 0}};
  for (const Node& n : kNodes) {
    if (mknodat(dev.get(), n.name, S_IFCHR | 0666, makedev(n.major, n.minor)) != 0 &&
        errno != EEXIST) {
      return base::ErrnoError(errno, absl::StrCat("mknod /dev/", n.name));
    }
    // mknod applied the umask; the nodes are 0666 as in Docker.
    if (fchmodat(dev.get(), n.name, 0666, 0) != 0) {
      return base::ErrnoError(errno, absl::StrCat("chmod /dev/", n.name));
    }
  }
  for (const DeviceNode& d : spec.devices) {
    std::string parent = d.path.substr(0, d.path.rfind('/'));
    std::string name = d.path.substr(d.path.rfind('/') + 1);
    auto dir = OpenInRoot(root_fd, parent, O_PATH | O_DIRECTORY);
    if (!dir.ok() && absl::IsNotFound(dir.status())) dir = CreateInRoot(root_fd, parent, false);
    if (!dir.ok()) return dir.status();
    mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
    if (mknodat(dir->get(), name.c_str(), type | d.mode,
                makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor))) != 0 &&
        errno != EEXIST) {
      return base::ErrnoError(errno, absl::StrCat("mknod ", d.path));
    }
    if (fchownat(dir->get(), name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) != 0) {
      return base::ErrnoError(errno, absl::StrCat("chown ", d.path));
    }
  }
  static const std::pair<const char*, const char*> kLinks[] = {
      {"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"},
      {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
      {"pts/ptmx", "ptmx"}};
  for (const auto& [target, name] : kLinks) {
    if (symlinkat(target, dev.get(), name) != 0 && errno != EEXIST) {
      return base::ErrnoError(errno, absl::StrCat("symlink /dev/", name));
    }
  }
  return absl::OkStatus();
}

absl::Status PivotRoot(int root_fd) {
  if (fchdir(root_fd) != 0) return base::ErrnoError(errno, "chdir to the rootfs");
  if (syscall(SYS_pivot_root, ".", ".") != 0) return base::ErrnoError(errno, "pivot_root");
  // The old root is now stacked on "."; keep its unmount from propagating
  // to the host, then detach it.
  if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
    return base::ErrnoError(errno, "make the old root a slave");
  }
  if (umount2(".", MNT_DETACH) != 0) return base::ErrnoError(errno, "unmount the old root");
  if (chdir("/") != 0) return base::ErrnoError(errno, "chdir /");
  return absl::OkStatus();
}

absl::Status MaskPaths(int root_fd, const Spec& spec, int devnull_fd) {
  for (const std::string& path : spec.masked_paths) {
    auto fd = OpenInRoot(root_fd, path, O_PATH | O_NOFOLLOW);
    if (!fd.ok()) {
      if (absl::IsNotFound(fd.status())) continue;
      return base::Annotate(fd.status(), absl::StrCat("mask ", path));
    }
    struct stat st;
    if (fstat(fd->get(), &st) != 0) return base::ErrnoError(errno, absl::StrCat("stat ", path));
    if (S_ISDIR(st.st_mode)) {
      RETURN_IF_ERROR(MountAt("tmpfs", fd->get(), "tmpfs",
                              MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0",
                              absl::StrCat("tmpfs mask on ", path)));
    } else {
      const std::string source = FdPath(devnull_fd);
      RETURN_IF_ERROR(MountAt(source.c_str(), fd->get(), nullptr, MS_BIND, "",
                              absl::StrCat("/dev/null mask on ", path)));
    }
  }
  for (const std::string& path : spec.readonly_paths) {
    auto fd = OpenInRoot(root_fd, path, O_PATH | O_NOFOLLOW);
    if (!fd.ok()) {
      if (absl::IsNotFound(fd.status())) continue;
      return base::Annotate(fd.status(), absl::StrCat("read-only ", path));
    }
    const std::string self = FdPath(fd->get());
    RETURN_IF_ERROR(MountAt(self.c_str(), fd->get(), nullptr, MS_BIND | MS_REC, "",
                            absl::StrCat("bind ", path)));
    ASSIGN_OR_RETURN(base::UniqueFd again, OpenInRoot(root_fd, path, O_PATH | O_NOFOLLOW));
    RETURN_IF_ERROR(MountAt(nullptr, again.get(), nullptr,
                            MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            "", absl::StrCat("read-only remount of ", path)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<base::UniqueFd> OpenInRoot(int root_fd, absl::string_view path, int flags,
                                          uint64_t extra_resolve) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve;
  std::string p(path);
  if (p.empty()) p = "/";
  int fd;
  do {
    fd = static_cast<int>(syscall(SYS_openat2, root_fd, p.c_str(), &how, sizeof(how)));
  } while (fd < 0 && errno == EAGAIN);
  if (fd < 0) return base::ErrnoError(errno, absl::StrCat("open ", p, " in the rootfs"));
  return base::UniqueFd(fd);
}

absl::StatusOr<base::UniqueFd> CreateInRoot(int root_fd, absl::string_view path, bool file) {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  std::string prefix = "/";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "..") {
      return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" holds \"..\""));
    }
    std::string next = absl::StrCat(prefix, prefix == "/" ? "" : "/", parts[i]);
    auto fd = OpenInRoot(root_fd, next, O_PATH);
    if (fd.ok()) {
      prefix = next;
      continue;
    }
    if (!absl::IsNotFound(fd.status())) return fd.status();
    ASSIGN_OR_RETURN(base::UniqueFd parent, OpenInRoot(root_fd, prefix, O_PATH | O_DIRECTORY));
    const std::string name(parts[i]);
    if (file && i + 1 == parts.size()) {
      int f = openat(parent.get(), name.c_str(),
                     O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (f < 0 && errno != EEXIST) {
        return base::ErrnoError(errno, absl::StrCat("create ", next, " in the rootfs"));
      }
      if (f >= 0) close(f);
    } else if (mkdirat(parent.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
      return base::ErrnoError(errno, absl::StrCat("mkdir ", next, " in the rootfs"));
    }
    prefix = next;
  }
  return OpenInRoot(root_fd, path, O_PATH);
}

absl::StatusOr<base::UniqueFd> OpenVerifiedDevNull() {
  base::UniqueFd fd(open("/dev/null", O_PATH | O_CLOEXEC));
  if (!fd.valid()) return base::ErrnoError(errno, "open /dev/null");
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return base::ErrnoError(errno, "stat /dev/null");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3) {
    return absl::FailedPreconditionError("/dev/null on the host is not the null device");
  }
  return fd;
}

absl::Status SetupRootfs(const Spec& spec, const MountContext& ctx) {
  unsigned long propagation = MS_SLAVE | MS_REC;
  if (spec.rootfs_propagation == "private" || spec.rootfs_propagation == "rprivate") {
    propagation = MS_PRIVATE | MS_REC;
  }
  if (mount(nullptr, "/", nullptr, propagation, nullptr) != 0) {
    return base::ErrnoError(errno, "make / a slave mount");
  }
  if (mount(spec.root_path.c_str(), spec.root_path.c_str(), nullptr, MS_BIND | MS_REC,
            nullptr) != 0) {
    return base::ErrnoError(errno, absl::StrCat("bind the rootfs ", spec.root_path));
  }
  // The mask source is opened here, in the new mount namespace (a bind
  // source must be a mount of the caller's namespace), before anything of
  // the container is mounted or pivoted into.
  ASSIGN_OR_RETURN(base::UniqueFd devnull, OpenVerifiedDevNull());
  base::UniqueFd root(open(spec.root_path.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!root.valid()) return base::ErrnoError(errno, absl::StrCat("open ", spec.root_path));
  bool dev_tmpfs = false;
  for (const MountSpec& m : spec.mounts) {
    RETURN_IF_ERROR(MountSpecMount(root.get(), m, ctx));
    if (m.destination == "/dev" && m.type == "tmpfs") dev_tmpfs = true;
  }
  if (dev_tmpfs) RETURN_IF_ERROR(CreateDevices(root.get(), spec));
  // Before pivot_root: the host's /dev/null must still be in this mount
  // namespace to be a bind source.
  RETURN_IF_ERROR(MaskPaths(root.get(), spec, devnull.get()));
  RETURN_IF_ERROR(PivotRoot(root.get()));
  if (spec.root_readonly) {
    if (mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      return base::ErrnoError(errno, "remount / read-only");
    }
  }
  if (spec.rootfs_propagation == "shared" || spec.rootfs_propagation == "rshared") {
    mount(nullptr, "/", nullptr, MS_SHARED | MS_REC, nullptr);
  }
  return absl::OkStatus();
}

}  // namespace shim::oci
