#include "gateway/http/connection.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/base/log.h"
#include "gateway/http/api_error.h"
#include "gateway/http/request.h"

namespace gateway {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

// Adapts a Transport to Beast's SyncReadStream, with a settable deadline.
class BeastStream {
 public:
  explicit BeastStream(Transport* transport) : transport_(transport) {}
  void set_deadline(absl::Time deadline) { deadline_ = deadline; }

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers,
                   boost::system::error_code& ec) {
    ec = {};
    for (auto it = net::buffer_sequence_begin(buffers);
         it != net::buffer_sequence_end(buffers); ++it) {
      net::mutable_buffer b = *it;
      if (b.size() == 0) continue;
      absl::StatusOr<size_t> n =
          transport_->Read(static_cast<char*>(b.data()), b.size(), deadline_);
      if (!n.ok()) {
        ec = absl::IsDeadlineExceeded(n.status()) ? net::error::timed_out
                                                  : net::error::connection_reset;
        return 0;
      }
      if (*n == 0) ec = net::error::eof;
      return *n;
    }
    return 0;
  }
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    return read_some(buffers, ec);
  }

 private:
  Transport* transport_;
  absl::Time deadline_ = absl::InfiniteFuture();
};

absl::string_view Sv(boost::beast::string_view s) {
  return absl::string_view(s.data(), s.size());
}

std::string StatusLine(int status, absl::string_view reason) {
  if (reason.empty()) reason = ReasonPhrase(status);
  return absl::StrCat("HTTP/1.1 ", status, " ", reason, "\r\n");
}

bool HasToken(absl::string_view header, absl::string_view token) {
  for (absl::string_view part : absl::StrSplit(header, ',')) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(part), token)) return true;
  }
  return false;
}

// The socket after a hijack; bytes that arrived with the request come first.
class HijackedConnection : public RawConnection {
 public:
  HijackedConnection(std::shared_ptr<Transport> transport, std::string pending)
      : transport_(std::move(transport)), pending_(std::move(pending)) {}
  ~HijackedConnection() override { transport_->Close(); }

  absl::StatusOr<size_t> Read(char* buffer, size_t size) override {
    if (offset_ < pending_.size()) {
      size_t n = std::min(size, pending_.size() - offset_);
      std::copy_n(pending_.data() + offset_, n, buffer);
      offset_ += n;
      if (offset_ == pending_.size()) std::string().swap(pending_), offset_ = 0;
      return n;
    }
    return transport_->Read(buffer, size, absl::InfiniteFuture());
  }
  absl::Status Write(absl::string_view data) override {
    return transport_->Write(data);
  }
  void CloseWrite() override { transport_->CloseWrite(); }
  void Close() override { transport_->Close(); }

 private:
  std::shared_ptr<Transport> transport_;
  std::string pending_;
  size_t offset_ = 0;
};

class ConnectionWriter : public ResponseWriter {
 public:
  ConnectionWriter(std::shared_ptr<Transport> transport, const Request& request,
                   const ConnectionOptions& options, bool keep_alive,
                   beast::flat_buffer* buffer)
      : transport_(std::move(transport)),
        request_(request),
        options_(options),
        keep_alive_(keep_alive),
        buffer_(buffer) {}

  void SetHeader(absl::string_view name, absl::string_view value) override {
    if (started_) return;
    // A CR or LF would let a value start a header of its own.
    if (absl::StrContains(name, '\r') || absl::StrContains(name, '\n') ||
        absl::StrContains(value, '\r') || absl::StrContains(value, '\n')) {
      LOG_WARN("dropping a response header with a line break", {{"name", name}});
      return;
    }
    absl::StrAppend(&extra_headers_, name, ": ", value, "\r\n");
  }

  absl::Status Send(int status, absl::string_view content_type,
                    absl::string_view body) override {
    if (started_) return absl::FailedPreconditionError("response already started");
    std::string out = Head(status, "", content_type);
    if (status >= 200 && status != 204 && status != 304) {
      absl::StrAppend(&out, "Content-Length: ", body.size(), "\r\n");
    }
    out += "\r\n";
    if (request_.method != "HEAD" && status != 204 && status != 304) {
      out.append(body.data(), body.size());
    }
    complete_ = true;
    return Put(out);
  }

  absl::Status StartStream(int status, absl::string_view content_type) override {
    if (started_) return absl::FailedPreconditionError("response already started");
    std::string out = Head(status, "", content_type);
    out += "Transfer-Encoding: chunked\r\n\r\n";
    streaming_ = true;
    return Put(out);
  }

