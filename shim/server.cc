#include "shim/server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"
#include "engine/base/status_macros.h"
#include "engine/base/unix_address.h"
#include "shim/frame.h"

namespace shim {

using berth::shim::v1::Request;
using berth::shim::v1::Response;

absl::StatusOr<std::unique_ptr<Server>> Server::Listen(EventLoop* loop, absl::string_view path,
                                                       CallHandler handler) {
  ASSIGN_OR_RETURN(base::UnixAddress addr, base::UnixAddress::For(path));
  std::string p(path);
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return base::ErrnoError(errno, "socket");
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
    return base::ErrnoError(errno, absl::StrCat("remove stale socket ", p));
  }
  mode_t old_mask = ::umask(0177);
  int rc = ::bind(fd.get(), addr.addr(), addr.size());
  int bind_errno = errno;
  ::umask(old_mask);
  if (rc != 0) return base::ErrnoError(bind_errno, absl::StrCat("bind ", p));
  if (::chmod(p.c_str(), 0600) != 0) return base::ErrnoError(errno, absl::StrCat("chmod ", p));
  if (::listen(fd.get(), 64) != 0) return base::ErrnoError(errno, absl::StrCat("listen ", p));
  std::unique_ptr<Server> server(new Server(loop, std::move(p), std::move(fd), std::move(handler)));
  Server* raw = server.get();
  absl::Status s = loop->Add(raw->fd_.get(), EPOLLIN, [raw](uint32_t) { raw->OnAccept(); });
  if (!s.ok()) return s;
  return server;
}

Server::~Server() {
  if (fd_.valid()) loop_->Remove(fd_.get());
}

void Server::RemoveSocket() { ::unlink(path_.c_str()); }

void Server::OnAccept() {
  for (;;) {
    int cfd = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (cfd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN, or out of fds: try again on the next event
    }
    std::shared_ptr<Connection> conn = Connection::Create(loop_, base::UniqueFd(cfd));
    if (conn->closed()) continue;
    auto decoder = std::make_shared<FrameDecoder>();
    std::weak_ptr<Connection> weak = conn;
    CallHandler* handler = &handler_;
    // The connection's own callback holds the only reference until the
    // request is complete: a client that never sends one is dropped when it
    // closes.
    conn->SetOnData([weak, decoder, handler](absl::string_view data) {
      auto c = weak.lock();
      if (!c) return;
      decoder->Feed(data);
      std::string frame;
      absl::StatusOr<bool> got = decoder->Next(&frame);
      if (!got.ok()) {
        c->SetOnData(nullptr);
        SendStatus(c.get(), absl::InvalidArgumentError(got.status().message()));
        c->CloseAfterFlush();
        return;
      }
      if (!*got) return;
      Request request;
      c->SetOnData(nullptr);
      if (!request.ParseFromString(frame)) {
        SendStatus(c.get(), absl::InvalidArgumentError("request: not a berth.shim.v1.Request"));
        c->CloseAfterFlush();
        return;
      }
      // Bytes after the frame are the first frames of an attach stream.
      std::string leftover = decoder->TakeBuffered();
      (*handler)(std::move(c), std::move(request), std::move(leftover));
    });
    // Keep the connection alive while it reads its request.
    auto holder = std::make_shared<std::shared_ptr<Connection>>(conn);
    conn->SetOnClose([holder] { holder->reset(); });
    // The handler takes over by replacing the close callback.
  }
}

void SetResponseStatus(const absl::Status& status, Response* response) {
  response->set_error_code(static_cast<int32_t>(status.code()));
  response->set_error_message(std::string(status.message()));
}

void SendResponse(Connection* conn, const Response& response) {
  std::string bytes = response.SerializeAsString();
  if (bytes.empty()) {
    // An all-default Response serializes to zero bytes, but a frame holds
    // 1 to 1 MiB. proto3 never writes default scalars, so write an empty
    // error_message (field 2, length 0) by hand: it parses as the same
    // all-default Response.
    bytes.assign("\x12\x00", 2);
  }
  conn->Send(EncodeFrame(bytes));
}

void SendStatus(Connection* conn, const absl::Status& status) {
  Response response;
  if (!status.ok()) SetResponseStatus(status, &response);
  SendResponse(conn, response);
}

}  // namespace shim
