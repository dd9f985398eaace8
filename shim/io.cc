#include "shim/io.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "engine/base/log.h"
#include "engine/base/status.h"

namespace shim {
namespace {

char g_output_buffer[32 * 1024];

absl::Status MakePipe(base::UniqueFd* read_end, base::UniqueFd* write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return base::ErrnoError(errno, "pipe2");
  read_end->reset(fds[0]);
  write_end->reset(fds[1]);
  return absl::OkStatus();
}

void SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProcessIo>> ProcessIo::Create(EventLoop* loop, bool open_stdin,
                                                             JsonLogger* logger) {
  std::unique_ptr<ProcessIo> io(new ProcessIo(loop, logger));
  if (open_stdin) {
    absl::Status s = MakePipe(&io->child_in_, &io->in_);
    if (!s.ok()) return s;
    io->has_stdin_ = true;
  }
  absl::Status s = MakePipe(&io->out_, &io->child_out_);
  if (!s.ok()) return s;
  s = MakePipe(&io->err_, &io->child_err_);
  if (!s.ok()) return s;
  return io;
}

ProcessIo::~ProcessIo() {
  for (int fd : {in_.get(), out_.get(), err_.get(), master_.get()}) {
    if (fd >= 0) loop_->Remove(fd);
  }
  for (auto& a : attachers_) {
    if (a->conn) {
      a->conn->SetOnClose(nullptr);
      a->conn->SetOnData(nullptr);
      a->conn->SetOnDrained(nullptr);
      a->conn->Close();
    }
  }
}

size_t ProcessIo::attacher_count() const {
  size_t n = 0;
  for (const auto& a : attachers_) n += a->gone ? 0 : 1;
  return n;
}

absl::Status ProcessIo::Begin(base::UniqueFd pty_master) {
  begun_ = true;
  child_in_.reset();
  child_out_.reset();
  child_err_.reset();
  if (pty_master.valid()) {
    // The terminal carries both directions; the pipes are unused.
    in_.reset();
    out_.reset();
    err_.reset();
    master_ = std::move(pty_master);
    SetNonBlocking(master_.get());
    out_open_ = true;
  } else {
    SetNonBlocking(out_.get());
    SetNonBlocking(err_.get());
    if (in_.valid()) SetNonBlocking(in_.get());
    out_open_ = err_open_ = true;
  }
  for (int fd : {in_.get(), out_.get(), err_.get(), master_.get()}) {
    if (fd >= 0) Sync(fd);
  }
  return absl::OkStatus();
}

uint32_t ProcessIo::Interest(int fd) const {
  uint32_t ev = 0;
  if (!output_paused_) {
    if (master_.valid() && fd == master_.get() && out_open_) ev |= EPOLLIN;
    if (out_.valid() && fd == out_.get() && out_open_) ev |= EPOLLIN;
    if (err_.valid() && fd == err_.get() && err_open_) ev |= EPOLLIN;
  }
  if (fd == in_fd() && fd >= 0 && !stdin_buf_.empty()) ev |= EPOLLOUT;
  return ev;
}

void ProcessIo::Sync(int fd) {
  if (fd < 0 || !begun_) return;
  uint32_t ev = Interest(fd);
  if (ev == 0) {
    loop_->Remove(fd);
  } else if (loop_->Watching(fd)) {
    (void)loop_->Modify(fd, ev);
  } else {
    (void)loop_->Add(fd, ev, [this, fd](uint32_t events) { OnFd(fd, events); });
  }
}

void ProcessIo::OnFd(int fd, uint32_t events) {
  if (fd == in_fd() && (events & (EPOLLOUT | EPOLLERR))) WriteStdin();
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    if (master_.valid() && fd == master_.get()) {
      ReadOutput(fd, StreamKind::kStdout);
    } else if (out_.valid() && fd == out_.get()) {
      ReadOutput(fd, StreamKind::kStdout);
    } else if (err_.valid() && fd == err_.get()) {
      ReadOutput(fd, StreamKind::kStderr);
    }
  }
}

void ProcessIo::ReadOutput(int fd, StreamKind kind) {
  // A few reads per event keeps one busy stream from starving the others.
  for (int round = 0; round < 4 && !output_paused_; ++round) {
    ssize_t n = ::read(fd, g_output_buffer, sizeof g_output_buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      // EIO: the pty's last slave is closed. Anything else: give up too.
      EndOutput(fd);
      return;
    }
    if (n == 0) {
      EndOutput(fd);
      return;
    }
    Deliver(kind, absl::string_view(g_output_buffer, static_cast<size_t>(n)));
    if (static_cast<size_t>(n) < sizeof g_output_buffer) return;
  }
}

void ProcessIo::Deliver(StreamKind kind, absl::string_view data) {
  if (logger_ != nullptr) {
    LogStream stream = kind == StreamKind::kStderr ? LogStream::kStderr : LogStream::kStdout;
    absl::Status s = logger_->Write(stream, data, absl::Now());
    if (!s.ok()) LOG_WARN("write container log", {{"error", s.ToString()}});
  }
  std::string frame;
  for (size_t i = 0; i < attachers_.size(); ++i) {
    Attacher* a = attachers_[i].get();
    if (a->gone) continue;
    if ((kind == StreamKind::kStdout && !a->out) || (kind == StreamKind::kStderr && !a->err)) {
      continue;
    }
    if (frame.empty()) frame = EncodeStreamFrame(kind, data);
    a->conn->Send(frame);
  }
  UpdateBackpressure();
}

void ProcessIo::UpdateBackpressure() {
  bool full = false;
  for (const auto& a : attachers_) {
    if (!a->gone && a->conn->pending_output() > kMaxPending) full = true;
  }
  if (full == output_paused_) return;
  output_paused_ = full;
  for (int fd : {out_.get(), err_.get(), master_.get()}) Sync(fd);
}

void ProcessIo::EndOutput(int fd) {
  if (master_.valid() && fd == master_.get()) {
    out_open_ = false;
    // Keep the master (stdin and resize may still be used until exit);
    // stop watching it for input.
    stdin_buf_.clear();
    loop_->Remove(fd);
  } else if (out_.valid() && fd == out_.get()) {
    out_open_ = false;
    loop_->Remove(fd);
    out_.reset();
  } else if (err_.valid() && fd == err_.get()) {
    err_open_ = false;
    loop_->Remove(fd);
    err_.reset();
  }
  if (!out_open_ && !err_open_) FinishOutput();
}

void ProcessIo::FinishOutput() {
  if (output_done_) return;
  output_done_ = true;
  if (logger_ != nullptr) {
    absl::Time now = absl::Now();
    (void)logger_->Flush(LogStream::kStdout, now);
    (void)logger_->Flush(LogStream::kStderr, now);
  }
  std::string end = EncodeStreamFrame(StreamKind::kEnd, "");
  for (auto& a : attachers_) {
    if (a->gone) continue;
    a->conn->Send(end);
    a->conn->PauseReading(true);
    a->conn->CloseAfterFlush();
  }
  if (on_output_done_) {
    auto fn = on_output_done_;
    fn();
  }
}

void ProcessIo::Abandon() {
  DropStdin();
  if (master_.valid()) {
    loop_->Remove(master_.get());
  }
  for (int fd : {out_.get(), err_.get()}) {
    if (fd >= 0) loop_->Remove(fd);
  }
  out_.reset();
  err_.reset();
  out_open_ = err_open_ = false;
  FinishOutput();
}

void ProcessIo::Attach(std::shared_ptr<Connection> conn, bool want_stdin, bool want_stdout,
                       bool want_stderr, std::string leftover) {
  if (output_done_) {
    conn->Send(EncodeStreamFrame(StreamKind::kEnd, ""));
    conn->CloseAfterFlush();
    return;
  }
  auto owned = std::make_unique<Attacher>();
  Attacher* a = owned.get();
  a->conn = std::move(conn);
  a->in = want_stdin && (has_stdin_ || master_.valid());
  a->out = want_stdout;
  a->err = want_stderr;
  attachers_.push_back(std::move(owned));
  a->conn->SetOnData([this, a](absl::string_view data) { OnAttacherData(a, data); });
  a->conn->SetOnClose([this, a] { OnAttacherGone(a); });
  a->conn->SetOnDrained([this] { UpdateBackpressure(); });
  if (!leftover.empty()) OnAttacherData(a, leftover);
}

void ProcessIo::OnAttacherGone(Attacher* a) {
  a->gone = true;
  // Erase later: the loop may be iterating over attachers_.
  loop_->Defer([this, a] {
    auto it = std::find_if(attachers_.begin(), attachers_.end(),
                           [a](const std::unique_ptr<Attacher>& p) { return p.get() == a; });
    if (it != attachers_.end()) attachers_.erase(it);
    UpdateBackpressure();
  });
  UpdateBackpressure();
}

ProcessIo::Attacher* ProcessIo::StdinOwner() {
  for (auto& a : attachers_) {
    if (!a->gone && a->in) return a.get();
  }
  return nullptr;
}

void ProcessIo::OnAttacherData(Attacher* a, absl::string_view data) {
  a->decoder.Feed(data);
  StreamFrame frame;
  for (;;) {
    absl::StatusOr<bool> got = a->decoder.Next(&frame);
    if (!got.ok()) {
      LOG_WARN("attach stream", {{"error", got.status().ToString()}});
      a->conn->Close();
      return;
    }
    if (!*got) break;
    switch (frame.kind) {
      case StreamKind::kStdin:
        if (a == StdinOwner() && in_fd() >= 0 && !stdin_close_requested_) {
          stdin_buf_.append(frame.payload);
          WriteStdin();
        }
        break;
      case StreamKind::kCloseStdin:
        if (a == StdinOwner()) CloseStdin();
        break;
      case StreamKind::kResize: {
        uint16_t rows = 0, cols = 0;
        if (DecodeResize(frame.payload, &rows, &cols).ok()) (void)Resize(rows, cols);
        break;
      }
      default:
        break;  // output kinds from a client: ignored
    }
    if (a->gone) return;
  }
  // Stop reading this client while the process does not take its input.
  a->conn->PauseReading(stdin_buf_.size() > kMaxPending);
}

void ProcessIo::WriteStdin() {
  int fd = in_fd();
  while (fd >= 0 && !stdin_buf_.empty()) {
    ssize_t n = ::write(fd, stdin_buf_.data(), stdin_buf_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      DropStdin();  // EPIPE: the process closed its stdin or exited
      return;
    }
    stdin_buf_.erase(0, static_cast<size_t>(n));
  }
  if (stdin_buf_.empty()) {
    std::string().swap(stdin_buf_);
    if (stdin_close_requested_ && in_.valid()) {
      loop_->Remove(in_.get());
      in_.reset();
    }
  }
  if (fd >= 0 && (in_.valid() || master_.valid())) Sync(fd);
  Attacher* owner = StdinOwner();
  if (owner != nullptr) owner->conn->PauseReading(stdin_buf_.size() > kMaxPending);
}

void ProcessIo::DropStdin() {
  std::string().swap(stdin_buf_);
  stdin_close_requested_ = true;
  if (in_.valid()) {
    loop_->Remove(in_.get());
    in_.reset();
  } else if (master_.valid()) {
    Sync(master_.get());
  }
  Attacher* owner = StdinOwner();
  if (owner != nullptr) owner->conn->PauseReading(false);
}

void ProcessIo::CloseStdin() {
  if (!begun_) {
    child_in_.reset();
    in_.reset();
    return;
  }
  // With a terminal the master stays: it is also the output.
  stdin_close_requested_ = true;
  WriteStdin();
}

absl::Status ProcessIo::Resize(uint16_t rows, uint16_t columns) {
  if (!master_.valid()) return absl::FailedPreconditionError("the process has no terminal");
  struct winsize ws = {};
  ws.ws_row = rows;
  ws.ws_col = columns;
  if (::ioctl(master_.get(), TIOCSWINSZ, &ws) != 0) {
    return base::ErrnoError(errno, "resize terminal");
  }
  return absl::OkStatus();
}

}  // namespace shim
