// Fuzz target: any input either fails to parse or yields a reference whose
// String() parses back to the same reference.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/registry/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<engine::registry::Reference> ref = engine::registry::ParseReference(text);
  if (!ref.ok()) return 0;
  if (ref->domain.empty() || ref->path.empty()) std::abort();
  absl::StatusOr<engine::registry::Reference> again =
      engine::registry::ParseReference(ref->String());
  if (!again.ok() || !(*again == *ref) || again->String() != ref->String()) std::abort();
  absl::StatusOr<engine::registry::Reference> familiar =
      engine::registry::ParseReference(ref->Familiar());
  if (!familiar.ok() || !(*familiar == *ref)) std::abort();
  return 0;
}
