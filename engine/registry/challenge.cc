#include "engine/registry/challenge.h"

#include <cstring>

#include "absl/strings/ascii.h"

namespace engine {
namespace registry {
namespace {

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

class Scanner {
 public:
  explicit Scanner(absl::string_view s) : s_(s) {}

  bool done() const { return i_ >= s_.size(); }
  size_t pos() const { return i_; }
  void set_pos(size_t p) { i_ = p; }
  char peek() const { return done() ? '\0' : s_[i_]; }
  void skip() { ++i_; }

  void SkipSpace() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  void SkipSpaceAndCommas() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
  }
  std::string Token() {
    size_t start = i_;
    while (!done() && IsTokenChar(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  // A quoted-string (the opening quote is current) with backslash escapes.
  // An unterminated string runs to the end.
  std::string Quoted() {
    std::string out;
    ++i_;
    while (!done()) {
      char c = s_[i_++];
      if (c == '"') return out;
      if (c == '\\' && !done()) c = s_[i_++];
      out.push_back(c);
    }
    return out;
  }
  // An unquoted value: up to the next comma or space.
  std::string Bare() {
    size_t start = i_;
    while (!done() && s_[i_] != ',' && s_[i_] != ' ' && s_[i_] != '\t') ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

 private:
  absl::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::string Challenge::Param(absl::string_view key) const {
  auto it = params.find(std::string(key));
  return it == params.end() ? "" : it->second;
}

std::vector<Challenge> ParseChallenges(absl::string_view header) {
  std::vector<Challenge> out;
  Scanner sc(header);
  sc.SkipSpaceAndCommas();
  while (!sc.done()) {
    std::string scheme = sc.Token();
    if (scheme.empty()) break;
    Challenge c;
    c.scheme = absl::AsciiStrToLower(scheme);
    while (true) {
      sc.SkipSpaceAndCommas();
      size_t save = sc.pos();
      std::string name = sc.Token();
      sc.SkipSpace();
      if (name.empty() || sc.peek() != '=') {
        sc.set_pos(save);  // a new challenge's scheme, or junk
        break;
      }
      sc.skip();  // '='
      sc.SkipSpace();
      std::string value = sc.peek() == '"' ? sc.Quoted() : sc.Bare();
      c.params[absl::AsciiStrToLower(name)] = std::move(value);
    }
    out.push_back(std::move(c));
    sc.SkipSpaceAndCommas();
  }
  return out;
}

}  // namespace registry
}  // namespace engine
