#include "sdk/auth_config.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <string>

#include "engine/base/file_util.h"
#include "gtest/gtest.h"

namespace sdk {
namespace {

class AuthConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/cfg";
  }
  void TearDown() override { ASSERT_TRUE(base::RemoveAll(root_).ok()); }

  std::string root_;
  std::string dir_;
};

TEST(ConvertToHostname, StripsSchemeAndPath) {
  EXPECT_EQ(ConvertToHostname("https://index.docker.io/v1/"), "index.docker.io");
  EXPECT_EQ(ConvertToHostname("http://127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(ConvertToHostname("https://r.example.com:5000/v2/"),
            "r.example.com:5000");
  EXPECT_EQ(ConvertToHostname("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(ConvertToHostname("r.example.com/some/path"), "r.example.com");
}

TEST(CredentialKey, DockerHubNamesShareOneKey) {
  for (const char* name : {"", "docker.io", "index.docker.io",
                           "registry-1.docker.io", "https://index.docker.io/v1/",
                           "https://registry-1.docker.io"}) {
    EXPECT_EQ(CredentialKey(name), "https://index.docker.io/v1/") << name;
  }
  EXPECT_EQ(CredentialKey("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(CredentialKey("http://127.0.0.1:5000/"), "127.0.0.1:5000");
  EXPECT_EQ(CredentialKey("localhost:5000"), "localhost:5000");
}

TEST(RegistryDomain, SplitsLikeDocker) {
  EXPECT_EQ(RegistryDomain("alpine"), "docker.io");
  EXPECT_EQ(RegistryDomain("library/alpine:3.19"), "docker.io");
  EXPECT_EQ(RegistryDomain("user/repo"), "docker.io");
  EXPECT_EQ(RegistryDomain("127.0.0.1:5000/x:1"), "127.0.0.1:5000");
  EXPECT_EQ(RegistryDomain("localhost/x"), "localhost");
  EXPECT_EQ(RegistryDomain("quay.io/a/b@sha256:abc"), "quay.io");
  EXPECT_EQ(RegistryDomain("index.docker.io/library/x"), "docker.io");
  EXPECT_EQ(RegistryDomain("Foo.io/x"), "docker.io");
}

TEST_F(AuthConfigTest, MissingFileIsEmpty) {
  auto file = AuthConfigFile::Load(dir_);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->auths().empty());
  EXPECT_FALSE(file->Get("docker.io").has_value());
}

TEST_F(AuthConfigTest, RoundTripWithDockerShapeAndMode0600) {
  {
    auto file = AuthConfigFile::Load(dir_);
    ASSERT_TRUE(file.ok());
    file->Set("127.0.0.1:5000", {"alice", "s3cr:et", ""});
    file->Set("docker.io", {"bob", "pw", ""});
    ASSERT_TRUE(file->Save().ok());
  }
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/config.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto text = base::ReadFile(dir_ + "/config.json");
  ASSERT_TRUE(text.ok());
  // base64("alice:s3cr:et") and base64("bob:pw") under Docker's keys.
  EXPECT_NE(text->find("\"127.0.0.1:5000\": {\n\t\t\t\"auth\": "
                       "\"YWxpY2U6czNjcjpldA==\""),
            std::string::npos)
      << *text;
  EXPECT_NE(text->find("\"https://index.docker.io/v1/\""), std::string::npos);
  EXPECT_NE(text->find("\"Ym9iOnB3\""), std::string::npos);

  auto file = AuthConfigFile::Load(dir_);
  ASSERT_TRUE(file.ok()) << file.status();
  auto a = file->Get("127.0.0.1:5000");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->username, "alice");
  EXPECT_EQ(a->password, "s3cr:et");
  auto b = file->Get("registry-1.docker.io");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->username, "bob");
  EXPECT_EQ(b->password, "pw");
}

TEST_F(AuthConfigTest, KeepsOtherMembersAndReadsLegacyKeys) {
  ASSERT_TRUE(base::MakeDirs(dir_, 0700).ok());
  ASSERT_TRUE(base::WriteFileAtomic(
                  dir_ + "/config.json",
                  R"({"psFormat": "table {{.ID}}",
                      "auths": {"https://reg.example.com/v1/": {"auth": "dTpw"}}})",
                  0600)
                  .ok());
  auto file = AuthConfigFile::Load(dir_);
  ASSERT_TRUE(file.ok()) << file.status();
  auto e = file->Get("reg.example.com");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->username, "u");
  EXPECT_EQ(e->password, "p");

  EXPECT_TRUE(file->Erase("reg.example.com"));
  EXPECT_FALSE(file->Get("reg.example.com").has_value());
  EXPECT_FALSE(file->Erase("reg.example.com"));
  ASSERT_TRUE(file->Save().ok());
  auto text = base::ReadFile(dir_ + "/config.json");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("\"psFormat\": \"table {{.ID}}\""), std::string::npos)
      << *text;
  EXPECT_EQ(text->find("reg.example.com"), std::string::npos) << *text;
}

TEST_F(AuthConfigTest, IdentityTokenRoundTrips) {
  auto file = AuthConfigFile::Load(dir_);
  ASSERT_TRUE(file.ok());
  file->Set("https://r.io", {"u", "", "tok"});
  ASSERT_TRUE(file->Save().ok());
  auto again = AuthConfigFile::Load(dir_);
  ASSERT_TRUE(again.ok());
  auto e = again->Get("r.io");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->identity_token, "tok");
  EXPECT_EQ(e->username, "u");
}

TEST_F(AuthConfigTest, CorruptFileIsInvalidArgument) {
  ASSERT_TRUE(base::MakeDirs(dir_, 0700).ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir_ + "/config.json", "{not json", 0600).ok());
  auto file = AuthConfigFile::Load(dir_);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);

  ASSERT_TRUE(base::WriteFileAtomic(dir_ + "/config.json",
                                    R"({"auths": {"x": {"auth": "bm9jb2xvbg=="}}})",
                                    0600)
                  .ok());
  file = AuthConfigFile::Load(dir_);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sdk
