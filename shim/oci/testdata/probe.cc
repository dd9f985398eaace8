// A static helper the runtime tests copy into their busybox rootfs: it makes
// raw syscalls and prints the errno name ("EPERM", "ENOSYS") or "OK".
//   probe syscall N [ARGS...] | unshare-user | mount | clone3 | keyctl | fds | forks N | int80 N

#include <dirent.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

int Report(long rc) {
  if (rc < 0) {
    std::printf("%s\n", strerrorname_np(errno));
  } else {
    std::printf("OK\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string cmd = argv[1];
  if (cmd == "syscall" && argc >= 3) {
    long a[4] = {0, 0, 0, 0};
    for (int i = 3; i < argc && i < 7; ++i) a[i - 3] = std::strtol(argv[i], nullptr, 0);
    return Report(syscall(std::strtol(argv[2], nullptr, 10), a[0], a[1], a[2], a[3], 0));
  }
  if (cmd == "int80" && argc == 3) {
    // A 32-bit syscall through the compat entry point (audit arch i386).
    long rc = std::strtol(argv[2], nullptr, 10);
    asm volatile("int $0x80" : "+a"(rc) : "b"(0), "c"(0), "d"(0) : "memory");
    if (rc < 0 && rc > -4096) {
      errno = static_cast<int>(-rc);
      return Report(-1);
    }
    return Report(0);
  }
  if (cmd == "unshare-user") return Report(unshare(CLONE_NEWUSER));
  if (cmd == "mount") return Report(mount("none", "/tmp", "tmpfs", 0, nullptr));
  if (cmd == "clone3") return Report(syscall(SYS_clone3, nullptr, 0));
  if (cmd == "keyctl") return Report(syscall(SYS_keyctl, 0, 0, 0, 0, 0));
  if (cmd == "forks" && argc == 3) {
    // Forks children that wait forever; prints how many forks worked.
    const int n = std::atoi(argv[2]);
    int forked = 0, failed = 0;
    for (int i = 0; i < n; ++i) {
      pid_t pid = fork();
      if (pid == 0) {
        for (;;) pause();
      }
      if (pid > 0) {
        ++forked;
      } else {
        ++failed;
      }
    }
    std::printf("forked=%d failed=%d\n", forked, failed);
    std::fflush(stdout);
    for (;;) pause();
  }
  if (cmd == "fds") {
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) return Report(-1);
    const int own = dirfd(dir);
    std::string out;
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] == '.' || std::atoi(e->d_name) == own) continue;
      out += std::string(e->d_name) + " ";
    }
    closedir(dir);
    std::printf("%s\n", out.c_str());
    return 0;
  }
  return 2;
}
