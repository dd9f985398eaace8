#include "gateway/http/json_body.h"

#include <string>

#include "gtest/gtest.h"

namespace gateway {
namespace {

TEST(ParseJsonTest, ParsesDocuments) {
  absl::StatusOr<rapidjson::Document> doc = ParseJson(R"({"a":[1,{"b":"[[["}]})");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ((*doc)["a"][0].GetInt(), 1);
  EXPECT_STREQ((*doc)["a"][1]["b"].GetString(), "[[[");
}

TEST(ParseJsonTest, ReportsWhereItIsMalformed) {
  absl::StatusOr<rapidjson::Document> doc = ParseJson("{bad");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(),
            "invalid JSON: Missing a name for object member. at offset 1");
}

TEST(ParseJsonTest, DeepNestingIsAnErrorNotACrash) {
  // Megabytes of brackets: the recursive parser would overflow the stack.
  std::string deep(4 << 20, '[');
  absl::StatusOr<rapidjson::Document> doc = ParseJson(deep);
  EXPECT_TRUE(absl::IsInvalidArgument(doc.status()));

  std::string valid = std::string(kMaxJsonDepth + 1, '[') +
                      std::string(kMaxJsonDepth + 1, ']');
  doc = ParseJson(valid);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().message(), "invalid JSON: nested too deeply");

  std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJson(ok).ok());
}

TEST(ParseJsonBodyTest, EmptyAndNonObjectBodies) {
  Request r;
  EXPECT_EQ(ParseJsonBody(r).status().message(),
            "invalid JSON: got EOF while reading request body");
  EXPECT_TRUE(ParseJsonBody(r, /*required=*/false).ok());
  r.body = "[1]";
  EXPECT_EQ(ParseJsonBody(r).status().message(), "invalid JSON: expected an object");
  r.body = R"({"Image":"busybox"})";
  ASSERT_TRUE(ParseJsonBody(r).ok());
}

}  // namespace
}  // namespace gateway
