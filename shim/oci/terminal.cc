#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "engine/base/status.h"
#include "shim/oci/process_setup.h"

namespace shim::oci {

absl::StatusOr<base::UniqueFd> OpenPtyMaster() {
  base::UniqueFd master(open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master.valid()) return base::ErrnoError(errno, "open /dev/pts/ptmx");
  int unlock = 0;
  if (ioctl(master.get(), TIOCSPTLCK, &unlock) != 0) {
    return base::ErrnoError(errno, "unlock the pty");
  }
  return master;
}

absl::Status AttachPtySlave(int master) {
  base::UniqueFd slave(ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave.valid()) return base::ErrnoError(errno, "open the pty slave");
  if (ioctl(slave.get(), TIOCSCTTY, 0) != 0) {
    return base::ErrnoError(errno, "make the pty the controlling terminal");
  }
  for (int fd = 0; fd < 3; ++fd) {
    if (dup2(slave.get(), fd) < 0) return base::ErrnoError(errno, "dup2 the pty slave");
  }
  return absl::OkStatus();
}

absl::Status BindConsole() {
  struct stat st;
  if (fstat(0, &st) != 0) return base::ErrnoError(errno, "stat the pty slave");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) < 136 || major(st.st_rdev) > 143) {
    return absl::FailedPreconditionError("stdin is not a pty slave");
  }
  base::UniqueFd dev(open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dev.valid()) return base::ErrnoError(errno, "open /dev");
  base::UniqueFd console(
      openat(dev.get(), "console", O_CREAT | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!console.valid()) return base::ErrnoError(errno, "create /dev/console");
  const std::string target = "/proc/self/fd/" + std::to_string(console.get());
  if (mount("/proc/self/fd/0", target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return base::ErrnoError(errno, "bind the pty onto /dev/console");
  }
  return absl::OkStatus();
}

absl::Status SendFd(int sock, char tag, int fd) {
  char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{&tag, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  ssize_t n;
  do {
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != 1) return base::ErrnoError(errno, "send a descriptor");
  return absl::OkStatus();
}

}  // namespace shim::oci
