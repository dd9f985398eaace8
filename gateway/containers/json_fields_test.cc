#include "gateway/containers/json_fields.h"

#include "gtest/gtest.h"

namespace gateway {
namespace {

rapidjson::Document Parse(const char* text) {
  rapidjson::Document d;
  d.Parse(text);
  return d;
}

TEST(JsonFields, AbsentAndNullLeaveDefaults) {
  rapidjson::Document d = Parse(R"({"User":null,"Cmd":null})");
  JsonFields f(&d, "");
  EXPECT_EQ(f.String("User"), "");
  EXPECT_FALSE(f.Strings("Cmd").has_value());
  EXPECT_FALSE(f.OptionalInt("StopTimeout").has_value());
  EXPECT_FALSE(f.Bool("Tty"));
  EXPECT_TRUE(f.Object("HostConfig").StringMap("Labels").empty());
  EXPECT_TRUE(f.status().ok());
}

TEST(JsonFields, KeysMatchCaseInsensitivelyExactFirst) {
  rapidjson::Document d = Parse(R"({"user":"a","User":"b","workingdir":"/w"})");
  JsonFields f(&d, "");
  EXPECT_EQ(f.String("User"), "b");
  EXPECT_EQ(f.String("WorkingDir"), "/w");
}

TEST(JsonFields, StringOrListForStrSlice) {
  rapidjson::Document d = Parse(R"({"Cmd":"echo hi","Env":"X=1"})");
  JsonFields f(&d, "");
  EXPECT_EQ(*f.Strings("Cmd", true), std::vector<std::string>{"echo hi"});
  EXPECT_TRUE(f.status().ok());
  EXPECT_FALSE(f.Strings("Env").has_value());
  EXPECT_EQ(f.status().message(),
            "invalid JSON: json: cannot unmarshal string into Go struct field Env of "
            "type []string");
}

TEST(JsonFields, TypeErrorsNameTheNestedFieldAndStick) {
  rapidjson::Document d = Parse(R"({"HostConfig":{"Memory":"1g","CpuShares":"x"}})");
  JsonFields f(&d, "");
  JsonFields host = f.Object("HostConfig");
  EXPECT_EQ(host.Int("Memory"), 0);
  host.Int("CpuShares");
  EXPECT_TRUE(absl::IsInvalidArgument(f.status()));
  EXPECT_EQ(f.status().message(),
            "invalid JSON: json: cannot unmarshal string into Go struct field "
            "HostConfig.Memory of type int64");
}

TEST(JsonFields, IntegersAndFractions) {
  rapidjson::Document d = Parse(R"({"A":5,"B":2.0,"C":2.5,"D":-1})");
  JsonFields f(&d, "");
  EXPECT_EQ(f.Int("A"), 5);
  EXPECT_EQ(f.Int("B"), 2);
  EXPECT_EQ(f.Int("D"), -1);
  EXPECT_TRUE(f.status().ok());
  f.Int("C");
  EXPECT_FALSE(f.status().ok());
}

TEST(JsonFields, MapsKeysAndObjectLists) {
  rapidjson::Document d = Parse(
      R"({"Labels":{"a":"1"},"Volumes":{"/v":{}},"Ulimits":[{"Name":"nofile"}],"Bad":{"x":1}})");
  JsonFields f(&d, "");
  EXPECT_EQ(f.StringMap("Labels").at("a"), "1");
  EXPECT_EQ(f.Keys("Volumes"), std::vector<std::string>{"/v"});
  std::vector<JsonFields> ul = f.Objects("Ulimits");
  ASSERT_EQ(ul.size(), 1u);
  EXPECT_EQ(ul[0].String("Name"), "nofile");
  EXPECT_TRUE(f.status().ok());
  EXPECT_TRUE(f.StringMap("Bad").empty());
  EXPECT_FALSE(f.status().ok());
}

TEST(JsonFields, NonObjectIsAnError) {
  rapidjson::Document d = Parse(R"({"HostConfig":[1]})");
  JsonFields f(&d, "");
  f.Object("HostConfig");
  EXPECT_FALSE(f.status().ok());
}

}  // namespace
}  // namespace gateway
