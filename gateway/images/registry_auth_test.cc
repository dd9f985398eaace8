#include "gateway/images/registry_auth.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace gateway {
namespace {

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  return doc;
}

TEST(AuthFromJsonTest, LoginBody) {
  auto auth = AuthFromJson(Parse(
      R"({"username":"alice","password":"secret","serveraddress":"myregistry.example.com"})"));
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->username(), "alice");
  EXPECT_EQ(auth->password(), "secret");
  EXPECT_EQ(auth->server_address(), "myregistry.example.com");
  EXPECT_EQ(auth->identity_token(), "");
}

TEST(AuthFromJsonTest, KeysIgnoreCaseAndAuthFillsCredentials) {
  auto auth = AuthFromJson(Parse(
      R"({"Auth":"Ym9iOnB3OmQ=","ServerAddress":"h:5000","IdentityToken":"tok","email":null})"));
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->username(), "bob");
  EXPECT_EQ(auth->password(), "pw:d");
  EXPECT_EQ(auth->server_address(), "h:5000");
  EXPECT_EQ(auth->identity_token(), "tok");
}

TEST(AuthFromJsonTest, WrongTypes) {
  EXPECT_EQ(AuthFromJson(Parse(R"({"username":5})")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AuthFromJson(Parse("[1]")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DecodeAuthHeaderTest, CliEncoding) {
  // What docker CLI 28.2.2 sent after a login (docker-api.md §4.7).
  auto auth = DecodeAuthHeader(
      "eyJ1c2VybmFtZSI6ImFsaWNlIiwicGFzc3dvcmQiOiJzZWNyZXQiLCJzZXJ2ZXJhZGRyZXNzIjoib"
      "XlyZWdpc3RyeS5leGFtcGxlLmNvbSJ9");
  EXPECT_EQ(auth.username(), "alice");
  EXPECT_EQ(auth.password(), "secret");
  EXPECT_EQ(auth.server_address(), "myregistry.example.com");
}

TEST(DecodeAuthHeaderTest, AlphabetsAndPadding) {
  // '~', '?' and '>' make the two alphabets differ ('+' and '/' vs '-' and '_').
  std::string json = R"({"username":"u","password":"~~~?~?>>>"})";
  std::string url, standard;
  absl::WebSafeBase64Escape(json, &url);  // unpadded
  absl::Base64Escape(json, &standard);     // padded, + and /
  ASSERT_NE(url, standard.substr(0, url.size()));
  EXPECT_EQ(DecodeAuthHeader(url).password(), "~~~?~?>>>");
  EXPECT_EQ(DecodeAuthHeader(standard).password(), "~~~?~?>>>");
}

TEST(DecodeAuthHeaderTest, AnonymousWhenEmptyOrInvalid) {
  EXPECT_EQ(DecodeAuthHeader("").username(), "");
  EXPECT_EQ(DecodeAuthHeader("e30=").username(), "");
  EXPECT_EQ(DecodeAuthHeader("e30").username(), "");
  EXPECT_EQ(DecodeAuthHeader("!!!not base64").username(), "");
  std::string not_json;
  absl::WebSafeBase64Escape("not json", &not_json);
  EXPECT_EQ(DecodeAuthHeader(not_json).username(), "");
}

}  // namespace
}  // namespace gateway
