// Re-executes itself from a sealed copy, then tries to open its own
// executable for writing. Prints "sealed" and the errno name of the write.

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "shim/oci/sealed_binary.h"

int main(int argc, char** argv) {
  absl::Status s = shim::oci::ReexecFromSealedCopy(argv);
  if (!s.ok()) {
    std::printf("error: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("%s\n", shim::oci::RunningFromSealedBinary() ? "sealed" : "not sealed");
  int fd = open("/proc/self/exe", O_WRONLY);
  std::printf("%s\n", fd < 0 ? strerrorname_np(errno) : "writable");
  return 0;
}