  absl::Status Write(absl::string_view data) override {
    if (!streaming_ || complete_) {
      return absl::FailedPreconditionError("no chunked response in progress");
    }
    if (data.empty()) return absl::OkStatus();  // an empty chunk would end it
    std::string chunk = absl::StrCat(absl::Hex(data.size()), "\r\n");
    chunk.append(data.data(), data.size());
    chunk += "\r\n";
    return Put(chunk);
  }

  absl::Status Finish() override {
    if (!streaming_) return absl::FailedPreconditionError("no chunked response");
    if (complete_) return absl::OkStatus();
    complete_ = true;
    return Put("0\r\n\r\n");
  }

  absl::StatusOr<std::unique_ptr<RawConnection>> Hijack(
      absl::string_view content_type) override {
    if (started_) return absl::FailedPreconditionError("response already started");
    bool upgrade = HasToken(request_.Header("connection"), "upgrade") &&
                   absl::EqualsIgnoreCase(request_.Header("upgrade"), "tcp");
    std::string out;
    if (upgrade) {
      out = Head(101, "UPGRADED", content_type);
      out += "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
    } else {
      out = Head(200, "", content_type);
      out += "\r\n";
    }
    hijacked_ = true;
    absl::Status put = Put(out);
    if (!put.ok()) return put;
    std::string pending(static_cast<const char*>(buffer_->data().data()),
                        buffer_->size());
    buffer_->consume(buffer_->size());
    return std::unique_ptr<RawConnection>(
        new HijackedConnection(transport_, std::move(pending)));
  }

  bool ClientGone() override { return broken_ || transport_->PeerClosed(); }
  bool started() const override { return started_; }

  int status() const { return status_; }
  bool hijacked() const { return hijacked_; }
  bool streaming() const { return streaming_; }
  bool complete() const { return complete_; }
  bool broken() const { return broken_; }

 private:
  std::string Head(int status, absl::string_view reason,
                   absl::string_view content_type) {
    started_ = true;
    status_ = status;
    std::string out = StatusLine(status, reason);
    absl::StrAppend(&out, "Api-Version: ", kMaxApiVersion.ToString(),
                    "\r\nDocker-Experimental: false\r\nOstype: linux\r\n",
                    "Server: Docker/", options_.engine_version, " (linux)\r\n",
                    "Date: ",
                    absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now(),
                                     absl::UTCTimeZone()),
                    "\r\n");
    if (!content_type.empty()) {
      absl::StrAppend(&out, "Content-Type: ", content_type, "\r\n");
    }
    if (!keep_alive_ && status != 101) out += "Connection: close\r\n";
    out += extra_headers_;
    return out;
  }

  absl::Status Put(absl::string_view data) {
    if (broken_) return absl::UnavailableError("the client has gone");
    absl::Status s = transport_->Write(data);
    if (!s.ok()) {
      broken_ = true;
      return absl::UnavailableError(absl::StrCat("the client has gone: ", s.message()));
    }
    return s;
  }

  std::shared_ptr<Transport> transport_;
  const Request& request_;
  const ConnectionOptions& options_;
  const bool keep_alive_;
  beast::flat_buffer* buffer_;
  std::string extra_headers_;
  int status_ = 0;
  bool started_ = false;
  bool streaming_ = false;
  bool complete_ = false;
  bool hijacked_ = false;
  std::atomic<bool> broken_{false};
};

// Answers a request that never reached a handler and ends the connection:
// the rest of its body may still be on the way, so the socket is shut for
// writing and drained briefly before it closes (the client then reads the
// answer instead of a reset).
void RejectAndClose(Transport* transport, const ConnectionOptions& options,
                    int status, absl::string_view reason, absl::string_view message) {
  std::string body = ErrorJson(message);
  std::string out = StatusLine(status, reason);
  absl::StrAppend(&out, "Api-Version: ", kMaxApiVersion.ToString(),
                  "\r\nDocker-Experimental: false\r\nOstype: linux\r\n",
                  "Server: Docker/", options.engine_version, " (linux)\r\n",
                  "Content-Type: application/json\r\nContent-Length: ", body.size(),
                  "\r\nConnection: close\r\n\r\n", body);
  if (!transport->Write(out).ok()) return;
  transport->CloseWrite();
  absl::Time deadline = absl::Now() + absl::Seconds(1);
  char sink[16384];
  while (absl::Now() < deadline) {
    absl::StatusOr<size_t> n = transport->Read(sink, sizeof(sink), deadline);
    if (!n.ok() || *n == 0) break;
  }
}

