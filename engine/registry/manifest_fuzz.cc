// Fuzz target: the manifest, index and config parsers never crash, and any
// manifest or index that parses serialises to a document that parses to the
// same serialisation.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/registry/manifest.h"

namespace reg = engine::registry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  (void)reg::ClassifyManifest("", body);
  absl::StatusOr<reg::ImageManifest> m = reg::ParseImageManifest(body);
  if (m.ok()) {
    std::string out = reg::SerializeImageManifest(*m);
    absl::StatusOr<reg::ImageManifest> again = reg::ParseImageManifest(out);
    if (!again.ok() || reg::SerializeImageManifest(*again) != out) std::abort();
  }
  absl::StatusOr<reg::Index> index = reg::ParseIndex(body);
  if (index.ok()) {
    std::string out = reg::SerializeIndex(*index);
    absl::StatusOr<reg::Index> again = reg::ParseIndex(out);
    if (!again.ok() || reg::SerializeIndex(*again) != out) std::abort();
    (void)reg::SelectPlatform(*index, reg::Platform{});
  }
  (void)reg::ParseImageConfig(body);
  return 0;
}
