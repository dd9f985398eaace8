#include "engine/registry/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace engine {
namespace registry {
namespace {

constexpr size_t kMaxErrorBody = 64 << 10;
constexpr int kMaxRedirects = 10;
constexpr size_t kMaxPooledHandles = 16;

struct Transfer {
  const CurlApi* api = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  CURL* curl = nullptr;
  bool follow = false;             // redirects are being followed for this request
  bool started_body = false;       // first body byte of this response seen
  bool final = false;              // this response is the one returned
  bool on_response_called = false;
  absl::Status callback_status;    // error raised by a sink or body source
  HttpHeaders headers;             // headers of the response being received
  uint64_t sent = 0;
  size_t body_offset = 0;          // into request->body
};

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool HasHeader(const HttpHeaders& headers, absl::string_view name) {
  for (const auto& h : headers) {
    if (h.first == name) return true;
  }
  return false;
}

// Decides, once per response, whether it is the final one and announces it.
void StartResponse(Transfer* t) {
  if (t->started_body) return;
  t->started_body = true;
  long code = 0;
  t->api->curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  t->response->status = static_cast<int>(code);
  t->response->headers = t->headers;
  t->final = !(t->follow && IsRedirect(t->response->status) &&
               HasHeader(t->headers, "location"));
  if (t->final && t->request->on_response && !t->on_response_called) {
    t->on_response_called = true;
    t->request->on_response(*t->response);
  }
}

size_t HeaderCallback(char* buf, size_t size, size_t n, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  absl::string_view line(buf, size * n);
  if (absl::StartsWith(line, "HTTP/")) {
    t->headers.clear();
    t->started_body = false;
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return size * n;
  std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon)));
  std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  t->headers.emplace_back(std::move(name), std::move(value));
  return size * n;
}

size_t WriteCallback(char* buf, size_t size, size_t n, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t len = size * n;
  StartResponse(t);
  absl::string_view chunk(buf, len);
  const bool ok_status = t->response->status >= 200 && t->response->status < 300;
  if (t->final && ok_status && t->request->sink) {
    absl::Status s = t->request->sink(chunk);
    if (!s.ok()) {
      t->callback_status = std::move(s);
      return 0;
    }
    return len;
  }
  std::string& body = t->response->body;
  if (t->final && ok_status) {
    if (body.size() + len > t->request->max_body) {
      t->callback_status = absl::ResourceExhaustedError(
          absl::StrCat("response body of ", t->request->url, " exceeds ",
                       t->request->max_body, " bytes"));
      return 0;
    }
    body.append(chunk.data(), chunk.size());
  } else if (body.size() < kMaxErrorBody) {
    body.append(chunk.data(), std::min(len, kMaxErrorBody - body.size()));
  }
  return len;
}

size_t ReadCallback(char* buf, size_t size, size_t n, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const HttpRequest& req = *t->request;
  size_t cap = size * n;
  size_t got = 0;
  if (req.body_source != nullptr) {
    uint64_t remaining = req.body_size - t->sent;
    if (remaining == 0) return 0;
    cap = static_cast<size_t>(std::min<uint64_t>(cap, remaining));
    absl::StatusOr<size_t> r = req.body_source->Read(buf, cap);
    if (!r.ok()) {
      t->callback_status = r.status();
      return CURL_READFUNC_ABORT;
    }
    if (*r == 0) {
      t->callback_status = absl::DataLossError(absl::StrCat(
          "request body ended after ", t->sent, " of ", req.body_size, " bytes"));
      return CURL_READFUNC_ABORT;
    }
    got = *r;
  } else {
    got = std::min(cap, req.body.size() - t->body_offset);
    std::memcpy(buf, req.body.data() + t->body_offset, got);
    t->body_offset += got;
  }
  t->sent += got;
  if (req.upload_progress && got > 0) req.upload_progress(t->sent);
  return got;
}

bool IsTransient(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

// Go's spelling of the method in errors: Get "url": ...
std::string GoMethod(absl::string_view method) {
  std::string m = absl::AsciiStrToLower(method);
  if (!m.empty()) m[0] = absl::ascii_toupper(static_cast<unsigned char>(m[0]));
  return m;
}

}  // namespace

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& h : headers) {
    if (h.first == name) return h.second;
  }
  return "";
}

