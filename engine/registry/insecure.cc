#include "engine/registry/insecure.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace engine {
namespace registry {
namespace {

// The host of "host[:port]" or "[v6]:port", brackets removed.
std::string HostOf(absl::string_view domain) {
  if (!domain.empty() && domain.front() == '[') {
    size_t close = domain.find(']');
    if (close == absl::string_view::npos) return std::string(domain);
    return std::string(domain.substr(1, close - 1));
  }
  return std::string(domain.substr(0, domain.find(':')));
}

struct Address {
  int family = 0;
  unsigned char bytes[16] = {0};
  int bits = 0;
};

bool ParseAddress(const std::string& text, Address* out) {
  if (inet_pton(AF_INET, text.c_str(), out->bytes) == 1) {
    out->family = AF_INET;
    out->bits = 32;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), out->bytes) == 1) {
    out->family = AF_INET6;
    out->bits = 128;
    return true;
  }
  return false;
}

bool InCidr(absl::string_view cidr, const Address& addr) {
  size_t slash = cidr.find('/');
  Address net;
  int prefix = 0;
  if (!ParseAddress(std::string(cidr.substr(0, slash)), &net) ||
      !absl::SimpleAtoi(cidr.substr(slash + 1), &prefix) || prefix < 0 || prefix > net.bits ||
      net.family != addr.family) {
    return false;
  }
  for (int i = 0; i < prefix; ++i) {
    int byte = i / 8;
    unsigned char mask = static_cast<unsigned char>(0x80 >> (i % 8));
    if ((net.bytes[byte] & mask) != (addr.bytes[byte] & mask)) return false;
  }
  return true;
}

}  // namespace

bool MatchesInsecureRegistry(const std::vector<std::string>& entries, absl::string_view domain) {
  const std::string lower_domain = absl::AsciiStrToLower(domain);
  const std::string host = HostOf(lower_domain);
  Address addr;
  const bool is_ip = ParseAddress(host, &addr);
  for (const std::string& raw : entries) {
    std::string entry = absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
    // Accept "http://host:port" spellings too, as Docker users write them.
    for (absl::string_view scheme : {"http://", "https://"}) {
      if (absl::string_view(entry).substr(0, scheme.size()) == scheme) {
        entry = entry.substr(scheme.size());
      }
    }
    while (!entry.empty() && entry.back() == '/') entry.pop_back();
    if (entry.find('/') != std::string::npos) {
      if (is_ip && InCidr(entry, addr)) return true;
      continue;
    }
    if (entry == lower_domain || entry == host) return true;
  }
  return false;
}

}  // namespace registry
}  // namespace engine
