#include "gateway/images/reference.h"

#include "gtest/gtest.h"

namespace gateway {
namespace {

TEST(SplitReferenceTest, DockerHubNames) {
  ReferenceParts p = SplitReference("alpine:3.19");
  EXPECT_EQ(p.domain, "docker.io");
  EXPECT_EQ(p.path, "library/alpine");
  EXPECT_EQ(p.tag, "3.19");
  EXPECT_EQ(p.digest, "");

  p = SplitReference("docker.io/library/alpine");
  EXPECT_EQ(p.domain, "docker.io");
  EXPECT_EQ(p.path, "library/alpine");
  EXPECT_EQ(p.tag, "");

  p = SplitReference("index.docker.io/myrepo/app:v1");
  EXPECT_EQ(p.domain, "docker.io");
  EXPECT_EQ(p.path, "myrepo/app");
  EXPECT_EQ(p.tag, "v1");
}

TEST(SplitReferenceTest, RegistriesAndDigests) {
  ReferenceParts p = SplitReference("127.0.0.1:5000/team/app@sha256:abcd");
  EXPECT_EQ(p.domain, "127.0.0.1:5000");
  EXPECT_EQ(p.path, "team/app");
  EXPECT_EQ(p.tag, "");
  EXPECT_EQ(p.digest, "sha256:abcd");

  p = SplitReference("localhost/x:1");
  EXPECT_EQ(p.domain, "localhost");
  EXPECT_EQ(p.path, "x");
  EXPECT_EQ(p.tag, "1");

  p = SplitReference("localhost:5000/x");
  EXPECT_EQ(p.domain, "localhost:5000");
  EXPECT_EQ(p.tag, "");
}

TEST(FamiliarStringTest, DropsDefaultPrefixes) {
  EXPECT_EQ(FamiliarString(SplitReference("docker.io/library/alpine:latest")),
            "alpine:latest");
  EXPECT_EQ(FamiliarString(SplitReference("docker.io/myrepo/app:v1")), "myrepo/app:v1");
  EXPECT_EQ(FamiliarString(SplitReference("docker.io/library/a/b")), "library/a/b");
  EXPECT_EQ(FamiliarString(SplitReference("h.example.com/team/app:1.0")),
            "h.example.com/team/app:1.0");
  EXPECT_EQ(FamiliarString(SplitReference("busybox@sha256:ab")), "busybox@sha256:ab");
}

TEST(IsDigestTest, RecognisesAlgorithmAndHex) {
  EXPECT_TRUE(IsDigest("sha256:" + std::string(64, 'a')));
  EXPECT_TRUE(IsDigest("sha512:" + std::string(128, '0')));
  EXPECT_FALSE(IsDigest("latest"));
  EXPECT_FALSE(IsDigest("v1:2"));
  EXPECT_FALSE(IsDigest("sha256:xyz"));
  EXPECT_FALSE(IsDigest(":" + std::string(64, 'a')));
}

TEST(WithTagOrDigestTest, ComposesQueryParameters) {
  EXPECT_EQ(WithTagOrDigest("docker.io/library/alpine", "latest"),
            "docker.io/library/alpine:latest");
  EXPECT_EQ(WithTagOrDigest("alpine", ""), "alpine");
  EXPECT_EQ(WithTagOrDigest("alpine:3.19", ""), "alpine:3.19");
  EXPECT_EQ(WithTagOrDigest("alpine:", ""), "alpine");
  EXPECT_EQ(WithTagOrDigest("alpine:3.19", "edge"), "alpine:edge");
  EXPECT_EQ(WithTagOrDigest("localhost:5000/x", "1"), "localhost:5000/x:1");
  std::string digest = "sha256:" + std::string(64, 'b');
  EXPECT_EQ(WithTagOrDigest("busybox", digest), "busybox@" + digest);
  EXPECT_EQ(WithTagOrDigest("busybox:1@sha256:cc", "2"), "busybox:2");
}

TEST(NotFoundNameTest, AsDockerdWordsIt) {
  EXPECT_EQ(NotFoundName("nosuch"), "nosuch:latest");
  EXPECT_EQ(NotFoundName("docker.io/library/hello-world"), "hello-world:latest");
  EXPECT_EQ(NotFoundName("nosuch/img:v2"), "nosuch/img:v2");
  EXPECT_EQ(NotFoundName("localhost:5000/x"), "localhost:5000/x:latest");
  std::string hex(64, 'c');
  EXPECT_EQ(NotFoundName(hex), "sha256:" + hex);
  EXPECT_EQ(NotFoundName("sha256:" + hex), "sha256:" + hex);
  EXPECT_EQ(NotFoundName("0123456789ab"), "0123456789ab:latest");
  EXPECT_EQ(NotFoundName("x@sha256:" + hex), "x@sha256:" + hex);
}

TEST(ParsePlatformTest, Forms) {
  auto p = ParsePlatform("linux/arm64/v8");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->os(), "linux");
  EXPECT_EQ(p->architecture(), "arm64");
  EXPECT_EQ(p->variant(), "v8");

  p = ParsePlatform("linux/amd64");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->architecture(), "amd64");
  EXPECT_EQ(p->variant(), "");

  p = ParsePlatform("amd64");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->os(), "linux");
  EXPECT_EQ(p->architecture(), "amd64");

  p = ParsePlatform("linux");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->os(), "linux");
  EXPECT_EQ(p->architecture(), "");

  EXPECT_EQ(ParsePlatform("linux//v8").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePlatform("a/b/c/d").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gateway
