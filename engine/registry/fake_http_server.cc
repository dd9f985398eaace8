#include "engine/registry/fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace engine {
namespace registry {
namespace {

bool SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

FakeHttpServer::FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 16) != 0) {
    std::abort();
  }
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FakeHttpServer::~FakeHttpServer() {
  shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  close(listen_fd_);
}

std::string FakeHttpServer::origin() const { return absl::StrCat("http://127.0.0.1:", port_); }

std::vector<FakeRequest> FakeHttpServer::requests() {
  absl::MutexLock lock(&mu_);
  return requests_;
}

void FakeHttpServer::Serve() {
  while (true) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    std::string in;
    char buf[65536];
    size_t header_end = std::string::npos;
    bool tls = false;
    while (header_end == std::string::npos) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
      if (static_cast<unsigned char>(in[0]) == 0x16) {
        tls = true;
        break;
      }
      header_end = in.find("\r\n\r\n");
    }
    if (tls || header_end == std::string::npos) {
      close(fd);
      continue;
    }
    FakeRequest req;
    std::string head = in.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.rfind(' ');
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        req.headers[absl::AsciiStrToLower(line.substr(0, colon))] =
            std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      }
      pos = end + 2;
    }
    req.body = in.substr(header_end + 4);
    size_t want = 0;
    if (req.headers.count("content-length") &&
        absl::SimpleAtoi(req.headers["content-length"], &want)) {
      while (req.body.size() < want) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        req.body.append(buf, static_cast<size_t>(n));
      }
    }
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(req);
    }
    FakeResponse resp = handler_(req);
    std::string out = absl::StrCat("HTTP/1.1 ", resp.status, " X\r\n");
    bool has_length = false;
    for (const auto& h : resp.headers) {
      absl::StrAppend(&out, h.first, ": ", h.second, "\r\n");
      if (absl::AsciiStrToLower(h.first) == "content-length") has_length = true;
    }
    if (!has_length) absl::StrAppend(&out, "Content-Length: ", resp.body.size(), "\r\n");
    absl::StrAppend(&out, "Connection: close\r\n\r\n");
    if (req.method != "HEAD") {
      if (resp.cut_after >= 0) {
        out.append(resp.body.substr(0, static_cast<size_t>(resp.cut_after)));
      } else {
        out.append(resp.body);
      }
    }
    SendAll(fd, out);
    shutdown(fd, SHUT_WR);
    close(fd);
  }
}

}  // namespace registry
}  // namespace engine
