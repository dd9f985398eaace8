// Test helpers shared by server_test and server_signal_test.

#ifndef ENGINE_SERVER_SERVER_TEST_UTIL_H_
#define ENGINE_SERVER_SERVER_TEST_UTIL_H_

#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "absl/time/clock.h"
#include "engine/base/file_util.h"
#include "engine/server/config.h"

namespace engine {
namespace server {

// A config whose every path lives under a fresh /tmp/berth-XXXXXX.
inline DaemonConfig TempConfig(std::string* dir) {
  char tmpl[] = "/tmp/berth-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) abort();
  *dir = tmpl;
  DaemonConfig c;
  c.hosts = {"unix://" + *dir + "/run/berth.sock"};
  c.data_root = *dir + "/data";
  c.exec_root = *dir + "/exec";
  c.pidfile = *dir + "/run/berthd.pid";
  c.config_file = *dir + "/daemon.json";
  c.insecure_registries = {"127.0.0.1:5000"};
  return c;
}

inline bool WaitForPath(const std::string& path, bool present) {
  for (int i = 0; i < 1000; ++i) {
    if (base::PathExists(path) == present) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

}  // namespace server
}  // namespace engine

#endif  // ENGINE_SERVER_SERVER_TEST_UTIL_H_
