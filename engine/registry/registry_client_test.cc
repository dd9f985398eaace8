// RegistryClient against Debian's real registry (docker-registry serve) on
// 127.0.0.1: anonymous push and pull, mounts, errors, and htpasswd Basic auth.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/base/byte_source.h"
#include "engine/base/file_util.h"
#include "engine/registry/manifest.h"
#include "engine/registry/registry_client.h"
#include "gtest/gtest.h"

namespace engine {
namespace registry {
namespace {

constexpr char kRegistryBinary[] = "/usr/bin/docker-registry";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::string Htpasswd(const std::string& user, const std::string& pass) {
  std::string cmd = absl::StrCat("htpasswd -Bbn ", user, " ", pass);
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[256];
  size_t n;
  while (p != nullptr && (n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  if (p != nullptr) pclose(p);
  return out;
}

// A docker-registry process with filesystem storage in a temporary dir.
class LocalRegistry {
 public:
  explicit LocalRegistry(bool basic_auth) {
    char tmpl[] = "/tmp/berth-XXXXXX";
    dir_ = mkdtemp(tmpl);
    port_ = FreePort();
    std::string config = absl::StrCat(
        "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n",
        "storage:\n  filesystem:\n    rootdirectory: ", dir_, "/data\n",
        "  delete:\n    enabled: true\n",
        "http:\n  addr: 127.0.0.1:", port_, "\n");
    if (basic_auth) {
      if (!base::WriteFileAtomic(dir_ + "/htpasswd", Htpasswd("user", "pass")).ok()) std::abort();
      absl::StrAppend(&config, "auth:\n  htpasswd:\n    realm: berth-test\n    path: ", dir_,
                      "/htpasswd\n");
    }
    if (!base::WriteFileAtomic(dir_ + "/config.yml", config).ok()) std::abort();
    pid_ = fork();
    if (pid_ == 0) {
      std::string cfg = dir_ + "/config.yml";
      std::string log = dir_ + "/registry.log";
      if (freopen(log.c_str(), "w", stderr) == nullptr) _exit(126);
      execl(kRegistryBinary, kRegistryBinary, "serve", cfg.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200 && !CanConnect(port_); ++i) absl::SleepFor(absl::Milliseconds(50));
  }
  ~LocalRegistry() {
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
    (void)base::RemoveAll(dir_);
  }
  std::string domain() const { return absl::StrCat("127.0.0.1:", port_); }
  Reference Repo(absl::string_view path) const {
    absl::StatusOr<Reference> r = ParseRepository(absl::StrCat(domain(), "/", path));
    if (!r.ok()) std::abort();
    return *r;
  }

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

std::string Pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed + i / 251) & 0xff);
  return s;
}

RegistryOptions FastOptions() {
  RegistryOptions o;
  o.initial_backoff = absl::Milliseconds(20);
  o.max_attempts = 3;
  return o;
}

// Pushes `data` monolithically or in chunks.
absl::Status Push(RegistryClient& c, const Reference& repo, const std::string& data,
                  uint64_t chunk, const Credentials& creds, uint64_t* progress = nullptr) {
  base::StringSource src(data);
  return c.PushBlob(repo, base::Digest::Of(data), data.size(), &src, chunk, creds,
                    [&](uint64_t sent) {
                      if (progress != nullptr) *progress = sent;
                    });
}

TEST(RegistryClientTest, PushAndPullAgainstRealRegistry) {
  LocalRegistry reg(/*basic_auth=*/false);
  RegistryClient client(FastOptions());
  const Credentials anon;
  const Reference repo = reg.Repo("test/app");

  ASSERT_TRUE(client.CheckLogin(reg.domain(), anon).ok());

  const std::string layer1 = "hello layer";
  const std::string layer2 = Pattern(300000, 7);
  const std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  EXPECT_FALSE(*client.BlobExists(repo, base::Digest::Of(layer1), anon));
  ASSERT_TRUE(Push(client, repo, layer1, 0, anon).ok());
  uint64_t progress = 0;
  absl::Status pushed = Push(client, repo, layer2, 64 << 10, anon, &progress);
  ASSERT_TRUE(pushed.ok()) << pushed;
  EXPECT_EQ(progress, layer2.size());
  ASSERT_TRUE(Push(client, repo, config, 0, anon).ok());
  EXPECT_TRUE(*client.BlobExists(repo, base::Digest::Of(layer1), anon));
  EXPECT_TRUE(*client.BlobExists(repo, base::Digest::Of(layer2), anon));

  // Wrong digest: the registry refuses the upload.
  base::StringSource bad("not what the digest says");
  absl::Status wrong = client.PushBlob(repo, base::Digest::Of("other"), 24, &bad, 0, anon);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInvalidArgument) << wrong;
  EXPECT_TRUE(absl::StartsWith(wrong.message(), "digest invalid")) << wrong;

  ImageManifest m;
  m.media_type = std::string(kMediaTypeDockerManifest);
  m.config.media_type = std::string(kMediaTypeDockerConfig);
  m.config.digest = base::Digest::Of(config);
  m.config.size = static_cast<int64_t>(config.size());
  for (const std::string* l : {&layer1, &layer2}) {
    Descriptor d;
    d.media_type = std::string(kMediaTypeDockerLayerGzip);
    d.digest = base::Digest::Of(*l);
    d.size = static_cast<int64_t>(l->size());
    m.layers.push_back(d);
  }
  const std::string body = SerializeImageManifest(m);
  Reference tagged = repo;
  tagged.tag = "v1";
  absl::StatusOr<base::Digest> put = client.PutManifest(tagged, kMediaTypeDockerManifest, body, anon);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(*put, base::Digest::Of(body));

  absl::StatusOr<RegistryClient::FetchedManifest> got = client.GetManifest(tagged, anon);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->body, body);
  EXPECT_EQ(got->digest, *put);
  EXPECT_EQ(got->media_type, kMediaTypeDockerManifest);
  Reference by_digest = repo;
  by_digest.digest = put->str();
  got = client.GetManifest(by_digest, anon);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->body, body);
  absl::StatusOr<base::Digest> resolved = client.ResolveDigest(tagged, anon);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, *put);

