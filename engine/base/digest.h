// -----------------------------------------------------------------------------
// File: digest.h
// -----------------------------------------------------------------------------
//
// Content digests as OCI writes them: `sha256:<64 lower-case hex>`. Only
// sha256 is accepted; anything else is InvalidArgument.

#ifndef ENGINE_BASE_DIGEST_H_
#define ENGINE_BASE_DIGEST_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace base {

// A validated digest. Cheap to copy.
class Digest {
 public:
  // The digest of empty content, so that structs holding a Digest can be
  // default-constructed.
  Digest();
  // Parses `text`; InvalidArgument unless it is `sha256:` + 64 hex digits.
  static absl::StatusOr<Digest> Parse(absl::string_view text);
  // The sha256 digest of `data`.
  static Digest Of(absl::string_view data);

  const std::string& str() const { return text_; }   // "sha256:abcd..."
  absl::string_view hex() const { return absl::string_view(text_).substr(7); }
  // The first 12 hex digits, as Docker shows IDs.
  std::string Short() const { return std::string(hex().substr(0, 12)); }

  friend bool operator==(const Digest& a, const Digest& b) { return a.text_ == b.text_; }
  friend bool operator!=(const Digest& a, const Digest& b) { return a.text_ != b.text_; }
  friend bool operator<(const Digest& a, const Digest& b) { return a.text_ < b.text_; }

 private:
  explicit Digest(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// Streaming sha256. Not thread-safe.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t len);
  void Update(absl::string_view data) { Update(data.data(), data.size()); }
  // Finishes the hash. The hasher must not be used afterwards.
  Digest Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace base

#endif  // ENGINE_BASE_DIGEST_H_
