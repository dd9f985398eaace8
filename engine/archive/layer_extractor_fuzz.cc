// Fuzz target: extracts arbitrary bytes as a layer into a fresh directory and
// aborts if anything appears, disappears or changes next to that directory.
// Needs root (like the extractor).

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "engine/archive/layer_extractor.h"
#include "engine/base/byte_source.h"
#include "engine/base/file_util.h"

namespace {

std::set<std::string> List(const std::string& dir) {
  std::set<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) std::abort();
  while (struct dirent* de = readdir(d)) names.insert(de->d_name);
  closedir(d);
  return names;
}

const std::string& BaseDir() {
  static const std::string* dir = [] {
    char tmpl[] = "/tmp/berth-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    auto* s = new std::string(tmpl);
    if (!base::WriteFileAtomic(*s + "/sentinel", "sentinel").ok()) std::abort();
    std::atexit([] { (void)base::RemoveAll(BaseDir()); });
    return s;
  }();
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& base_dir = BaseDir();
  const std::string root = base_dir + "/root";
  if (mkdir(root.c_str(), 0755) != 0) std::abort();
  const std::set<std::string> expected = {".", "..", "root", "sentinel"};

  base::StringSource src(absl::string_view(reinterpret_cast<const char*>(data), size));
  engine::archive::ExtractOptions options;
  options.max_total_bytes = 16 << 20;
  (void)engine::archive::ExtractLayer(&src, root, options);

  if (List(base_dir) != expected) {
    std::fprintf(stderr, "extraction created or removed entries next to the layer root\n");
    std::abort();
  }
  absl::StatusOr<std::string> sentinel = base::ReadFile(base_dir + "/sentinel");
  if (!sentinel.ok() || *sentinel != "sentinel") {
    std::fprintf(stderr, "extraction modified a file outside the layer root\n");
    std::abort();
  }
  if (!base::RemoveAll(root).ok()) std::abort();
  return 0;
}
