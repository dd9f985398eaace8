// RegistryClient against scripted servers: resume after a dropped body,
// redirects that must not carry credentials, retries, mirrors.

#include <atomic>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/registry/fake_http_server.h"
#include "engine/registry/manifest.h"
#include "engine/registry/registry_client.h"
#include "gtest/gtest.h"

namespace engine {
namespace registry {
namespace {

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

RegistryOptions FastOptions() {
  RegistryOptions o;
  o.initial_backoff = absl::Milliseconds(5);
  o.connect_timeout = absl::Seconds(5);
  o.stall_timeout = absl::Seconds(5);
  return o;
}

Reference Repo(const FakeHttpServer& s, absl::string_view path) {
  absl::StatusOr<Reference> r = ParseRepository(absl::StrCat("127.0.0.1:", s.port(), "/", path));
  if (!r.ok()) std::abort();
  return *r;
}

TEST(RegistryFaultTest, ResumesDroppedBlobWithRange) {
  const std::string blob = Pattern(100000);
  const base::Digest digest = base::Digest::Of(blob);
  std::atomic<int> gets{0};
  FakeHttpServer server([&](const FakeRequest& req) {
    FakeResponse r;
    if (req.target == "/v2/") return r;
    if (req.target != absl::StrCat("/v2/a/b/blobs/", digest.str())) {
      r.status = 404;
      return r;
    }
    if (gets++ == 0) {
      r.body = blob;
      r.cut_after = 30000;  // connection dies mid-body
      return r;
    }
    auto range = req.headers.find("range");
    if (range == req.headers.end()) {
      r.body = blob;
      return r;
    }
    size_t from = std::stoul(range->second.substr(6));
    r.status = 206;
    r.headers.emplace_back("Content-Range",
                           absl::StrCat("bytes ", from, "-", blob.size() - 1, "/", blob.size()));
    r.body = blob.substr(from);
    return r;
  });
  RegistryClient client(FastOptions());
  std::string got;
  uint64_t total = 0;
  absl::Status s = client.FetchBlob(
      Repo(server, "a/b"), digest, 0, Credentials(),
      [&](absl::string_view chunk) {
        got.append(chunk.data(), chunk.size());
        return absl::OkStatus();
      },
      [&](uint64_t t) { total = t; });
  ASSERT_TRUE(s.ok()) << s.code() << " " << s.message() << " gets=" << gets.load();
  EXPECT_EQ(got.size(), blob.size());
  EXPECT_TRUE(got == blob);
  EXPECT_EQ(total, blob.size());
  EXPECT_EQ(gets.load(), 2);
  bool saw_range = false;
  for (const FakeRequest& r : server.requests()) {
    auto it = r.headers.find("range");
    if (it != r.headers.end()) {
      saw_range = true;
      EXPECT_EQ(it->second, "bytes=30000-");
    }
  }
  EXPECT_TRUE(saw_range);
}

TEST(RegistryFaultTest, OffsetWhenServerIgnoresRange) {
  const std::string blob = Pattern(5000);
  const base::Digest digest = base::Digest::Of(blob);
  FakeHttpServer server([&](const FakeRequest& req) {
    FakeResponse r;
    if (absl::StrContains(req.target, "/blobs/")) r.body = blob;  // always 200, whole blob
    return r;
  });
  RegistryClient client(FastOptions());
  std::string got;
  ASSERT_TRUE(client
                  .FetchBlob(Repo(server, "x"), digest, 1234, Credentials(),
                             [&](absl::string_view c) {
                               got.append(c.data(), c.size());
                               return absl::OkStatus();
                             })
                  .ok());
  EXPECT_TRUE(got == blob.substr(1234));
}

TEST(RegistryFaultTest, SinkErrorStopsWithoutRetry) {
  const std::string blob = Pattern(5000);
  FakeHttpServer server([&](const FakeRequest&) {
    FakeResponse r;
    r.body = blob;
    return r;
  });
  RegistryClient client(FastOptions());
  absl::Status s = client.FetchBlob(Repo(server, "x"), base::Digest::Of(blob), 0, Credentials(),
                                    [](absl::string_view) { return absl::DataLossError("disk"); });
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "disk");
}

TEST(RegistryFaultTest, RedirectDoesNotLeakAuthorization) {
  const std::string blob = "layer bytes";
  const base::Digest digest = base::Digest::Of(blob);
  FakeHttpServer storage([&](const FakeRequest&) {
    FakeResponse r;
    r.body = blob;
    return r;
  });
  FakeHttpServer* self = nullptr;
  FakeHttpServer registry([&](const FakeRequest& req) {
    FakeResponse r;
    if (absl::StartsWith(req.target, "/token")) {
      r.body = R"({"token":"secret-token","expires_in":300})";
      return r;
    }
    auto auth = req.headers.find("authorization");
    if (auth == req.headers.end() || auth->second != "Bearer secret-token") {
      r.status = 401;
      r.headers.emplace_back(
          "WWW-Authenticate",
          absl::StrCat("Bearer realm=\"", self->origin(), "/token\",service=\"fake\""));
      r.body = R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})";
      return r;
    }
    r.status = 307;
    r.headers.emplace_back("Location", absl::StrCat(storage.origin(), "/storage/blob?sig=1"));
    return r;
  });
  self = &registry;
  RegistryClient client(FastOptions());
  std::string got;
  absl::Status s = client.FetchBlob(Repo(registry, "a"), digest, 0,
                                    Credentials{"user", "pw", ""}, [&](absl::string_view c) {
                                      got.append(c.data(), c.size());
                                      return absl::OkStatus();
                                    });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(got, blob);
  std::vector<FakeRequest> reqs = storage.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/storage/blob?sig=1");
  EXPECT_EQ(reqs[0].headers.count("authorization"), 0u);
  // The token request carried the Basic credentials and the scope.
  bool saw_token_request = false;
  for (const FakeRequest& r : registry.requests()) {
    if (!absl::StartsWith(r.target, "/token")) continue;
    saw_token_request = true;
    EXPECT_TRUE(absl::StrContains(r.target, "scope=repository%3Aa%3Apull")) << r.target;
    EXPECT_TRUE(absl::StrContains(r.target, "service=fake")) << r.target;
    EXPECT_EQ(r.headers.at("authorization"), "Basic dXNlcjpwdw==");
  }
  EXPECT_TRUE(saw_token_request);
}

