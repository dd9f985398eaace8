#include "engine/base/digest.h"

#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace base {

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(state_->ctx); }

void Sha256::Update(const void* data, size_t len) {
  EVP_DigestUpdate(state_->ctx, data, len);
}

Digest::Digest()
    : text_("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") {}

Digest Digest::Of(absl::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

Digest Sha256::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(state_->ctx, md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    text.push_back(kHex[md[i] >> 4]);
    text.push_back(kHex[md[i] & 0xf]);
  }
  return *Digest::Parse(text);
}

absl::StatusOr<Digest> Digest::Parse(absl::string_view text) {
  if (!absl::StartsWith(text, "sha256:") || text.size() != 7 + 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid digest \"", text.substr(0, 100),
                     "\": want sha256:<64 hex digits>"));
  }
  for (char c : text.substr(7)) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid digest \"", text, "\": not lower-case hex"));
    }
  }
  return Digest(std::string(text));
}

}  // namespace base
