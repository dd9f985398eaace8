#include "engine/registry/reference.h"

#include <string>

#include "gtest/gtest.h"

namespace engine {
namespace registry {
namespace {

const char kHex[] = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

struct ValidCase {
  const char* input;
  const char* domain;
  const char* path;
  const char* tag;
  const char* digest;
  const char* familiar;
};

TEST(ReferenceTest, ParsesAndNormalisesDockerCases) {
  const std::string d = std::string("sha256:") + kHex;
  const ValidCase cases[] = {
      {"hello-world", "docker.io", "library/hello-world", "latest", "", "hello-world:latest"},
      {"ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", "", "ubuntu:22.04"},
      {"docker.io/ubuntu", "docker.io", "library/ubuntu", "latest", "", "ubuntu:latest"},
      {"index.docker.io/library/debian", "docker.io", "library/debian", "latest", "",
       "debian:latest"},
      {"index.docker.io/docker/docker", "docker.io", "docker/docker", "latest", "",
       "docker/docker:latest"},
      {"fooo/bar", "docker.io", "fooo/bar", "latest", "", "fooo/bar:latest"},
      {"library/foo/bar", "docker.io", "library/foo/bar", "latest", "",
       "library/foo/bar:latest"},
      {"test_com/foo", "docker.io", "test_com/foo", "latest", "", "test_com/foo:latest"},
      {"localhost/app", "localhost", "app", "latest", "", "localhost/app:latest"},
      {"localhost:5000/x", "localhost:5000", "x", "latest", "", "localhost:5000/x:latest"},
      {"127.0.0.1:5000/private/moonbase:v1", "127.0.0.1:5000", "private/moonbase", "v1", "",
       "127.0.0.1:5000/private/moonbase:v1"},
      {"example.com:8000/privatebase", "example.com:8000", "privatebase", "latest", "",
       "example.com:8000/privatebase:latest"},
      {"xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", "latest", "",
       "xn--n3h.com:18080/foo:latest"},
      {"[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker", "latest", "",
       "[fc00::1]:5000/docker/docker:latest"},
      {"Foo/bar", "Foo", "bar", "latest", "", "Foo/bar:latest"},
      {"192.168.0.1", "docker.io", "library/192.168.0.1", "latest", "", "192.168.0.1:latest"},
      {"192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", "", "192.168.0.1:80"},
      {"dock__er/do-c---ker", "docker.io", "dock__er/do-c---ker", "latest", "",
       "dock__er/do-c---ker:latest"},
      {"docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
       "docker.io", "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
       "latest", "",
       "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest"},
      {"app:Tag_1.x-Y", "docker.io", "library/app", "Tag_1.x-Y", "", "app:Tag_1.x-Y"},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<Reference> ref = ParseReference(c.input);
    ASSERT_TRUE(ref.ok()) << ref.status();
    EXPECT_EQ(ref->domain, c.domain);
    EXPECT_EQ(ref->path, c.path);
    EXPECT_EQ(ref->tag, c.tag);
    EXPECT_EQ(ref->digest, c.digest);
    EXPECT_EQ(ref->Familiar(), c.familiar);
    absl::StatusOr<Reference> again = ParseReference(ref->String());
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, *ref);
  }
}

TEST(ReferenceTest, DigestAndTagAndDigest) {
  const std::string d = std::string("sha256:") + kHex;
  absl::StatusOr<Reference> ref = ParseReference("redis@" + d);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->tag, "");
  EXPECT_EQ(ref->digest, d);
  EXPECT_EQ(ref->String(), "docker.io/library/redis@" + d);
  EXPECT_EQ(ref->Familiar(), "redis@" + d);

  ref = ParseReference("busybox:latest@" + d);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->tag, "latest");
  EXPECT_EQ(ref->String(), "docker.io/library/busybox:latest@" + d);
  EXPECT_EQ(ref->Familiar(), "busybox:latest@" + d);
  EXPECT_EQ(ref->Name(), "docker.io/library/busybox");
  EXPECT_EQ(ref->FamiliarName(), "busybox");

  ref = ParseReference("localhost:5000/a/b@" + d);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->domain, "localhost:5000");
  EXPECT_EQ(ref->path, "a/b");
}

