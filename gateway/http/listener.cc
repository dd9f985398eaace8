#include "gateway/http/listener.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/base/file_util.h"
#include "engine/base/socket_path.h"
#include "engine/base/status.h"

namespace gateway {
namespace {

absl::Status SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return base::ErrnoError(errno, "fcntl O_NONBLOCK");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view text) {
  ListenAddress out;
  if (absl::ConsumePrefix(&text, "unix://") || absl::StartsWith(text, "/")) {
    if (text.empty() || text[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid unix socket address: \"unix://", text, "\""));
    }
    out.kind = ListenAddress::Kind::kUnix;
    out.path = std::string(text);
    return out;
  }
  if (!absl::ConsumePrefix(&text, "tcp://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid listen address \"", text, "\": use unix:///path or tcp://host:port"));
  }
  out.kind = ListenAddress::Kind::kTcp;
  size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid tcp address \"tcp://", text, "\": a port is required"));
  }
  absl::string_view host = text.substr(0, colon);
  absl::string_view port = text.substr(colon + 1);
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) {
    return absl::InvalidArgumentError(absl::StrCat("invalid tcp address \"tcp://", text, "\""));
  }
  int port_number;
  if (!absl::SimpleAtoi(port, &port_number) || port_number < 0 || port_number > 65535 ||
      absl::StrContains(port, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid tcp address \"tcp://", text, "\": bad port"));
  }
  out.host = std::string(host);
  out.port = std::string(port);
  return out;
}

absl::StatusOr<base::UniqueFd> ListenTcp(const std::string& host,
                                         const std::string& port) {
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* result = nullptr;
  const char* node = host.empty() ? nullptr : host.c_str();
  int rc = getaddrinfo(node, port.c_str(), &hints, &result);
  if (rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve ", host, ":", port, ": ", gai_strerror(rc)));
  }
  absl::Status last = absl::UnavailableError("no address to listen on");
  base::UniqueFd fd;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    fd.reset(socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol));
    if (!fd.valid()) {
      last = base::ErrnoError(errno, "socket");
      continue;
    }
    int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 ||
        listen(fd.get(), SOMAXCONN) != 0) {
      last = base::ErrnoError(errno, absl::StrCat("listen on ", host, ":", port));
      fd.reset();
      continue;
    }
    break;
  }
  freeaddrinfo(result);
  if (!fd.valid()) return last;
  if (absl::Status s = SetNonBlocking(fd.get()); !s.ok()) return s;
  return fd;
}

absl::StatusOr<gid_t> LookupGroup(const std::string& name) {
  unsigned int gid;
  if (absl::SimpleAtoi(name, &gid)) return static_cast<gid_t>(gid);
  struct group gr;
  struct group* found = nullptr;
  std::vector<char> buf(16384);
  int rc = getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found);
  if (rc == 0 && found != nullptr) return found->gr_gid;
  return absl::NotFoundError(absl::StrCat("group ", name, " not found"));
}

}  // namespace gateway