std::vector<std::string> HttpResponse::Headers(absl::string_view name) const {
  std::vector<std::string> out;
  for (const auto& h : headers) {
    if (h.first == name) out.push_back(h.second);
  }
  return out;
}

HttpClient::HttpClient() = default;

HttpClient::~HttpClient() {
  absl::MutexLock lock(&mu_);
  DropIdleLocked();
}

void HttpClient::DropIdleLocked() {
  for (void* h : idle_) api_->curl_easy_cleanup(static_cast<CURL*>(h));
  idle_.clear();
}

absl::StatusOr<std::shared_ptr<const CurlApi>> HttpClient::Enter() {
  absl::MutexLock lock(&mu_);
  if (api_ == nullptr) {
    absl::StatusOr<std::shared_ptr<const CurlApi>> api = AcquireCurl();
    if (!api.ok()) return api.status();
    api_ = *std::move(api);
  }
  ++users_;
  return api_;
}

void HttpClient::Leave() {
  std::shared_ptr<const CurlApi> last;
  absl::MutexLock lock(&mu_);
  if (--users_ > 0) return;
  // Nobody needs libcurl now: close the pooled connections and let it go.
  DropIdleLocked();
  last = std::move(api_);
}

std::shared_ptr<void> HttpClient::KeepLoaded() {
  if (!Enter().ok()) return nullptr;  // Perform() will report the error
  return std::shared_ptr<void>(this, [](HttpClient* self) { self->Leave(); });
}

void* HttpClient::Acquire(const CurlApi& api) {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return api.curl_easy_init();
}

void HttpClient::Release(const CurlApi& api, void* handle) {
  api.curl_easy_reset(static_cast<CURL*>(handle));
  absl::MutexLock lock(&mu_);
  if (idle_.size() < kMaxPooledHandles) {
    idle_.push_back(handle);
    return;
  }
  api.curl_easy_cleanup(static_cast<CURL*>(handle));
}

