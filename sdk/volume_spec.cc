#include "sdk/volume_spec.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sdk {
namespace {

bool IsPropagation(absl::string_view m) {
  return m == "private" || m == "rprivate" || m == "shared" || m == "rshared" ||
         m == "slave" || m == "rslave";
}

absl::Status InvalidSpec(absl::string_view spec, absl::string_view why = "") {
  return absl::InvalidArgumentError(absl::StrCat("invalid volume specification: '", spec,
                                                 "'", why.empty() ? "" : ": ", why));
}

bool IsMode(absl::string_view opt) {
  return opt == "ro" || opt == "rw" || opt == "consistent" || opt == "cached" ||
         opt == "delegated" || opt == "z" || opt == "Z" || opt == "nocopy" ||
         IsPropagation(opt);
}

// "ro", "rw,rshared", ...: every comma-separated part a known option.
bool IsModeList(absl::string_view mode) {
  if (mode.empty()) return false;
  for (absl::string_view opt : absl::StrSplit(mode, ',')) {
    if (!IsMode(opt)) return false;
  }
  return true;
}

}  // namespace

bool ValidVolumeName(absl::string_view name) {
  if (name.size() < 2 || !absl::ascii_isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<berth::v1::Mount> ParseVolumeSpec(absl::string_view spec) {
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  berth::v1::Mount m;
  std::string mode;
  if (parts.size() == 1) {
    m.set_type("volume");
    m.set_target(parts[0]);
  } else if (parts.size() == 2 && IsModeList(parts[1])) {
    // "/ctr:ro": an anonymous volume with options.
    m.set_type("volume");
    m.set_target(parts[0]);
    mode = parts[1];
  } else if (parts.size() == 2 || parts.size() == 3) {
    m.set_source(parts[0]);
    m.set_target(parts[1]);
    if (parts.size() == 3) mode = parts[2];
    if (absl::StartsWith(parts[0], "/")) {
      m.set_type("bind");
    } else if (ValidVolumeName(parts[0])) {
      m.set_type("volume");
    } else {
      return InvalidSpec(spec, absl::StrCat(
          "\"", parts[0], "\" includes invalid characters for a local volume name, only "
          "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
          "directory, use absolute path"));
    }
  } else {
    return InvalidSpec(spec);
  }
  if (m.target().empty() || m.target()[0] != '/') {
    return InvalidSpec(spec, absl::StrCat("invalid mount config for type \"", m.type(),
                                          "\": invalid mount path: '", m.target(),
                                          "' mount path must be absolute"));
  }
  if (m.target() == "/") {
    return InvalidSpec(spec, "invalid mount config: destination can't be '/'");
  }
  if (!mode.empty()) {
    for (absl::string_view opt : absl::StrSplit(mode, ',')) {
      if (opt == "ro") {
        m.set_read_only(true);
      } else if (opt == "rw" || opt == "consistent" || opt == "cached" ||
                 opt == "delegated") {
        m.set_read_only(false);
      } else if (opt == "z" || opt == "Z" || opt == "nocopy" || IsPropagation(opt)) {
        m.add_options(std::string(opt));
      } else {
        return absl::InvalidArgumentError(absl::StrCat("invalid mode: ", mode));
      }
    }
  }
  return m;
}

}  // namespace sdk
