#include "engine/runtime/detach_keys.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace engine::runtime {

absl::StatusOr<std::string> ParseDetachKeys(absl::string_view spec) {
  if (spec.empty()) return std::string("\x10\x11");
  if (spec == "none") return std::string();
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat("Invalid detach keys (", spec, ") provided"));
  };
  std::string out;
  for (absl::string_view key : absl::StrSplit(spec, ',')) {
    if (key.size() == 1) {
      out.push_back(key[0]);
      continue;
    }
    std::string lower = absl::AsciiStrToLower(key);
    absl::string_view k = lower;
    if (!absl::ConsumePrefix(&k, "ctrl-") || k.size() != 1) return bad();
    char c = k[0];
    if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 1));
    } else if (c == '@') {
      out.push_back('\0');
    } else if (c == '[') {
      out.push_back('\x1b');
    } else if (c == '\\') {
      out.push_back('\x1c');
    } else if (c == ']') {
      out.push_back('\x1d');
    } else if (c == '^') {
      out.push_back('\x1e');
    } else if (c == '_') {
      out.push_back('\x1f');
    } else {
      return bad();
    }
  }
  return out;
}

std::string DetachKeyFilter::Filter(absl::string_view in, bool* detach) {
  *detach = false;
  std::string out;
  if (keys_.empty()) return std::string(in);
  for (char c : in) {
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) {
        *detach = true;
        matched_ = 0;
        return out;
      }
      continue;
    }
    // The sequence broke off: pass on what was held, then this byte (which
    // may itself start a new sequence).
    out.append(keys_, 0, matched_);
    matched_ = 0;
    if (c == keys_[0]) {
      matched_ = 1;
      if (keys_.size() == 1) {
        *detach = true;
        return out;
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace engine::runtime
