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

absl::StatusOr<UnixSocketFile> UnixSocketFile::Create(const std::string& path,
                                                      gid_t gid, mode_t mode) {
  size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash + 1 == path.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket path ", path, " must be an absolute file path"));
  }
  const std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  if (absl::Status s = base::SocketPathAddress(path).status(); !s.ok()) return s;
  if (absl::Status s = base::MakeDirs(dir, 0755); !s.ok()) return s;
  if (absl::Status s = base::CheckSocketPathFree(path); !s.ok()) return s;

  std::string tmpl = base::JoinPath(dir, ".gateway-sock-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return base::ErrnoError(errno, absl::StrCat("mkdtemp ", tmpl));
  }
  const std::string private_dir = tmpl;
  const std::string tmp_path = base::JoinPath(private_dir, "s");

  UnixSocketFile out;
  absl::Status status;
  struct stat st = {};
  out.fd_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  do {
    if (!out.fd_.valid()) {
      status = base::ErrnoError(errno, "socket");
      break;
    }
    absl::StatusOr<sockaddr_un> addr = base::SocketPathAddress(tmp_path);
    if (!addr.ok()) {
      status = addr.status();
      break;
    }
    if (bind(out.fd_.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof(*addr)) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("bind ", tmp_path));
      break;
    }
    uid_t owner = geteuid() == 0 ? 0 : static_cast<uid_t>(-1);
    if (lchown(tmp_path.c_str(), owner, gid) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("chown ", tmp_path));
      break;
    }
    if (chmod(tmp_path.c_str(), mode) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("chmod ", tmp_path));
      break;
    }
    if (listen(out.fd_.get(), SOMAXCONN) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("listen ", tmp_path));
      break;
    }
    if (lstat(tmp_path.c_str(), &st) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("stat ", tmp_path));
      break;
    }
    if (rename(tmp_path.c_str(), path.c_str()) != 0) {
      status = base::ErrnoError(errno, absl::StrCat("rename ", tmp_path, " ", path));
      break;
    }
  } while (false);
  unlink(tmp_path.c_str());
  rmdir(private_dir.c_str());
  if (!status.ok()) return status;
  out.path_ = path;
  out.dev_ = st.st_dev;
  out.ino_ = st.st_ino;
  return out;
}

void UnixSocketFile::Remove() {
  if (path_.empty()) return;
  struct stat st;
  if (lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    unlink(path_.c_str());
  }
  path_.clear();
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