absl::Status HttpClient::Perform(const HttpRequest& request, HttpResponse* response) {
  *response = HttpResponse();
  absl::StatusOr<std::shared_ptr<const CurlApi>> loaded = Enter();
  if (!loaded.ok()) return loaded.status();
  const CurlApi& api = **loaded;
  struct Leaver {
    HttpClient* self;
    ~Leaver() { self->Leave(); }
  } leaver{this};
  CURL* curl = static_cast<CURL*>(Acquire(api));
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  struct Releaser {
    HttpClient* self;
    const CurlApi& api;
    CURL* curl;
    ~Releaser() { self->Release(api, curl); }
  } releaser{this, api, curl};

  HttpHeaders headers = request.headers;
  std::string method = absl::AsciiStrToUpper(request.method);
  std::string url = request.url;
  const bool has_body = request.body_source != nullptr || !request.body.empty() ||
                        request.send_body || method == "PUT" || method == "POST" ||
                        method == "PATCH";
  const bool follow = request.follow_redirects && request.body_source == nullptr;

  for (int hop = 0;; ++hop) {
    api.curl_easy_reset(curl);
    Transfer t;
    t.request = &request;
    t.response = response;
    t.curl = curl;
    t.api = &api;
    t.follow = follow && hop < kMaxRedirects;
    response->status = 0;
    response->headers.clear();
    response->body.clear();
    response->url = url;

    char errbuf[CURL_ERROR_SIZE] = {0};
    api.curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    api.curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    api.curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    api.curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    api.curl_easy_setopt(curl, CURLOPT_USERAGENT, request.user_agent.c_str());
    api.curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(request.connect_timeout)));
    api.curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    api.curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     std::max<long>(1, absl::ToInt64Seconds(request.stall_timeout)));
    api.curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    api.curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    api.curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 256L << 10);
    api.curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, request.tls_verify ? 1L : 0L);
    api.curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, request.tls_verify ? 2L : 0L);
    if (!request.ca_file.empty()) {
      api.curl_easy_setopt(curl, CURLOPT_CAINFO, request.ca_file.c_str());
      api.curl_easy_setopt(curl, CURLOPT_CAPATH, "/etc/ssl/certs");
    }
    api.curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, HeaderCallback);
    api.curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    api.curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteCallback);
    api.curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);

    if (method == "GET") {
      api.curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      api.curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
      api.curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
      if (has_body) {
        uint64_t size = request.body_source != nullptr ? request.body_size : request.body.size();
        api.curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        api.curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
        api.curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadCallback);
        api.curl_easy_setopt(curl, CURLOPT_READDATA, &t);
      }
    }

    struct curl_slist* list = nullptr;
    for (const auto& h : headers) {
      list = api.curl_slist_append(list, absl::StrCat(h.first, ": ", h.second).c_str());
    }
    list = api.curl_slist_append(list, "Expect:");
    api.curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);

    CURLcode rc = api.curl_easy_perform(curl);
    api.curl_slist_free_all(list);

    if (!t.callback_status.ok()) return t.callback_status;
    if (rc != CURLE_OK) {
      response->transient = IsTransient(rc);
      response->nothing_sent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
      const char* detail = errbuf[0] != '\0' ? errbuf : api.curl_easy_strerror(rc);
      if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
        return absl::InvalidArgumentError(
            absl::StrCat(GoMethod(method), " \"", url, "\": ", detail));
      }
      return absl::UnavailableError(absl::StrCat(GoMethod(method), " \"", url, "\": ", detail));
    }
    StartResponse(&t);  // responses without a body
    if (t.final) {
      if (request.on_response && !t.on_response_called) request.on_response(*response);
      return absl::OkStatus();
    }
    char* location = nullptr;
    api.curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location);
    if (location == nullptr) return absl::OkStatus();
    std::string next(location);
    if (UrlOrigin(next).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("refusing redirect to ", next));
    }
    if (UrlOrigin(next) != UrlOrigin(url)) {
      headers.erase(std::remove_if(headers.begin(), headers.end(),
                                   [](const auto& h) {
                                     return absl::EqualsIgnoreCase(h.first, "authorization");
                                   }),
                    headers.end());
    }
    if (response->status == 303 && method != "HEAD") method = "GET";
    url = std::move(next);
  }
}

std::string UrlEncode(absl::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string UrlOrigin(absl::string_view url) {
  std::string scheme;
  if (absl::StartsWithIgnoreCase(url, "http://")) {
    scheme = "http";
    url.remove_prefix(7);
  } else if (absl::StartsWithIgnoreCase(url, "https://")) {
    scheme = "https";
    url.remove_prefix(8);
  } else {
    return "";
  }
  absl::string_view authority = url.substr(0, url.find_first_of("/?#"));
  size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.empty()) return "";
  std::string host = absl::AsciiStrToLower(authority);
  size_t bracket = host.rfind(']');
  size_t colon = host.rfind(':');
  bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  if (has_port && colon + 1 == host.size()) {
    host.pop_back();
    has_port = false;
  }
  if (!has_port) absl::StrAppend(&host, scheme == "http" ? ":80" : ":443");
  return absl::StrCat(scheme, "://", host);
}

std::string ResolveUrl(absl::string_view base, absl::string_view location) {
  if (absl::StartsWithIgnoreCase(location, "http://") ||
      absl::StartsWithIgnoreCase(location, "https://")) {
    return std::string(location);
  }
  size_t scheme_end = base.find("://");
  if (scheme_end == absl::string_view::npos) return std::string(location);
  if (absl::StartsWith(location, "//")) {
    return absl::StrCat(base.substr(0, scheme_end + 1), location);
  }
  size_t path_start = base.find_first_of("/?#", scheme_end + 3);
  absl::string_view origin = base.substr(0, path_start);
  if (absl::StartsWith(location, "/")) return absl::StrCat(origin, location);
  absl::string_view path =
      path_start == absl::string_view::npos ? absl::string_view("/") : base.substr(path_start);
  path = path.substr(0, path.find_first_of("?#"));
  path = path.substr(0, path.rfind('/') + 1);
  return absl::StrCat(origin, path, location);
}

}  // namespace registry
}  // namespace engine