  // Blob from an offset, with the total size reported.
  std::string fetched;
  uint64_t total = 0;
  absl::Status f = client.FetchBlob(
      repo, base::Digest::Of(layer2), 1000, anon,
      [&](absl::string_view c) {
        fetched.append(c.data(), c.size());
        return absl::OkStatus();
      },
      [&](uint64_t t) { total = t; });
  ASSERT_TRUE(f.ok()) << f;
  EXPECT_TRUE(fetched == layer2.substr(1000));
  EXPECT_EQ(total, layer2.size());

  // Cross-repository mount.
  const Reference other = reg.Repo("test/other");
  absl::StatusOr<bool> mounted = client.MountBlob(other, base::Digest::Of(layer2), repo.path, anon);
  ASSERT_TRUE(mounted.ok()) << mounted.status();
  EXPECT_TRUE(*mounted);
  EXPECT_TRUE(*client.BlobExists(other, base::Digest::Of(layer2), anon));
  mounted = client.MountBlob(other, base::Digest::Of("absent"), repo.path, anon);
  ASSERT_TRUE(mounted.ok()) << mounted.status();
  EXPECT_FALSE(*mounted);

  // Errors as Docker words them.
  Reference missing_tag = repo;
  missing_tag.tag = "nope";
  absl::StatusOr<RegistryClient::FetchedManifest> nf = client.GetManifest(missing_tag, anon);
  EXPECT_EQ(nf.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(nf.status().message(),
            absl::StrCat("manifest for ", reg.domain(),
                         "/test/app:nope not found: manifest unknown: manifest unknown"));
  EXPECT_EQ(client.ResolveDigest(missing_tag, anon).status().message(), nf.status().message());
  absl::StatusOr<Reference> unknown_repo = ParseReference(reg.domain() + "/no/such");
  nf = client.GetManifest(*unknown_repo, anon);
  EXPECT_EQ(nf.status().code(), absl::StatusCode::kNotFound);
  // distribution 2.8 answers MANIFEST_UNKNOWN for unknown repositories too.
  EXPECT_EQ(nf.status().message(),
            absl::StrCat("manifest for ", reg.domain(),
                         "/no/such:latest not found: manifest unknown: manifest unknown"));
  Reference wrong_digest = repo;
  wrong_digest.digest = base::Digest::Of("nothing").str();
  EXPECT_EQ(client.GetManifest(wrong_digest, anon).status().code(), absl::StatusCode::kNotFound);
  absl::Status nb = client.FetchBlob(repo, base::Digest::Of("absent"), 0, anon,
                                     [](absl::string_view) { return absl::OkStatus(); });
  EXPECT_EQ(nb.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StartsWith(nb.message(), "blob unknown")) << nb;
  EXPECT_FALSE(*client.BlobExists(repo, base::Digest::Of("absent"), anon));

  // Concurrent downloads share one client.
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      absl::Status st = client.FetchBlob(repo, base::Digest::Of(layer2), 0, anon,
                                         [&, i](absl::string_view c) {
                                           results[i].append(c.data(), c.size());
                                           return absl::OkStatus();
                                         });
      if (!st.ok()) results[i] = std::string(st.message());
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& r : results) EXPECT_TRUE(r == layer2);
}

TEST(RegistryClientTest, BasicAuthWithHtpasswd) {
  LocalRegistry reg(/*basic_auth=*/true);
  RegistryClient client(FastOptions());
  const Credentials good{"user", "pass", ""};
  const Credentials bad{"user", "wrong", ""};
  const Credentials anon;

  EXPECT_TRUE(client.CheckLogin(reg.domain(), good).ok());
  absl::Status s = client.CheckLogin(reg.domain(), bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message(), "unauthorized: authentication required");
  EXPECT_EQ(client.CheckLogin(reg.domain(), anon).code(), absl::StatusCode::kUnauthenticated);

  const Reference repo = reg.Repo("private/app");
  const std::string blob = Pattern(70000, 3);
  ASSERT_TRUE(Push(client, repo, blob, 32 << 10, good).ok());
  const std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";
  Reference tagged = repo;
  tagged.tag = "latest";
  ASSERT_TRUE(client.PutManifest(tagged, kMediaTypeOciIndex, body, good).ok());

  absl::StatusOr<RegistryClient::FetchedManifest> m = client.GetManifest(tagged, good);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->media_type, kMediaTypeOciIndex);
  m = client.GetManifest(tagged, anon);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(m.status().message(), "unauthorized: authentication required");
  absl::Status f = client.FetchBlob(repo, base::Digest::Of(blob), 0, bad,
                                    [](absl::string_view) { return absl::OkStatus(); });
  EXPECT_EQ(f.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StartsWith(f.message(), "unauthorized: ")) << f;
  std::string got;
  ASSERT_TRUE(client
                  .FetchBlob(repo, base::Digest::Of(blob), 0, good,
                             [&](absl::string_view c) {
                               got.append(c.data(), c.size());
                               return absl::OkStatus();
                             })
                  .ok());
  EXPECT_TRUE(got == blob);
}

}  // namespace
}  // namespace registry
}  // namespace engine
