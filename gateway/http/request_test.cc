#include "gateway/http/request.h"

#include "gateway/http/api_error.h"
#include "gateway/http/json_body.h"
#include "gtest/gtest.h"

namespace gateway {
namespace {

TEST(ParseTargetTest, StripsVersionAndDecodesQuery) {
  Request r;
  ASSERT_TRUE(ParseTarget("/v1.41/containers/json?all=1&filters=%7B%22a%22%3A1%7D&x=a+b", &r).ok());
  EXPECT_EQ(r.path, "/containers/json");
  EXPECT_EQ(r.version.ToString(), "1.41");
  EXPECT_TRUE(r.QueryBool("all"));
  EXPECT_EQ(r.Query("filters"), "{\"a\":1}");
  EXPECT_EQ(r.Query("x"), "a b");
}

TEST(ParseTargetTest, UnversionedPathGetsNewestVersion) {
  Request r;
  ASSERT_TRUE(ParseTarget("/_ping", &r).ok());
  EXPECT_EQ(r.path, "/_ping");
  EXPECT_TRUE(r.version == kMaxApiVersion);
}

TEST(ParseTargetTest, RefusesVersionsOutsideTheRange) {
  Request r;
  absl::Status old = ParseTarget("/v1.12/info", &r);
  EXPECT_EQ(old.message(),
            "client version 1.12 is too old. Minimum supported API version is 1.24, "
            "please upgrade your client to a newer version");
  EXPECT_EQ(HttpStatusFor(old), 409);
  EXPECT_EQ(ParseTarget("/v1.99/info", &r).message(),
            "client version 1.99 is too new. Maximum supported API version is 1.50");
  EXPECT_EQ(ParseTarget("/v1.x/info", &r).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/info?a=%zz", &r).code(), absl::StatusCode::kInvalidArgument);
}

TEST(RequestTest, BoolAndIntFollowDocker) {
  Request r;
  ASSERT_TRUE(ParseTarget("/x?a=no&b=False&c=none&d=0&e=yes&t=10&bad=1x", &r).ok());
  for (const char* k : {"a", "b", "c", "d", "missing"}) EXPECT_FALSE(r.QueryBool(k)) << k;
  EXPECT_TRUE(r.QueryBool("e"));
  EXPECT_EQ(*r.QueryInt("t", -1), 10);
  EXPECT_EQ(*r.QueryInt("missing", -1), -1);
  EXPECT_EQ(r.QueryInt("bad", 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonBodyTest, ErrorsSayInvalidJson) {
  Request r;
  r.body = "{\"Image\": ";
  auto bad = ParseJsonBody(r);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(HttpStatusFor(bad.status()), 400);
  EXPECT_EQ(bad.status().message().substr(0, 13), "invalid JSON:");
  r.body = "";
  EXPECT_FALSE(ParseJsonBody(r).ok());
  EXPECT_TRUE(ParseJsonBody(r, /*required=*/false).ok());
  r.body = "[1]";
  EXPECT_FALSE(ParseJsonBody(r).ok());
  r.body = "{\"a\":\"b\"}";
  EXPECT_EQ(ToJson(*ParseJsonBody(r)), "{\"a\":\"b\"}");
}

TEST(ApiErrorTest, MessageIsEscaped) {
  EXPECT_EQ(ErrorJson("No such \"x\""), "{\"message\":\"No such \\\"x\\\"\"}");
  EXPECT_EQ(HttpStatusFor(absl::NotFoundError("")), 404);
  EXPECT_EQ(HttpStatusFor(absl::AlreadyExistsError("")), 409);
  EXPECT_EQ(HttpStatusFor(absl::InternalError("")), 500);
}

}  // namespace
}  // namespace gateway
