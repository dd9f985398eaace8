#include "engine/runtime/shim_client.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/status.h"
#include "engine/base/unix_address.h"
#include "engine/base/status_macros.h"

namespace engine::runtime {
namespace {

namespace pb = berth::shim::v1;

constexpr uint32_t kMaxFrame = 1 << 20;

absl::Status ReadFull(int fd, char* buf, size_t n, bool* eof_at_start) {
  size_t done = 0;
  if (eof_at_start != nullptr) *eof_at_start = false;
  while (done < n) {
    ssize_t r = read(fd, buf + done, n - done);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return absl::DeadlineExceededError("shim did not answer in time");
      }
      return absl::UnavailableError(absl::StrCat("read from shim: ", strerror(errno)));
    }
    if (r == 0) {
      if (done == 0 && eof_at_start != nullptr) *eof_at_start = true;
      return absl::UnavailableError("shim closed the connection");
    }
    done += static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

absl::Status WriteFull(int fd, absl::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return absl::DeadlineExceededError("shim did not read in time");
      }
      return absl::UnavailableError(absl::StrCat("write to shim: ", strerror(errno)));
    }
    done += static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

void PutU32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

uint32_t GetU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

void SetTimeouts(int fd, absl::Duration timeout) {
  timeval tv{};
  if (timeout > absl::ZeroDuration() && timeout != absl::InfiniteDuration()) {
    tv = absl::ToTimeval(timeout);
  }
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

}  // namespace

absl::Status WriteMessageFrame(int fd, absl::string_view bytes) {
  if (bytes.size() > kMaxFrame) {
    return absl::InvalidArgumentError(absl::StrCat("frame of ", bytes.size(), " bytes"));
  }
  std::string frame(4, '\0');
  PutU32(frame.data(), static_cast<uint32_t>(bytes.size()));
  frame.append(bytes.data(), bytes.size());
  return WriteFull(fd, frame);
}

absl::StatusOr<std::string> ReadMessageFrame(int fd) {
  char header[4];
  RETURN_IF_ERROR(ReadFull(fd, header, sizeof(header), nullptr));
  uint32_t n = GetU32(header);
  if (n > kMaxFrame) {
    return absl::DataLossError(absl::StrCat("bad frame length ", n, " from shim"));
  }
  std::string body(n, '\0');
  if (n == 0) return body;
  RETURN_IF_ERROR(ReadFull(fd, body.data(), n, nullptr));
  return body;
}

absl::Status ResponseStatus(const pb::Response& response) {
  if (response.error_code() == 0) return absl::OkStatus();
  int code = response.error_code();
  if (code < 1 || code > 16) code = static_cast<int>(absl::StatusCode::kUnknown);
  return absl::Status(static_cast<absl::StatusCode>(code), response.error_message());
}

// ---- PendingWait -------------------------------------------------------------

absl::StatusOr<pb::WaitResponse> PendingWait::Result() {
  absl::StatusOr<std::string> frame = ReadMessageFrame(fd_.get());
  if (cancelled_) return absl::CancelledError("wait cancelled");
  if (!frame.ok()) return frame.status();
  pb::Response response;
  if (!response.ParseFromString(*frame)) return absl::DataLossError("bad response from shim");
  RETURN_IF_ERROR(ResponseStatus(response));
  return response.wait();
}

void PendingWait::Cancel() {
  cancelled_ = true;
  shutdown(fd_.get(), SHUT_RDWR);
}

// ---- AttachStream ------------------------------------------------------------

AttachStream::~AttachStream() { Close(); }

absl::Status AttachStream::Read(StreamKind* kind, std::string* data) {
  char header[5];
  bool eof = false;
  absl::Status s = ReadFull(fd_.get(), header, sizeof(header), &eof);
  if (closed_) return absl::CancelledError("attach closed");
  RETURN_IF_ERROR(s);
  uint32_t n = GetU32(header + 1);
  if (n > kMaxFrame) return absl::DataLossError(absl::StrCat("bad stream frame length ", n));
  data->assign(n, '\0');
  if (n > 0) {
    s = ReadFull(fd_.get(), data->data(), n, nullptr);
    if (closed_) return absl::CancelledError("attach closed");
    RETURN_IF_ERROR(s);
  }
  *kind = static_cast<StreamKind>(static_cast<uint8_t>(header[0]));
  return absl::OkStatus();
}

absl::Status AttachStream::WriteFrame(StreamKind kind, absl::string_view payload) {
  if (closed_) return absl::CancelledError("attach closed");
  std::string frame(5, '\0');
  frame[0] = static_cast<char>(kind);
  PutU32(frame.data() + 1, static_cast<uint32_t>(payload.size()));
  frame.append(payload.data(), payload.size());
  return WriteFull(fd_.get(), frame);
}

absl::Status AttachStream::WriteStdin(absl::string_view data) {
  while (!data.empty()) {
    absl::string_view chunk = data.substr(0, 64 << 10);
    RETURN_IF_ERROR(WriteFrame(StreamKind::kStdin, chunk));
    data.remove_prefix(chunk.size());
  }
  return absl::OkStatus();
}

absl::Status AttachStream::CloseStdin() { return WriteFrame(StreamKind::kCloseStdin, ""); }

absl::Status AttachStream::Resize(uint32_t rows, uint32_t columns) {
  char p[4];
  p[0] = static_cast<char>(rows >> 8);
  p[1] = static_cast<char>(rows);
  p[2] = static_cast<char>(columns >> 8);
  p[3] = static_cast<char>(columns);
  return WriteFrame(StreamKind::kResize, absl::string_view(p, 4));
}

void AttachStream::Close() {
  if (closed_.exchange(true)) return;
  shutdown(fd_.get(), SHUT_RDWR);
}

// ---- ShimClient --------------------------------------------------------------

absl::StatusOr<base::UniqueFd> ShimClient::Send(const pb::Request& request,
                                                absl::Duration timeout) const {
  ASSIGN_OR_RETURN(base::UnixAddress addr, base::UnixAddress::For(socket_path_));
  base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return base::ErrnoError(errno, "socket");
  SetTimeouts(fd.get(), timeout);
  int r;
  do {
    r = connect(fd.get(), addr.addr(), addr.size());
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    return absl::UnavailableError(
        absl::StrCat("connect to shim ", socket_path_, ": ", strerror(errno)));
  }
  std::string bytes;
  if (!request.SerializeToString(&bytes)) return absl::InternalError("serialize shim request");
  RETURN_IF_ERROR(WriteMessageFrame(fd.get(), bytes));
  return fd;
}

absl::StatusOr<pb::Response> ShimClient::Call(const pb::Request& request,
                                              absl::Duration timeout) const {
  ASSIGN_OR_RETURN(base::UniqueFd fd, Send(request, timeout));
  ASSIGN_OR_RETURN(std::string frame, ReadMessageFrame(fd.get()));
  pb::Response response;
  if (!response.ParseFromString(frame)) return absl::DataLossError("bad response from shim");
  RETURN_IF_ERROR(ResponseStatus(response));
  return response;
}

absl::StatusOr<pb::StateResponse> ShimClient::State(absl::string_view exec_id) const {
  pb::Request request;
  request.mutable_state()->set_exec_id(std::string(exec_id));
  ASSIGN_OR_RETURN(pb::Response response, Call(request));
  return response.state();
}

absl::StatusOr<int64_t> ShimClient::Start(absl::string_view exec_id) const {
  pb::Request request;
  request.mutable_start()->set_exec_id(std::string(exec_id));
  ASSIGN_OR_RETURN(pb::Response response, Call(request, absl::Seconds(30)));
  return response.start().pid();
}

absl::Status ShimClient::Kill(absl::string_view exec_id, int signal, bool all) const {
  pb::Request request;
  request.mutable_kill()->set_exec_id(std::string(exec_id));
  request.mutable_kill()->set_signal(signal);
  request.mutable_kill()->set_all(all);
  return Call(request).status();
}

absl::Status ShimClient::Resize(absl::string_view exec_id, uint32_t rows,
                                uint32_t columns) const {
  pb::Request request;
  request.mutable_resize()->set_exec_id(std::string(exec_id));
  request.mutable_resize()->set_rows(rows);
  request.mutable_resize()->set_columns(columns);
  return Call(request).status();
}

absl::Status ShimClient::Exec(absl::string_view exec_id, absl::string_view process_json,
                              bool stdin) const {
  pb::Request request;
  request.mutable_exec()->set_exec_id(std::string(exec_id));
  request.mutable_exec()->set_process_json(std::string(process_json));
  request.mutable_exec()->set_stdin(stdin);
  return Call(request, absl::Seconds(30)).status();
}

absl::Status ShimClient::Pause() const {
  pb::Request request;
  request.mutable_pause();
  return Call(request).status();
}

absl::Status ShimClient::Resume() const {
  pb::Request request;
  request.mutable_resume();
  return Call(request).status();
}

absl::Status ShimClient::Delete() const {
  pb::Request request;
  request.mutable_delete_();
  return Call(request, absl::Seconds(30)).status();
}

absl::StatusOr<std::unique_ptr<PendingWait>> ShimClient::StartWait(
    absl::string_view exec_id) const {
  pb::Request request;
  request.mutable_wait()->set_exec_id(std::string(exec_id));
  ASSIGN_OR_RETURN(base::UniqueFd fd, Send(request, absl::InfiniteDuration()));
  return std::make_unique<PendingWait>(std::move(fd));
}

absl::StatusOr<std::unique_ptr<AttachStream>> ShimClient::Attach(
    const pb::AttachRequest& attach, absl::Duration timeout) const {
  pb::Request request;
  *request.mutable_attach() = attach;
  ASSIGN_OR_RETURN(base::UniqueFd fd, Send(request, timeout));
  ASSIGN_OR_RETURN(std::string frame, ReadMessageFrame(fd.get()));
  pb::Response response;
  if (!response.ParseFromString(frame)) return absl::DataLossError("bad response from shim");
  RETURN_IF_ERROR(ResponseStatus(response));
  SetTimeouts(fd.get(), absl::InfiniteDuration());
  return std::make_unique<AttachStream>(std::move(fd));
}

}  // namespace engine::runtime