TEST(RegistryFaultTest, RetriesServerErrorsThenSucceeds) {
  const std::string body = R"({"schemaVersion":2,"manifests":[]})";
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest& req) {
    FakeResponse r;
    if (!absl::StrContains(req.target, "/manifests/")) return r;
    if (calls++ < 2) {
      r.status = 503;
      return r;
    }
    r.headers.emplace_back("Content-Type", "application/vnd.oci.image.index.v1+json");
    r.body = body;
    return r;
  });
  RegistryClient client(FastOptions());
  Reference ref = Repo(server, "m");
  ref.tag = "v1";
  absl::StatusOr<RegistryClient::FetchedManifest> m = client.GetManifest(ref, Credentials());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->body, body);
  EXPECT_EQ(m->media_type, "application/vnd.oci.image.index.v1+json");
  EXPECT_EQ(m->digest, base::Digest::Of(body));
  EXPECT_EQ(calls.load(), 3);
}

TEST(RegistryFaultTest, GivesUpWithUnavailable) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest& req) {
    FakeResponse r;
    if (absl::StrContains(req.target, "/manifests/")) ++calls;
    r.status = 500;
    return r;
  });
  RegistryOptions o = FastOptions();
  o.max_attempts = 3;
  RegistryClient client(o);
  Reference ref = Repo(server, "m");
  ref.tag = "v1";
  absl::StatusOr<RegistryClient::FetchedManifest> m = client.GetManifest(ref, Credentials());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls.load(), 3);

  // Nothing listening at all.
  int dead_port;
  { FakeHttpServer gone([](const FakeRequest&) { return FakeResponse(); }); dead_port = gone.port(); }
  absl::StatusOr<Reference> dead = ParseReference(absl::StrCat("127.0.0.1:", dead_port, "/x:y"));
  ASSERT_TRUE(dead.ok());
  m = client.GetManifest(*dead, Credentials());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kUnavailable) << m.status();
}

TEST(RegistryFaultTest, DigestMismatchIsDataLoss) {
  FakeHttpServer server([&](const FakeRequest&) {
    FakeResponse r;
    r.headers.emplace_back("Content-Type", "application/vnd.oci.image.manifest.v1+json");
    r.headers.emplace_back("Docker-Content-Digest", base::Digest::Of("x").str());
    r.body = "tampered";
    return r;
  });
  RegistryClient client(FastOptions());
  Reference ref = Repo(server, "m");
  ref.digest = base::Digest::Of("x").str();
  EXPECT_EQ(client.GetManifest(ref, Credentials()).status().code(), absl::StatusCode::kDataLoss);
}