TEST(ReferenceTest, RejectsInvalidWithDockerMessages) {
  struct InvalidCase {
    std::string input;
    std::string message;
  };
  const InvalidCase cases[] = {
      {"", "invalid reference format"},
      {"https://github.com/docker/docker", "invalid reference format"},
      {"docker/Docker", "invalid reference format: repository name must be lowercase"},
      {"docker.io/docker/Docker", "invalid reference format: repository name must be lowercase"},
      {"Ubuntu", "invalid reference format: repository name must be lowercase"},
      {"-docker", "invalid reference format"},
      {"-docker/docker", "invalid reference format"},
      {"docker-/docker", "invalid reference format"},
      {"-docker.io/docker/docker", "invalid reference format"},
      {"docker///docker", "invalid reference format"},
      {"docker.io/docker///docker", "invalid reference format"},
      {"[fc00::1]", "invalid reference format"},
      {"[fc00::1]:5000", "invalid reference format"},
      {"fc00::1:5000/debian", "invalid reference format"},
      {"[fe80::1%eth0]:5000/debian", "invalid reference format"},
      {"____/____", "invalid reference format"},
      {"_docker/_docker", "invalid reference format"},
      {"dock..er/docker", "invalid reference format"},
      {"dock_.er/docker", "invalid reference format"},
      {"dock-.er/docker", "invalid reference format"},
      {"docker/", "invalid reference format"},
      {"foo:", "invalid reference format"},
      {"foo:-bar", "invalid reference format"},
      {"foo:" + std::string(129, 'a'), "invalid reference format"},
      {"foo@sha256:abc", "invalid reference format"},
      {"foo@", "invalid reference format"},
      {"a.b_c/foo", "invalid reference format"},
      {"foo@md5:" + std::string(32, 'a'), "unsupported digest algorithm"},
      {"foo@sha256:" + std::string(40, 'a'), "invalid checksum digest length"},
      {std::string(kHex),
       std::string("invalid repository name (") + kHex +
           "), cannot specify 64-byte hexadecimal strings"},
      {"a/" + std::string(254, 'b'), "repository name must not be more than 255 characters"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<Reference> ref = ParseReference(c.input);
    ASSERT_FALSE(ref.ok()) << ref->String();
    EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ref.status().message(), c.message);
  }
  // 254 'b' under "library/" is 262 > 255; exactly 255 is fine.
  EXPECT_TRUE(ParseReference("a/" + std::string(253, 'b')).ok());
  EXPECT_TRUE(ParseReference("foo:" + std::string(128, 'a')).ok());
}

TEST(ReferenceTest, ParseRepositoryAddsNoTag) {
  absl::StatusOr<Reference> ref = ParseRepository("user/app");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->tag, "");
  EXPECT_EQ(ref->String(), "docker.io/user/app");
  EXPECT_EQ(ref->Familiar(), "user/app");
  ref = ParseRepository("user/app:v2");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->tag, "v2");
}

// Found by reference_fuzz_test: "librarocker.io/liae8bbe" names registry
// librarocker.io, not the Docker Hub repository the reference was parsed from.
TEST(ReferenceTest, FamiliarKeepsDockerHubWhenThePathLooksLikeARegistry) {
  for (const char* text : {"docker.io/librarocker.io/liae8bbe", "docker.io/a.b/c",
                           "docker.io/localhost/app", "docker.io/index.docker.io/x"}) {
    absl::StatusOr<Reference> ref = ParseReference(text);
    ASSERT_TRUE(ref.ok()) << text << ": " << ref.status();
    EXPECT_EQ(ref->domain, "docker.io") << text;
    absl::StatusOr<Reference> again = ParseReference(ref->Familiar());
    ASSERT_TRUE(again.ok()) << ref->Familiar();
    EXPECT_EQ(*again, *ref) << text << " -> " << ref->Familiar();
  }
  absl::StatusOr<Reference> ref = ParseReference("docker.io/librarocker.io/liae8bbe");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->Familiar(), "docker.io/librarocker.io/liae8bbe:latest");
  ref = ParseReference("docker.io/user/app");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->Familiar(), "user/app:latest");
}

TEST(ReferenceTest, RegistryHostsAndLoopback) {
  EXPECT_EQ(RegistryHost("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(RegistryHost("index.docker.io"), "registry-1.docker.io");
  EXPECT_EQ(RegistryHost("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_TRUE(IsDockerHub("https://index.docker.io/v1/"));
  EXPECT_FALSE(IsDockerHub("quay.io"));
  EXPECT_TRUE(IsLoopbackDomain("localhost"));
  EXPECT_TRUE(IsLoopbackDomain("localhost:5000"));
  EXPECT_TRUE(IsLoopbackDomain("127.0.0.1:5000"));
  EXPECT_TRUE(IsLoopbackDomain("127.3.4.5"));
  EXPECT_TRUE(IsLoopbackDomain("[::1]:5000"));
  EXPECT_FALSE(IsLoopbackDomain("128.0.0.1:5000"));
  EXPECT_FALSE(IsLoopbackDomain("[fc00::1]:5000"));
  EXPECT_FALSE(IsLoopbackDomain("docker.io"));
  EXPECT_FALSE(IsLoopbackDomain("localhost.example.com"));
}

}  // namespace
}  // namespace registry
}  // namespace engine