Request ToRequest(http::request<http::string_body>&& msg) {
  Request request;
  request.method = std::string(Sv(msg.method_string()));
  for (const auto& field : msg) {
    std::string name = absl::AsciiStrToLower(Sv(field.name_string()));
    absl::string_view value = Sv(field.value());
    auto [it, inserted] = request.headers.emplace(name, std::string(value));
    if (!inserted) absl::StrAppend(&it->second, ", ", value);
  }
  request.body = std::move(msg.body());
  return request;
}

void LogRequest(const Request& request, absl::string_view target, int status,
                absl::Time start) {
  if (!base::LogEnabled(base::LogLevel::kDebug)) return;
  std::string code = absl::StrCat(status);
  std::string took = absl::FormatDuration(absl::Now() - start);
  LOG_DEBUG("api request", {{"method", request.method},
                            {"target", target},
                            {"status", code},
                            {"duration", took}});
}

// The request loop of ServeConnection; true when a handler hijacked the
// socket.
bool ServeRequests(const std::shared_ptr<Transport>& transport, const Router& router,
                   const ConnectionOptions& options) {
  BeastStream stream(transport.get());
  beast::flat_buffer buffer;
  for (;;) {
    // Idle keep-alive: wait for the first byte of the next request.
    if (buffer.size() == 0 &&
        !transport->WaitReadable(absl::Now() + options.idle_timeout)) {
      return false;
    }
    const absl::Time start = absl::Now();
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    boost::system::error_code ec;
    stream.set_deadline(start + options.header_timeout);
    http::read_header(stream, buffer, parser, ec);
    if (!ec) {
      auto length = parser.content_length();
      if (length && *length > options.max_body_bytes) ec = http::error::body_limit;
    }
    if (!ec && absl::EqualsIgnoreCase(Sv(parser.get()[http::field::expect]),
                                        "100-continue")) {
      if (!transport->Write("HTTP/1.1 100 Continue\r\n\r\n").ok()) return false;
    }
    if (!ec && !parser.is_done()) {
      stream.set_deadline(absl::Now() + options.body_timeout);
      http::read(stream, buffer, parser, ec);
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::timed_out) {
      return false;  // the client went away or stalled: nothing to answer
    }
    if (ec == http::error::body_limit) {
      RejectAndClose(transport.get(), options, 413, "",
                     absl::StrCat("request body too large: the limit is ",
                                  options.max_body_bytes, " bytes"));
      return false;
    }
    if (ec == http::error::header_limit) {
      RejectAndClose(transport.get(), options, 431, "Request Header Fields Too Large",
                     "request header fields too large");
      return false;
    }
    if (ec) {
      RejectAndClose(transport.get(), options, 400, "",
                     absl::StrCat("malformed HTTP request: ", ec.message()));
      return false;
    }

    const bool keep_alive = parser.get().keep_alive();
    std::string target(Sv(parser.get().target()));
    Request request = ToRequest(parser.release());
    ConnectionWriter writer(transport, request, options, keep_alive, &buffer);

    absl::Status result = ParseTarget(target, &request);
    if (!result.ok()) {
      // dockerd's version middleware and URL parsing answer 400.
      result = absl::InvalidArgumentError(result.message());
    } else {
      absl::StatusOr<const Handler*> handler = router.Match(&request);
      result = handler.ok() ? (**handler)(request, &writer) : handler.status();
    }
    if (writer.hijacked()) {
      LogRequest(request, target, writer.status(), start);
      return true;  // the handler's RawConnection owns the socket now
    }
    if (!result.ok() && !writer.started()) {
      writer.Send(HttpStatusFor(result), "application/json",
                  ErrorJson(result.message())).IgnoreError();
    } else if (!result.ok()) {
      LOG_DEBUG("handler failed after answering",
                {{"target", target}, {"error", result.ToString()}});
      LogRequest(request, target, writer.status(), start);
      return false;  // a half-sent response: only closing tells the client
    } else if (!writer.started()) {
      LOG_ERROR("handler sent no response", {{"target", target}});
      writer.Send(500, "application/json", ErrorJson("internal error: no response"))
          .IgnoreError();
    } else if (writer.streaming() && !writer.complete()) {
      writer.Finish().IgnoreError();
    }
    LogRequest(request, target, writer.status(), start);
    if (!keep_alive || writer.broken()) return false;
  }
}

}  // namespace

void ServeConnection(std::shared_ptr<Transport> transport, const Router& router,
                     const ConnectionOptions& options) {
  if (!ServeRequests(transport, router, options)) transport->Close();
}

}  // namespace gateway