TEST(RegistryFaultTest, OversizedManifestIsResourceExhausted) {
  FakeHttpServer server([&](const FakeRequest&) {
    FakeResponse r;
    r.body = std::string(kMaxManifestBytes + 1, ' ');
    return r;
  });
  RegistryClient client(FastOptions());
  Reference ref = Repo(server, "m");
  ref.tag = "big";
  EXPECT_EQ(client.GetManifest(ref, Credentials()).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(RegistryFaultTest, DockerHubReadsUseMirrorsInOrder) {
  const std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]})";
  FakeHttpServer broken([](const FakeRequest&) {
    FakeResponse r;
    r.status = 404;
    r.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"not cached"}]})";
    return r;
  });
  FakeHttpServer mirror([&](const FakeRequest& req) {
    FakeResponse r;
    if (req.target == "/v2/library/hello-world/manifests/latest") {
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = body;
    } else {
      r.status = 404;
    }
    return r;
  });
  RegistryOptions o = FastOptions();
  o.mirrors = {broken.origin(), mirror.origin() + "/"};
  RegistryClient client(o);
  absl::StatusOr<Reference> ref = ParseReference("hello-world");
  ASSERT_TRUE(ref.ok());
  absl::StatusOr<RegistryClient::FetchedManifest> m = client.GetManifest(*ref, Credentials());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->body, body);
  EXPECT_EQ(m->media_type, "application/vnd.docker.distribution.manifest.list.v2+json");
  EXPECT_EQ(broken.requests().size(), 1u);
}

// A Docker Hub-like bearer registry: tokens for alice/secret only, and
// "insufficient_scope" for repositories that do not exist.
class BearerRegistry {
 public:
  BearerRegistry()
      : server_([this](const FakeRequest& req) { return Handle(req); }) {}
  const FakeHttpServer& server() const { return server_; }
  int token_requests() const { return token_requests_; }

 private:
  FakeResponse Handle(const FakeRequest& req) {
    FakeResponse r;
    if (absl::StartsWith(req.target, "/token")) {
      ++token_requests_;
      auto auth = req.headers.find("authorization");
      if (auth != req.headers.end() && auth->second != "Basic YWxpY2U6c2VjcmV0") {
        r.status = 401;
        r.body = R"({"details":"incorrect username or password"})";
        return r;
      }
      r.body = auth == req.headers.end() ? R"({"access_token":"anon","expires_in":3600})"
                                         : R"({"token":"alice-token","expires_in":3600})";
      return r;
    }
    auto auth = req.headers.find("authorization");
    const bool authed = auth != req.headers.end() &&
                        (auth->second == "Bearer anon" || auth->second == "Bearer alice-token");
    if (!authed || absl::StrContains(req.target, "/nonexistent/")) {
      r.status = 401;
      std::string challenge =
          absl::StrCat("Bearer realm=\"", server_.origin(), "/token\",service=\"hub\"");
      if (authed) absl::StrAppend(&challenge, ",error=\"insufficient_scope\"");
      r.headers.emplace_back("WWW-Authenticate", challenge);
      r.body = R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})";
      return r;
    }
    if (req.target == "/v2/") return r;
    r.status = 404;
    r.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})";
    return r;
  }

  std::atomic<int> token_requests_{0};  // before server_: its thread uses it
  FakeHttpServer server_;
};

TEST(RegistryFaultTest, BearerLoginAndDeniedPull) {
  BearerRegistry hub;
  RegistryClient client(FastOptions());
  const std::string domain = absl::StrCat("127.0.0.1:", hub.server().port());
  EXPECT_TRUE(client.CheckLogin(domain, Credentials{"alice", "secret", ""}).ok());
  absl::Status bad = client.CheckLogin(domain, Credentials{"alice", "nope", ""});
  EXPECT_EQ(bad.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(bad.message(), "unauthorized: incorrect username or password");

  absl::StatusOr<Reference> ref = ParseReference(domain + "/nonexistent/img");
  ASSERT_TRUE(ref.ok());
  absl::StatusOr<RegistryClient::FetchedManifest> m = client.GetManifest(*ref, Credentials());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(m.status().message(),
            absl::StrCat("pull access denied for ", domain,
                         "/nonexistent/img, repository does not exist or may require 'docker "
                         "login': denied: requested access to the resource is denied"));

  // Tokens are cached per scope: a second pull of the same repository
  // fetches no new token.
  absl::StatusOr<Reference> known = ParseReference(domain + "/team/app:1.0");
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(client.GetManifest(*known, Credentials()).status().code(),
            absl::StatusCode::kNotFound);
  int before = hub.token_requests();
  EXPECT_EQ(client.GetManifest(*known, Credentials()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(hub.token_requests(), before);
  client.ForgetTokens(domain);
  EXPECT_EQ(client.GetManifest(*known, Credentials()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_GT(hub.token_requests(), before);
}

}  // namespace
}  // namespace registry
}  // namespace engine
